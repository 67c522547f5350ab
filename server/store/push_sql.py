"""The push's SQL, built once (server.store.push): the reads that begin a push and the one statement
that numbers and writes it on PostgreSQL.

Building a statement (an IN list's coercion, its cache key) cost more app CPU than running it, so
the reads are made once, their id lists bound as one parameter (server.store.common.one_of); the answers and the version heads are read over
the tables' plain columns (no ORM loading for rows that are not objects)."""

from __future__ import annotations

import datetime as dt
import functools
import json
from typing import Any

from sqlalchemy import Select, bindparam, select, text
from sqlalchemy.orm import Session

from server.store.common import _model, one_of
from server.store.tables import AppliedChange, DeviceSyncState, RecordVersion

_applied, _versions = AppliedChange.__table__.c, RecordVersion.__table__.c
GENERIC_PLANS = text("SELECT set_config('plan_cache_mode', 'force_generic_plan', true)")
LOCK_DEVICE = (select(DeviceSyncState).where(DeviceSyncState.device_id == bindparam("device_id")).with_for_update()
               .execution_options(populate_existing=True))


@functools.cache
def answered(postgres: bool) -> Select:
    """The stored answers of some changes, by `ids`."""
    return (select(_applied.change_id, _applied.payload_hash, _applied.outcome, _applied.server_seq, _applied.code,
                   _applied.message)
            .where(one_of(_applied.change_id, "ids", postgres)))


@functools.cache
def record_reads(entity: str, postgres: bool) -> tuple[Select, Select]:
    """(the version heads of some records of `entity`, locked on PostgreSQL in record id order so
    concurrent pushes cannot deadlock; the records themselves as ORM objects), by `ids`."""
    cls = _model(entity)
    heads = (select(_versions.record_id, _versions.server_seq, _versions.region_code, _versions.field_versions)
             .where(_versions.entity == bindparam("entity"), one_of(_versions.record_id, "ids", postgres)))
    if postgres:
        heads = heads.order_by(_versions.record_id).with_for_update()
    records = (select(cls).where(one_of(cls.id, "ids", postgres))
               .execution_options(populate_existing=True))
    return heads, records


# One statement on PostgreSQL: publish this push's in-flight bound and take `n` numbers from the sequence
# (td_take_numbers, server.store.numbering: c.nums, increasing), then write the device's sequence position, the
# change log, the answers, the review items and the version heads with provisional numbers (-k) replaced by
# c.nums[k] — also inside each head's field versions {field: [seq, hlc, device, user]}.
_VERSIONS = """COALESCE((SELECT json_object_agg(e.key, CASE WHEN (e.value->>0)::bigint < 0
        THEN json_build_array(c.nums[-(e.value->>0)::int], e.value->1, e.value->2, e.value->3) ELSE e.value END)
    FROM json_each(r.versions) AS e), '{}'::json)"""
_HEAD_ROWS = "json_to_recordset(CAST(:{} AS json)) AS r(entity text, record_id text, seq bigint, region text, versions json)"
NUMBER_AND_WRITE = text(f"""
WITH c AS (
    SELECT td_take_numbers(:n) AS nums
), devices AS (
    UPDATE sync_device_state d SET last_device_seq = r.last_device_seq, last_push_at = :now
    FROM json_to_recordset(CAST(:devices AS json)) AS r(device_id text, last_device_seq bigint)
    WHERE d.device_id = r.device_id
), log AS (
    INSERT INTO sync_change_log (server_seq, change_id, device_id, username, entity, record_id, op, fields,
                                 previous, hlc, region_code, old_region_code, recorded_at, echo)
    SELECT c.nums[-r.server_seq], r.change_id, r.device_id, r.username, r.entity, r.record_id, r.op, r.fields,
           r.previous, r.hlc, r.region_code, r.old_region_code, :now, r.echo
    FROM c, json_to_recordset(CAST(:log AS json)) AS r(server_seq bigint, change_id text, device_id text,
        username text, entity text, record_id text, op text, fields json, previous json, hlc text,
        region_code text, old_region_code text, echo boolean)
), answers AS (
    INSERT INTO sync_applied_changes (change_id, device_id, device_seq, payload_hash, outcome, server_seq, code,
                                      message, applied_at)
    SELECT r.change_id, r.device_id, r.device_seq, r.payload_hash, r.outcome,
           CASE WHEN r.server_seq < 0 THEN c.nums[-r.server_seq] ELSE r.server_seq END, r.code, r.message, :now
    FROM c, json_to_recordset(CAST(:answers AS json)) AS r(change_id text, device_id text, device_seq bigint,
        payload_hash text, outcome text, server_seq bigint, code text, message text)
), reviews AS (
    INSERT INTO sync_review_items (id, kind, state, entity, record_id, field, related_record_id, region_code,
        change_id, server_seq, winner_value, winner_device, winner_user, winner_hlc, loser_value, loser_device,
        loser_user, loser_hlc, created_at)
    SELECT r.id, r.kind, r.state, r.entity, r.record_id, r.field, r.related_record_id, r.region_code, r.change_id,
           c.nums[-r.server_seq], r.winner_value, r.winner_device, r.winner_user, r.winner_hlc, r.loser_value,
           r.loser_device, r.loser_user, r.loser_hlc, :now
    FROM c, json_to_recordset(CAST(:reviews AS json)) AS r(id text, kind text, state text, entity text,
        record_id text, field text, related_record_id text, region_code text, change_id text, server_seq bigint,
        winner_value json, winner_device text, winner_user text, winner_hlc text, loser_value json,
        loser_device text, loser_user text, loser_hlc text)
), new_heads AS (
    INSERT INTO sync_record_versions (entity, record_id, server_seq, region_code, field_versions)
    SELECT r.entity, r.record_id, c.nums[-r.seq], r.region, {_VERSIONS}
    FROM c, {_HEAD_ROWS.format("new_heads")}
), heads AS (
    UPDATE sync_record_versions v SET server_seq = c.nums[-r.seq], region_code = r.region, field_versions = {_VERSIONS}
    FROM c, {_HEAD_ROWS.format("heads")}
    WHERE v.entity = r.entity AND v.record_id = r.record_id
)
SELECT nums FROM c""")


def number_and_write(session: Session, count: int, log: list[dict], answers: list[dict], reviews: list[dict],
                      heads: list[tuple[tuple[str, str], Any]], devices: list[dict], now: dt.datetime) -> list[int]:
    """`NUMBER_AND_WRITE` for this push; returns the numbers it took, in order."""
    def rows(items: list[dict], drop: tuple[str, ...]) -> str:
        return json.dumps([{k: v for k, v in item.items() if k not in drop} for item in items])

    def head_rows(new: bool) -> str:
        return json.dumps([{"entity": e, "record_id": r, "seq": h.seq, "region": h.region, "versions": h.versions}
                           for (e, r), h in heads if h.new is new])

    params = {"n": count, "now": now, "log": rows(log, ("recorded_at",)), "answers": rows(answers, ("applied_at",)),
              "reviews": rows(reviews, ("created_at", "resolved_by", "resolved_at", "resolution")),
              "new_heads": head_rows(True), "heads": head_rows(False), "devices": json.dumps(devices)}
    return list(session.execute(NUMBER_AND_WRITE, params).scalar_one())
