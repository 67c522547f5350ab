"""A department's target list for one township (server.department_work._bounded) in the plan a
prepared statement settles on: the completed part must still walk the department's tasks, not read
every completed target of the city through the status index (30–80 ms instead of 3 ms on the
12,000-household city once PostgreSQL took the generic plan; decision 0037). And the list, filtered
by status or not, is the walk's own, page by page."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from sqlalchemy.orm import Session

from db.models import Task, TaskTarget
from server.db import make_server_engine, upgrade
from server.department_work import STATUSES, TargetFilter, target_rows
from tests.server.databases import BACKENDS, fresh_database
from tests.server.plans import captured, generic_plan, load_analysed

NOW = dt.datetime(2026, 12, 6, 10, 0)
TOWNS = [f"150422{n:03d}" for n in range(100, 110)]
DEPARTMENTS = ["mz", "ga", "rs"]


@pytest.fixture(params=BACKENDS)
def work_db(request, tmp_path):
    """900 tasks of three departments, each sent to three townships (and some to a village), most
    targets completed — as a city's targets are after a while: a department has many tasks, each
    with few targets in one township."""
    with fresh_database(request.param, tmp_path) as url:
        engine = make_server_engine(url)
        upgrade(engine)
        rnd = random.Random(36)
        tasks, targets = [], []
        for n in range(900):
            issued = NOW - dt.timedelta(days=rnd.randint(0, 90))
            tasks.append({"id": f"task{n:04d}", "task_no": f"RW{n}", "title": f"任务{n}", "department_code": DEPARTMENTS[n % 3],
                          "issued_at": issued, "due_at": issued + dt.timedelta(days=rnd.randint(3, 40)),
                          "region_code": "150422", "deleted": False, "deletion_gen": 0})
            for town in [TOWNS[0], *rnd.sample(TOWNS[1:], 2)] + ([f"{TOWNS[0]}20{n % 3}"] if n % 4 == 0 else []):
                targets.append({"id": f"task{n:04d}-{town}", "task_id": f"task{n:04d}", "region_code": town,
                                "status": rnd.choice(("10", "20", "30", "30", "30", "30", "40")),
                                "deleted": False, "deletion_gen": 0})
        load_analysed(engine, (Task, tasks), (TaskTarget, targets))
        yield engine
        engine.dispose()


def test_one_townships_list_is_the_walks_list_for_every_status_page_by_page(work_db):
    with Session(work_db) as s:
        for status in (None, *STATUSES):
            for overdue in (False, True):
                walked = [r.target.id for r in target_rows(s, "mz", TargetFilter(status=status, overdue_only=overdue,
                                                                                  limit=5000), NOW)
                          if r.target.region_code.startswith(TOWNS[0])]
                one = TargetFilter(township=TOWNS[0], status=status, overdue_only=overdue, limit=5000)
                assert [r.target.id for r in target_rows(s, "mz", one, NOW)] == walked, (status, overdue)
                paged = [r.target.id for offset in range(0, len(walked) + 3, 4) for r in target_rows(
                    s, "mz", TargetFilter(township=TOWNS[0], status=status, overdue_only=overdue, limit=4,
                                          offset=offset), NOW)]
                assert paged == walked, (status, overdue)
                assert walked or overdue or status == "40", status  # the comparisons were not all of empty lists


def test_the_completed_targets_of_a_township_in_the_prepared_statements_generic_plan(work_db):
    if work_db.dialect.name != "postgresql":
        pytest.skip("prepared statements' generic plans are PostgreSQL's")
    with work_db.connect() as conn:
        statements = captured(conn)
        with Session(bind=conn) as s:
            assert target_rows(s, "mz", TargetFilter(township=TOWNS[0]), NOW)
        completed = [(st, p) for st, p in statements if "ORDER BY tasks.due_at DESC" in st]
        assert len(completed) == 1, [st for st, _ in statements]
        plan = generic_plan(conn, *completed[0])
        assert "ix_task_targets_status_scope" not in plan, plan
