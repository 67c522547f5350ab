"""A pull's echoes asked record by record on PostgreSQL (a lateral join over the page's ids, decision
0044) answer exactly what the grouped statement they replaced answered — held on random change logs
(several devices, echo or not, records changed once or many times, ids with no change in the range,
every range of cursors). The ids are distinct, as `_echoes` passes them: with an id repeated the
lateral form answers it once per repetition where the grouped one answered it once."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from sqlalchemy import and_, bindparam, case, func, insert, select
from sqlalchemy.orm import Session

from server.db import make_server_engine, upgrade
from server.store.common import one_of
from server.store.read import _echoes_query
from server.store.tables import ChangeLogEntry
from tests.server.databases import PG_URL, fresh_database

pytestmark = pytest.mark.skipif(not PG_URL, reason="the lateral form is PostgreSQL's")
DEVICES = ["dev-a", "dev-b", "dev-c"]
ENTITIES = ["household", "person"]


def _old_statement():
    """The statement before decision 0044 (cbe3dd4^), on PostgreSQL."""
    log = ChangeLogEntry
    return (select(log.entity, log.record_id)
            .where(log.entity == bindparam("entity"), one_of(log.record_id, "ids", True),
                   log.server_seq > bindparam("cursor"), log.server_seq <= bindparam("upper"))
            .group_by(log.entity, log.record_id)
            .having(func.sum(case((and_(log.device_id == bindparam("device"), log.echo), 0), else_=1)) == 0))


def test_the_lateral_echoes_answer_what_the_grouped_statement_answered(tmp_path):
    rnd = random.Random(44)
    with fresh_database("postgresql", tmp_path) as url:
        engine = make_server_engine(url)
        upgrade(engine)
        records = [f"rec-{n:03d}" for n in range(60)]
        rows = [{"server_seq": seq, "change_id": f"c{seq}", "device_id": rnd.choice(DEVICES),
                 "entity": rnd.choice(ENTITIES), "record_id": rnd.choice(records[:40]), "op": "upsert",
                 "fields": {}, "hlc": f"{seq:013d}", "region_code": "150422100201",
                 "recorded_at": dt.datetime(2026, 12, 7), "echo": rnd.random() < 0.7} for seq in range(1, 601)]
        with Session(engine) as s:
            s.execute(insert(ChangeLogEntry), rows)
            s.commit()
            new, old = _echoes_query(True), _old_statement()
            answers = 0
            for _ in range(400):
                cursor = rnd.randint(0, 600)
                params = {"device": rnd.choice(DEVICES), "cursor": cursor, "upper": rnd.randint(cursor, 601),
                          "entity": rnd.choice(ENTITIES),
                          "ids": sorted(set(rnd.sample(records, rnd.randint(1, 30))))}  # as `_echoes` passes them
                found = sorted(tuple(r) for r in s.execute(new, params))
                assert found == sorted(tuple(r) for r in s.execute(old, params)), params
                answers += bool(found)
            assert answers > 50  # the comparisons were not all of empty answers
        engine.dispose()
