"""The client side of sync, without HTTP: push the outbox, pull pages, apply snapshots.

A `Transport` carries requests to the server (the HTTP client later, an in-process store in
tests). The rules kept here:
- an outbox row is removed only in the transaction that stores the server's acknowledgement;
  a rejected row stays, marked "rejected" with the server's code and message;
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
import itertools
import json
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

from sqlalchemy import Engine, Index, delete, insert, select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.schema import CreateIndex, DropIndex

from db import storage
from db.base import model_for_entity, synced_models
from db.client import OutboxChange, RecordSeen
from db.models import Person
from db.search_keys import person_search_keys
from sync.capture import applying_pulled, read_state, write_state
from sync.merge import ChangeResult
from sync.pages import Page, PulledRecord, SnapshotChunk, SnapshotImage, SnapshotRows
from sync.wire import Change, decode_value

PUSH_BATCH = 500
PULL_LIMIT = 500
SNAPSHOT_BATCH_RECORDS = 20_000  # records per transaction of a snapshot (~10 MB of rows in memory)
SNAPSHOT_BATCH_SECONDS = 1.0  # …or what arrived in this long: a slow link still commits often


class Transport(Protocol):
    def push(self, changes: list[dict[str, Any]]) -> list[ChangeResult]: ...
    def pull(self, cursor: int, limit: int) -> Page: ...
    def snapshot(self) -> Iterable[SnapshotChunk]: ...


def outbox_change(row: OutboxChange, device_id: str) -> Change:
    return Change(row.change_id, device_id, row.device_seq, row.entity, row.record_id, row.op,
                  dict(row.fields), dict(row.base), row.hlc, row.schema_version)


class SyncClient:
    """Runs push/pull for one local database of device `device_id` through `transport`."""

    def __init__(self, engine: Engine, factory: sessionmaker, device_id: str, transport: Transport) -> None:
        self.engine = engine
        self.factory = factory
        self.device_id = device_id
        self.transport = transport

    # -- push ---------------------------------------------------------------------------------
    def push_batch(self, limit: int = PUSH_BATCH) -> list[Change]:
        with self.factory() as session:
            rows = session.scalars(select(OutboxChange).where(OutboxChange.state == "pending")
                                   .order_by(OutboxChange.device_seq).limit(limit)).all()
            return [outbox_change(r, self.device_id) for r in rows]

    def apply_push_results(self, results: list[ChangeResult]) -> int:
        """Store the server's answers; returns how many rows left the pending state. The batch's rows
        are read with one IN query per 500 and the settled ones deleted with one statement (a SELECT,
        an autoflush and a DELETE per change took ~1 s per 500 answers)."""
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
            done: dict[str, None] = {}  # settled ids in answer order (a repeated answer counts once)
            for result in answered:
                row = rows.get(result.change_id)
                if row is None or row.state != "pending" or result.change_id in done:
                    continue
                settled += 1
                if result.outcome == "rejected":
                    row.state, row.reject_code, row.reject_message = "rejected", result.code, result.message
                else:
                    done[result.change_id] = None
            session.flush()
            done_ids = list(done)
            for start in range(0, len(done_ids), 500):
                session.execute(delete(OutboxChange).where(OutboxChange.change_id.in_(done_ids[start:start + 500])),
                                execution_options={"synchronize_session": False})
        return settled

    def push(self) -> int:
        """Push until the outbox has nothing pending (or the server stops taking it)."""
        total = 0
        while True:
            batch = self.push_batch()
            if not batch:
                return total
            results = self.transport.push([c.to_json() for c in batch])
            settled = self.apply_push_results(results)
            total += settled
            if settled == 0:
                return total

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

    def pull(self, limit: int = PULL_LIMIT) -> int:
        """Pull pages until the server has no more; returns the number of records applied."""
        applied = 0
        while True:
            page = self.transport.pull(self.cursor(), limit)
            if not self.apply_page(page):
                return applied
            applied += len(page.records)
            if not page.has_more:
                return applied

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
    def load_snapshot(self, chunks: Iterable[SnapshotChunk] | None = None,
                      progress: Callable[[Session, SnapshotChunk], None] | None = None) -> int:
        """First sync / recovery: apply every chunk. Chunks are gathered (outside any transaction:
        the network may be slow) into batches of about SNAPSHOT_BATCH_RECORDS records, each applied in
        one transaction — a commit per small chunk cost more than the rows. `progress(session, chunk)`
        runs inside that transaction after each chunk, so a resume position is stored with the data it
        describes; without it, the oldest cursor of all chunks is stored with the last one (a
        stream reopened part-way answers with a newer cursor; what changed between stays to pull)."""
        count, oldest = 0, None
        for batch in _batches(chunks if chunks is not None else self.transport.snapshot()):
            with self._applying(attach_snapshot=any(c.image for c in batch)) as session:
                if count == 0 and _holds_nothing(session):
                    _drop_indexes(session)  # built again after the last chunk: a bulk load's way
                pending = _pending_fields(session)
                for chunk in batch:
                    _apply_records(session, chunk.records, pending)
                    if chunk.table is not None:
                        _apply_rows(session, chunk.table, pending)
                    if chunk.image is not None:
                        _apply_image(session, chunk.image, pending)
                    if chunk.last:
                        restore_indexes(session)
                    oldest = chunk.cursor if oldest is None else min(oldest, chunk.cursor)
                    if progress is not None:
                        progress(session, chunk)
                    elif chunk.last:
                        write_state(session, "cursor", str(oldest))
                    count += chunk.size
        return count

    def sync(self) -> None:
        """One round: push first (DESIGN.md), then pull, then evictions that were waiting."""
        self.push()
        self.pull()
        self.apply_waiting_evictions()


def _entity_indexes() -> list[Index]:
    return [index for cls in synced_models() for index in cls.__table__.indexes if not index.unique]


def _holds_nothing(session: Session) -> bool:
    return all(session.scalar(select(cls.id).limit(1)) is None for cls in synced_models())


def _drop_indexes(session: Session) -> None:
    """Drop the entity tables' secondary indexes for a first sync into an empty database: building
    an index once over the loaded rows costs about half of keeping it up to date row by row. Only
    non-unique indexes (nothing the rows are checked against)."""
    for index in _entity_indexes():
        session.execute(DropIndex(index, if_exists=True))


def restore_indexes(session: Session) -> None:
    """Create whatever secondary index is missing (after a first sync, or one that broke off)."""
    for index in _entity_indexes():
        session.execute(CreateIndex(index, if_not_exists=True))


def _batches(chunks: Iterable[SnapshotChunk]) -> Iterator[list[SnapshotChunk]]:
    """The chunks in batches; when the stream breaks, what arrived before the break is still
    yielded (and applied) before the error goes on."""
    batch: list[SnapshotChunk] = []
    size, began = 0, time.monotonic()
    stream = iter(chunks)
    while True:
        try:
            chunk = next(stream)
        except StopIteration:
            break
        except Exception:
            if batch:
                yield batch
            raise
        batch.append(chunk)
        size += chunk.size
        if chunk.last or size >= SNAPSHOT_BATCH_RECORDS or time.monotonic() - began >= SNAPSHOT_BATCH_SECONDS:
            yield batch
            batch, size, began = [], 0, time.monotonic()
    if batch:
        yield batch


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
            for start in range(0, len(ids), _IN_BATCH):
                batch = ids[start:start + _IN_BATCH]
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
    changes, taken as sent: the values are already here, only their seq moves on."""
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
        if cls is Person:
            for row in rows.values():
                row.update(person_search_keys(row.get("name") or "", row.get("id_number"), row.get("phone")))
        session.execute(insert(cls), list(rows.values()))
    if fresh_seen:
        session.execute(insert(RecordSeen), list(fresh_seen.values()))


_IMAGES = itertools.count(1)
_IN_BATCH = 500  # ids per IN (...) query: below SQLite's bound-parameter limit on old builds


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


def _apply_rows(session: Session, table_rows: SnapshotRows, pending: dict[tuple[str, str], set[str]]) -> None:
    """Apply one entity's snapshot rows (storage format, sorted by id). Rows of records not held
    here go in with one executemany, as they came; held ones (a resumed or repeated snapshot) are
    updated field by field through the ORM, keeping fields with pending local edits. One range query
    on the ids tells them apart: on a first sync it finds nothing."""
    entity, columns, rows = table_rows.entity, table_rows.columns, table_rows.rows
    if not rows:
        return
    cls = model_for_entity(entity)
    table = cls.__table__
    names = _checked_columns(cls, columns)
    if any(len(row) != len(columns) for row in rows):
        raise ValueError(f"snapshot row of {entity} does not match its columns")
    first, last = min(r[0] for r in rows), max(r[0] for r in rows)
    held = set(session.scalars(select(cls.id).where(cls.id >= first, cls.id <= last)))
    cursor = session.connection().connection.cursor()
    try:
        fresh = [row for row in rows if row[0] not in held] if held else rows
        cursor.executemany(f'INSERT INTO "{table.name}" ({names}) VALUES ({", ".join("?" * len(columns))})', fresh)
        cursor.executemany(
            "INSERT INTO record_seen (entity, record_id, seq) VALUES (?, ?, ?) "
            "ON CONFLICT (entity, record_id) DO UPDATE SET seq = max(seq, excluded.seq)",
            [(entity, row[0], seq) for row, seq in zip(rows, table_rows.seqs, strict=True)])
    finally:
        cursor.close()
    if held:
        _update_held_rows(session, cls, columns, [row for row in rows if row[0] in held], pending)


def _checked_columns(cls: type, columns: list[str]) -> str:
    """The columns as a quoted SQL list, after checking they are this client's table's own."""
    if columns[:1] != ["id"] or len(set(columns)) != len(columns) or not set(columns) <= set(cls.__table__.columns.keys()):
        raise ValueError(f"snapshot columns of {cls.__sync_entity__} do not match this client's table")
    return ", ".join(f'"{c}"' for c in columns)


def _apply_image(session: Session, image: SnapshotImage, pending: dict[tuple[str, str], set[str]]) -> None:
    """Apply one entity's rows from a database image: attached as schema "snap" and copied with
    INSERT … SELECT, so no value passes through Python (a first sync's rows cost a third of
    executemany's). Held records (a resumed or repeated snapshot) are updated as in `_apply_rows`.
    SQLCipher's driver cannot attach an image: there the rows are read out and inserted."""
    cls = model_for_entity(image.entity)
    names = _checked_columns(cls, image.columns)
    raw = session.connection().connection.dbapi_connection
    if not hasattr(raw, "deserialize"):
        _apply_rows(session, _image_rows(image), pending)
        return
    raw.deserialize(image.data, name="snap")
    # Every image's schema carries the same schema cookie, so a statement the driver prepared for the
    # previous image (its statement cache is keyed by SQL text) would read this one's columns by the
    # old positions: a tag of its own in each statement makes the driver prepare it afresh.
    tag = f"/* image {next(_IMAGES)} */ "
    table, tail = cls.__table__.name, ("AND s.id > ?", (image.after_id,)) if image.after_id else ("", ())
    cursor = raw.cursor()
    try:
        held = [r[0] for r in cursor.execute(
            tag + f'SELECT s.id FROM snap.rows s JOIN main."{table}" m ON m.id = s.id WHERE 1 {tail[0]}', tail[1])]
        fresh = f'AND s.id NOT IN (SELECT id FROM main."{table}")' if held else ""
        cursor.execute(tag + f'INSERT INTO main."{table}" ({names}) SELECT {names} FROM snap.rows s '
                       f"WHERE 1 {fresh} {tail[0]}", tail[1])
        cursor.execute(tag + "INSERT INTO main.record_seen (entity, record_id, seq) SELECT ?, s.id, s._seq FROM snap.rows s "
                       f"WHERE 1 {tail[0]} ON CONFLICT (entity, record_id) DO UPDATE SET seq = max(seq, excluded.seq)",
                       (image.entity, *tail[1]))
        rows = []
        for start in range(0, len(held), _IN_BATCH):
            part = held[start:start + _IN_BATCH]
            rows += cursor.execute(tag + f"SELECT {names} FROM snap.rows WHERE id IN ({', '.join('?' * len(part))})",
                                   part).fetchall()
    finally:
        cursor.close()
    if rows:
        _update_held_rows(session, cls, image.columns, [list(r) for r in rows], pending)


def _image_rows(image: SnapshotImage) -> SnapshotRows:
    db = sqlite3.connect(":memory:")
    try:
        db.deserialize(image.data)
        names = ", ".join(f'"{c}"' for c in image.columns)
        found = db.execute(f'SELECT {names}, "_seq" FROM rows WHERE id > ? ORDER BY rowid', (image.after_id,)).fetchall()
    finally:
        db.close()
    return SnapshotRows(image.entity, image.columns, [list(r[:-1]) for r in found], [r[-1] for r in found])


def _update_held_rows(session: Session, cls: type, columns: list[str], rows: list[list[Any]],
                      pending: dict[tuple[str, str], set[str]]) -> None:
    entity = cls.__sync_entity__
    decoders = storage.decoders(cls.__table__, columns)
    for start in range(0, len(rows), _IN_BATCH):
        part = rows[start:start + _IN_BATCH]
        objects = {o.id: o for o in session.scalars(select(cls).where(cls.id.in_([r[0] for r in part])))}
        for row in part:
            obj, keep = objects[row[0]], pending.get((entity, row[0]), set())
            for name, value, decode in zip(columns[1:], row[1:], decoders[1:], strict=True):
                if name not in keep:
                    setattr(obj, name, decode(value) if decode is not None and value is not None else value)
    session.flush()


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
