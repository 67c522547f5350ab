"""The server's sync store over SQLAlchemy: push, pull and snapshot on the entity tables (`Base`)
plus the bookkeeping tables of `db.server` (`ServerBase`). Works on SQLite and PostgreSQL.

Pull never skips a change: a push transaction starts by touching the one-row `sync_counter`
(`UPDATE … SET last_seq = last_seq`), which holds PostgreSQL's row lock (SQLite's write lock) until
commit. Pushes therefore hand out `server_seq` one transaction at a time in commit order, and a
puller, which only serves up to the committed counter, can never pass a sequence number that a
slower transaction commits later. `push()` does not commit: the caller commits (or rolls back) the
whole batch, so the lock is released exactly when the answers become durable.

Pull serves records, not raw log entries: each in-scope record whose latest `server_seq` is past the
cursor comes once with all its synced fields (so a record moving into scope arrives whole), plus
EVICTIONS for records whose region moved out of scope within the page's range.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from db.base import model_for_entity, synced_models
from db.ids import new_id
from db.models import Person
from db.server import (
    AppliedChange,
    ChangeLogEntry,
    DeviceSyncState,
    RecordVersion,
    ReviewItem,
    SyncCounter,
)
from sync.merge import (
    ChangeResult,
    Decision,
    FieldVersion,
    PushContext,
    RecordState,
    apply_change,
    scope_region,
)
from sync.pages import Page, PulledRecord, SnapshotChunk
from sync.wire import PUSH_ONLY_ENTITIES, Change, WireError, decode_value, parse_change, record_fields


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def in_scope(column, scope_prefix: str):
    """SQL test: the record's region lies under the scope, or is a wider region above it (a task
    aimed at the whole township, a city-wide code entry)."""
    wider = [scope_prefix[:n] for n in range(len(scope_prefix) + 1)]
    return or_(column.like(f"{scope_prefix}%"), column.in_(wider))


def region_in_scope(region: str, scope_prefix: str) -> bool:
    return region.startswith(scope_prefix) or scope_prefix.startswith(region)


def init_store(session: Session) -> None:
    """Create the counter row if missing (call once after creating the tables)."""
    if session.get(SyncCounter, 1) is None:
        session.add(SyncCounter(id=1, last_seq=0))
        session.flush()


class SqlMergeStore:
    """`sync.merge.MergeStore` on one SQLAlchemy session (one push transaction)."""

    def __init__(self, session: Session, now: dt.datetime) -> None:
        self.session = session
        self.now = now
        self._device_state: dict[str, DeviceSyncState] = {}
        # Rows read ahead for a whole batch (`prefetch`); a key present with None is known absent.
        self._applied: dict[str, AppliedChange | None] = {}
        self._records: dict[tuple[str, str], Any] = {}
        self._versions: dict[tuple[str, str], RecordVersion | None] = {}

    def prefetch(self, changes: list[Change]) -> None:
        """Read the batch's answered changes, records and versions with one IN query per kind and
        500 ids, so the per-change lookups below hit dicts (a SELECT per lookup made a push of 500
        changes take seconds)."""
        ids = [c.change_id for c in changes]
        for part in _chunks(ids):
            self._applied.update(dict.fromkeys(part))
            self._applied.update((r.change_id, r) for r in self.session.scalars(
                select(AppliedChange).where(AppliedChange.change_id.in_(part))))
        by_entity: dict[str, list[str]] = {}
        for change in changes:
            by_entity.setdefault(change.entity, []).append(change.record_id)
        for entity, record_ids in by_entity.items():
            cls = model_for_entity(entity)
            for part in _chunks(list(dict.fromkeys(record_ids))):
                self._records.update(((entity, rid), None) for rid in part)
                self._records.update(((entity, o.id), o) for o in self.session.scalars(
                    select(cls).where(cls.id.in_(part))))
                self._versions.update(((entity, rid), None) for rid in part)
                self._versions.update(((entity, v.record_id), v) for v in self.session.scalars(
                    select(RecordVersion).where(RecordVersion.entity == entity, RecordVersion.record_id.in_(part))))

    def _record(self, cls: type, entity: str, record_id: str) -> Any:
        key = (entity, record_id)
        if key not in self._records:
            self._records[key] = self.session.get(cls, record_id)
        return self._records[key]

    def _version(self, entity: str, record_id: str) -> RecordVersion | None:
        key = (entity, record_id)
        if key not in self._versions:
            self._versions[key] = self.session.get(RecordVersion, key)
        return self._versions[key]

    def answered(self, change_id: str) -> tuple[str, ChangeResult] | None:
        row = self._applied[change_id] if change_id in self._applied else self.session.get(AppliedChange, change_id)
        if row is None:
            return None
        result = ChangeResult(row.change_id, row.outcome, row.server_seq, row.code, row.message)
        return row.payload_hash, result

    def _device(self, device_id: str) -> DeviceSyncState:
        state = self._device_state.get(device_id) or self.session.get(DeviceSyncState, device_id)
        if state is None:
            state = DeviceSyncState(device_id=device_id, last_device_seq=0)
            self.session.add(state)
        self._device_state[device_id] = state
        return state

    def last_device_seq(self, device_id: str) -> int:
        return self._device(device_id).last_device_seq or 0

    def load(self, entity: str, record_id: str) -> RecordState | None:
        obj = self._record(model_for_entity(entity), entity, record_id)
        if obj is None:
            return None
        version = self._version(entity, record_id)
        raw = version.field_versions if version else {}
        versions = {name: FieldVersion(*v) for name, v in raw.items()}
        return RecordState(record_fields(obj), versions, version.server_seq if version else 0)

    def missing_parent(self, entity: str, fields: dict[str, Any]) -> str | None:
        cls = model_for_entity(entity)
        for col in cls.__table__.columns:
            value = fields.get(col.key)
            for fk in col.foreign_keys if value else ():
                parent = _class_for_table(fk.column.table.name)
                if parent is not None and self.session.get(parent, value) is None:
                    return value
        return None

    def active_duplicates(self, record_id: str, id_number: str) -> list[str]:
        others = self.session.scalars(select(Person.id).where(
            Person.id_number == id_number, Person.id_type == "01", Person.id != record_id,
            Person.deleted.is_(False), Person.merged_into.is_(None))).all()
        if not others:
            return []
        flagged = self.session.execute(select(ReviewItem.record_id, ReviewItem.related_record_id).where(
            ReviewItem.kind == "duplicate_id",
            or_(ReviewItem.record_id == record_id, ReviewItem.related_record_id == record_id))).all()
        pairs = {frozenset(p) for p in flagged}
        return [o for o in others if frozenset((record_id, o)) not in pairs]

    def flag_clock(self, device_id: str, skew_ms: int) -> None:
        state = self._device(device_id)
        state.clock_flagged_at = self.now
        state.clock_skew_ms = skew_ms

    def _next_seq(self) -> int:
        counter = self.session.get(SyncCounter, 1)
        counter.last_seq += 1
        return counter.last_seq

    def commit_change(self, change: Change, user: str, hlc: str, decision: Decision,
                      state: RecordState | None) -> int:
        seq = self._next_seq()
        cls = model_for_entity(change.entity)
        obj = self._record(cls, change.entity, change.record_id)
        if obj is None:
            obj = cls(id=change.record_id)
            self.session.add(obj)
            self._records[(change.entity, change.record_id)] = obj
        for name, value in decision.written.items():
            setattr(obj, name, decode_value(cls, name, value))
        old_region = scope_region(change.entity, state.fields) if state else None
        new_region = scope_region(change.entity, {**(state.fields if state else {}), **decision.written})
        self._bump_version(change, FieldVersion(seq, hlc, change.device_id, user), decision, new_region)
        self.session.add(ChangeLogEntry(
            server_seq=seq, change_id=change.change_id, device_id=change.device_id, username=user,
            entity=change.entity, record_id=change.record_id, op=change.op, fields=decision.written,
            hlc=hlc, region_code=new_region,
            old_region_code=old_region if old_region is not None and old_region != new_region else None,
            recorded_at=self.now))
        for review in decision.reviews:
            self.session.add(_review_row(review, change, seq, new_region, self.now))
        return seq

    def _bump_version(self, change: Change, mine: FieldVersion, decision: Decision, region: str) -> None:
        version = self._version(change.entity, change.record_id)
        if version is None:
            version = RecordVersion(entity=change.entity, record_id=change.record_id, field_versions={})
            self.session.add(version)
            self._versions[(change.entity, change.record_id)] = version
        versions = dict(version.field_versions or {})
        for name in decision.written:
            versions[name] = [mine.seq, mine.hlc, mine.device, mine.user]
        version.field_versions = versions
        version.server_seq = mine.seq
        version.region_code = region

    def remember(self, change: Change, result: ChangeResult) -> None:
        row = AppliedChange(
            change_id=change.change_id, device_id=change.device_id, device_seq=change.device_seq,
            payload_hash=change.payload_hash(), outcome=result.outcome, server_seq=result.server_seq,
            code=result.code, message=result.message, applied_at=self.now)
        self.session.add(row)
        self._applied[change.change_id] = row
        state = self._device(change.device_id)
        state.last_device_seq = max(state.last_device_seq or 0, change.device_seq)
        state.last_push_at = self.now


def _review_row(review, change: Change, seq: int, region: str, now: dt.datetime) -> ReviewItem:
    winner, loser = review.winner, review.loser
    return ReviewItem(
        id=new_id(), kind=review.kind, state="open", entity=change.entity, record_id=change.record_id,
        field=review.field, related_record_id=review.related_record_id, region_code=region,
        change_id=change.change_id, server_seq=seq, winner_value=review.winner_value,
        winner_device=winner.device if winner else None, winner_user=winner.user if winner else None,
        winner_hlc=winner.hlc if winner else None, loser_value=review.loser_value,
        loser_device=loser.device if loser else None, loser_user=loser.user if loser else None,
        loser_hlc=loser.hlc if loser else None, created_at=now)


def _class_for_table(table_name: str) -> type | None:
    for cls in synced_models():
        if cls.__tablename__ == table_name:
            return cls
    return None


def _lock_counter(session: Session) -> None:
    """Take the sequence lock for the rest of this transaction (see the module docstring)."""
    done = session.execute(update(SyncCounter).where(SyncCounter.id == 1)
                           .values(last_seq=SyncCounter.last_seq))
    if done.rowcount == 0:
        init_store(session)


def _remember_invalid(store: SqlMergeStore, raw: Any, device_id: str, error: WireError) -> ChangeResult:
    """Answer a malformed change; remember it when it is well-formed enough to be retried by id."""
    change_id = raw.get("change_id") if isinstance(raw, dict) else None
    result = ChangeResult(change_id or "", "rejected", code=error.code, message=error.message)
    seq = raw.get("device_seq") if isinstance(raw, dict) else None
    storable_id = isinstance(change_id, str) and 0 < len(change_id) <= 36
    if isinstance(seq, int) and not isinstance(seq, bool) and storable_id:
        expected = store.last_device_seq(device_id) + 1
        if seq == expected and store.answered(change_id) is None:
            stub = Change(change_id, device_id, seq, str(raw.get("entity")), "", "upsert",
                          hlc=str(raw.get("hlc")))
            store.remember(stub, result)
    return result


def push(session: Session, device_id: str, user: str, changes: list[dict[str, Any]], now_ms: int,
         may_write: Callable[[str, str], bool] = lambda _e, _r: True) -> list[ChangeResult]:
    """Merge a batch of wire changes from `device_id` (authenticated as `user`) and answer each.
    The caller commits. A change claiming another device is rejected ("wrong_device")."""
    _lock_counter(session)
    store = SqlMergeStore(session, dt.datetime.fromtimestamp(now_ms / 1000, dt.UTC).replace(tzinfo=None))
    ctx = PushContext(user=user, now_ms=now_ms, may_write=may_write)
    parsed: list[Change | WireError] = []
    for raw in changes:
        try:
            change, _decoded = parse_change(raw)
            if change.device_id != device_id:
                raise WireError("wrong_device", "变更的设备号与登录设备不符")
            parsed.append(change)
        except WireError as error:
            parsed.append(error)
    store.prefetch([c for c in parsed if isinstance(c, Change)])
    results = []
    for raw, change in zip(changes, parsed, strict=True):
        if isinstance(change, WireError):
            results.append(_remember_invalid(store, raw, device_id, change))
            continue
        results.append(apply_change(store, change, ctx))
    session.flush()
    return results


def _chunks(ids: list[str], size: int = 500) -> Iterator[list[str]]:
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def current_cursor(session: Session) -> int:
    counter = session.get(SyncCounter, 1)
    return counter.last_seq if counter else 0


def _load_records(session: Session, heads: list[tuple[str, str, int]]) -> list[PulledRecord]:
    by_entity: dict[str, list[str]] = {}
    for entity, record_id, _seq in heads:
        by_entity.setdefault(entity, []).append(record_id)
    loaded: dict[tuple[str, str], dict[str, Any]] = {}
    for entity, ids in by_entity.items():
        cls = model_for_entity(entity)
        for start in range(0, len(ids), 500):
            for obj in session.scalars(select(cls).where(cls.id.in_(ids[start:start + 500]))):
                loaded[(entity, obj.id)] = record_fields(obj)
    return [PulledRecord(e, r, s, loaded[(e, r)]) for e, r, s in heads if (e, r) in loaded]


def _evictions(session: Session, scope_prefix: str, cursor: int, upper: int) -> list[tuple[str, str]]:
    moved = session.execute(select(ChangeLogEntry.entity, ChangeLogEntry.record_id).where(
        ChangeLogEntry.server_seq > cursor, ChangeLogEntry.server_seq <= upper,
        ChangeLogEntry.old_region_code.is_not(None), in_scope(ChangeLogEntry.old_region_code, scope_prefix),
    ).distinct()).all()
    out = []
    for entity, record_id in moved:
        head = session.get(RecordVersion, (entity, record_id))
        if head is not None and not region_in_scope(head.region_code, scope_prefix):
            out.append((entity, record_id))
    return sorted(out)


def pull(session: Session, scope_prefix: str, cursor: int, limit: int = 500) -> Page:
    """The in-scope records changed after `cursor`, oldest first, at most `limit` of them."""
    upper = current_cursor(session)
    rows = session.execute(
        select(RecordVersion.entity, RecordVersion.record_id, RecordVersion.server_seq)
        .where(RecordVersion.server_seq > cursor, RecordVersion.server_seq <= upper,
               in_scope(RecordVersion.region_code, scope_prefix),
               RecordVersion.entity.not_in(PUSH_ONLY_ENTITIES))
        .order_by(RecordVersion.server_seq).limit(limit + 1)).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    page_end = rows[-1][2] if has_more else upper
    records = _load_records(session, [tuple(r) for r in rows])
    evictions = _evictions(session, scope_prefix, cursor, page_end) if page_end > cursor else []
    return Page(cursor, max(page_end, cursor), has_more, records, evictions)


def snapshot_iter(session: Session, scope_prefix: str, chunk_size: int = 2000) -> Iterator[SnapshotChunk]:
    """The current in-scope state in chunks (parents' entities first), never all in memory. Run it
    in one read transaction (REPEATABLE READ on PostgreSQL) to be exactly consistent with the
    cursor; rows changed after it are sent again by the next pull, which is harmless."""
    cursor = current_cursor(session)
    pending: list[PulledRecord] = []
    for cls in synced_models():
        entity = cls.__sync_entity__
        if entity in PUSH_ONLY_ENTITIES:
            continue
        last_id = ""
        while True:
            heads = session.execute(
                select(RecordVersion.entity, RecordVersion.record_id, RecordVersion.server_seq)
                .where(RecordVersion.entity == entity, RecordVersion.record_id > last_id,
                       in_scope(RecordVersion.region_code, scope_prefix))
                .order_by(RecordVersion.record_id).limit(chunk_size)).all()
            if not heads:
                break
            last_id = heads[-1][1]
            pending.extend(_load_records(session, [tuple(h) for h in heads]))
            while len(pending) >= chunk_size:
                yield SnapshotChunk(cursor, pending[:chunk_size], False)
                pending = pending[chunk_size:]
    yield SnapshotChunk(cursor, pending, True)


def open_reviews(session: Session, scope_prefix: str = "") -> list[ReviewItem]:
    return list(session.scalars(select(ReviewItem).where(
        ReviewItem.state == "open", in_scope(ReviewItem.region_code, scope_prefix))
        .order_by(ReviewItem.created_at, ReviewItem.id)))


def resolve_review(session: Session, review_id: str, user: str, resolution: str, now: dt.datetime) -> None:
    """Close a review item. The decision itself (keep or switch a value) travels as a new change."""
    session.execute(update(ReviewItem).where(and_(ReviewItem.id == review_id, ReviewItem.state == "open"))
                    .values(state="resolved", resolved_by=user, resolved_at=now, resolution=resolution))


__all__ = ["Page", "PulledRecord", "SnapshotChunk", "current_cursor", "init_store", "open_reviews",
           "pull", "push", "resolve_review", "snapshot_iter"]
