"""Change capture on the client: every ORM write to a synced table leaves one outbox row in the
same transaction.

`install_capture(session_factory, device_id)` hooks a sessionmaker. After each flush, every
inserted or updated object whose class has `__sync_entity__` becomes one `OutboxChange`: inserts
carry all synced columns, updates only the columns whose value changed; derived columns
(`info={"sync": False}`) never appear. `base` gives each field the `RecordSeen.seq` of the record
(0 when the server never sent it), `device_seq` counts up by one per change and the HLC ticks.

Deletes are tombstones: set `deleted = True` (see `tombstone()` / `restore()`); a restore bumps
`deletion_gen` automatically. A hard `session.delete()` of a synced record is refused with
`CaptureError`, because a row that vanishes cannot be told apart from one never synced. Bulk ORM
inserts (`session.execute(insert(Model), rows)`) are captured row by row; bulk UPDATE/DELETE
statements on synced tables are refused (they cannot say which rows they touched). Sessions
applying pulled data enter `applying_pulled(session)`: nothing is recorded and evictions may
remove rows physically.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import event, insert, inspect, select, update
from sqlalchemy.orm import Session, sessionmaker

from db.base import synced_columns
from db.client import HistoryLine, OutboxChange, RecordSeen, SyncState
from db.ids import new_id
from sync.clock import HybridClock, wall_ms
from sync.wire import SCHEMA_VERSION, encode_value

APPLYING_KEY = "sync_applying_pulled"
OUTBOX_TOUCHED = "sync_outbox_touched"  # set on a session whose transaction changed the outbox


class CaptureError(RuntimeError):
    """A write that sync cannot represent (a hard delete of a synced record)."""


@contextlib.contextmanager
def applying_pulled(session: Session) -> Iterator[Session]:
    """Mark a session as applying server data: its writes are not captured."""
    previous = session.info.get(APPLYING_KEY, False)
    session.info[APPLYING_KEY] = True
    try:
        yield session
    finally:
        session.info[APPLYING_KEY] = previous


def tombstone(obj: Any) -> None:
    obj.deleted = True


def restore(obj: Any) -> None:
    obj.deleted = False  # the before-flush hook bumps deletion_gen


def read_state(session: Session, key: str) -> str | None:
    return session.execute(select(SyncState.value).where(SyncState.key == key)).scalar_one_or_none()


def write_state(session: Session, key: str, value: str) -> None:
    """Upsert one sync_state row through Core (usable inside the flush)."""
    done = session.execute(update(SyncState).where(SyncState.key == key).values(value=value))
    if done.rowcount == 0:
        session.execute(insert(SyncState).values(key=key, value=value))


def _is_synced(obj: Any) -> bool:
    return bool(getattr(type(obj), "__sync_entity__", None))


def _changed_fields(obj: Any) -> dict[str, Any]:
    state = inspect(obj)
    changed = {}
    for name in synced_columns(type(obj)):
        hist = state.attrs[name].history
        if not hist.added:
            continue
        new, old = hist.added[0], (hist.deleted[0] if hist.deleted else None)
        if hist.deleted and new == old:
            continue
        changed[name] = encode_value(getattr(obj, name))
    return changed


def _before_flush(session: Session, _ctx, _instances) -> None:
    if session.info.get(APPLYING_KEY):
        return
    for obj in session.deleted:
        if _is_synced(obj):
            raise CaptureError(
                f"{type(obj).__name__} 是同步数据，不能物理删除；请设置 deleted=True（墓碑）"
            )
    for obj in session.dirty:
        if not _is_synced(obj):
            continue
        hist = inspect(obj).attrs["deleted"].history
        gen_hist = inspect(obj).attrs["deletion_gen"].history
        if hist.added == [False] and hist.deleted == [True] and not gen_hist.added:
            obj.deletion_gen = (obj.deletion_gen or 0) + 1


class _Recorder:
    """Collects one flush's changes and writes them with one device_seq/HLC read and write."""

    def __init__(self, session: Session, device_id: str, now_ms: Callable[[], int] = wall_ms,
                 username: str | None = None) -> None:
        self.session = session
        self.device_id = device_id
        self.username = username  # set: each change also leaves its lines in the local record history
        self.history: list[dict[str, Any]] = []
        stored_seq = read_state(session, "device_seq")
        self.device_seq = int(stored_seq) if stored_seq else 0
        self._hlc_text: str | None = None
        self.clock = HybridClock(device_id, load=lambda: read_state(session, "hlc"), save=self._keep,
                                 now_ms=now_ms)
        self.rows: list[dict[str, Any]] = []

    def _keep(self, text: str) -> None:
        self._hlc_text = text

    def _base(self, entity: str, record_id: str, names: list[str]) -> dict[str, int]:
        seen = self.session.execute(
            select(RecordSeen.seq).where(RecordSeen.entity == entity, RecordSeen.record_id == record_id)
        ).scalar_one_or_none()
        return dict.fromkeys(names, seen or 0)

    def seen(self, records: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """The RecordSeen of many records in a few queries (a flush of thousands of edits)."""
        out: dict[tuple[str, str], int] = {}
        ids = sorted({record_id for _entity, record_id in records})
        for start in range(0, len(ids), 500):
            out.update(((e, r), q) for e, r, q in self.session.execute(
                select(RecordSeen.entity, RecordSeen.record_id, RecordSeen.seq)
                .where(RecordSeen.record_id.in_(ids[start:start + 500]))))
        return out

    def record(self, entity: str, record_id: str, fields: dict[str, Any], seen: int | None = None,
               old: dict[str, Any] | None = None) -> None:
        """One change; `old` (field: value before) for an edit, None for a new record."""
        self.device_seq += 1
        change_id = new_id()
        if self.username is not None:
            self._remember(change_id, entity, record_id, fields, old)
        self.rows.append({
            "device_seq": self.device_seq,
            "change_id": change_id,
            "entity": entity,
            "record_id": record_id,
            "op": "delete" if fields.get("deleted") is True else "upsert",
            "fields": fields,
            "base": dict.fromkeys(sorted(fields), seen or 0) if seen is not None
            else self._base(entity, record_id, sorted(fields)),
            "hlc": str(self.clock.tick()),
            "schema_version": SCHEMA_VERSION,
            "created_at": dt.datetime.now(dt.UTC).replace(tzinfo=None),
            "state": "pending",
        })

    def _remember(self, change_id: str, entity: str, record_id: str, fields: dict[str, Any],
                  old: dict[str, Any] | None) -> None:
        at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        line = {"change_id": change_id, "entity": entity, "record_id": record_id, "username": self.username,
                "device_id": self.device_id, "at": at, "origin": "merge" if fields.get("merged_into") else "edit",
                "source": "local", "server_seq": None}
        if old is None:  # a new record: one line, not one per field (an import creates thousands)
            self.history.append({**line, "field": "", "old": None, "new": None})
            return
        self.history += [{**line, "field": name, "old": old.get(name), "new": value}
                         for name, value in fields.items() if name != "deletion_gen"]

    def write(self) -> None:
        if not self.rows:
            return
        self.session.execute(insert(OutboxChange), self.rows)
        if self.history:
            self.session.execute(insert(HistoryLine), self.history)
        self.session.info[OUTBOX_TOUCHED] = True
        write_state(self.session, "device_seq", str(self.device_seq))
        if self._hlc_text:
            write_state(self.session, "hlc", self._hlc_text)


def _old_values(obj: Any, names) -> dict[str, Any]:
    state = inspect(obj)
    out = {}
    for name in names:
        deleted = state.attrs[name].history.deleted
        out[name] = encode_value(deleted[0]) if deleted else None
    return out


def _after_flush(session: Session, device_id: str, now_ms: Callable[[], int], username: str | None = None) -> None:
    if any(isinstance(obj, OutboxChange) for obj in (*session.deleted, *session.dirty)):
        session.info[OUTBOX_TOUCHED] = True  # a change discarded or fixed by hand
    if session.info.get(APPLYING_KEY):
        return
    # session.new and .dirty build a fresh set on every access: taken once, not once per object
    # (a roster import flushes thousands of records at once).
    new, dirty = session.new, session.dirty
    changes = []
    for obj in (*new, *dirty):
        if not _is_synced(obj):
            continue
        is_new = obj in new
        fields = {n: encode_value(getattr(obj, n)) for n in synced_columns(type(obj))} if is_new \
            else _changed_fields(obj)
        if not fields:
            continue
        if "deleted" in fields:  # a tombstone or restore always names the generation it acts on
            fields["deletion_gen"] = obj.deletion_gen
        old = None if is_new or username is None else _old_values(obj, fields)
        changes.append((type(obj).__sync_entity__, obj.id, fields, is_new, old))
    if not changes:
        return
    recorder = _Recorder(session, device_id, now_ms, username)
    seen = recorder.seen([(entity, record_id) for entity, record_id, _f, is_new, _o in changes if not is_new])
    for entity, record_id, fields, is_new, old in changes:
        # A record made in this flush was never seen from the server: its base is 0.
        recorder.record(entity, record_id, fields, 0 if is_new else seen.get((entity, record_id), 0), old)
    recorder.write()


def _column_default(col) -> Any:
    if col.default is None:
        return None
    arg = col.default.arg
    return arg(None) if callable(arg) else arg


def _bulk_insert_fields(cls: type, params: dict[str, Any]) -> dict[str, Any]:
    fields = {}
    for name in synced_columns(cls):
        col = cls.__table__.columns[name]
        fields[name] = encode_value(params[name] if name in params else _column_default(col))
    return fields


def _on_orm_execute(state, device_id: str, now_ms: Callable[[], int]) -> None:
    """Bulk ORM statements: an `insert(Model)` with rows is captured row by row (each row must
    carry its id); a bulk UPDATE or DELETE of a synced table cannot name its rows, so it is refused."""
    session = state.session
    mapper = state.bind_mapper
    if session.info.get(APPLYING_KEY) or mapper is None or not getattr(mapper.class_, "__sync_entity__", None):
        return
    if state.is_update or state.is_delete:
        raise CaptureError(f"不能对同步表 {mapper.class_.__tablename__} 做批量修改或删除；请逐条经 ORM 修改")
    if not state.is_insert:
        return
    params = state.parameters
    rows = params if isinstance(params, list) else [params] if params else []
    if not rows or any("id" not in row for row in rows):
        raise CaptureError(f"批量写入同步表 {mapper.class_.__tablename__} 时每行必须带 id")
    recorder = _Recorder(session, device_id, now_ms)
    for row in rows:
        recorder.record(mapper.class_.__sync_entity__, row["id"], _bulk_insert_fields(mapper.class_, row))
    result = state.invoke_statement()
    recorder.write()
    return result


def install_capture(factory: sessionmaker | type[Session], device_id: str,
                    now_ms: Callable[[], int] = wall_ms,
                    on_outbox_changed: Callable[[], None] | None = None, username: str | None = None) -> None:
    """Capture every synced write made through sessions of `factory` (a sessionmaker or a Session
    subclass) as outbox changes of device `device_id`; `now_ms` is the wall clock under the HLC.
    `on_outbox_changed` is called (on the committing thread) after every commit that added to or
    took from the outbox, whichever service wrote: the one place the pending counts learn of it.
    With `username`, every change also leaves its lines (field, old → new) in the local record
    history (`HistoryLine`), so what this PC wrote can be read back offline."""
    if on_outbox_changed is not None:
        def committed(session: Session) -> None:
            if session.info.pop(OUTBOX_TOUCHED, False):
                on_outbox_changed()

        event.listen(factory, "after_commit", committed)
        event.listen(factory, "after_soft_rollback", lambda session, _tx: session.info.pop(OUTBOX_TOUCHED, None))
    event.listen(factory, "before_flush", _before_flush)
    event.listen(factory, "after_flush", lambda session, _ctx: _after_flush(session, device_id, now_ms, username))
    event.listen(factory, "do_orm_execute", lambda state: _on_orm_execute(state, device_id, now_ms))
