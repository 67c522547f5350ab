"""The fixed cost of a request on PostgreSQL (docs/perf-notes/server.md): a no-op pull runs its two
statements outside any transaction (no BEGIN, ROLLBACK or pool ping round trips), and giving up the
ping on every checkout still replaces connections PostgreSQL has closed."""

from __future__ import annotations

import pytest
from sqlalchemy import event, text

from tests.server.databases import PG_URL, fresh_database
from tests.server.live import app_in_process, log_in

VILLAGE = "150422100201"
pytestmark = pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (TD_TEST_PG_URL)")


def _terminate_others(url: str) -> int:
    """Terminate the database's other backends (as a restart or an administrator does) and wait until
    they are gone, i.e. have sent their FATAL message and closed."""
    import time

    import psycopg
    from sqlalchemy import make_url

    parsed = make_url(url)
    others = "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    with psycopg.connect(host=parsed.host, port=parsed.port, user=parsed.username, password=parsed.password,
                         dbname=parsed.database, autocommit=True) as conn:
        count = conn.execute(f"SELECT count(pg_terminate_backend(pid)) {others}").fetchone()[0]
        deadline = time.monotonic() + 10
        while conn.execute(f"SELECT count(*) {others}").fetchone()[0] and time.monotonic() < deadline:
            time.sleep(0.05)
    return count


def test_connections_closed_by_postgresql_are_replaced_without_a_ping_per_checkout(tmp_path):
    from server.db import make_server_engine

    with fresh_database("postgresql", tmp_path) as url:
        engine = make_server_engine(url)
        pings: list[str] = []
        event.listen(engine, "before_cursor_execute", lambda _c, _cur, sql, *_a: pings.append(sql))
        try:
            connections = [engine.connect() for _ in range(3)]  # three pooled connections
            for conn in connections:
                conn.execute(text("SELECT 1"))
                conn.close()
            assert _terminate_others(url) >= 3
            for _ in range(5):  # every one of them found dead and replaced: no request fails
                with engine.connect() as conn:
                    assert conn.execute(text("SELECT 2")).scalar() == 2
        finally:
            engine.dispose()


def test_a_no_op_pull_is_two_statements_outside_a_transaction(tmp_path, monkeypatch):
    from fastapi.testclient import TestClient

    with fresh_database("postgresql", tmp_path) as url, app_in_process(url, tmp_path, monkeypatch) as (app, lab):
        username = lab.add_user("village_cadre", VILLAGE)
        seen: list[tuple[str, bool]] = []
        for engine in (app.state.engine, app.state.async_reads.kw["bind"].sync_engine):  # pulls: the latter
            event.listen(engine, "before_cursor_execute", lambda conn, _cur, sql, *_a: seen.append(
                (sql.split()[0].lower() + " " + sql.split()[1].lower(), conn.connection.dbapi_connection.autocommit)))
        with TestClient(app) as http:
            headers = log_in(http, username)
            first = http.get("/api/v1/sync/pull", headers=headers)
            cursor = first.json()["next_cursor"]
            headers["X-Server-Epoch"] = first.headers["X-Server-Epoch"]
            http.get("/api/v1/sync/pull", params={"cursor": cursor}, headers=headers)
            seen.clear()
            answer = http.get("/api/v1/sync/pull", params={"cursor": cursor}, headers=headers)
        assert answer.status_code == 200 and answer.json()["records"] == []
        assert len(seen) == 2, seen  # the tombstone horizon with the cursor (td_sync_upper), the page
        assert all(autocommit for _sql, autocommit in seen), seen  # no BEGIN / ROLLBACK round trips
        assert "gzip" in answer.headers["Accept-Encoding"] and answer.headers["X-Installation-Id"]


def test_a_pooled_connection_whose_socket_is_gone_is_replaced(tmp_path):
    """A connection back in the pool whose libpq socket was already dropped (libpq closes it when it
    reads the end of the stream: a disconnect SQLAlchemy did not recognise as one) has no file
    descriptor to test; the checkout must ping it and reconnect — as pool_pre_ping did — not fail."""
    from server.db import make_server_engine

    with fresh_database("postgresql", tmp_path) as url:
        engine = make_server_engine(url)
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
                raw = conn.connection.dbapi_connection
            raw.pgconn.finish()  # the socket gone while the connection lies in the pool
            with engine.connect() as conn:
                assert conn.execute(text("SELECT 2")).scalar() == 2
        finally:
            engine.dispose()


def test_the_servers_connections_plan_for_a_database_in_memory(tmp_path):
    """Every engine the server makes (the thread pool's, the pulls' asyncio one, a standby's) plans with
    random_page_cost 1.1, so a village's pages are read from its own scope index; options the
    database URL gives itself are kept."""
    import asyncio

    from server.db import STANDBY_CONNECT_TIMEOUT, make_async_reads, make_server_engine

    with fresh_database("postgresql", tmp_path) as url:
        own = url + ("&" if "?" in url else "?") + "options=-c%20work_mem%3D7MB"
        for engine in (make_server_engine(url), make_server_engine(own, STANDBY_CONNECT_TIMEOUT)):
            with engine.connect() as conn:
                assert conn.execute(text("SHOW random_page_cost")).scalar() == "1.1"
                if engine.url.query:
                    assert conn.execute(text("SHOW work_mem")).scalar() == "7MB"
            engine.dispose()

        async def async_setting() -> str:
            sessions = make_async_reads(url)
            async with sessions() as session:
                value = (await session.execute(text("SHOW random_page_cost"))).scalar()
            await sessions.kw["bind"].dispose()
            return value
        assert asyncio.run(async_setting()) == "1.1"
