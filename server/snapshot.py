"""Snapshot iteration with a resume position: the current in-scope state, entity by entity in sync
order (parents first) and by record id within an entity — the order `sync.http_transport`
resumes in — starting just after `after = (entity, record_id)` when a stream broke off. A keyset
scan over the version heads, one chunk of records loaded at a time, so memory does not grow with
the township. The cursor is read first; the caller runs it in one REPEATABLE READ transaction on
PostgreSQL so the state is exactly the state at that cursor (on SQLite, rows changed later are
simply sent again by the next pull)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import Select, Table, and_, func, or_, select, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import NULLTYPE

from db import storage
from db.base import model_for_entity, synced_models
from db.models import SYNC_ORDER
from server.deps import Principal
from server.scope import DepartmentView, assigned_targets_condition, read_prefix
from server.sensitive import SEES_SENSITIVE_TAGS, sensitive_tag_codes
from server.store import current_cursor, in_scope
from server.store.read import load_records as read_records
from server.store.tables import RecordVersion
from sync import versions
from sync.pages import PulledRecord, SnapshotChunk, SnapshotImage, SnapshotRows
from sync.wire import PUSH_ONLY_ENTITIES


def parse_position(raw: str | None) -> tuple[str, str] | None:
    """`entity:record_id` → (entity, record_id); ValueError when it names no synced entity."""
    if not raw:
        return None
    entity, sep, record_id = raw.partition(":")
    if not sep or entity not in SYNC_ORDER or not 1 <= len(record_id) <= 36:
        raise ValueError(raw)
    return entity, record_id


def load_records(session: Session, cls: type, heads: list) -> list[PulledRecord]:
    """The synced fields of `cls`'s records named by `heads` [(record_id, seq)], in that order
    (server.store.read.load_records)."""
    entity = cls.__sync_entity__
    return read_records(session, [(entity, record_id, seq) for record_id, seq in heads])


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


# -- table rows in the client's storage format: the "rows" and "sqlite" formats ----------------

def snapshot_rows(session: Session, who: Principal, chunk_size: int,
                  after: tuple[str, str] | None = None, version: int | None = None) -> Iterator[SnapshotChunk]:
    """`who`'s snapshot as table rows (sync.pages.SnapshotRows), with the same scope and the same
    filters as the record format (server.sync_service.snapshot_chunks): sensitive tag assignments
    only for the roles that see them, code entries of enclosing regions only; the tables and
    columns the client's schema `version` has (None: all)."""
    cursor = current_cursor(session)
    for entity, names, found in _fetched(session, _scoped(session, who, version), after, chunk_size):
        rows = SnapshotRows(entity, names, [r[:-1] for r in found], [r[-1] for r in found])
        yield SnapshotChunk(cursor, [], False, rows)
    yield SnapshotChunk(cursor, [], True)


def snapshot_images(session: Session, who: Principal, chunk_size: int,
                    after: tuple[str, str] | None = None, version: int | None = None) -> Iterator[SnapshotChunk]:
    """The same rows as SQLite database images (sync.pages.SnapshotImage), one per chunk. A SQLite
    server fills each image with one INSERT … SELECT into an attached in-memory database (its rows
    are already in the storage format); others fetch, convert and insert the rows."""
    cursor = current_cursor(session)
    scope = _scoped(session, who, version)
    images = _images_in_sqlite if session.get_bind().dialect.name == "sqlite" else _images_fetched
    for entity, names, count, last_id, data in images(session, scope, after, chunk_size):
        yield SnapshotChunk(cursor, [], False, image=SnapshotImage(entity, names, count, last_id, data))
    yield SnapshotChunk(cursor, [], True)


def pack_image(names: list[str], rows: list) -> bytes:
    """A database image whose table "rows" holds `rows` (the columns `names`, then "_seq")."""
    db = sqlite3.connect(":memory:")
    try:
        db.execute(f"CREATE TABLE rows ({_quoted([*names, '_seq'])})")  # no types: values stay as they are
        db.executemany(f"INSERT INTO rows VALUES ({', '.join('?' * (len(names) + 1))})", rows)
        db.commit()
        return db.serialize()
    finally:
        db.close()


def _quoted(names: list[str]) -> str:
    return ", ".join(f'"{n}"' for n in names)


def _images_fetched(session: Session, scope: ScopeOf, after: tuple[str, str] | None,
                    chunk_size: int) -> Iterator[tuple[str, list[str], int, str, bytes]]:
    for entity, names, found in _fetched(session, scope, after, chunk_size):
        yield entity, names, len(found), found[-1][0], pack_image(names, found)


def _images_in_sqlite(session: Session, scope: ScopeOf, after: tuple[str, str] | None,
                      chunk_size: int) -> Iterator[tuple[str, list[str], int, str, bytes]]:
    conn = session.connection()
    raw = conn.connection.dbapi_connection
    for entity, names, query in _chunks(scope, after, chunk_size, raw=True):
        last_id = after[1] if after and after[0] == entity else ""
        while True:
            compiled = query(last_id).compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
            params = [compiled.params[name] for name in compiled.positiontup or ()]
            raw.execute("ATTACH DATABASE ':memory:' AS img")  # reads run outside a transaction here
            try:
                raw.execute(f"CREATE TABLE img.rows ({_quoted([*names, '_seq'])})")
                count = raw.execute(f"INSERT INTO img.rows {compiled}", params).rowcount
                raw.commit()  # the driver began a transaction for the INSERT; only img was written
                if count <= 0:
                    break
                last_id = raw.execute("SELECT id FROM img.rows ORDER BY rowid DESC LIMIT 1").fetchone()[0]
                yield entity, names, count, last_id, raw.serialize(name="img")
            finally:
                raw.rollback()  # after a failed INSERT the driver's transaction is still open
                raw.execute("DETACH DATABASE img")


def _fetched(session: Session, scope: ScopeOf, after: tuple[str, str] | None,
             chunk_size: int) -> Iterator[tuple[str, list[str], list]]:
    """(entity, column names, rows) chunks, each row the columns' storage values, then server_seq."""
    raw = session.get_bind().dialect.name == "sqlite"
    conn = session.connection()
    for entity, names, query in _chunks(scope, after, chunk_size, raw):
        encoders = None if raw else [*storage.encoders(model_for_entity(entity).__table__, names), None]
        last_id = after[1] if after and after[0] == entity else ""
        while True:
            # Core, not the ORM: its per-row loading cost more than the query itself
            found = conn.execute(query(last_id)).all()
            if not found:
                break
            last_id = found[-1][0]
            yield entity, names, [tuple(r) for r in found] if encoders is None else storage.convert_rows(found, encoders)


@dataclass(frozen=True)
class ScopeOf:
    """What one client receives: `condition(entity, table)` selects the rows (None: none of that
    entity) and `version` is its schema version (None: the server's own), which decides the tables
    and columns."""

    condition: Callable[[str, Table], ColumnElement | None]
    version: int | None = None

    def columns(self, entity: str, table: Table) -> list[str] | None:
        """The columns of `entity`'s rows this client gets, "id" first; None when not the entity."""
        if self.version is None:
            return table_columns(table)
        if not versions.knows_entity(entity, self.version):
            return None
        return versions.known_columns(entity, table_columns(table), self.version)


def _scoped(session: Session, who: Principal, version: int | None = None) -> ScopeOf:
    """What `who` receives (see ScopeOf), in schema `version`."""
    prefix = read_prefix(who)
    if prefix is None:
        view = DepartmentView(session, who.department_code or "", who.scope_prefix)
        return ScopeOf(lambda entity, _table: view.snapshot_condition(entity), version)
    regions = region_scope(prefix)
    hidden = frozenset() if who.role in SEES_SENSITIVE_TAGS else sensitive_tag_codes(session)
    enclosing = [who.scope_prefix[:n] for n in range(len(who.scope_prefix or "") + 1)]

    def condition(entity: str, table: Table) -> ColumnElement:
        scoped = regions(entity)
        if entity == "tag_assignment" and hidden:  # as server.sensitive.hide_sensitive_tags
            scoped = and_(scoped, or_(table.c.tag_code.is_(None), table.c.tag_code.not_in(hidden)))
        if entity == "code_entry" and who.role != "city_admin":  # as server.scope.code_entry_visible
            scoped = and_(scoped, func.coalesce(table.c.scope_prefix, "").in_(enclosing))
        return scoped

    return ScopeOf(condition, version)


def table_columns(table: Table) -> list[str]:
    """Every column of an entity table, "id" first: the synced fields and the derived ones the
    server keeps the same way as a client (a person's search keys), so the client stores rows whole."""
    return ["id", *(c.name for c in table.columns if c.name != "id")]


def _chunks(scope: ScopeOf, after: tuple[str, str] | None, chunk_size: int,
            raw: bool) -> Iterator[tuple[str, list[str], Callable[[str], Select]]]:
    """Per entity in snapshot order (from `after`'s on): its column names and the keyset query of
    the chunk after a record id — the version heads joined to the entity table, at most
    `chunk_size` rows of (columns…, "_seq"). `raw` reads the values as stored (SQLite)."""
    start_rank = SYNC_ORDER.index(after[0]) if after else -1
    for cls in synced_models():
        entity = cls.__sync_entity__
        table = cls.__table__
        if entity in PUSH_ONLY_ENTITIES or SYNC_ORDER.index(entity) < start_rank:
            continue
        scoped = scope.condition(entity, table)
        names = scope.columns(entity, table)
        if scoped is None or names is None:
            continue
        columns = [(type_coerce(table.c[n], NULLTYPE) if raw else table.c[n]).label(n) for n in names]

        def query(last_id: str, columns=columns, table=table, entity=entity, scoped=scoped) -> Select:
            return (select(*columns, RecordVersion.server_seq.label("_seq"))
                    .join_from(RecordVersion, table, table.c.id == RecordVersion.record_id)
                    .where(RecordVersion.entity == entity, RecordVersion.record_id > last_id, scoped)
                    .order_by(RecordVersion.record_id).limit(chunk_size))

        yield entity, names, query
