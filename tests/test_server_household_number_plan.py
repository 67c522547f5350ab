"""The push's check for a second active household with the same number in its village
(`duplicate_hh_no`, server.store.duplicates: the holders of a batch's numbers read in one query)
reads the households table through the index on the household number (`ix_households_household_no`,
since the first migration): a number is held by one household, now and then two, so the lookup
touches a row or two per number and the village, liveness and merge conditions are judged on those.
No new index (docs/decisions/0041). SQLite (the trial
server, not analysed) may read the village's households through the region index instead."""

from __future__ import annotations

import time
import uuid

import pytest
from sqlalchemy.orm import Session

from db.models import Household
from server.db import make_server_engine, upgrade
from server.store.push import SqlMergeStore
from tests.server.databases import BACKENDS, fresh_database
from tests.server.plans import captured, generic_plan, load_analysed

VILLAGES = [f"150422{t:03d}2{v:02d}" for t in range(100, 110) for v in range(20)]


@pytest.fixture(params=BACKENDS)
def register_db(request, tmp_path):
    """40,000 households over 200 villages, a tenth of them deleted."""
    with fresh_database(request.param, tmp_path) as url:
        engine = make_server_engine(url)
        upgrade(engine)
        rows = [{"id": str(uuid.UUID(int=n)), "household_no": f"{VILLAGES[n % 200]}00{n // 200 + 1:04d}",
                 "region_code": VILLAGES[n % 200], "deleted": n % 10 == 0, "deletion_gen": 0,
                 "household_kind": "1", "hukou_type": "3", "address": "", "notes": ""} for n in range(40_000)]
        load_analysed(engine, (Household, rows))
        yield engine
        engine.dispose()


def test_the_duplicate_number_check_reads_the_number_index(register_db):
    engine = register_db
    village, number = VILLAGES[7], f"{VILLAGES[7]}000042"
    with Session(engine) as session:
        store = SqlMergeStore.of(session)
        statements = captured(session.connection())
        started = time.perf_counter()
        found = store.active_duplicates("household", str(uuid.uuid4()), number, {"region_code": village})
        elapsed = time.perf_counter() - started
        assert len(found) == 1
        (sql, params), = [(s, p) for s, p in statements if "FROM households" in s]
        if engine.dialect.name == "postgresql":
            plan = generic_plan(session.connection(), sql, params)
            assert "ix_households_household_no" in plan and "Seq Scan" not in plan, plan
        else:
            plan = " ".join(str(row[-1]) for row in session.connection().exec_driver_sql(
                "EXPLAIN QUERY PLAN " + sql, tuple(params) if isinstance(params, (list, tuple)) else params))
            assert "USING INDEX" in plan, plan  # unanalysed SQLite may take the village's index: one village
        session.rollback()
    assert elapsed < 0.5, elapsed  # a lookup, not a scan of 40,000 rows (floor: loaded CI machine)
