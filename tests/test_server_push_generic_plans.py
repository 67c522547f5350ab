"""Statements of the push that read a table growing with the city, in their generic plans (the push's
transaction runs on them: server.store.push_sql.GENERIC_PLANS, decision 0044), found by capturing
every statement the push tests run on PostgreSQL and explaining each on a loaded, analysed database:

- a case's summaries removed their rows left at zero with `DELETE … WHERE cases = 0`: no index has
  `cases`, so every push that touched a case read the whole of each summary — the phone counts among
  them, a row per reporter's phone and category (what makes a repeat appeal), which grows with the
  city's cases. Now only the keys the push wrote are looked at, by the primary key;
- a department's write to a case's log or whistles (and a reference to a case) asked whether the case
  is the department's as `case.id IN (the department's whistles' cases)`: PostgreSQL read every whistle
  of the city (no index on the department) to build that set. Now the case's whistles are looked up
  by the case's index, as the pull's per-head test does (decision 0037).
On SQLite (the trial server) the answers are held to be the same."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Case, CaseLogEntry, CaseWhistle
from server.db import make_server_engine, upgrade
from server.scope import DepartmentView
from server.store import case_counts
from server.store.tables import CasePhoneCount
from tests.server.databases import BACKENDS, fresh_database
from tests.server.plans import captured, generic_plan, load_analysed

NOW = dt.datetime(2026, 12, 7, 9, 0)
TOWNS = [f"150422{n:03d}" for n in range(100, 120)]
DEPARTMENTS = [f"d{n:02d}" for n in range(20)]


def _id(n: int) -> str:
    return str(uuid.UUID(int=n))


@pytest.fixture(params=BACKENDS)
def city_db(request, tmp_path):
    """6,000 cases, a whistle on each (20 departments), a tenth escalated; 6,000 phone counts, analysed."""
    with fresh_database(request.param, tmp_path) as url:
        engine = make_server_engine(url)
        upgrade(engine)
        cases = [{"id": _id(n), "case_no": f"SJ{n:06d}", "source": "1", "request_type": "1", "category_code": "01",
                  "title": f"事件{n}", "registered_at": NOW - dt.timedelta(minutes=n), "region_code": TOWNS[n % 20] + "201",
                  "status": 10, "escalated_to": DEPARTMENTS[n % 20] if n % 10 == 0 else None,
                  "deleted": False, "deletion_gen": 0} for n in range(6000)]
        whistles = [{"id": _id(10**6 + n), "case_id": _id(n), "region_code": TOWNS[n % 20] + "201",
                     "department_code": DEPARTMENTS[(n * 7) % 20], "summoned_at": NOW, "deleted": False,
                     "deletion_gen": 0} for n in range(6000)]
        logs = [{"id": _id(2 * 10**6 + n), "case_id": _id(n), "region_code": TOWNS[n % 20] + "201", "at": NOW,
                 "actor": "x", "action": "note", "deleted": False, "deletion_gen": 0} for n in range(6000)]
        phones = [{"township": TOWNS[n % 20], "category_code": "01", "phone_sha256": f"{n:064x}", "cases": 1 + n % 3}
                  for n in range(6000)]
        load_analysed(engine, (Case, cases), (CaseWhistle, whistles), (CaseLogEntry, logs),
                      (CasePhoneCount, phones))
        yield engine
        engine.dispose()


def _plans(engine, statements, table: str) -> list[str]:
    with engine.connect() as conn:
        return [generic_plan(conn, st, p) for st, p in statements if table in st]


def test_a_summarys_rows_left_at_zero_are_removed_by_their_keys(city_db):
    with Session(city_db) as s:
        statements = captured(s.connection())
        gone, kept = ("150422100", "01", f"{0:064x}"), ("150422101", "01", f"{1:064x}")  # 1 case, 2 cases
        case_counts._upsert(s, CasePhoneCount, ["township", "category_code", "phone_sha256"],
                            [dict(township=gone[0], category_code=gone[1], phone_sha256=gone[2], cases=-1),
                             dict(township=kept[0], category_code=kept[1], phone_sha256=kept[2], cases=-1)], ("cases",))
        held = dict(((t, c, p), n) for t, c, p, n in s.execute(select(
            CasePhoneCount.township, CasePhoneCount.category_code, CasePhoneCount.phone_sha256, CasePhoneCount.cases)))
        assert gone not in held and held[kept] == 1 and len(held) == 5999
        assert all(n > 0 for n in held.values())
        s.commit()
    deletes = [(st, p) for st, p in statements if st.lstrip().upper().startswith("DELETE")]
    assert deletes, [st for st, _ in statements]
    if city_db.dialect.name == "postgresql":
        for plan in _plans(city_db, deletes, "case_phone_counts"):
            assert "Seq Scan" not in plan and "pk_case_phone_counts" in plan, plan


@pytest.mark.parametrize("entity", ["case", "case_log", "case_whistle"])
def test_a_departments_cases_are_told_by_the_cases_own_whistles(city_db, entity):
    ids = {"case": _id, "case_log": lambda n: _id(2 * 10**6 + n), "case_whistle": lambda n: _id(10**6 + n)}[entity]
    with Session(city_db) as s:
        statements = captured(s.connection())
        for n in (0, 1, 3, 10, 20, 57):
            dept = DEPARTMENTS[n % 20]  # case n is escalated to it when n % 10 == 0
            whistled = DEPARTMENTS[(n * 7) % 20]
            view = DepartmentView(s, dept)
            assert view.visible_ids(entity, [ids(n)]) == ({ids(n)} if n % 10 == 0 or whistled == dept else set())
            assert DepartmentView(s, whistled).visible_ids(entity, [ids(n), ids(n + 1)]) >= {ids(n)}
            other = DEPARTMENTS[(n * 7 + 1) % 20]
            assert DepartmentView(s, other).visible_ids(entity, [ids(n)]) == (
                {ids(n)} if n % 10 == 0 and DEPARTMENTS[n % 20] == other else set())
    if city_db.dialect.name == "postgresql":
        plans = _plans(city_db, statements, "case_whistles")
        assert plans
        for plan in plans:
            assert "Seq Scan" not in plan, plan
