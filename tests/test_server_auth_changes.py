"""The token cache keeps a checked token for minutes while it hears every change to who may use a
token (server.auth_changes, decision 0049): triggers on `devices` and `users` write those changes
however the row was changed, each worker reads them once a second, and a cached entry older than
`auth_cache_seconds` is trusted only while those reads succeed. Tested on SQLite and PostgreSQL:
the triggers, the cache's rule, the reading loop with a database that fails, and a live app whose
entries outlive `auth_cache_seconds` without a query while a revocation written straight to the
database is still refused within it."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import threading
import time
import uuid

import pytest
from sqlalchemy import event

from server import auth_cache, auth_changes
from server.auth_cache import Principal, PrincipalCache
from server.auth_changes import heard_changes, listen
from server.db import make_server_engine, session_factory, upgrade
from server.models import Device, User
from server.store.tables import ServerBase
from tests.server.databases import BACKENDS, fresh_database

VILLAGE = "150422100201"
LATER = dt.datetime(2099, 1, 1)


def _who(device: str, user: str = "u1") -> Principal:
    return Principal(user, "cadre", "village_cadre", VILLAGE, None, device)


@pytest.fixture(params=[(backend, made) for backend in BACKENDS for made in ("migrated", "from_metadata")],
                ids=lambda p: "-".join(p))
def database(request, tmp_path):
    """A database made by the migrations, or from the models' metadata as some tests and the
    simulation make theirs (the triggers come with the metadata's DDL events there)."""
    backend, made = request.param
    with fresh_database(backend, tmp_path) as url:
        engine = make_server_engine(url)
        if made == "migrated":
            upgrade(engine)
        else:
            ServerBase.metadata.create_all(engine)
        try:
            yield session_factory(engine)
        finally:
            engine.dispose()


def _account(sessions) -> tuple[str, str]:
    user_id, device_id = str(uuid.uuid4()), str(uuid.uuid4())
    now = dt.datetime(2026, 12, 7)
    with sessions() as s:
        s.add(User(id=user_id, username=f"u_{user_id[:8]}", role="village_cadre", scope_prefix=VILLAGE,
                   password_hash="x", created_at=now))
        s.flush()
        s.add(Device(id=device_id, user_id=user_id, token_hash=uuid.uuid4().hex, token_expires_at=LATER,
                     created_at=now))
        s.commit()
    return user_id, device_id


def _heard(sessions) -> tuple[set[str], set[str]]:
    with sessions() as s:
        devices, users, _mark = heard_changes(s)
        return devices, users


def test_the_triggers_note_every_change_to_who_may_use_a_token_and_nothing_else(database):
    user_id, device_id = _account(database)
    assert _heard(database) == (set(), set())  # a new account needs no one to check again
    with database() as s:
        s.get(Device, device_id).last_seen_at = dt.datetime(2026, 12, 7, 8)  # once a minute per device
        s.get(Device, device_id).name = "另一台"
        s.get(User, user_id).display_name = "张三"
        s.commit()
    assert _heard(database) == (set(), set())

    for change in (lambda d, u: setattr(d, "revoked", True), lambda d, u: setattr(d, "token_hash", "renewed"),
                   lambda d, u: setattr(d, "token_expires_at", dt.datetime(2020, 1, 1)),
                   lambda d, u: setattr(d, "wipe", True),
                   lambda d, u: setattr(d, "user_id", _account(database)[0])):  # the device moved to another user
        other_user, other_device = _account(database)
        with database() as s:
            change(s.get(Device, other_device), s.get(User, other_user))
            s.commit()
        assert other_device in _heard(database)[0]
    for change in (lambda u: setattr(u, "active", False), lambda u: setattr(u, "role", "grid_worker"),
                   lambda u: setattr(u, "scope_prefix", "150422100202"), lambda u: setattr(u, "username", "renamed"),
                   lambda u: setattr(u, "department_code", "civil")):
        other_user, _device = _account(database)
        with database() as s:
            change(s.get(User, other_user))
            s.commit()
        assert other_user in _heard(database)[1]

    with database() as s:  # deleted rows too
        s.delete(s.get(Device, device_id))
        s.flush()
        s.delete(s.get(User, user_id))
        s.commit()
    devices, users = _heard(database)
    assert device_id in devices and user_id in users


def test_a_rolled_back_change_is_not_heard(database):
    _user, device_id = _account(database)
    with database() as s:
        s.get(Device, device_id).revoked = True
        s.flush()
        s.rollback()
    assert device_id not in _heard(database)[0]


class _Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_entry_outlives_the_ttl_only_while_the_changes_are_heard(monkeypatch):
    clock = _Clock()
    monkeypatch.setattr(auth_cache.time, "monotonic", clock)
    cache = PrincipalCache(ttl=5, hold=900)
    cache.put("k1", _who("d1"), LATER)
    clock.now += 4
    assert cache.get("k1") is not None  # within the ttl: trusted as before
    clock.now += 2
    assert cache.get("k1") is None  # past it, and nothing heard yet
    cache.heard(clock.now, set(), set())
    clock.now += 4.9
    assert cache.get("k1") is not None  # heard 4.9 s ago: trusted
    clock.now += 0.2
    assert cache.get("k1") is None  # the reads stopped (the database is away): checked again
    cache.heard(clock.now, set(), set())
    clock.now = 1000 + 899
    cache.heard(clock.now, set(), set())
    assert cache.get("k1") is not None
    clock.now = 1000 + 901
    cache.heard(clock.now, set(), set())
    assert cache.get("k1") is None  # held no longer than `hold`


def test_heard_changes_drop_their_devices_and_every_device_of_their_users(monkeypatch):
    clock = _Clock()
    monkeypatch.setattr(auth_cache.time, "monotonic", clock)
    cache = PrincipalCache(ttl=5, hold=900)
    for key, device, user in (("a", "d1", "u1"), ("b", "d2", "u1"), ("c", "d3", "u2"), ("d", "d4", "u3")):
        cache.put(key, _who(device, user), LATER)
    cache.heard(clock.now, {"d3"}, {"u1"})
    assert [k for k in "abcd" if cache.get(k)] == ["d"]
    cache.put("a", _who("d1", "u1"), LATER)  # read again after the change: cached again
    cache.forget(device_id="d4")
    assert [k for k in "abcd" if cache.get(k)] == ["a"]
    cache.heard(clock.now, {"d1"}, set())  # a change still in the window is heard again: dropped again
    assert [k for k in "abcd" if cache.get(k)] == []


def test_a_token_read_that_a_change_overtook_is_not_kept(database, monkeypatch):
    """A miss reads the device, and before it stores what it read the listener drops that device
    (a revocation committed after the read's snapshot: on PostgreSQL the miss's once-a-minute
    last_seen_at write even waits for the revoking transaction's row lock). If the change was heard
    for the last time then (a long transaction: outside the 60-s window, behind the horizon), a
    stored entry would be trusted for the whole hold. And a read slower than the ttl is not kept."""
    from server.accounts import token_hash
    from server.auth_cache import authenticate_cached, cached_principal
    from server.config import Settings

    clock = _Clock()
    monkeypatch.setattr(auth_cache.time, "monotonic", clock)
    settings = Settings(secret_key="k")
    cache = PrincipalCache(ttl=5, hold=900)
    user_id, device_id = _account(database)
    with database() as s:
        s.get(Device, device_id).token_hash = token_hash(settings, "tok")
        s.commit()

    def overtaken():  # the listener hears the device's change while the miss reads
        cache.heard(clock.now, {device_id}, set())
        clock.now += 0.01
        return database()

    assert authenticate_cached(cache, overtaken, settings, "tok").device_id == device_id  # read before the change
    assert cached_principal(cache, settings, "tok") is None, "a read the change overtook was kept"

    def slow():  # the read waited longer than the ttl (a lock)
        clock.now += 6
        return database()

    cache.heard(clock.now, set(), set())
    authenticate_cached(cache, slow, settings, "tok")
    assert cached_principal(cache, settings, "tok") is None, "a read slower than the ttl was kept"

    authenticate_cached(cache, database, settings, "tok")  # an ordinary miss is kept
    assert cached_principal(cache, settings, "tok").device_id == device_id


async def _listening(cache, sessions, period: float, seconds: float) -> None:
    """Run the reading loop for `seconds`, then cancel it as the app's shutdown does."""
    task = asyncio.create_task(listen(cache, sessions, period=period))
    await asyncio.sleep(seconds)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


def test_the_reading_loop_keeps_going_when_the_database_fails(caplog):
    cache = PrincipalCache(ttl=5, hold=900)
    calls = []

    def failing():
        calls.append(1)
        raise OSError("connection refused")

    with caplog.at_level(logging.WARNING, logger="server.auth_changes"):
        asyncio.run(_listening(cache, failing, period=0.01, seconds=0.3))
    assert len(calls) > 3  # tried again and again
    assert cache.heard_at == float("-inf")  # never trusted past the ttl meanwhile
    warnings = [r for r in caplog.records if r.name == "server.auth_changes"]
    assert len(warnings) == 1 and "OSError" in warnings[0].getMessage()  # said once, not every second


def test_the_reading_loop_outlives_a_failure_after_the_read(database, monkeypatch, caplog):
    """The loop is one task per worker, awaited only at shutdown: if it died, the worker would fall
    back to reading every token each ttl without a word in the log."""
    cache = PrincipalCache(ttl=5, hold=900)
    real, calls = PrincipalCache.heard, []

    def heard_once_failing(self, *args):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("a bug")
        real(self, *args)

    monkeypatch.setattr(PrincipalCache, "heard", heard_once_failing)

    with caplog.at_level(logging.WARNING, logger="server.auth_changes"):
        asyncio.run(_listening(cache, database, period=0.05, seconds=0.5))
    assert cache.heard_at > float("-inf"), "the loop stopped after a failure"
    assert [r for r in caplog.records if "RuntimeError" in r.getMessage()]


def test_the_reads_go_on_while_every_request_thread_is_busy(database):
    """Slow requests (pushes waiting for SQLite's write lock, a slow disk) can fill the thread pool
    the handlers share; the reads of the changes must not queue behind them, or every entry older
    than the ttl becomes a miss just when the server is busiest."""
    from anyio import to_thread

    cache = PrincipalCache(ttl=5, hold=900)
    release = threading.Event()

    async def run() -> float:
        slots = int(to_thread.current_default_thread_limiter().total_tokens)
        busy = [asyncio.create_task(to_thread.run_sync(release.wait)) for _ in range(slots)]
        await asyncio.sleep(0.2)
        task = asyncio.create_task(listen(cache, database, period=0.05))
        await asyncio.sleep(1.5)
        heard = cache.heard_at
        release.set()
        await asyncio.gather(*busy)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return heard

    assert asyncio.run(run()) > float("-inf"), "the changes were not read while the request threads were busy"


@contextlib.contextmanager
def _live_app(backend, tmp_path, monkeypatch, ttl: int):
    """A live app (TestClient) whose tokens are trusted `ttl` seconds, held 900 while heard; yields
    (http, lab, engine's statements, headers of a village cadre's device, that device's id)."""
    from fastapi.testclient import TestClient

    from tests.server.live import app_in_process, log_in

    with fresh_database(backend, tmp_path) as url, \
            app_in_process(url, tmp_path, monkeypatch, TD_AUTH_CACHE_SECONDS=str(ttl),
                           TD_AUTH_CACHE_HOLD_SECONDS="900") as (app, lab):
        username = lab.add_user("village_cadre", VILLAGE)
        statements: list[str] = []
        event.listen(app.state.engine, "before_cursor_execute",
                     lambda _c, _cur, sql, *_a: statements.append(sql.lower()))
        with TestClient(app) as http:
            device = str(uuid.uuid4())
            yield http, lab, statements, log_in(http, username, device), device


def _refused_within(http, headers, seconds: float) -> None:
    started = time.monotonic()
    while http.get("/api/v1/me", headers=headers).status_code == 200:
        assert time.monotonic() - started < seconds, "revocation not honoured within the ttl"
        time.sleep(0.1)
    answer = http.get("/api/v1/me", headers=headers)
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "device_revoked"


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_live_app_keeps_tokens_past_the_ttl_and_still_honours_a_revocation_within_it(backend, tmp_path,
                                                                                        monkeypatch):
    ttl = 3
    with _live_app(backend, tmp_path, monkeypatch, ttl) as (http, lab, statements, headers, device):
        assert http.get("/api/v1/me", headers=headers).status_code == 200  # cached
        time.sleep(ttl + 0.5)
        statements.clear()
        for _ in range(5):
            assert http.get("/api/v1/me", headers=headers).status_code == 200
        accounts = [s for s in statements if "from devices" in s or "join users" in s]
        assert accounts == [], "a token older than the ttl was read again though the changes were heard"

        with lab.session() as s:  # what another worker, host or the security CLI does
            s.get(Device, device).revoked = True
            s.commit()
        _refused_within(http, headers, ttl + 5)


@pytest.mark.skipif("postgresql" not in BACKENDS, reason="needs TD_TEST_PG_URL")
def test_a_revocation_committed_long_after_its_update_is_still_heard(tmp_path, monkeypatch):
    """An operator in psql (or a GUI client in manual-commit mode) revokes a device and commits a
    while later: the trigger stamped the row when the UPDATE ran, so a read of "the last
    WINDOW_SECONDS" alone no longer looks that far back once the change becomes visible."""
    from sqlalchemy import text

    ttl, window = 2, 2
    monkeypatch.setattr(auth_changes, "WINDOW_SECONDS", window)
    monkeypatch.setattr(auth_changes, "OWN_EVERY", 2)  # reads with ids of their own while the operator's is open
    with _live_app("postgresql", tmp_path, monkeypatch, ttl) as (http, lab, _statements, headers, device):
        assert http.get("/api/v1/me", headers=headers).status_code == 200  # cached
        with lab.engine.connect() as operator:
            operator.execute(text("UPDATE devices SET revoked = true, wipe = true WHERE id = :id"), {"id": device})
            time.sleep(window + 2)  # reading, thinking, then COMMIT
            assert http.get("/api/v1/me", headers=headers).status_code == 200  # not committed yet
            operator.commit()
        _refused_within(http, headers, ttl + 3)
