"""A department's pull page (server.department_pull) reads the heads of what the department sees —
its tasks with their targets, links and feedback, the cases escalated or whistled to it with their
log and whistles, the city-wide code entries — from their own server-order index, each tested by
looking its record up (the rule's per-head form, server.scope.DepartmentRule.head_test): exactly the
heads and evictions the rule's set form selects (DepartmentView.snapshot_condition), and in the
generic plan a prepared statement settles on, never a scan of the whole range or of a department's
every record (decision 0037). The rule's forms select the same records (decision 0040)."""

from __future__ import annotations

import datetime as dt
import random
import re

import pytest
from sqlalchemy import and_, insert, or_, select, text
from sqlalchemy.orm import Session

from db.models import Case, CaseLogEntry, CaseWhistle, Task, TaskFeedback, TaskLink, TaskTarget
from server.auth_cache import Principal
from server.db import make_server_engine, upgrade
from server.department_pull import DEPARTMENT_EVICTABLE, _statements, department_page
from server.scope import DEPARTMENT_ENTITIES, DEPARTMENT_WAYS, DepartmentRule, DepartmentView
from server.store.tables import RecordVersion, SyncCounter
from server.sync_service import pull_page
from tests.server.databases import BACKENDS, fresh_database
from tests.server.plans import captured, generic_plan

AT = dt.datetime(2026, 12, 6, 9)
BASE = {"deleted": False, "deletion_gen": 0}
TOWNSHIP = "150422100"


def _world(rnd: random.Random) -> tuple[dict[type, list[dict]], list[tuple[str, str, str]]]:
    """Rows of two departments' work and the cases around them, and every head to number: (entity,
    record id, region) — with households and persons, most of a city's changes, between them."""
    rows: dict[type, list[dict]] = {m: [] for m in (Task, TaskTarget, TaskLink, TaskFeedback, Case, CaseLogEntry,
                                                      CaseWhistle)}
    heads: list[tuple[str, str, str]] = []

    def add(model, entity: str, row: dict) -> None:
        rows[model].append({**BASE, **row})
        heads.append((entity, row["id"], row["region_code"]))

    for t in range(40):
        task = f"task{t:03d}"
        add(Task, "task", {"id": task, "task_no": f"RW{t}", "title": "任务", "department_code": ("mz", "ga")[t % 2],
                           "issued_at": AT, "due_at": AT, "region_code": TOWNSHIP})
        for n in range(3):
            target = f"{task}-t{n}"
            add(TaskTarget, "task_target", {"id": target, "task_id": task, "region_code": f"{TOWNSHIP}20{n}"})
            for k in range(rnd.randint(0, 3)):
                add(TaskLink, "task_link", {"id": f"{target}-l{k}", "target_id": target, "household_id": f"h{k}",
                                            "region_code": f"{TOWNSHIP}20{n}"})
            for k in range(rnd.randint(0, 2)):
                add(TaskFeedback, "task_feedback", {"id": f"{target}-f{k}", "target_id": target, "at": AT,
                                                    "author": "镇干部", "region_code": f"{TOWNSHIP}20{n}"})
    for c in range(60):
        case = f"case{c:03d}"
        region = f"{TOWNSHIP}20{c % 3}"
        add(Case, "case", {"id": case, "case_no": f"AJ{c}", "source": "1", "request_type": "1",
                           "category_code": "01", "title": "事件", "registered_at": AT, "region_code": region,
                           "escalated_to": rnd.choice(["mz", "ga", None, None])})
        for k in range(rnd.randint(0, 3)):
            add(CaseLogEntry, "case_log", {"id": f"{case}-log{k}", "case_id": case, "region_code": region, "at": AT,
                                           "actor": "镇干部", "action": "note"})
        if rnd.random() < 0.3:
            add(CaseWhistle, "case_whistle", {"id": f"{case}-w", "case_id": case, "region_code": region,
                                              "department_code": rnd.choice(["mz", "ga", "zj"]), "summoned_at": AT})
    heads += [("code_entry", f"code{n}", rnd.choice(["", "", TOWNSHIP])) for n in range(30)]
    heads += [("task", "task-gone", TOWNSHIP), ("case", "case-gone", TOWNSHIP)]  # heads whose rows are not there
    heads += [(rnd.choice(["household", "person", "visit"]), f"r{n:05d}", f"{TOWNSHIP}201") for n in range(2500)]
    return rows, heads


@pytest.fixture(params=BACKENDS)
def dept_db(request, tmp_path):
    with fresh_database(request.param, tmp_path) as url:
        engine = make_server_engine(url)
        upgrade(engine)
        rnd = random.Random(36)
        rows, heads = _world(rnd)
        seqs = rnd.sample(range(1, 6 * len(heads)), len(heads))
        with Session(engine) as s:
            for model, made in rows.items():
                s.execute(insert(model), made)
            s.execute(insert(RecordVersion), [
                {"entity": e, "record_id": r, "server_seq": seq, "region_code": region, "field_versions": {}}
                for (e, r, region), seq in zip(heads, seqs, strict=True)])
            if engine.dialect.name == "sqlite":
                s.merge(SyncCounter(id=1, last_seq=6 * len(heads)))
            else:
                s.execute(text("SELECT setval('sync_seq', :top)"), {"top": 6 * len(heads)})
            s.commit()
            if engine.dialect.name == "postgresql":
                s.execute(text("ANALYZE"))
                s.commit()
        yield engine, 6 * len(heads)
        engine.dispose()


def _plain(session: Session, dept: str, cursor: int, upper: int, limit: int):
    """The heads and the evictions by the view's own SQL test, as the page read them before decision 0037."""
    view = DepartmentView(session, dept)
    seen = or_(*[and_(RecordVersion.entity == e, view.snapshot_condition(e)) for e in DEPARTMENT_ENTITIES])
    heads = session.execute(select(RecordVersion.entity, RecordVersion.record_id, RecordVersion.server_seq)
                            .where(RecordVersion.server_seq > cursor, RecordVersion.server_seq <= upper, seen)
                            .order_by(RecordVersion.server_seq).limit(limit)).all()
    left = session.execute(select(RecordVersion.entity, RecordVersion.record_id).where(
        RecordVersion.server_seq > cursor, RecordVersion.server_seq <= upper,
        or_(*[and_(RecordVersion.entity == e, ~view.snapshot_condition(e)) for e in DEPARTMENT_EVICTABLE]))).all()
    return [tuple(r) for r in heads], sorted(tuple(r) for r in left)


def test_the_index_covers_exactly_the_entities_the_department_sees():
    index = next(i for i in RecordVersion.__table__.indexes if i.name == "ix_sync_record_versions_dept_seq")
    predicate = str(index.dialect_options["postgresql"]["where"])
    assert sorted(re.findall(r"'(\w+)'", predicate)) == sorted(DEPARTMENT_ENTITIES)
    view = DepartmentView(None, "mz")  # type: ignore[arg-type]
    from db.base import synced_models

    assert {cls.__sync_entity__ for cls in synced_models()
            if view.snapshot_condition(cls.__sync_entity__) is not None} == set(DEPARTMENT_ENTITIES)


def test_each_department_reads_exactly_the_heads_and_evictions_its_view_selects(dept_db):
    engine, top = dept_db
    heads_query, left_query = _statements()
    rnd = random.Random(7)
    found = {"heads": 0, "left": 0}
    with Session(engine) as s:
        for dept in ("mz", "ga", "zj", "nobody"):
            for _ in range(10):
                cursor, limit = rnd.randrange(0, top), rnd.choice([1, 7, 64, 1001])
                upper = rnd.randrange(cursor, top + 1)
                heads, left = _plain(s, dept, cursor, upper, limit)
                params = {"dept": dept, "cursor": cursor, "upper": upper}
                assert [tuple(r) for r in s.execute(heads_query, {**params, "limit": limit})] == heads, (dept, cursor)
                assert sorted(tuple(r) for r in s.execute(left_query, params)) == left, (dept, cursor, upper)
                found["heads"] += len(heads)
                found["left"] += len(left)
            page = department_page(s, dept, 0, 50)
            heads, left = _plain(s, dept, 0, top, 51)
            assert page.has_more == (len(heads) > 50)
            end = heads[49][2] if page.has_more else top
            assert page.next_cursor == end
            assert page.evictions == _plain(s, dept, 0, end, 1)[1]
    assert found["heads"] and found["left"]  # the comparisons were not of empty answers


def test_the_rules_forms_select_the_same_records(dept_db):
    """One rule, three forms: the records of each entity the department sees by the set form
    (`DepartmentRule.ids`), by a push's lookup of given ids (`visible_ids`) and by the per-head test
    the pull runs (`head_test`) are the same."""
    engine, _top = dept_db
    found = 0
    with Session(engine) as s:
        for dept in ("mz", "ga", "zj", "nobody"):
            view, rule = DepartmentView(s, dept), DepartmentRule(dept)
            for entity, (model, *_above) in DEPARTMENT_WAYS.items():
                every = list(s.scalars(select(model.id)))
                by_set = set(s.scalars(rule.ids(entity)))
                by_head = set(s.scalars(select(RecordVersion.record_id).where(
                    RecordVersion.entity == entity, rule.head_test(entity).is_(True))))
                assert view.visible_ids(entity, every) == by_set == by_head, (dept, entity)
                found += len(by_set)
    assert found  # the comparisons were not of empty answers


def test_the_department_pull_reads_its_own_index_in_the_prepared_statements_generic_plan(dept_db):
    """psycopg prepares a statement run five times on a connection, and PostgreSQL then settles on a
    generic plan, made without the values. A department's heads and evictions must then still be
    read from the index of its entities' heads, each looked up by its record: the statement that
    tested `record_id IN (every record of the department)` scanned the server_seq index over the
    whole range and built each of the department's sets whole (35–60 ms a page on 12,000 households
    with a day of changes, custom or generic)."""
    engine, top = dept_db
    if engine.dialect.name != "postgresql":
        pytest.skip("prepared statements' generic plans are PostgreSQL's")
    with engine.connect() as conn:
        statements = captured(conn)
        with Session(bind=conn) as s:
            who = Principal("u", "mz_wang", "department", "150422", "mz", "d")
            page = pull_page(s, who, top // 3, 40)
        assert page.records and page.evictions
        read = [(st, p) for st, p in statements if "FROM sync_record_versions" in st and "server_seq >" in st]
        assert len(read) == 2, [st for st, _ in statements]  # the heads and the evictions
        for statement, params in read:
            plan = generic_plan(conn, statement, params)
            # the heads of the department's entities from their own index, never the server_seq index over
            # the whole range (the records' own tables are too small here for their plans to say anything)
            assert "ix_sync_record_versions_dept_seq" in plan, plan
            assert "ix_sync_record_versions_server_seq" not in plan, plan
            assert "Seq Scan on sync_record_versions" not in plan, plan
