"""The local side of sync, one SQLite database of one device: the outbox batch to push and the
server's answers to it, the cursor, pulled pages, evictions and snapshot chunks applied. No network
and no scheduling: the one sync loop (`sync.client.SyncClient`) drives these steps. The rules:
- an outbox row leaves the pending state only in the transaction that stores the server's
  acknowledgement: a rejected row stays, marked "rejected" with the server's code and message; an
  accepted one is kept as "accepted" with its server_seq for `keep_accepted` (to be offered again
  to a server restored from an older backup), then removed;
- a pulled page and its new cursor are stored in one transaction, with capture switched off; a
  page that does not continue from the stored cursor (a late or repeated answer) is ignored;
- pulled data never overwrites a field that has a pending local edit: the local value stays until
  the server has merged it (after the next push the server's answer comes back in a pull);
- an eviction removes the local copy once the record has no pending changes, else it waits;
- foreign keys are not checked while applying server data: a child may be in scope while its
  parent is not, and the server has already checked references.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from sqlalchemy import Engine, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from db.base import model_for_entity
from db.client import OutboxChange, RecordSeen
from sync.capture import applying_pulled, read_state, write_state
from sync.merge import RESTORE_OP, ChangeResult
from sync.pages import Page, PulledRecord, SnapshotChunk
from sync.snapshot_apply import (
    IN_BATCH,
    apply_image,
    apply_rows,
    batches,
    drop_indexes,
    holds_nothing,
    restore_indexes,
)
from sync.wire import Change, decode_value

PUSH_BATCH = 500
KEEP_ACCEPTED = dt.timedelta(days=30)  # docs/OPERATIONS.md: backups are planned around this window


def outbox_change(row: OutboxChange, device_id: str) -> Change:
    return Change(row.change_id, device_id, row.device_seq, row.entity, row.record_id, row.op,
                  dict(row.fields), dict(row.base), row.hlc, row.schema_version)


class LocalReplica:
    """The local steps of sync for the database of device `device_id` (`engine`, `factory`)."""

    def __init__(self, engine: Engine, factory: sessionmaker, device_id: str,
                 keep_accepted: dt.timedelta = KEEP_ACCEPTED) -> None:
        self.engine = engine
        self.factory = factory
        self.device_id = device_id
        self.keep_accepted = keep_accepted

    # -- push ---------------------------------------------------------------------------------
    def push_batch(self, limit: int = PUSH_BATCH) -> list[Change]:
        with self.factory() as session:
            rows = session.scalars(select(OutboxChange).where(OutboxChange.state == "pending")
                                   .order_by(OutboxChange.device_seq).limit(limit)).all()
            return [outbox_change(r, self.device_id) for r in rows]

    def apply_push_results(self, results: list[ChangeResult]) -> int:
        """Store the server's answers; returns how many rows left the pending state. The batch's rows
        are read with one IN query per 500 and the accepted ones marked with one executemany (a
        SELECT, an autoflush and a write per change took ~1 s per 500 answers); accepted rows older
        than `keep_accepted` go in the same transaction."""
        answered: list[ChangeResult] = []
        for result in results:
            if result.code == "device_seq_gap":
                break  # the rest of the batch was not looked at; send again from the gap
            answered.append(result)
        settled = 0
        with self.factory() as session, session.begin():
            rows: dict[str, OutboxChange] = {}
            ids = [r.change_id for r in answered]
            for start in range(0, len(ids), 500):
                rows.update((row.change_id, row) for row in session.scalars(
                    select(OutboxChange).where(OutboxChange.change_id.in_(ids[start:start + 500]))))
            done: dict[str, int | None] = {}  # accepted ids in answer order (a repeated answer counts once)
            for result in answered:
                row = rows.get(result.change_id)
                if row is None or row.state != "pending" or result.change_id in done:
                    continue
                settled += 1
                if result.outcome == "rejected" and row.op == RESTORE_OP:
                    session.delete(row)  # an offer the server cannot take (not this device's to write): dropped
                elif result.outcome == "rejected":
                    row.state, row.reject_code, row.reject_message = "rejected", result.code, result.message
                else:
                    done[result.change_id] = result.server_seq
            session.flush()
            now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
            if done:
                table = OutboxChange.__table__  # Core: a plain executemany, not the ORM's bulk update by key
                session.execute(update(table).where(table.c.change_id == bindparam("cid")).values(
                    state="accepted", server_seq=bindparam("seq"), settled_at=now),
                    [{"cid": cid, "seq": seq} for cid, seq in done.items()])
            session.execute(delete(OutboxChange).where(OutboxChange.state == "accepted",
                                                       OutboxChange.settled_at < now - self.keep_accepted),
                            execution_options={"synchronize_session": False})
        return settled

    # -- pull ---------------------------------------------------------------------------------
    def cursor(self) -> int:
        with self.factory() as session:
            return int(read_state(session, "cursor") or 0)

    @contextlib.contextmanager
    def _applying(self, attach_snapshot: bool = False) -> Iterator[Session]:
        """A session that applies server data: no capture, no FK checks, committed as one unit.
        `attach_snapshot` attaches an in-memory schema "snap" for snapshot images (ATTACH cannot run
        inside a transaction, so it is done here, before one starts)."""
        with self.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            attached = attach_snapshot and hasattr(conn.connection.dbapi_connection, "deserialize")
            if attached:
                conn.exec_driver_sql("ATTACH DATABASE ':memory:' AS snap")
            conn.commit()
            try:
                with self.factory(bind=conn) as session, applying_pulled(session):
                    yield session
                    session.commit()
            finally:
                conn.rollback()
                if attached:
                    conn.exec_driver_sql("DETACH DATABASE snap")
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()

    def apply_page(self, page: Page) -> bool:
        """Apply one page and its cursor in one transaction; False when the page is stale."""
        with self._applying() as session:
            if int(read_state(session, "cursor") or 0) != page.cursor:
                return False
            _apply_records(session, page.records, _pending_fields(session))
            _note_echoes(session, page.echoes)
            _queue_evictions(session, page.evictions, {(r.entity, r.record_id) for r in page.records})
            _apply_due_evictions(session)
            write_state(session, "cursor", str(page.next_cursor))
        return True

    def apply_waiting_evictions(self) -> None:
        with self._applying() as session:
            _apply_due_evictions(session)

    # -- snapshot -----------------------------------------------------------------------------
    def apply_snapshot(self, chunks: Iterable[SnapshotChunk],
                      progress: Callable[[Session, SnapshotChunk], None] | None = None) -> int:
        """First sync / recovery: apply every chunk. Chunks are gathered (outside any transaction:
        the network may be slow) into batches of about SNAPSHOT_BATCH_RECORDS records, each applied in
        one transaction — a commit per small chunk cost more than the rows. `progress(session, chunk)`
        runs inside that transaction after each chunk, so a resume position is stored with the data it
        describes; without it, the oldest cursor of all chunks is stored with the last one (a
        stream reopened part-way answers with a newer cursor; what changed between stays to pull)."""
        count, oldest = 0, None
        for batch in batches(chunks):
            with self._applying(attach_snapshot=any(c.image for c in batch)) as session:
                if count == 0 and holds_nothing(session):
                    drop_indexes(session)  # built again after the last chunk: a bulk load's way
                pending = _pending_fields(session)
                for chunk in batch:
                    _apply_records(session, chunk.records, pending)
                    if chunk.table is not None:
                        apply_rows(session, chunk.table, pending)
                    if chunk.image is not None:
                        apply_image(session, chunk.image, pending)
                    if chunk.last:
                        restore_indexes(session)
                    oldest = chunk.cursor if oldest is None else min(oldest, chunk.cursor)
                    if progress is not None:
                        progress(session, chunk)
                    elif chunk.last:
                        write_state(session, "cursor", str(oldest))
                    count += chunk.size
        return count


def _pending_fields(session: Session) -> dict[tuple[str, str], set[str]]:
    out: dict[tuple[str, str], set[str]] = {}
    for entity, record_id, fields in session.execute(
            select(OutboxChange.entity, OutboxChange.record_id, OutboxChange.fields)
            .where(OutboxChange.state == "pending")):
        out.setdefault((entity, record_id), set()).update(fields)
    return out


def _apply_records(session: Session, records: list[PulledRecord],
                   pending: dict[tuple[str, str], set[str]]) -> None:
    """Apply a page or chunk: the records already held and their RecordSeen rows are read with one
    IN query per entity and batch, and nothing is flushed until the end (one executemany per table).
    A first sync used to spend 80 % of its time in a SELECT, an autoflush and an INSERT per record."""
    by_entity: dict[str, list[str]] = {}
    for record in records:
        by_entity.setdefault(record.entity, []).append(record.record_id)
    classes = {entity: model_for_entity(entity) for entity in by_entity}
    held: dict[tuple[str, str], Any] = {}
    seen: dict[tuple[str, str], RecordSeen] = {}
    with session.no_autoflush:
        for entity, ids in by_entity.items():
            cls = classes[entity]
            for start in range(0, len(ids), IN_BATCH):
                batch = ids[start:start + IN_BATCH]
                held.update(((entity, obj.id), obj) for obj in session.scalars(select(cls).where(cls.id.in_(batch))))
                seen.update(((entity, row.record_id), row) for row in session.scalars(
                    select(RecordSeen).where(RecordSeen.entity == entity, RecordSeen.record_id.in_(batch))))
        fresh: dict[str, dict[str, dict[str, Any]]] = {}  # entity -> id -> row of records new here
        fresh_seen: dict[tuple[str, str], dict[str, Any]] = {}
        for record in records:
            key = (record.entity, record.record_id)
            cls = classes[record.entity]
            if key in held:
                _apply_record(session, cls, record, held, seen, pending.get(key, set()))
                continue
            row = fresh.setdefault(record.entity, {}).setdefault(record.record_id, {"id": record.record_id})
            row.update((name, decode_value(cls, name, value)) for name, value in record.fields.items())
            _seen_row(session, record, seen, fresh_seen)
        _insert_fresh(session, classes, fresh, fresh_seen)
    session.flush()


def _note_echoes(session: Session, echoes: list[tuple[str, str, int]]) -> None:
    """Records the server did not send back because this device's own pushes were their only
    changes, based on the version held here and taken as sent: the values are already here, only
    their seq moves on."""
    for entity, record_id, seq in echoes:
        row = session.get(RecordSeen, (entity, record_id))
        if row is not None:
            row.seq = max(row.seq, seq)
        elif session.get(model_for_entity(entity), record_id) is not None:  # made here, never pulled
            session.add(RecordSeen(entity=entity, record_id=record_id, seq=seq))


def _seen_row(session: Session, record: PulledRecord, seen: dict, fresh_seen: dict) -> None:
    key = (record.entity, record.record_id)
    row = seen.get(key)
    if row is not None:
        row.seq = max(row.seq, record.seq)
        return
    new = fresh_seen.setdefault(key, {"entity": record.entity, "record_id": record.record_id, "seq": record.seq})
    new["seq"] = max(new["seq"], record.seq)


def _insert_fresh(session: Session, classes: dict[str, type], fresh: dict, fresh_seen: dict) -> None:
    """Records not held yet go in as ORM bulk INSERTs (executemany, no object per row): building an
    ORM object per record was half of a first sync. The flush hook that keeps a person's search keys
    does not see bulk rows, so they are computed here the same way."""
    for entity, rows in fresh.items():
        cls = classes[entity]
        if cls.__sync_derive__ is not None:
            for row in rows.values():
                row.update(cls.__sync_derive__(row))
        session.execute(insert(cls), list(rows.values()))
    if fresh_seen:
        session.execute(insert(RecordSeen), list(fresh_seen.values()))



def _apply_record(session: Session, cls: type, record: PulledRecord, held: dict, seen: dict,
                  pending: set[str]) -> None:
    key = (record.entity, record.record_id)
    obj = held.get(key)
    if obj is None:
        obj, pending = cls(id=record.record_id), set()
        session.add(obj)
        held[key] = obj  # the same record twice in one page: the second updates the first
    for name, value in record.fields.items():
        if name in pending:
            continue  # keep the local pending value; the server decides after the next push
        setattr(obj, name, decode_value(cls, name, value))
    row = seen.get(key)
    if row is None:
        seen[key] = RecordSeen(entity=record.entity, record_id=record.record_id, seq=record.seq)
        session.add(seen[key])
    else:
        row.seq = max(row.seq, record.seq)



def _queue_evictions(session: Session, evictions: list[tuple[str, str]], returned: set[tuple[str, str]]) -> None:
    """Remember records to evict; a record the same page brought back into scope is kept."""
    stored = read_state(session, "evictions")
    if not evictions and not stored:
        return
    waiting = set(map(tuple, json.loads(stored or "[]")))
    waiting.update((e, r) for e, r in evictions)
    waiting -= returned
    write_state(session, "evictions", json.dumps(sorted(waiting)))


def _apply_due_evictions(session: Session) -> None:
    waiting = [tuple(e) for e in json.loads(read_state(session, "evictions") or "[]")]
    if not waiting:
        return
    busy = set(_pending_fields(session))
    left = []
    for entity, record_id in waiting:
        if (entity, record_id) in busy:
            left.append((entity, record_id))
            continue
        seen = session.get(RecordSeen, (entity, record_id))
        cls = model_for_entity(entity)
        session.execute(delete(cls).where(cls.id == record_id))
        if seen is not None:
            session.delete(seen)
    write_state(session, "evictions", json.dumps(sorted(left)))
