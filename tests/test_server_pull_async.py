"""The pull's asyncio engine on PostgreSQL (server.db.make_async_reads, decision 0028) under the
failures a city server meets: PostgreSQL closing the pool's connections (a restart, an
administrator, an idle timeout), a pull cancelled while its statement runs (a client gone, a
shutdown), and an error raised inside the greenlet. Each must leave the pool usable and empty of
checked-out connections, and no statement running on in PostgreSQL for a cancelled pull."""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy import text

from sync.wire import SCHEMA_VERSION
from tests.server.databases import PG_URL, fresh_database
from tests.server.live import app_in_process, log_in
from tests.test_server_request_cost import _terminate_others

VILLAGE = "150422100201"
pytestmark = pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (TD_TEST_PG_URL)")


@pytest.fixture
def pg_app(tmp_path, monkeypatch):
    from fastapi.testclient import TestClient

    with fresh_database("postgresql", tmp_path) as url, app_in_process(url, tmp_path, monkeypatch) as (app, lab):
        username = lab.add_user("village_cadre", VILLAGE)
        with TestClient(app) as http:
            yield app, http, log_in(http, username), url


def _pull(http, headers):
    return http.get("/api/v1/sync/pull", params={"cursor": 0, "limit": 5}, headers=headers)


def test_pulls_survive_postgresql_closing_the_pools_connections(pg_app):
    app, http, headers, url = pg_app
    assert _pull(http, headers).status_code == 200
    pool = app.state.async_reads.kw["bind"].pool
    assert pool.checkedin() >= 1
    assert _terminate_others(url) >= 1  # the asyncio pool's idle connections among them
    for _ in range(3):
        answer = _pull(http, headers)
        assert answer.status_code == 200, answer.text
    assert pool.checkedout() == 0


def _sleeping(seconds: float):
    import server.pull_path as pull_path

    real = pull_path._page

    def page(session, *args):
        session.execute(text(f"SELECT pg_sleep({seconds})"))
        return real(session, *args)

    return page


def _running_sleeps(url: str) -> int:
    import psycopg
    from sqlalchemy import make_url

    p = make_url(url)
    with psycopg.connect(host=p.host, port=p.port, user=p.username, password=p.password, dbname=p.database,
                         autocommit=True) as conn:
        return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE "
                            "'SELECT pg_sleep%' AND pid <> pg_backend_pid()").fetchone()[0]


def test_a_cancelled_pull_returns_its_connection_and_stops_its_statement(pg_app, monkeypatch):
    import server.pull_path as pull_path
    from server.auth_cache import authenticate_cached

    app, http, headers, url = pg_app
    state = app.state
    who = authenticate_cached(state.principals, state.sessions, state.settings,
                              headers["Authorization"].split()[1])
    monkeypatch.setattr(pull_path, "_page", _sleeping(5))

    async def cancelled() -> None:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(pull_path.pull_answer(state, who, 0, 5, SCHEMA_VERSION), 0.5)
        await asyncio.sleep(0.2)

    started = time.monotonic()
    http.portal.call(cancelled)
    assert time.monotonic() - started < 3  # the cancellation is not held up by the statement
    monkeypatch.undo()
    pool = state.async_reads.kw["bind"].pool
    assert pool.checkedout() == 0
    deadline = time.monotonic() + 2
    while _running_sleeps(url) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _running_sleeps(url) == 0  # PostgreSQL is not left running the cancelled pull's statement
    for _ in range(3):
        answer = _pull(http, headers)
        assert answer.status_code == 200, answer.text


def test_an_error_inside_the_greenlet_returns_the_connection(pg_app, monkeypatch):
    import server.pull_path as pull_path

    app, http, headers, url = pg_app

    def failing(session, *args):
        session.execute(text("SELECT 1 / 0"))

    monkeypatch.setattr(pull_path, "_page", failing)
    with pytest.raises(Exception, match="division by zero"):  # the test client re-raises the server's error
        http.get("/api/v1/sync/pull", params={"cursor": 0, "limit": 5}, headers=headers)
    monkeypatch.undo()
    assert app.state.async_reads.kw["bind"].pool.checkedout() == 0
    assert _pull(http, headers).status_code == 200
