"""Snapshot iteration with a resume position: the current in-scope state, entity by entity in sync
order (parents first) and by record id within an entity — the order `sync.http_transport`
resumes in — starting just after `after = (entity, record_id)` when a stream broke off. A keyset
scan over the version heads, one chunk of records loaded at a time, so memory does not grow with
the township. The cursor is read first; the caller runs it in one REPEATABLE READ transaction on
PostgreSQL so the state is exactly the state at that cursor (on SQLite, rows changed later are
simply sent again by the next pull)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from db.base import synced_columns, synced_models
from db.models import SYNC_ORDER
from db.server import RecordVersion
from server.scope import assigned_targets_condition
from sync.store_sql import PulledRecord, SnapshotChunk, current_cursor, in_scope
from sync.wire import PUSH_ONLY_ENTITIES, encode_value


def parse_position(raw: str | None) -> tuple[str, str] | None:
    """`entity:record_id` → (entity, record_id); ValueError when it names no synced entity."""
    if not raw:
        return None
    entity, sep, record_id = raw.partition(":")
    if not sep or entity not in SYNC_ORDER or not 1 <= len(record_id) <= 36:
        raise ValueError(raw)
    return entity, record_id


def load_records(session: Session, cls: type, heads: list) -> list[PulledRecord]:
    """The synced fields of the records named by `heads` [(record_id, seq)], read as plain rows
    (no ORM objects: a snapshot reads hundreds of thousands of them)."""
    names = synced_columns(cls)
    table = cls.__table__
    columns = [table.c.id, *(table.c[n] for n in names)]
    rows = {row[0]: row for row in session.execute(select(*columns).where(table.c.id.in_([h[0] for h in heads])))}
    entity = cls.__sync_entity__
    out = []
    for record_id, seq in heads:
        row = rows.get(record_id)
        if row is not None:
            out.append(PulledRecord(entity, record_id, seq,
                                    {n: encode_value(v) for n, v in zip(names, row[1:], strict=True)}))
    return out


def region_scope(scope_prefix: str) -> Callable[[str], ColumnElement | None]:
    """The snapshot scope of a region reader: its prefix, plus the township targets assigned to its
    village (server.scope.assigned_targets_condition)."""

    def condition(entity: str) -> ColumnElement:
        scoped = in_scope(RecordVersion.region_code, scope_prefix)
        extra = assigned_targets_condition(entity, scope_prefix)
        return scoped if extra is None else or_(scoped, extra)

    return condition


def snapshot_from(session: Session, scope: Callable[[str], ColumnElement | None], after: tuple[str, str] | None,
                  chunk_size: int) -> Iterator[SnapshotChunk]:
    """Chunks of the records `scope(entity)` selects among the version heads (None: none of that
    entity), in snapshot order, from just after `after`."""
    cursor = current_cursor(session)
    start_rank = SYNC_ORDER.index(after[0]) if after else -1
    pending: list[PulledRecord] = []
    for cls in synced_models():
        entity = cls.__sync_entity__
        rank = SYNC_ORDER.index(entity)
        if entity in PUSH_ONLY_ENTITIES or rank < start_rank:
            continue
        scoped = scope(entity)
        if scoped is None:
            continue
        last_id = after[1] if after and rank == start_rank else ""
        while True:
            heads = session.execute(
                select(RecordVersion.record_id, RecordVersion.server_seq)
                .where(RecordVersion.entity == entity, RecordVersion.record_id > last_id,
                       scoped)
                .order_by(RecordVersion.record_id).limit(chunk_size)).all()
            if not heads:
                break
            last_id = heads[-1][0]
            pending.extend(load_records(session, cls, heads))
            while len(pending) >= chunk_size:
                yield SnapshotChunk(cursor, pending[:chunk_size], False)
                pending = pending[chunk_size:]
    yield SnapshotChunk(cursor, pending, True)
