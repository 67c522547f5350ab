"""Applying a snapshot's bulk forms on the client: rows in storage format (`SnapshotRows`) and
whole-table database images (`SnapshotImage`), the batching of chunks into transactions, and the
secondary indexes dropped for a first load into an empty database and built once afterwards.
Held records (a resumed or repeated snapshot) are updated field by field, keeping fields that have
a pending local edit."""

from __future__ import annotations

import itertools
import sqlite3
import time
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Index, select
from sqlalchemy.orm import Session
from sqlalchemy.schema import CreateIndex, DropIndex

from db import storage
from db.base import model_for_entity, synced_models
from sync.pages import SnapshotChunk, SnapshotImage, SnapshotRows

SNAPSHOT_BATCH_RECORDS = 20_000  # records per transaction of a snapshot (~10 MB of rows in memory)
SNAPSHOT_BATCH_SECONDS = 1.0  # …or what arrived in this long: a slow link still commits often
_IMAGES = itertools.count(1)
IN_BATCH = 500  # ids per IN (...) query: below SQLite's bound-parameter limit on old builds


def _entity_indexes() -> list[Index]:
    return [index for cls in synced_models() for index in cls.__table__.indexes if not index.unique]


def holds_nothing(session: Session) -> bool:
    return all(session.scalar(select(cls.id).limit(1)) is None for cls in synced_models())


def drop_indexes(session: Session) -> None:
    """Drop the entity tables' secondary indexes for a first sync into an empty database: building
    an index once over the loaded rows costs about half of keeping it up to date row by row. Only
    non-unique indexes (nothing the rows are checked against)."""
    for index in _entity_indexes():
        session.execute(DropIndex(index, if_exists=True))


def restore_indexes(session: Session) -> None:
    """Create whatever secondary index is missing (after a first sync, or one that broke off)."""
    for index in _entity_indexes():
        session.execute(CreateIndex(index, if_not_exists=True))


def batches(chunks: Iterable[SnapshotChunk]) -> Iterator[list[SnapshotChunk]]:
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


def apply_rows(session: Session, table_rows: SnapshotRows, pending: dict[tuple[str, str], set[str]]) -> None:
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


def apply_image(session: Session, image: SnapshotImage, pending: dict[tuple[str, str], set[str]]) -> None:
    """Apply one entity's rows from a database image: attached as schema "snap" and copied with
    INSERT … SELECT, so no value passes through Python (a first sync's rows cost a third of
    executemany's). Held records (a resumed or repeated snapshot) are updated as in `_apply_rows`.
    SQLCipher's driver cannot attach an image: there the rows are read out and inserted."""
    cls = model_for_entity(image.entity)
    names = _checked_columns(cls, image.columns)
    raw = session.connection().connection.dbapi_connection
    if not hasattr(raw, "deserialize"):
        apply_rows(session, _image_rows(image), pending)
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
        for start in range(0, len(held), IN_BATCH):
            part = held[start:start + IN_BATCH]
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
    for start in range(0, len(rows), IN_BATCH):
        part = rows[start:start + IN_BATCH]
        objects = {o.id: o for o in session.scalars(select(cls).where(cls.id.in_([r[0] for r in part])))}
        for row in part:
            obj, keep = objects[row[0]], pending.get((entity, row[0]), set())
            for name, value, decode in zip(columns[1:], row[1:], decoders[1:], strict=True):
                if name not in keep:
                    setattr(obj, name, decode(value) if decode is not None and value is not None else value)
    session.flush()

