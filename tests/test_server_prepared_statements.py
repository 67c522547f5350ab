"""A city server's statements stay prepared on their connections, and the push's run on their generic
plans (PostgreSQL).

psycopg prepares a statement once it has run five times on a connection, and drops every statement it
prepared when the connection rolls back. A bearer token missing the per-worker cache was read in a
session that closed with a ROLLBACK: in a city, whose PCs sync minutes apart and so mostly miss the
cache, the connection then lost its prepared statements, and the pushes that took it next planned
each statement again. And PostgreSQL plans a prepared statement whose parameters are lists
(`id = ANY(:ids)`) afresh on every run: the plan made for the list it is given looks cheaper than the
generic plan made for a list of unknown length, though both read the primary key. In a 100-PC mix
most of the push's statements were so planned every time, ~1 ms for the numbering statement alone.
The push now runs its transaction on generic plans (server.store.push_sql.GENERIC_PLANS)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from db.ids import new_id
from server import db as server_db
from server.accounts import create_user, login
from server.auth_cache import PrincipalCache, authenticate_cached
from server.config import load_settings
from server.store import push
from sync.wire import SCHEMA_VERSION
from tests.server.databases import PG_URL, fresh_database
from tests.server.live import PASSWORD, TEST_ENV
from tests.test_sync_merge import household

pytestmark = pytest.mark.skipif(not PG_URL, reason="prepared statements are PostgreSQL's")
PROBE = "SELECT count(*) FROM sync_counter WHERE id = :one"


@pytest.fixture
def one_connection(tmp_path, monkeypatch):
    """The server's engine and sessions on a database of their own, with a pool of one connection (so
    every session of the test runs on the same one)."""
    for key, value in TEST_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(server_db, "POOL_SIZE", 1)
    with fresh_database("postgresql", tmp_path) as url:
        engine = server_db.make_server_engine(url)
        server_db.upgrade(engine)
        yield engine, server_db.session_factory(engine)
        engine.dispose()


def _prepared(engine) -> dict[str, tuple[int, int]]:
    """The statements prepared on the pool's connection: text → (generic plans, custom plans) run."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements")).all()
        conn.commit()
    return {statement: (generic, custom) for statement, generic, custom in rows}


def test_a_token_read_from_the_database_leaves_the_connections_prepared_statements(one_connection):
    engine, sessions = one_connection
    settings = load_settings()
    with sessions() as session:
        create_user(session, settings, "cadre", PASSWORD, "village_cadre", "320508019001")
        token = login(session, settings, username="cadre", password=PASSWORD, device_id=new_id(), device_name="PC",
                      public_key=None, address="127.0.0.1", now=dt.datetime.now(dt.UTC).replace(tzinfo=None)).token
        session.commit()
    with engine.connect() as conn:
        for _ in range(6):
            conn.execute(text(PROBE), {"one": 1}).all()
        conn.commit()
    assert any("sync_counter" in s for s in _prepared(engine)), "psycopg prepared the probe"
    no_cache = PrincipalCache(ttl=0)  # every call a miss: the first writes last_seen_at, the next only read
    for _ in range(3):
        assert authenticate_cached(no_cache, sessions, settings, token).username == "cadre"
        assert any("sync_counter" in s for s in _prepared(engine)), "a miss dropped the prepared statements"


def test_the_push_plans_its_statements_once_a_connection(one_connection):
    _engine, sessions = one_connection
    engine = _engine
    device, record = new_id(), new_id()
    for seq in range(1, 13):
        change = {"change_id": new_id(), "device_id": device, "device_seq": seq, "entity": "household",
                  "record_id": record, "op": "upsert",
                  "fields": household() if seq == 1 else {"notes": f"第{seq}次"}, "base": {},
                  "hlc": f"{1_800_000_000_000 + seq:013d}-00000-{device}", "schema_version": SCHEMA_VERSION}
        with sessions() as session:
            [answer] = push(session, device, "cadre", [change], 1_800_000_000_000 + seq)
            session.commit()
        assert answer.outcome == "accepted"
    plans = {s: p for s, p in _prepared(engine).items() if "sync_applied_changes" in s or "td_take_numbers" in s}
    assert len(plans) >= 2, plans  # the answers' read and the numbering statement, prepared
    for statement, (generic, custom) in plans.items():
        assert generic > 0 and custom == 0, (statement[:80], generic, custom)


def test_a_history_feed_request_leaves_the_connections_prepared_statements(one_connection, monkeypatch):
    """The desktop follows the feed after every sync that moved anything (one side request a push): its
    short path read in a session closed by ROLLBACK, as the token miss did."""
    from types import SimpleNamespace

    from server import feed_path
    from server.auth_cache import Principal

    engine, sessions = one_connection
    with engine.connect() as conn:
        for _ in range(6):
            conn.execute(text(PROBE), {"one": 1}).all()
        conn.commit()
    who = Principal("u", "staff", "township_staff", "320508019", None, new_id())
    for query in ({"after": 0, "limit": 500}, {"after": 0, "limit": 500, "upper": 0, "marks": True}):
        answer = feed_path._answer(SimpleNamespace(sessions=sessions), who, query)
        assert answer["entries"] == [] and answer["has_more"] is False  # an empty city: nothing to follow
        assert ("marks" in answer) == bool(query.get("marks"))
        assert any("sync_counter" in s for s in _prepared(engine)), "the feed dropped the prepared statements"
