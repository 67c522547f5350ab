"""Bearer-token authentication without a database round trip per request: a cache, per server
process, of who a token hash belongs to.

A hit costs one HMAC and a dict look-up; a miss reads the device and its user in one query on a
session of its own (never the request's: on SQLite that read would open the WAL snapshot a push's
write then fails to upgrade) and writes `last_seen_at` at most once a minute per device. A miss
about doubles the cost of a sync with nothing new, and a city's PCs sync minutes apart, so an
entry is kept for `Settings.auth_cache_hold_seconds` (default 15 minutes) — but trusted past
`Settings.auth_cache_seconds` (default 5 s) only while the process hears every change to who may
use a token: once a second it reads the devices and users whose token checks changed
(server.auth_changes, written by database triggers however the row was changed) and drops them.
If that read fails, entries older than `auth_cache_seconds` are read again. The token's own
expiry is checked on every hit. Revoking a device, disabling a user, logging out, renewing and a
change of role or scope therefore take effect at once in the worker that served them (the entries
are dropped) and in every other worker and host within `auth_cache_seconds` — a revocation
honoured "within seconds", as the accounts rules allow. Decision 0049."""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass

from sqlalchemy import bindparam, select, update

from server.accounts import token_hash, utcnow
from server.config import Settings
from server.db import end_read
from server.errors import ApiError
from server.models import Device, User

MAX_ENTRIES = 100_000  # ~10 MB; past it the cache starts again empty (a burst of new tokens)


@dataclass(frozen=True)
class Principal:
    """Who is calling: the user (from the token, never from a payload) and their device."""

    user_id: str
    username: str
    role: str
    scope_prefix: str
    department_code: str | None
    device_id: str


@dataclass(frozen=True)
class _Entry:
    who: Principal
    token_expires_at: dt.datetime
    fetched: float  # time.monotonic() when read from the database


class PrincipalCache:
    """Token hash → principal. An entry is trusted for `ttl` seconds after it was read, and up to
    `hold` seconds while the process hears the changes to who may use a token (`heard`: the last
    read of them started less than `ttl` seconds ago). Thread-safe (sync handlers run in a thread
    pool)."""

    def __init__(self, ttl: float, hold: float = 0.0):
        self.ttl = ttl
        self.hold = max(hold, ttl)
        self.heard_at = float("-inf")  # time.monotonic() when the last read of the changes started
        self._entries: dict[str, _Entry] = {}
        self._by_device: dict[str, set[str]] = {}  # device id → its keys, user id → its devices' keys
        self._by_user: dict[str, set[str]] = {}
        self._dropped: dict[str, float] = {}  # device or user id → time.monotonic() it was last dropped
        self._lock = threading.Lock()

    def get(self, key: str) -> _Entry | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        now = time.monotonic()
        age = now - entry.fetched
        if age < self.ttl or (age < self.hold and now - self.heard_at < self.ttl):
            return entry
        return None

    def put(self, key: str, who: Principal, expires_at: dt.datetime, asked: float | None = None) -> None:
        """Keep what a read that started at `asked` (time.monotonic()) found. Not kept when the read
        took longer than `ttl` (it may have waited for a lock a revoking transaction held), or when
        the device or user was dropped since it started: the change that dropped them may have
        committed after the read's snapshot and been heard for the last time before this put."""
        if self.ttl <= 0:
            return
        now = time.monotonic()
        if asked is not None and now - asked > self.ttl:
            return
        with self._lock:
            if asked is None:
                asked = now
            elif max(self._dropped.get(who.device_id, -1.0), self._dropped.get(who.user_id, -1.0)) >= asked:
                return
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
                self._by_device.clear()
                self._by_user.clear()
            self._entries[key] = _Entry(who, expires_at, asked)
            self._by_device.setdefault(who.device_id, set()).add(key)
            self._by_user.setdefault(who.user_id, set()).add(key)

    def forget(self, *, device_id: str | None = None, user_id: str | None = None) -> None:
        """Drop the entries of a device or of every device of a user (revoked, logged out, renewed,
        disabled), so this process refuses the old token at once."""
        self._drop({device_id} - {None}, {user_id} - {None})

    def heard(self, started: float, device_ids: set[str], user_ids: set[str]) -> None:
        """The changes read by a read that started at `started` (time.monotonic()): drop their
        principals, then trust the other entries as heard up to then."""
        self._drop(device_ids, user_ids)
        self.heard_at = started

    def _drop(self, device_ids: set, user_ids: set) -> None:
        if not device_ids and not user_ids:
            return
        with self._lock:
            now = time.monotonic()
            if len(self._dropped) > 10_000:  # only reads still running matter, and they last < ttl
                self._dropped = {k: at for k, at in self._dropped.items() if now - at <= self.ttl}
            self._dropped.update(dict.fromkeys(device_ids | user_ids, now))
            keys = set().union(*(self._by_device.pop(d, ()) for d in device_ids),
                               *(self._by_user.pop(u, ()) for u in user_ids))
            for key in keys:
                entry = self._entries.pop(key, None)
                if entry is not None:  # its other index entry goes too
                    self._by_device.get(entry.who.device_id, set()).discard(key)
                    self._by_user.get(entry.who.user_id, set()).discard(key)


# A miss's read and its once-a-minute write, built once and run over the tables' plain columns: an ORM
# read of the device and its user cost several times the query itself (every sync of a PC that syncs
# less often than the cache keeps an entry misses once).
_devices, _users = Device.__table__.c, User.__table__.c
_WHO = (select(_devices.id.label("device_id"), _devices.revoked, _devices.wipe, _devices.token_expires_at,
               _devices.last_seen_at, _users.id.label("user_id"), _users.username, _users.role, _users.scope_prefix,
               _users.department_code, _users.active)
        .select_from(Device.__table__.join(User.__table__, _users.id == _devices.user_id))
        .where(_devices.token_hash == bindparam("token_hash")))
_SEEN = update(Device.__table__).where(_devices.id == bindparam("device_id")).values(last_seen_at=bindparam("now"))


def cached_principal(cache: PrincipalCache, settings: Settings, token: str) -> Principal | None:
    """The principal of a bearer token when the cache holds it (no database, no I/O: called on the
    event loop), None when the database must be asked (`authenticate_cached`)."""
    entry = cache.get(token_hash(settings, token))
    if entry is None:
        return None
    if entry.token_expires_at <= utcnow():
        raise ApiError(401, "token_expired")
    return entry.who


def _refusal(row, now: dt.datetime) -> ApiError | None:
    """Why the token of `row` (None: no such token) may not be used now, or None."""
    if row is None:
        return ApiError(401, "not_authenticated")
    if row.revoked:
        return ApiError(403, "device_revoked", extra={"wipe": row.wipe})
    if row.token_expires_at is None or row.token_expires_at <= now:
        return ApiError(401, "token_expired")
    if not row.active:
        return ApiError(403, "user_disabled")
    return None


def authenticate_cached(cache: PrincipalCache, sessions, settings: Settings, token: str) -> Principal:
    """The principal of a bearer token, from the cache or from the database (see the module doc)."""
    who = cached_principal(cache, settings, token)
    if who is not None:
        return who
    key = token_hash(settings, token)
    now, asked = utcnow(), time.monotonic()
    with sessions() as session:
        row = session.connection().execute(_WHO, {"token_hash": key}).first()
        refusal = _refusal(row, now)
        if refusal is None and (row.last_seen_at is None or now - row.last_seen_at > dt.timedelta(minutes=1)):
            session.connection().execute(_SEEN, {"device_id": row.device_id, "now": now})  # once a minute a device
        end_read(session)  # most requests of a city's PCs, syncing minutes apart, miss this cache
    if refusal is not None:
        raise refusal
    who = Principal(row.user_id, row.username, row.role, row.scope_prefix, row.department_code, row.device_id)
    cache.put(key, who, row.token_expires_at, asked)
    return who
