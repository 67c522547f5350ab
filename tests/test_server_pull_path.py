"""The pull's short path (server.pull_path, decision 0028): a GET with a plain query is answered by the
request middleware before FastAPI's router, every other request by the FastAPI route, both through
one handler. Pinned here: the two give the same answers byte for byte (status, body, headers) for
good and bad requests, on SQLite and PostgreSQL; revocation and expiry are honoured; on PostgreSQL
the page is read over the asyncio engine (no thread), whose pool is disposed when the app stops;
SQLite keeps its thread."""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid

import pytest
import requests

from server.models import Device
from server.pull_path import plain_query
from sync.wire import SCHEMA_VERSION
from tests.server.databases import PG_URL, fresh_database
from tests.server.fixtures import server_fixture  # noqa: F401
from tests.server.live import app_in_process, log_in

VILLAGE = "150422100201"
_VARYING = {"date", "x-request-id", "server"}


def _answer(server, query: str, headers: dict) -> tuple[int, bytes, list]:
    r = requests.get(f"{server.api}/sync/pull?{query}", headers=headers, timeout=60)
    kept = [(k.lower(), v) for k, v in r.raw.headers.items() if k.lower() not in _VARYING]
    return r.status_code, r.content, kept


def _both(server, query: str, headers: dict) -> tuple[int, bytes, list]:
    """The answer of the short path (a plain query) and, asserted equal, the FastAPI route's (the same
    query with a parameter the route ignores, which the short path leaves to it)."""
    fast = _answer(server, query, headers)
    routed = _answer(server, (query + "&" if query else "") + "via=route", headers)
    assert fast == routed, (query, headers)
    return fast


def test_plain_queries_only():
    assert plain_query(b"") == (0, 500)
    assert plain_query(b"cursor=12&limit=1000") == (12, 1000)
    assert plain_query(b"limit=3&cursor=007") == (7, 3)
    for odd in (b"cursor=1&cursor=2", b"limit=0", b"cursor=-1", b"cursor=1e3", b"cursor=%31", b"cursor=",
                b"cursor=1&", b"cursor=1&via=x", b"cursor=1234567890123456789", b"limit=+5"):
        assert plain_query(odd) is None, odd


def test_the_short_path_answers_as_the_route_does(server):
    cadre = server.user_client("village_cadre", VILLAGE)
    headers = cadre.headers()
    status, body, kept = _both(server, "cursor=0&limit=1", headers)  # a full page: cacheable
    assert status == 200 and b'"has_more":true' in body
    assert dict(kept)["cache-control"] == "public, max-age=31536000, immutable" and dict(kept)["etag"]
    assert dict(kept)["x-td-read-from"] == "primary" and dict(kept)["x-installation-id"]
    head = requests.get(f"{server.api}/sync/pull", params={"cursor": 0, "limit": 2000}, headers=headers).json()
    while head["has_more"]:
        head = requests.get(f"{server.api}/sync/pull", params={"cursor": head["next_cursor"], "limit": 2000},
                            headers=headers).json()
    status, body, kept = _both(server, f"cursor={head['next_cursor']}&limit=1000", headers)  # a no-op pull
    assert status == 200 and dict(kept)["cache-control"] == "private, no-store" and "etag" not in dict(kept)
    assert _both(server, "", headers)[0] == 200  # the defaults

    english = {**headers, "Accept-Language": "en-GB,en;q=0.9"}
    refusals = {
        "no token": ({k: v for k, v in headers.items() if k != "Authorization"}, 401, "not_authenticated"),
        "unknown token": ({**headers, "Authorization": "Bearer nope"}, 401, "not_authenticated"),
        "wrong scheme": ({**headers, "Authorization": "Basic " + cadre.token}, 401, "not_authenticated"),
        "no schema version": ({k: v for k, v in english.items() if k != "X-Schema-Version"}, 400,
                              "schema_version_missing"),
        "old schema": ({**english, "X-Schema-Version": "0"}, 426, "upgrade_required"),
        "bad schema": ({**headers, "X-Schema-Version": "v2"}, 426, "upgrade_required"),
        "new schema": ({**headers, "X-Schema-Version": str(SCHEMA_VERSION + 1)}, 409, "server_outdated"),
        "no schema, no token": ({"Accept-Language": "en"}, 400, "schema_version_missing"),  # the route's order
    }
    for name, (sent, status, code) in refusals.items():
        got, body, _kept = _both(server, "cursor=0&limit=5", sent)
        assert (got, requests.models.complexjson.loads(body)["error"]["code"]) == (status, code), name
    assert b"Please" in _both(server, "cursor=0", {"Accept-Language": "en", "X-Schema-Version": str(SCHEMA_VERSION)})[1]


def test_bad_query_values_get_the_routes_validation_errors(server):
    cadre = server.user_client("village_cadre", VILLAGE)
    for query, where in (("cursor=-1", "query.cursor"), ("cursor=abc", "query.cursor"), ("limit=0", "query.limit"),
                         (f"cursor={2**62 + 1}", "query.cursor")):
        r = requests.get(f"{server.api}/sync/pull?{query}", headers={**cadre.headers(), "Accept-Language": "en"})
        assert r.status_code == 422, query
        assert r.json()["error"]["code"] == "invalid_request" and where in r.json()["error"]["message"]
    assert requests.post(f"{server.api}/sync/pull", headers=cadre.headers()).status_code == 405
    assert requests.head(f"{server.api}/sync/pull", headers=cadre.headers()).status_code == 405


def test_revoked_and_expired_devices_are_refused_on_the_short_path(server):
    admin = server.user_client("township_admin", "150422100")
    cadre = server.user_client("village_cadre", VILLAGE)
    assert cadre.pull().status_code == 200  # cached now
    assert admin.post(f"/devices/{cadre.device_id}/revoke", json={"wipe": True}).status_code == 200
    status, body, _ = _both(server, "cursor=0", cadre.headers())
    error = requests.models.complexjson.loads(body)["error"]
    assert status == 403 and error["code"] == "device_revoked" and error["wipe"] is True

    expired = server.user_client("village_cadre", VILLAGE)  # never used: not cached
    with server.session() as s:
        s.get(Device, expired.device_id).token_expires_at = dt.datetime(2020, 1, 1)
        s.commit()
    status, body, _ = _both(server, "cursor=0", expired.headers())
    assert status == 401 and b"token_expired" in body


def test_the_access_log_names_the_route_and_the_caller(server):
    cadre = server.user_client("village_cadre", VILLAGE)
    for query in ("cursor=0&limit=1", "cursor=0&limit=1&via=route", "cursor=-1"):
        requests.get(f"{server.api}/sync/pull?{query}", headers=cadre.headers(), timeout=60)
    time.sleep(0.3)  # let the server flush its log lines
    entries = [json.loads(line) for line in server.log_text().splitlines() if cadre.device_id in line]
    pulls = [(e["path"], e["status"]) for e in entries if e["logger"] == "server.access"]
    assert pulls[-3:] == [("/sync/pull", 200), ("/sync/pull", 200), ("/sync/pull", 422)]


@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (TD_TEST_PG_URL)")
def test_on_postgresql_pulls_run_on_the_loop_and_the_pool_is_disposed_at_shutdown(tmp_path, monkeypatch):
    from fastapi.testclient import TestClient

    import server.pull_path as pull_path
    from server.store.tables import DeviceSyncState

    threads: list[object] = []
    monkeypatch.setattr(pull_path, "_page_in_thread", lambda *a: threads.append(a))  # SQLite's way
    with fresh_database("postgresql", tmp_path) as url, \
            app_in_process(url, tmp_path, monkeypatch, TD_PULL_NOTE_SECONDS="0") as (app, lab):  # every pull notes
        username = lab.add_user("village_cadre", VILLAGE)
        pool = app.state.async_reads.kw["bind"].pool
        with TestClient(app) as http:
            device = str(uuid.uuid4())
            headers = log_in(http, username, device)
            page = http.get("/api/v1/sync/pull", params={"cursor": 0, "limit": 3}, headers=headers)
            assert page.status_code == 200 and page.headers["X-TD-Read-From"] == "primary"
            assert pool.checkedin() >= 1 and not threads
            with lab.session() as s:
                assert s.get(DeviceSyncState, device).pulled_to == page.json()["next_cursor"]
        assert pool.checkedin() == 0  # the lifespan disposed the asyncio engine


def test_sqlite_keeps_its_thread(tmp_path, monkeypatch):
    from server.app import create_app
    from server.config import load_settings

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'city.db'}")
    monkeypatch.setenv("TD_SECRET_KEY", "test-secret-key-for-the-suite")
    monkeypatch.setenv("TD_SERVER_DATA_DIR", str(tmp_path / "data"))
    app = create_app(load_settings())
    try:
        assert app.state.async_reads is None and app.state.async_replica is None
    finally:
        app.state.engine.dispose()


def test_windows_servers_keep_the_thread_for_postgresql(monkeypatch):
    """psycopg's async driver cannot run on Windows' default (proactor) event loop: there the pulls
    on PostgreSQL keep their worker thread (server.db.make_async_reads answers None)."""
    import asyncio
    import sys

    from server.db import dispose_async_reads, make_async_reads

    url = "postgresql://city:pw@127.0.0.1:9/citydb"  # never connected to
    maker = make_async_reads(url)
    assert maker is not None and maker.kw["bind"].dialect.is_async
    asyncio.run(dispose_async_reads(maker))
    monkeypatch.setattr(sys, "platform", "win32")
    assert make_async_reads(url) is None
    assert make_async_reads("sqlite:///x.db") is None


@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (TD_TEST_PG_URL)")
def test_the_pulls_pool_replaces_connections_postgresql_closed_without_a_ping_per_checkout(tmp_path):
    import asyncio

    from sqlalchemy import event, text

    from server.db import dispose_async_reads, make_async_reads
    from tests.test_server_request_cost import _terminate_others

    async def work(url: str, reads) -> None:
        sent: list[str] = []
        engine = reads.kw["bind"].sync_engine
        event.listen(engine, "before_cursor_execute", lambda _c, _cur, sql, *_a: sent.append(sql))
        ping = engine.dialect.do_ping
        engine.dialect.do_ping = lambda dbapi: sent.append("ping") or ping(dbapi)
        sessions = [reads() for _ in range(3)]  # three pooled connections
        for session in sessions:
            await session.execute(text("SELECT 1"))
        for session in sessions:
            await session.close()
        sent.clear()
        async with reads() as session:  # a healthy idle connection: taken without a ping
            assert await session.scalar(text("SELECT 2")) == 2
        assert sent == ["SELECT 2"], sent
        assert await asyncio.to_thread(_terminate_others, url) >= 3
        for _ in range(5):  # every one found dead (its socket readable) and replaced: no pull fails
            async with reads() as session:
                assert await session.scalar(text("SELECT 3")) == 3
        assert "ping" in sent

    with fresh_database("postgresql", tmp_path) as url:
        reads = make_async_reads(url)
        try:
            asyncio.run(work(url, reads))
        finally:
            asyncio.run(dispose_async_reads(reads))
