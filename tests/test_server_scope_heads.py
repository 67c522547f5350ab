"""A pull reads its scope's version heads part by part, each in server order from its own index
(server.store.read.scope_in_order, server migrations 0023 and 0024 — the history feed reads the change log so): the page must be exactly the heads the
plain scope test selects, for every kind of scope, and a village's or a township's page must not
come from a scan of the whole city's changes."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from sqlalchemy import event, insert, select
from sqlalchemy.orm import Session

from server.db import make_server_engine, upgrade
from server.store.common import in_scope
from server.store.read import _scope_heads, scope_in_order
from server.store.tables import ChangeLogEntry, RecordVersion
from sync.wire import PUSH_ONLY_ENTITIES
from tests.server.databases import BACKENDS, fresh_database
from tests.server.plans import load_analysed

TOWNSHIP, OTHER = "150422100", "150422101"
VILLAGE, GRID = "150422100201", "150422100201003"
# every kind of region code a head can carry: the city, the county, townships, villages, grids
REGIONS = ["", "150422", TOWNSHIP, OTHER, VILLAGE, "150422100202", GRID, "150422100202001",
           OTHER + "201", OTHER + "201001", "1504221002", "15042210020"]
FEED = ("household", "person", "task", "task_target", "case")
SCOPES = ["", "150422", TOWNSHIP, VILLAGE, GRID, OTHER + "201"]


def _heads(seed: int) -> list[dict]:
    rnd = random.Random(seed)
    seqs = rnd.sample(range(1, 5000), 1500)
    entities = ["household", "person", "case", "task", *sorted(PUSH_ONLY_ENTITIES)]
    return [{"entity": rnd.choice(entities), "record_id": f"r{n:05d}", "server_seq": seq,
             "region_code": rnd.choice(REGIONS), "field_versions": {}} for n, seq in enumerate(seqs)]


@pytest.fixture(params=BACKENDS)
def heads_db(request, tmp_path):
    with fresh_database(request.param, tmp_path) as url:
        engine = make_server_engine(url)
        upgrade(engine)
        rows = _heads(20261206)
        load_analysed(engine, (RecordVersion, rows), (ChangeLogEntry, [  # the same rows as log entries, for the feed
            {"server_seq": r["server_seq"], "change_id": r["record_id"], "device_id": "d", "entity": r["entity"],
             "record_id": r["record_id"], "op": "upsert", "fields": {}, "hlc": "h", "region_code": r["region_code"],
             "recorded_at": dt.datetime(2026, 12, 6)} for r in rows]))
        yield engine, rows
        engine.dispose()


def test_each_scope_reads_exactly_its_heads_in_server_order(heads_db):
    engine, rows = heads_db
    rnd = random.Random(7)
    with Session(engine) as s:
        for scope in SCOPES:
            for _ in range(12):
                cursor, limit = rnd.randrange(0, 5000), rnd.choice([1, 7, 64, 1001])
                upper = rnd.randrange(cursor, 5001)
                plain = s.execute(
                    select(RecordVersion.entity, RecordVersion.record_id, RecordVersion.server_seq)
                    .where(RecordVersion.server_seq > cursor, RecordVersion.server_seq <= upper,
                           in_scope(RecordVersion.region_code, scope),
                           RecordVersion.entity.not_in(PUSH_ONLY_ENTITIES))
                    .order_by(RecordVersion.server_seq).limit(limit)).all()
                assert _scope_heads(s, scope, cursor, upper, limit) == [tuple(r) for r in plain], (scope, cursor)
                feed = s.execute(
                    select(ChangeLogEntry.server_seq, ChangeLogEntry.entity, ChangeLogEntry.record_id)
                    .where(ChangeLogEntry.server_seq > cursor, ChangeLogEntry.server_seq <= upper,
                           in_scope(ChangeLogEntry.region_code, scope), ChangeLogEntry.entity.in_(FEED))
                    .order_by(ChangeLogEntry.server_seq).limit(limit)).all()
                assert scope_in_order(s, ChangeLogEntry, ("server_seq", "entity", "record_id"), scope, cursor, upper,
                                      limit, only=FEED) == [tuple(r) for r in feed], (scope, cursor)


def test_a_village_and_a_township_read_their_own_index(heads_db):
    """The query's scope test is the indexed expression, so the scope key's index can serve it.
    (A table this small is read whole by PostgreSQL's planner, so it is asked not to; at a city's
    size it picks the index by itself — docs/perf-notes/server.md has the plans.)"""
    engine, _rows = heads_db
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("SET enable_seqscan = off")
        for scope, index in ((VILLAGE, "record_versions_scope12_seq"), (TOWNSHIP, "record_versions_scope9_seq"),
                             (VILLAGE, "change_log_scope12_seq")):
            statements = []

            def capture(_conn, _cursor, statement, params, _context, _many, into=statements):
                into.append((statement, params))

            event.listen(conn, "before_cursor_execute", capture)
            with Session(bind=conn) as s:
                if "change_log" in index:
                    scope_in_order(s, ChangeLogEntry, ("server_seq", "entity", "record_id"), scope, 100, 4000, 501,
                                   only=FEED)
                else:
                    _scope_heads(s, scope, 100, 4000, 1001)
            event.remove(conn, "before_cursor_execute", capture)
            statement, params = statements[-1]
            prefix = "EXPLAIN " if engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
            plan = " ".join(str(row) for row in conn.exec_driver_sql(prefix + statement, params))
            assert f"ix_sync_{index}" in plan, plan


def test_evictions_and_echoes_built_once_answer_each_scope_and_device_as_built_per_call(heads_db):
    """The evictions' and the echoes' statements are built once with the scope and the device as
    parameters (server.store.read): asked for scopes and devices in turn, each answer is the one the
    statement written out for that caller gives — no caller's values stay in the statement."""
    from sqlalchemy import and_, case, func, update

    from server.store.common import region_in_scope
    from server.store.read import _echoes, _evictions

    engine, rows = heads_db
    rnd = random.Random(11)
    answered = {"evictions": 0, "echoes": 0}
    with Session(engine) as s:  # records moved away from a region, some by device "e" as echoes
        for r in rnd.sample(rows, 400):
            s.execute(update(ChangeLogEntry).where(ChangeLogEntry.server_seq == r["server_seq"]).values(
                old_region_code=rnd.choice(REGIONS), device_id=rnd.choice(["d", "e"]), echo=rnd.random() < 0.7))
        s.commit()
        for scope in SCOPES * 3:
            cursor = rnd.randrange(0, 4000)
            upper = rnd.randrange(cursor, 5001)
            moved = s.execute(select(ChangeLogEntry.entity, ChangeLogEntry.record_id).where(
                ChangeLogEntry.server_seq > cursor, ChangeLogEntry.server_seq <= upper,
                ChangeLogEntry.old_region_code.is_not(None), in_scope(ChangeLogEntry.old_region_code, scope),
            ).distinct()).all()
            heads = {(r["entity"], r["record_id"]): r["region_code"] for r in rows}
            expected = sorted((e, i) for e, i in moved if not region_in_scope(heads[(e, i)], scope))
            assert _evictions(s, scope, cursor, upper) == expected, (scope, cursor, upper)
            answered["evictions"] += len(expected)
            page = [(r["entity"], r["record_id"], r["server_seq"]) for r in rows
                    if cursor < r["server_seq"] <= upper][:300]
            for device in ("d", "e", "x"):
                foreign = func.sum(case((and_(ChangeLogEntry.device_id == device, ChangeLogEntry.echo), 0), else_=1))
                plain = {tuple(r) for r in s.execute(
                    select(ChangeLogEntry.entity, ChangeLogEntry.record_id)
                    .where(ChangeLogEntry.server_seq > cursor, ChangeLogEntry.server_seq <= upper,
                           ChangeLogEntry.record_id.in_(sorted({p[1] for p in page})))
                    .group_by(ChangeLogEntry.entity, ChangeLogEntry.record_id).having(foreign == 0))}
                assert _echoes(s, device, cursor, upper, page) == plain, (device, cursor, upper)
                answered["echoes"] += len(plain)
    assert answered["evictions"] and answered["echoes"]  # the comparisons were not of empty answers


def test_an_id_list_matches_whole_values_only(heads_db):
    """`one_of` (an id list as one array parameter on PostgreSQL) compares whole values as the
    expanding IN does on SQLite: a value longer than the column must not match the row whose id is
    its first characters (PostgreSQL cuts a value cast to VARCHAR(n) to n characters)."""
    from server.store.common import one_of

    engine, _rows = heads_db
    record_id = "0" * 36
    with Session(engine) as s:
        s.execute(insert(RecordVersion), [{"entity": "household", "record_id": record_id, "server_seq": 9999,
                                           "region_code": VILLAGE, "field_versions": {}}])
        postgres = engine.dialect.name == "postgresql"
        query = select(RecordVersion.record_id).where(one_of(RecordVersion.record_id, "ids", postgres))
        assert s.scalars(query, {"ids": [record_id]}).all() == [record_id]
        assert s.scalars(query, {"ids": [record_id + "1"]}).all() == []
        query = select(RecordVersion.record_id).where(one_of(RecordVersion.region_code, "ids", postgres),
                                                      RecordVersion.record_id == record_id)
        assert s.scalars(query, {"ids": [VILLAGE + "0001"]}).all() == []  # 16 characters, the column 15


def test_the_echoes_are_found_by_record_not_by_reading_the_whole_range(heads_db):
    """A PC that pulls every few minutes asks about tens of thousands of the city's changes: the
    echoes of its page's records are looked up by the (entity, record_id, server_seq) index, never by reading
    every change in the range and filtering (~0.5 ms per thousand changes on PostgreSQL)."""
    from server.store.read import _echoes

    engine, rows = heads_db
    page = [(r["entity"], r["record_id"], r["server_seq"]) for r in rows if 100 < r["server_seq"] <= 4000][:20]
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("SET enable_seqscan = off")  # a table this small is read whole otherwise
        statements = []

        def capture(_conn, _cursor, statement, params, *_args) -> None:
            statements.append((statement, params))

        event.listen(conn, "before_cursor_execute", capture)
        with Session(bind=conn) as s:
            _echoes(s, "e", 100, 4000, page)
        event.remove(conn, "before_cursor_execute", capture)
        assert len(statements) == len({p[0] for p in page})  # one statement per entity of the page
        prefix = "EXPLAIN " if engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
        for statement, params in statements:
            plan = " ".join(str(row) for row in conn.exec_driver_sql(prefix + statement, params))
            assert "ix_sync_change_log_record_seq" in plan, plan


def test_the_echoes_of_a_page_with_many_records_of_one_entity(heads_db):
    """`_echoes` asked per entity, 500 ids per statement, answers what the echo rule says (docs/perf-
    notes/server.md): a record of the page is an echo when every change to it in (cursor, page end]
    is the device's own, taken as sent — whatever came before the cursor or after the page's end,
    and whatever a record of another entity with the same id went through. 1,200 records of one
    entity with histories of one to four changes, so the ids cross the 500 of a statement."""
    from server.store.read import _echoes

    engine, _rows = heads_db
    rnd = random.Random(26)
    history: dict[tuple[str, str], list[tuple[int, str, bool]]] = {}
    seqs = iter(rnd.sample(range(10_001, 40_000), 6000))
    for n in range(1200):
        for entity in ("person", "household") if n % 7 == 0 else ("person",):  # some ids under two entities
            history[(entity, f"x{n:05d}")] = [(next(seqs), rnd.choice("dee"), rnd.random() < 0.8)
                                             for _ in range(rnd.randint(1, 4))]
    with Session(engine) as s:
        s.execute(insert(ChangeLogEntry), [
            {"server_seq": seq, "change_id": f"{record_id}-{seq}", "device_id": device, "entity": entity,
             "record_id": record_id, "op": "upsert", "fields": {}, "hlc": "h", "region_code": VILLAGE,
             "recorded_at": dt.datetime(2026, 12, 6), "echo": echo}
            for (entity, record_id), changes in history.items() for seq, device, echo in changes])
        s.commit()
        for cursor, page_end in ((10_000, 40_000), (15_000, 35_000), (20_000, 30_000)):
            page, expected = [], set()
            for (entity, record_id), changes in history.items():
                within = [(device, echo) for seq, device, echo in changes if cursor < seq <= page_end]
                if entity == "person" and within:
                    page.append((entity, record_id, max(seq for seq, _d, _e in changes if seq <= page_end)))
                    if all(device == "e" and echo for device, echo in within):
                        expected.add((entity, record_id))
            assert len(page) > 500 and 0 < len(expected) < len(page), (len(page), len(expected))
            assert _echoes(s, "e", cursor, page_end, page) == expected, (cursor, page_end)
            assert _echoes(s, "d", cursor, page_end, page) == {
                key for key in {p[:2] for p in page}
                if all(d == "d" and e for seq, d, e in history[key] if cursor < seq <= page_end)}


def test_the_regions_above_are_read_by_region_in_the_prepared_statements_generic_plan(heads_db):
    """psycopg prepares a statement run five times on a connection, and PostgreSQL then settles on a
    generic plan, made without the values. The regions above a scope must still be read from the
    (region, server_seq) index: with `region_code = ANY(:wider)` that plan scanned the server_seq index
    over the whole range (a township's catch-up page: 171 ms instead of 1 ms on 12,000 households)."""
    import re

    from psycopg import sql

    engine, _rows = heads_db
    if engine.dialect.name != "postgresql":
        pytest.skip("prepared statements' generic plans are PostgreSQL's")
    with engine.connect() as conn:
        statements = []
        event.listen(conn, "before_cursor_execute",
                     lambda _c, _cur, statement, params, _ctx, _many: statements.append((statement, params)))
        with Session(bind=conn) as s:
            _scope_heads(s, TOWNSHIP, 0, 5000, 513)
        statement, params = statements[-1]
        names: list[str] = []
        for name in re.findall(r"%\((\w+)\)s", statement):
            names.append(name) if name not in names else None
        numbered = re.sub(r"%\((\w+)\)s", lambda m: f"${names.index(m.group(1)) + 1}", statement)
        raw = conn.connection.driver_connection
        raw.execute("SET plan_cache_mode = force_generic_plan")
        raw.execute("PREPARE td_probe AS " + numbered)
        values = sql.SQL(", ").join(sql.Literal(params[name]) for name in names).as_string(raw)
        plan = "\n".join(row[0] for row in raw.execute(f"EXPLAIN EXECUTE td_probe({values})"))
        raw.execute("DEALLOCATE td_probe")
        raw.execute("RESET plan_cache_mode")
        assert "$1" in plan or "$2" in plan, plan  # the generic plan indeed
        assert "ix_sync_record_versions_region_seq" in plan, plan
