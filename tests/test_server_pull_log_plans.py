"""What a pull reads from the change log, in the plans PostgreSQL settles on.

A pull names the records of its page that only the asking PC changed since its cursor (its echoes,
server.store.read._echoes) instead of sending them back. On PostgreSQL that question must read each
record's changes by the (entity, record_id, server_seq) index: psycopg prepares a statement run five
times on a connection, and the generic plan PostgreSQL then settles on read `record_id = ANY(:ids)`
as a scan of the primary key over (cursor, upper], comparing every change in the range with every id
of the page — a cost that grew with the city's changes times the page's records.

A pull also asks which records moved out of its scope in its range (server.store.read._moved_out).
Few changes move a record; the old region was indexed for every change and the pull read the primary
key over the range. The changes that moved a record have an index of their own (migration 0031)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy.orm import Session

from server.db import make_server_engine, upgrade
from server.store.read import _echoes, _evictions
from server.store.tables import ChangeLogEntry
from tests.server.databases import BACKENDS, fresh_database
from tests.server.plans import captured, generic_plan, load_analysed

RECORDS = [str(uuid.UUID(int=n)) for n in range(6000)]
DEVICES = [f"pc-{n}" for n in range(40)]


def _entry(seq: int) -> dict:
    """Change `seq` of the log, by device seq % 40, every seventh not an echo: every other one edits one
    of 40 households many PCs keep editing (as a township's staff and its villages' cadres do), the
    rest record seq % 6000."""
    record = RECORDS[seq % 40] if seq % 2 else RECORDS[seq % 6000]
    return {"server_seq": seq, "change_id": str(uuid.UUID(int=10**9 + seq)), "device_id": DEVICES[seq % 40],
            "username": "u", "entity": "household", "record_id": record, "op": "upsert",
            "fields": {"notes": str(seq)}, "hlc": f"{seq:013d}-00000-x", "region_code": "150422100201",
            "recorded_at": dt.datetime(2026, 12, 7), "echo": seq % 7 != 0,
            "old_region_code": "150422100202" if seq % 500 == 0 else None}


@pytest.fixture(params=BACKENDS)
def log_db(request, tmp_path):
    """16,000 changes of 6,000 households by 40 PCs, half of them of 40 households, analysed."""
    with fresh_database(request.param, tmp_path) as url:
        engine = make_server_engine(url)
        upgrade(engine)
        load_analysed(engine, (ChangeLogEntry, [_entry(seq) for seq in range(1, 16_001)]))
        yield engine
        engine.dispose()


def _expected(device: str, cursor: int, upper: int, records: set[str]) -> set[tuple[str, str]]:
    by_record: dict[str, list[dict]] = {}
    for seq in range(cursor + 1, upper + 1):
        entry = _entry(seq)
        if entry["record_id"] in records:
            by_record.setdefault(entry["record_id"], []).append(entry)
    return {("household", r) for r, entries in by_record.items()
            if all(e["device_id"] == device and e["echo"] for e in entries)}


def test_a_pages_echoes_are_the_records_only_the_pc_changed_and_read_by_record(log_db):
    engine = log_db
    # a range where each quiet record changed once (the PC's own echo or not), and a longer one
    for cursor, upper in ((13_000, 15_990), (9_000, 15_000)):
        rows = [("household", _entry(seq)["record_id"], seq) for seq in range(upper - 399, upper + 1)]
        records = {r for _e, r, _s in rows}
        for device in (DEVICES[4], DEVICES[18]):
            with Session(engine) as session:
                statements = captured(session.connection())
                found = _echoes(session, device, cursor, upper, rows)
                assert found == _expected(device, cursor, upper, records)
                if engine.dialect.name == "postgresql":
                    (sql, params), = [(s, p) for s, p in statements if "sync_change_log" in s]
                    plan = generic_plan(session.connection(), sql, params)
                    assert "ix_sync_change_log_record_seq" in plan and "pk_sync_change_log" not in plan, plan
    assert _expected(DEVICES[4], 13_000, 15_990, {_entry(s)["record_id"] for s in range(15_591, 15_991)})


def test_a_pulls_evictions_read_the_changes_that_moved_a_record(log_db):
    engine = log_db
    from server.store.tables import RecordVersion

    moved = sorted({_entry(seq)["record_id"] for seq in range(13_500, 15_001, 500)})
    with Session(engine) as session:
        session.add_all(RecordVersion(entity="household", record_id=r, server_seq=15_000, region_code="150422100201",
                                      field_versions={}) for r in moved)
        session.commit()
        statements = captured(session.connection())
        # the village the records left sees them go; the one they are in now does not
        assert _evictions(session, "150422100202", 13_000, 15_000) == [("household", r) for r in moved]
        assert _evictions(session, "150422100201", 13_000, 15_000) == []
        if engine.dialect.name == "postgresql":
            sql, params = next((s, p) for s, p in statements if "old_region_code" in s)
            plan = generic_plan(session.connection(), sql, params)
            assert "ix_sync_change_log_moved_seq" in plan and "pk_sync_change_log" not in plan, plan
