"""The push half of the server's sync store: `SqlMergeStore` (the merge's store over one
SQLAlchemy session) and `push`.

A push transaction merges first and numbers last (docs/decisions/0007-late-sequence-lock.md):
- it locks what the merge reads — the device's `sync_device_state` row, an advisory lock per
  duplicate-key value the batch writes (resident ID numbers, household numbers: server.store.duplicates,
  sorted, with the records holding them read in one query) and the version heads of the batch's
  records (`SELECT … FOR UPDATE`, in one global order: entity, record id) — so two pushes touching the
  same record, device or key value merge one after the other, while other pushes run side by side;
- the merge (Python, per change) writes entity rows and hands out provisional sequence numbers
  (-1, -2, …) that stay in this store's buffer;
- `SqlMergeStore.finish()` then takes the real numbers (`server.store.numbering`: on PostgreSQL from
  a sequence, no lock held to commit — decision 0009; on SQLite from the counter row) and writes the
  change log, the answers, the review items and the version heads, provisional numbers replaced.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from db.base import synced_models
from db.fields import bad_characters
from db.ids import new_id
from server.store import case_counts, progress
from server.store.common import _STORE_KEY, _chunks, _is_postgres, _model, _utcnow, init_store
from server.store.duplicates import KeyHolders, holds, key_columns
from server.store.numbering import take_numbers
from server.store.push_sql import GENERIC_PLANS, LOCK_DEVICE, answered, number_and_write, record_reads
from server.store.tables import (
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
from sync.wire import Change, WireError, decode_value, parse_change, record_fields


@dataclasses.dataclass
class _Head:
    """A record's version head as the push sees it: read once (locked), written once by `finish`."""

    seq: int
    region: str
    versions: dict[str, list]  # {field: [server_seq, hlc, device_id, user]}
    new: bool = False
    dirty: bool = False


class SqlMergeStore:
    """`sync.merge.MergeStore` on one SQLAlchemy session: one per push transaction (`of`), which
    buffers what the merge decided until `finish` numbers and writes it."""

    def __init__(self, session: Session, now: dt.datetime) -> None:
        self.session = session
        self.now = now
        self.postgres = _is_postgres(session)
        self._transaction = session.get_transaction()
        self._device_state: dict[str, DeviceSyncState] = {}
        # Read ahead for a whole batch (`prefetch`); a key present with None is known absent.
        self._applied: dict[str, tuple[str, ChangeResult] | None] = {}
        self._records: dict[tuple[str, str], Any] = {}
        self._heads: dict[tuple[str, str], _Head | None] = {}
        self._keys = KeyHolders(session, self.postgres)  # the records holding duplicate-key values
        # Written by `finish`, with provisional sequence numbers -1, -2, … until then.
        self._taken = 0
        self._log: list[dict[str, Any]] = []
        self._answers: list[dict[str, Any]] = []
        self._reviews: list[dict[str, Any]] = []
        # The console's summaries this push changes: the department progress grid, the case outcomes.
        self._summaries = (progress.Tracker(), case_counts.CaseTracker())

    @classmethod
    def of(cls, session: Session, now: dt.datetime | None = None) -> SqlMergeStore:
        """The store of the push open in `session`'s transaction, or a new one."""
        session.connection()  # begins the transaction, so the store can tell it from the next one
        store = session.info.get(_STORE_KEY)
        if store is None or store._transaction is not session.get_transaction():
            store = cls(session, now or _utcnow())
            session.info[_STORE_KEY] = store
        return store

    def begin(self, device_id: str, changes: list[Change]) -> None:
        """Take the locks the merge of `changes` needs and read what it will look up."""
        if self.postgres:
            self._lock_device(device_id)
        else:
            _touch_counter(self.session)  # SQLite: the write lock before the first read
        self._keys.lock_and_read(changes)
        self.prefetch(changes)

    def _lock_device(self, device_id: str) -> None:
        if device_id in self._device_state:
            return
        self.session.execute(GENERIC_PLANS)
        state = self.session.scalars(LOCK_DEVICE, {"device_id": device_id}).one_or_none()
        if state is None:
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            self.session.execute(pg_insert(DeviceSyncState).values(device_id=device_id, last_device_seq=0)
                                 .on_conflict_do_nothing())
            state = self.session.scalars(LOCK_DEVICE, {"device_id": device_id}).one()
        self._device_state[device_id] = state

    def prefetch(self, changes: list[Change]) -> None:
        """Read (and on PostgreSQL lock) the batch's answered changes, version heads and records with
        one IN query per kind and 500 ids; keys already read are skipped. Heads are locked before
        the records are read, in (entity, record id) order, so concurrent pushes cannot deadlock."""
        session = self.session
        ids = list(dict.fromkeys(c.change_id for c in changes if c.change_id not in self._applied))
        for part in _chunks(ids):
            self._applied.update(dict.fromkeys(part))
            self._applied.update((row[0], (row[1], ChangeResult(row[0], *row[2:])))
                                 for row in session.execute(answered(self.postgres), {"ids": part}))
        by_entity: dict[str, set[str]] = {}
        for change in changes:
            if (change.entity, change.record_id) not in self._heads:
                by_entity.setdefault(change.entity, set()).add(change.record_id)
        for entity in sorted(by_entity):
            for part in _chunks(sorted(by_entity[entity])):
                self._read_records(entity, part)

    def _read_records(self, entity: str, record_ids: list[str]) -> None:
        session = self.session
        heads, records = record_reads(entity, self.postgres)
        self._heads.update(((entity, rid), None) for rid in record_ids)
        self._heads.update(((entity, rid), _Head(seq, region, dict(versions or {})))
                           for rid, seq, region, versions in session.execute(heads, {"entity": entity, "ids": record_ids}))
        self._records.update(((entity, rid), None) for rid in record_ids)
        self._records.update(((entity, o.id), o) for o in session.scalars(records, {"ids": record_ids}))

    def _record(self, cls: type, entity: str, record_id: str) -> Any:
        key = (entity, record_id)
        if key not in self._records:
            self._records[key] = self.session.get(cls, record_id)
        return self._records[key]

    def _head(self, entity: str, record_id: str) -> _Head | None:
        key = (entity, record_id)
        if key not in self._heads:
            self._read_records(entity, [record_id])
        return self._heads[key]

    def answered(self, change_id: str) -> tuple[str, ChangeResult] | None:
        if change_id not in self._applied:
            row = self.session.get(AppliedChange, change_id)
            self._applied[change_id] = None if row is None else (row.payload_hash, ChangeResult(
                row.change_id, row.outcome, row.server_seq, row.code, row.message))
        return self._applied[change_id]

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
        obj = self._record(_model(entity), entity, record_id)
        if obj is None:
            return None
        head = self._head(entity, record_id)
        if head is None:
            return RecordState(record_fields(obj), {}, 0)
        versions = {name: FieldVersion(*v) for name, v in head.versions.items()}
        return RecordState(record_fields(obj), versions, head.seq)

    def missing_parent(self, entity: str, fields: dict[str, Any]) -> str | None:
        cls = _model(entity)
        for col in cls.__table__.columns:
            value = fields.get(col.key)
            for fk in col.foreign_keys if value else ():
                parent = _class_for_table(fk.column.table.name)
                if parent is not None and self.session.get(parent, value) is None:
                    return value
        return None

    def active_duplicates(self, entity: str, record_id: str, value: Any,
                          within: dict[str, Any] | None = None) -> list[str]:
        """The live records holding `value` (server.store.duplicates: locked and read before the
        merge), each as this push left it, not yet raised for review with `record_id`."""
        key = _model(entity).__sync_duplicate_key__
        self._keys.ensure(entity, value)
        candidates = set(self._keys.rows[(entity, value)]) | self._keys.written.get((entity, value), set())
        others = []
        for other in sorted(candidates - {record_id}):
            obj = self._records.get((entity, other))
            fields = ({n: getattr(obj, n) for n in key_columns(entity)} if obj is not None
                      else self._keys.rows[(entity, value)].get(other))
            if fields is not None and holds(fields, entity, value, within or {}):
                others.append(other)
        if not others:
            return []
        with self.session.no_autoflush:
            pairs = flagged_pairs(self.session, key.review_kind, record_id)
        pairs |= {frozenset((r["record_id"], r["related_record_id"])) for r in self._reviews
                  if r["kind"] == key.review_kind}
        return [o for o in others if frozenset((record_id, o)) not in pairs]

    def flag_clock(self, device_id: str, skew_ms: int) -> None:
        state = self._device(device_id)
        state.clock_flagged_at = self.now
        state.clock_skew_ms = skew_ms

    def commit_change(self, change: Change, user: str, hlc: str, decision: Decision,
                      state: RecordState | None) -> int:
        self._taken += 1
        seq = -self._taken  # provisional: `finish` numbers it
        cls = _model(change.entity)
        key = (change.entity, change.record_id)
        obj = self._record(cls, *key)
        for summary in self._summaries:
            summary.before(change.entity, change.record_id, obj)
        if obj is None:
            obj = cls(id=change.record_id)
            self.session.add(obj)
            self._records[key] = obj
        for name, value in decision.written.items():
            setattr(obj, name, decode_value(cls, name, value))
        key_field = cls.__sync_duplicate_key__.field if cls.__sync_duplicate_key__ is not None else None
        if key_field and getattr(obj, key_field):  # a holder of its value the database does not show yet
            self._keys.written.setdefault((change.entity, getattr(obj, key_field)), set()).add(obj.id)
        old_region = scope_region(change.entity, state.fields) if state else None
        new_region = scope_region(change.entity, {**(state.fields if state else {}), **decision.written})
        head = self._heads.get(key)
        if head is None:
            head = self._heads[key] = _Head(0, "", {}, new=True)
        for name in decision.written:
            head.versions[name] = [seq, hlc, change.device_id, user]
        head.seq, head.region, head.dirty = seq, new_region, True
        self._log.append(dict(
            server_seq=seq, change_id=change.change_id, device_id=change.device_id, username=user,
            entity=change.entity, record_id=change.record_id, op=change.op, fields=decision.written,
            previous=_previous(decision.written, state), hlc=hlc, region_code=new_region,
            old_region_code=old_region if old_region is not None and old_region != new_region else None,
            recorded_at=self.now, echo=_echo(change, decision, state, old_region, new_region)))
        self._reviews += [_review_row(review, change, seq, new_region, self.now) for review in decision.reviews]
        return seq

    def remember(self, change: Change, result: ChangeResult) -> None:
        payload_hash = change.payload_hash()
        self._answers.append(dict(
            change_id=change.change_id, device_id=change.device_id, device_seq=change.device_seq,
            payload_hash=payload_hash, outcome=result.outcome, server_seq=result.server_seq,
            code=result.code, message=result.message, applied_at=self.now))
        self._applied[change.change_id] = (payload_hash, result)
        state = self._device(change.device_id)
        state.last_device_seq = max(state.last_device_seq or 0, change.device_seq)
        state.last_push_at = self.now

    def finish(self) -> Callable[[ChangeResult], ChangeResult]:
        """Number this push's changes and write the bookkeeping; returns the function that gives an
        answer of the push its final `server_seq`. Entity rows are flushed before the sequence lock
        is taken, so the lock covers only these writes and the caller's commit. On PostgreSQL the
        lock, the numbering and every write are one statement (server.store.push_sql.NUMBER_AND_WRITE):
        a single round trip, so the lock holder never waits for its own process (GIL) between statements."""
        session = self.session
        if session.info.get(_STORE_KEY) is self:
            del session.info[_STORE_KEY]
        fold = self.postgres and self._taken > 0
        devices = self._device_positions() if fold else []
        session.flush()
        for summary in self._summaries:  # before the sequence lock: it covers only the numbering and the commit
            summary.apply(session)
        heads = [(key, head) for key, head in self._heads.items() if head is not None and head.dirty]
        if fold:
            numbers = number_and_write(session, self._taken, self._log, self._answers, self._reviews, heads,
                                        devices, self.now)
        else:
            numbers = take_numbers(session, self._taken)
            self._write(heads, numbers)

        def final(seq: int | None) -> int | None:
            return numbers[-seq - 1] if seq is not None and seq < 0 else seq

        for _key, head in heads:
            head.seq, head.new, head.dirty = final(head.seq), False, False
            head.versions = {n: [final(v[0]), *v[1:]] for n, v in head.versions.items()}
        return lambda r: dataclasses.replace(r, server_seq=final(r.server_seq)) if (r.server_seq or 0) < 0 else r

    def _device_positions(self) -> list[dict[str, Any]]:
        """The devices' new sequence positions for the numbering statement to write (PostgreSQL),
        taken off the ORM's flush: one UPDATE fewer per push. A device row with any other change
        (a flagged clock) or not yet in the database is left to the flush."""
        rows = []
        for state in self._device_state.values():
            info = sa_inspect(state)
            changed = {a.key for a in info.attrs if a.history.has_changes()}
            if info.persistent and changed and changed <= {"last_device_seq", "last_push_at"}:
                rows.append({"device_id": state.device_id, "last_device_seq": state.last_device_seq})
                for name in changed:
                    set_committed_value(state, name, getattr(state, name))
        return rows

    def _write(self, heads: list[tuple[tuple[str, str], _Head]], numbers: list[int]) -> None:
        """The bookkeeping rows with their `numbers`, one executemany per table (the SQLite path)."""
        def final(seq: int | None) -> int | None:
            return numbers[-seq - 1] if seq is not None and seq < 0 else seq

        for rows in (self._log, self._answers, self._reviews):
            for row in rows:
                row["server_seq"] = final(row["server_seq"])
        new, changed = [], []
        for (entity, record_id), head in heads:
            versions = {n: [final(v[0]), *v[1:]] for n, v in head.versions.items()}
            (new if head.new else changed).append(dict(entity=entity, record_id=record_id, server_seq=final(head.seq),
                                                       region_code=head.region, field_versions=versions))
        for model, rows in ((ChangeLogEntry, self._log), (AppliedChange, self._answers),
                            (ReviewItem, self._reviews), (RecordVersion, new)):
            if rows:
                self.session.execute(insert(model), rows)
        if changed:
            self.session.execute(update(RecordVersion), changed)


def _previous(written: dict[str, Any], state: RecordState | None) -> dict[str, Any]:
    """The values the written fields held before (ChangeLogEntry.previous): the record's history
    reads each field's old value from its own entry, never from the record's earlier entries."""
    if state is None:
        return {}
    return {name: state.fields[name] for name in written if state.fields.get(name) is not None}


def _echo(change: Change, decision: Decision, state: RecordState | None, old_region: str | None,
          new_region: str) -> bool:
    """Whether the pushing device holds exactly what the record is after this change
    (ChangeLogEntry.echo): the change was based on the record's latest version (its `base` reaches
    the head it was merged onto: the device had everything before it) and took effect as sent —
    every field written with the value sent, no review, no move. A record whose every change after a
    pull's cursor is such an echo of the pulling device is not sent back to it."""
    based_on_head = state is None or min((change.base.get(n, 0) for n in change.fields), default=0) >= state.seq
    return (based_on_head and decision.written == change.fields and not decision.reviews
            and (old_region is None or old_region == new_region))


def flagged_pairs(session: Session, kind: str, record_id: str) -> set[frozenset]:
    """The pairs of records already raised for review as `kind` with `record_id` on either side —
    read through the indexes of both sides (server migration 0030), not by scanning the city's
    review items inside the push's transaction."""
    return {frozenset(pair) for pair in session.execute(
        select(ReviewItem.record_id, ReviewItem.related_record_id).where(
            ReviewItem.kind == kind, or_(ReviewItem.record_id == record_id, ReviewItem.related_record_id == record_id)))}


def _review_row(review, change: Change, seq: int, region: str, now: dt.datetime) -> dict[str, Any]:
    winner, loser = review.winner, review.loser
    return dict(
        id=new_id(), kind=review.kind, state="open", entity=change.entity, record_id=change.record_id,
        field=review.field, related_record_id=review.related_record_id,
        region_code=region if review.region_code is None else review.region_code,
        change_id=change.change_id, server_seq=seq, winner_value=review.winner_value,
        winner_device=winner.device if winner else None, winner_user=winner.user if winner else None,
        winner_hlc=winner.hlc if winner else None, loser_value=review.loser_value,
        loser_device=loser.device if loser else None, loser_user=loser.user if loser else None,
        loser_hlc=loser.hlc if loser else None, created_at=now, resolved_by=None, resolved_at=None,
        resolution=None)


def _class_for_table(table_name: str) -> type | None:
    for cls in synced_models():
        if cls.__tablename__ == table_name:
            return cls
    return None


def _touch_counter(session: Session) -> None:
    """Take the sequence lock for the rest of this transaction (SQLite: the database's write lock)."""
    done = session.execute(update(SyncCounter).where(SyncCounter.id == 1)
                           .values(last_seq=SyncCounter.last_seq).execution_options(synchronize_session=False))
    if done.rowcount == 0:
        init_store(session)


def _remember_invalid(store: SqlMergeStore, raw: Any, device_id: str, error: WireError) -> ChangeResult:
    """Answer a malformed change; remember it when it is well-formed enough to be retried by id."""
    change_id = raw.get("change_id") if isinstance(raw, dict) else None
    # any id a database column holds: a malformed one still consumes the change's device_seq
    storable_id = isinstance(change_id, str) and 0 < len(change_id) <= 36 and not bad_characters(change_id)
    result = ChangeResult(change_id if storable_id else "", "rejected", code=error.code, message=error.message,
                          field=error.field, params=error.params)
    seq = raw.get("device_seq") if isinstance(raw, dict) else None
    if isinstance(seq, int) and not isinstance(seq, bool) and storable_id:
        expected = store.last_device_seq(device_id) + 1
        if seq == expected and store.answered(change_id) is None:
            stub = Change(change_id, device_id, seq, str(raw.get("entity"))[:30], "", "upsert",
                          hlc=str(raw.get("hlc"))[:60])
            store.remember(stub, result)
    return result


def parse_one(raw: Any, device_id: str) -> tuple[Change | WireError, dict[str, Any] | None]:
    """A wire change parsed (with its fields decoded), or the error that refuses it (a change
    claiming another device: "wrong_device")."""
    try:
        change, decoded = parse_change(raw)
    except WireError as error:
        return error, None
    if change.device_id != device_id:
        return WireError("wrong_device", "变更的设备号与登录设备不符"), None
    return change, decoded


def push(session: Session, device_id: str, user: str, changes: list[dict[str, Any]], now_ms: int,
         may_write: Callable[[str, str], bool] = lambda _e, _r: True, *,
         parsed: list[Change | WireError] | None = None, finish: bool = True,
         context: PushContext | None = None) -> list[ChangeResult]:
    """Merge a batch of wire changes from `device_id` (authenticated as `user`) and answer each.
    The caller commits. With `finish=False` the answers carry provisional sequence numbers until the
    caller's `SqlMergeStore.of(session).finish()` (several pushes in one transaction, numbered once).
    `context` brings the caller's own checks (sync.merge.PushContext); `may_write` replaces its rule."""
    store = SqlMergeStore.of(session, dt.datetime.fromtimestamp(now_ms / 1000, dt.UTC).replace(tzinfo=None))
    ctx = dataclasses.replace(context or PushContext(user=user, now_ms=now_ms), user=user, now_ms=now_ms,
                              may_write=may_write)
    if parsed is None:
        parsed = [parse_one(raw, device_id)[0] for raw in changes]
    store.begin(device_id, [c for c in parsed if isinstance(c, Change)])
    results = []
    for raw, change in zip(changes, parsed, strict=True):
        if isinstance(change, WireError):
            results.append(_remember_invalid(store, raw, device_id, change))
            continue
        results.append(apply_change(store, change, ctx))
    if not finish:
        return results
    final = store.finish()
    return [final(r) for r in results]
