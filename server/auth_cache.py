"""Bearer-token authentication without a database round trip per request: a short-lived cache, per
server process, of who a token hash belongs to.

A hit costs one HMAC and a dict look-up; a miss reads the device and its user in one query on a
session of its own (never the request's: on SQLite that read would open the WAL snapshot a push's
write then fails to upgrade) and writes `last_seen_at` at most once a minute per device. An entry is
trusted for `Settings.auth_cache_seconds` (default 5 s); the token's own expiry is checked on every
hit. Revoking a device, disabling a user, logging out and renewing take effect at once in the worker
that served them (the entries are dropped) and in every other worker and host within the cache's
lifetime — a revocation honoured "within seconds", as the accounts rules allow."""

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
    """Token hash → principal, each entry trusted for `ttl` seconds. Thread-safe (sync handlers run
    in a thread pool)."""

    def __init__(self, ttl: float):
        self.ttl = ttl
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> _Entry | None:
        entry = self._entries.get(key)
        if entry is None or time.monotonic() - entry.fetched >= self.ttl:
            return None
        return entry

    def put(self, key: str, who: Principal, expires_at: dt.datetime) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[key] = _Entry(who, expires_at, time.monotonic())

    def forget(self, *, device_id: str | None = None, user_id: str | None = None) -> None:
        """Drop the entries of a device or of every device of a user (revoked, logged out, renewed,
        disabled), so this process refuses the old token at once."""
        with self._lock:
            for key in [k for k, e in self._entries.items()
                        if e.who.device_id == device_id or e.who.user_id == user_id]:
                del self._entries[key]


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
    now = utcnow()
    with sessions() as session:
        row = session.connection().execute(_WHO, {"token_hash": key}).first()
        refusal = _refusal(row, now)
        if refusal is None and (row.last_seen_at is None or now - row.last_seen_at > dt.timedelta(minutes=1)):
            session.connection().execute(_SEEN, {"device_id": row.device_id, "now": now})  # once a minute a device
        end_read(session)  # most requests of a city's PCs, syncing minutes apart, miss this cache
    if refusal is not None:
        raise refusal
    who = Principal(row.user_id, row.username, row.role, row.scope_prefix, row.department_code, row.device_id)
    cache.put(key, who, row.token_expires_at)
    return who
