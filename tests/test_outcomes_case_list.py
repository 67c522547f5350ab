"""The case lists behind the leader's figures (server.outcomes.case_list) read a scope and a township
as ranges of the region index: exactly the cases the prefix selects, next to a neighbouring township
and a prefix of nines, and in the generic plan of the prepared statement a township's overdue list
reads its own cases, not every case of the city through the deadline index (256 ms instead of 2 ms
on 100,000 cases; decision 0037)."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from sqlalchemy.orm import Session

from db.models import Case
from server.db import make_server_engine, upgrade
from server.outcomes import CLOSED, CaseFilter, case_list
from tests.server.databases import BACKENDS, fresh_database
from tests.server.plans import captured, generic_plan, load_analysed

TODAY = dt.date(2026, 12, 6)
# townships side by side (109 and 110: the range's end), a county of nines
TOWNS = [f"150422{n:03d}" for n in range(100, 111)] + ["999999999", "999999990"]


@pytest.fixture(params=BACKENDS)
def cases_db(request, tmp_path):
    with fresh_database(request.param, tmp_path) as url:
        engine = make_server_engine(url)
        upgrade(engine)
        rnd = random.Random(36)
        rows = []
        for n in range(3000):
            registered = dt.datetime(2026, 12, 6, 9) - dt.timedelta(days=rnd.randint(0, 200), minutes=n)
            closed = rnd.random() < 0.7
            rows.append({"id": f"case{n:05d}", "case_no": f"AJ{n}", "source": "1", "request_type": "1",
                         "category_code": rnd.choice(("01", "02", "03")), "title": "事件", "registered_at": registered,
                         "region_code": rnd.choice(TOWNS) + f"{rnd.randint(201, 205)}",
                         "deadline_on": registered.date() + dt.timedelta(days=rnd.randint(3, 30)),
                         "status": 70 if closed else 50,
                         "closed_at": registered + dt.timedelta(days=rnd.randint(1, 40)) if closed else None,
                         "deleted": rnd.random() < 0.02, "deletion_gen": 0})
        load_analysed(engine, (Case, rows))
        yield engine, rows
        engine.dispose()


def _overdue(row: dict) -> bool:
    if row["status"] in CLOSED:
        return row["closed_at"].date() > row["deadline_on"]
    return row["deadline_on"] < TODAY


def test_a_scope_and_a_township_list_exactly_their_cases(cases_db):
    engine, rows = cases_db
    with Session(engine) as s:
        for scope in ("", "150422", "150422109", "150422110", "1504221", "999999999", "99", "150422109203"):
            for township in ("", "150422109", "999999990"):
                for which in ("all", "overdue"):
                    got = case_list(s, scope, CaseFilter(township=township, which=which, limit=5000), TODAY)
                    expected = {r["id"] for r in rows if not r["deleted"] and r["region_code"].startswith(scope)
                                and r["region_code"].startswith(township) and (which == "all" or _overdue(r))}
                    assert {c.id for c in got} == expected, (scope, township, which)
                    keys = [(c.deadline_on, c.registered_at) for c in got]
                    assert keys == sorted(keys)
        assert case_list(s, "150422109", CaseFilter(), TODAY)  # the comparisons were not all of empty lists


def test_a_townships_overdue_list_reads_its_own_cases_in_the_generic_plan(cases_db):
    engine, _rows = cases_db
    if engine.dialect.name != "postgresql":
        pytest.skip("prepared statements' generic plans are PostgreSQL's")
    with engine.connect() as conn:
        statements = captured(conn)
        with Session(bind=conn) as s:
            assert case_list(s, "150422105", CaseFilter(which="overdue"), TODAY)
        (statement, params), = [(st, p) for st, p in statements if "FROM cases" in st]
        plan = generic_plan(conn, statement, params)
        assert "ix_cases_region_code" in plan, plan
