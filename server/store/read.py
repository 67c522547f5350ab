"""The read half of the server's sync store: pull (records past a cursor in
a scope, plus evictions) and the snapshot, and the open review items.

Pull serves records, not raw log entries: each in-scope record whose latest `server_seq` is past the
cursor comes once with all its synced fields (so a record moving into scope arrives whole), plus
EVICTIONS for records whose region moved out of scope within the page's range.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

from sqlalchemy import String, and_, bindparam, case, func, select, true, union_all
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from db.base import dated_column_names, synced_models
from server.store.common import (
    SCOPE_KEY_LENGTHS,
    _is_postgres,
    _model,
    _names,
    in_scope,
    in_scope_bound,
    one_of,
    region_in_scope,
    scope_key,
    scope_params,
)
from server.store.numbering import current_cursor
from server.store.tables import ChangeLogEntry, RecordVersion, ReviewItem
from sync.pages import Page, PulledRecord, SnapshotChunk
from sync.wire import PUSH_ONLY_ENTITIES, encode_value


def load_records(session: Session, heads: list[tuple[str, str, int]]) -> list[PulledRecord]:
    """The synced fields of the records named by `heads` [(entity, record_id, seq)], in that order,
    read as plain rows (an ORM object per record cost more than the query), 500 ids per statement;
    a record no longer in its table is left out. Pulls and snapshots read records only this way."""
    by_entity: dict[str, list[str]] = {}
    for entity, record_id, _seq in heads:
        by_entity.setdefault(entity, []).append(record_id)
    loaded: dict[tuple[str, str], dict[str, Any]] = {}
    for entity, ids in by_entity.items():
        names, statement, encoded = _record_rows(entity, _is_postgres(session))
        for start in range(0, len(ids), 500):
            for row in session.execute(statement, {"ids": ids[start:start + 500]}):
                fields = dict(zip(names, row[1:], strict=True))
                for name in encoded:  # only dates and times differ from their JSON value
                    fields[name] = encode_value(fields[name])
                loaded[(entity, row[0])] = fields
    return [PulledRecord(e, r, s, loaded[(e, r)]) for e, r, s in heads if (e, r) in loaded]


@functools.cache
def _record_rows(entity: str, postgres: bool) -> tuple[tuple[str, ...], Any, tuple[str, ...]]:
    """(the synced field names of `entity`, the statement reading id and those fields by `ids`, the
    fields whose values need encoding: db.base.dated_column_names)."""
    table, names = _model(entity).__table__, tuple(_names(_model(entity)))
    return (names, select(table.c.id, *(table.c[n] for n in names)).where(one_of(table.c.id, "ids", postgres)),
            dated_column_names(_model(entity)))


def _evictions(session: Session, scope_prefix: str, cursor: int, upper: int) -> list[tuple[str, str]]:
    moved = session.execute(_moved_out(_is_postgres(session)),
                            {"cursor": cursor, "upper": upper, **scope_params(scope_prefix)}).all()
    out = []
    for entity, record_id in moved:
        head = session.get(RecordVersion, (entity, record_id))
        if head is not None and not region_in_scope(head.region_code, scope_prefix):
            out.append((entity, record_id))
    return sorted(out)


@functools.cache
def _moved_out(postgres: bool):
    """Records that moved away from a region of the scope within (cursor, upper]: built once, the
    scope as parameters (building it cost more than running it). Read from the partial index of the
    changes that moved a record (server migration 0031): a few among the city's changes in the range."""
    return select(ChangeLogEntry.entity, ChangeLogEntry.record_id).where(
        ChangeLogEntry.server_seq > bindparam("cursor"), ChangeLogEntry.server_seq <= bindparam("upper"),
        ChangeLogEntry.old_region_code.is_not(None), in_scope_bound(ChangeLogEntry.old_region_code, postgres),
    ).distinct()


def pull(session: Session, scope_prefix: str, cursor: int, limit: int = 500, echo_device: str | None = None) -> Page:
    """The in-scope records changed after `cursor`, oldest first, at most `limit` of them. With
    `echo_device`, a record whose every change in the page's range was that device's own, taken
    exactly as sent (ChangeLogEntry.echo), is not sent back: it is named in `page.echoes` with its
    seq instead (the device already holds it)."""
    upper = current_cursor(session)
    rows = _scope_heads(session, scope_prefix, cursor, upper, limit + 1)
    has_more = len(rows) > limit
    rows = rows[:limit]
    page_end = upper
    if has_more:  # a full page: it ends on a boundary other devices' pages end on too (cacheable)
        page_end = full_page_end(cursor, rows[-1][2])
        rows = [r for r in rows if r[2] <= page_end]
    # Echoes are left out of the head page only: a full page is the same for every device of a view.
    echoes = _echoes(session, echo_device, cursor, page_end, rows) if echo_device and rows and not has_more else set()
    records = load_records(session, [r for r in rows if r[:2] not in echoes])
    evictions = _evictions(session, scope_prefix, cursor, page_end) if page_end > cursor else []
    return Page(cursor, max(page_end, cursor), has_more, records, evictions,
                [r for r in rows if r[:2] in echoes])


def _scope_heads(session: Session, scope_prefix: str, cursor: int, upper: int, limit: int) -> list:
    """The first `limit` version heads [(entity, record_id, seq)] in (cursor, upper] in the scope."""
    return scope_in_order(session, RecordVersion, ("entity", "record_id", "server_seq"), scope_prefix,
                          cursor, upper, limit, exclude=tuple(sorted(PUSH_ONLY_ENTITIES)))


def scope_in_order(session: Session, model: type, columns: tuple[str, ...], scope_prefix: str, cursor: int,
                   upper: int, limit: int, *, only: tuple[str, ...] = (), exclude: tuple[str, ...] = ()) -> list:
    """The first `limit` rows of `model` (the version heads or the change log) with server_seq in
    (cursor, upper] and region in the scope, in server order; entities limited to `only` or
    other than `exclude`. Each part of the scope is read in server order from its own index and the
    parts merged (server migrations 0023, 0024), so a village or a township reads its own changes,
    not every change of the city since its cursor — a scan of the server_seq index filtered by
    region, whose cost grew with the whole city."""
    keyed = len(scope_prefix) in SCOPE_KEY_LENGTHS
    params = {"cursor": cursor, "upper": upper, "limit": limit, "prefix": scope_prefix,
              "only": list(only), "exclude": list(exclude), **scope_params(scope_prefix)}
    statement = _scope_query(model, columns, len(scope_prefix) if keyed else 0, only, exclude, _is_postgres(session))
    return [tuple(r) for r in session.execute(statement, params)]


@functools.cache
def _scope_query(model: type, columns: tuple[str, ...], key_length: int, only: tuple[str, ...],
                 exclude: tuple[str, ...], postgres: bool):
    """`scope_in_order`'s statement, built once per table and kind of scope (building it cost more
    than running it), its values as parameters: by the scope key of that length (a township, a
    village), or by region for any other scope (0)."""
    picked = [getattr(model, name) for name in columns]
    seq, region = model.server_seq, model.region_code
    since = [seq > bindparam("cursor"), seq <= bindparam("upper")]
    since += [one_of(model.entity, "only", postgres)] if only else []
    since += [~one_of(model.entity, "exclude", postgres)] if exclude else []
    wider = one_of(region, "wider", postgres)
    if not key_length:
        return select(*picked).where(*since, in_scope_bound(region, postgres)).order_by(seq).limit(bindparam("limit"))
    own = (select(*picked).where(*since, scope_key(region, key_length) == bindparam("prefix"))
           .order_by(seq).limit(bindparam("limit")).subquery())
    # the few rows of the regions above (a township-wide task, city-wide codes): read by region, unordered;
    # on PostgreSQL each region code on its own (a lateral join over the list), so that the plan psycopg's
    # prepared statement settles on after five runs — made without the values — still reads the
    # (region, server_seq) index. With `region = ANY(:wider)` that generic plan scanned server_seq over the
    # whole range: a township PC's catch-up page from cursor 0 of a 12,000-household city took 171 ms
    # instead of 1 ms (tests/test_server_scope_heads.py holds the plan).
    if postgres:
        codes = func.unnest(bindparam("wider", type_=ARRAY(String()))).table_valued("code").render_derived("w")
        per_code = (select(*picked).where(*since, region == codes.c.code).order_by(seq)
                    .limit(bindparam("limit")).lateral("per_code"))
        above = select(*per_code.c).select_from(codes).join(per_code, true()).subquery()
    else:
        above = select(*picked).where(*since, wider).subquery()
    merged = union_all(select(own), select(above)).subquery()
    return select(merged).order_by(merged.c.server_seq).limit(bindparam("limit"))


PAGE_GRAIN = 64  # full pages end on multiples of this many sequence numbers


def full_page_end(cursor: int, last: int) -> int:
    """Where a full page from `cursor` whose last record has seq `last` ends: the multiple of
    PAGE_GRAIN in (cursor, last] with the most trailing zero bits (in grains), else `last`. Pages from
    different cursors so meet on the same boundaries within a few pages, and a page (view, cursor,
    limit) that is full never needs to change: it can be cached (docs/SERVER.md, nginx)."""
    low, high = cursor // PAGE_GRAIN + 1, last // PAGE_GRAIN
    if low > high:
        return last
    bit = 1 << (high.bit_length() - 1)
    while bit:
        candidate = high - high % bit
        if candidate >= low:
            return candidate * PAGE_GRAIN
        bit >>= 1
    return last


def _echoes(session: Session, device_id: str, cursor: int, page_end: int,
            rows: list[tuple[str, str, int]]) -> set[tuple[str, str]]:
    """The page's records changed in (cursor, page_end] only by `device_id`, each change an echo.
    Asked per entity, so PostgreSQL finds each record's changes in the range by the (entity,
    record_id, server_seq) index instead of reading every change of the city in the range (~0.5 ms
    per thousand; a PC that pulls every few minutes spans tens of thousands; migration 0026)."""
    found: set[tuple[str, str]] = set()
    by_entity: dict[str, set[str]] = {}
    for entity, record_id, _seq in rows:
        by_entity.setdefault(entity, set()).add(record_id)
    statement = _echoes_query(_is_postgres(session))
    for entity, id_set in sorted(by_entity.items()):
        ids = sorted(id_set)
        for start in range(0, len(ids), 500):
            found.update(tuple(r) for r in session.execute(statement, {
                "device": device_id, "cursor": cursor, "upper": page_end, "entity": entity,
                "ids": ids[start:start + 500]}))
    return found


@functools.cache
def _echoes_query(postgres: bool):
    """`_echoes`' statement, built once. On PostgreSQL each record on its own (a lateral join over the
    ids), so the generic plan psycopg's prepared statement settles on after five runs, made without
    the values, still reads the (entity, record_id, server_seq) index: with `record_id = ANY(:ids)`
    it read the primary key over (cursor, upper] and compared every change in it with every id, ~4 ms
    for a page of 400 records over 400 changes and growing with both (tests/test_server_echo_plan.py
    holds the plan)."""
    log = ChangeLogEntry
    echo = func.sum(case((and_(log.device_id == bindparam("device"), log.echo), 0), else_=1))
    since = [log.entity == bindparam("entity"), log.server_seq > bindparam("cursor"),
             log.server_seq <= bindparam("upper")]
    if not postgres:
        return (select(log.entity, log.record_id).where(*since, one_of(log.record_id, "ids", postgres))
                .group_by(log.entity, log.record_id).having(echo == 0))
    ids = func.unnest(bindparam("ids", type_=ARRAY(String()))).table_valued("id").render_derived("w")
    per_record = (select(echo.label("others"), func.count().label("changes"))
                  .where(*since, log.record_id == ids.c.id).lateral("per_record"))
    return (select(bindparam("entity", type_=String()), ids.c.id).select_from(ids).join(per_record, true())
            .where(per_record.c.changes > 0, per_record.c.others == 0))


def snapshot_iter(session: Session, scope_prefix: str, chunk_size: int = 2000,
                  after: tuple[str, str] | None = None) -> Iterator[SnapshotChunk]:
    """The current in-scope state in chunks (parents' entities first), never all in memory; with
    `after` = (entity, record_id), only what comes after that record (a resumed snapshot). Run it
    in one read transaction (REPEATABLE READ on PostgreSQL) to be exactly consistent with the
    cursor; rows changed after it are sent again by the next pull, which is harmless."""
    cursor = current_cursor(session)
    pending: list[PulledRecord] = []
    entities = [cls.__sync_entity__ for cls in synced_models() if cls.__sync_entity__ not in PUSH_ONLY_ENTITIES]
    if after is not None and after[0] in entities:
        entities = entities[entities.index(after[0]):]
    for entity in entities:
        last_id = after[1] if after is not None and entity == after[0] else ""
        while True:
            heads = session.execute(
                select(RecordVersion.entity, RecordVersion.record_id, RecordVersion.server_seq)
                .where(RecordVersion.entity == entity, RecordVersion.record_id > last_id,
                       in_scope(RecordVersion.region_code, scope_prefix))
                .order_by(RecordVersion.record_id).limit(chunk_size)).all()
            if not heads:
                break
            last_id = heads[-1][1]
            pending.extend(load_records(session, [tuple(h) for h in heads]))
            while len(pending) >= chunk_size:
                yield SnapshotChunk(cursor, pending[:chunk_size], False)
                pending = pending[chunk_size:]
    yield SnapshotChunk(cursor, pending, True)


def open_reviews(session: Session, scope_prefix: str = "") -> list[ReviewItem]:
    return list(session.scalars(select(ReviewItem).where(
        ReviewItem.state == "open", in_scope(ReviewItem.region_code, scope_prefix))
        .order_by(ReviewItem.created_at, ReviewItem.id)))
