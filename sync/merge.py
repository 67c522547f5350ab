"""The server's merge engine: pure decisions over a storage interface (`MergeStore`).

`apply_change()` takes one validated change and answers accepted / merged_with_conflict / rejected.
It reads the record's current fields and per-field versions from the store, decides field by field
with the policy of the field's kind (table in `sync/__init__.py`), and asks the store to write the
winning values, append the change log, add review items and remember the answer under the change
id. It does no I/O of its own, so the policies can be read (and tested) without a database.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from db.base import model_for_entity as _lookup_model
from db.base import scope_columns
from sync.clock import clamp
from sync.versions import field_since
from sync.wire import Change

model_for_entity = functools.cache(_lookup_model)  # the lookup scans every mapper; the merge asks per field

# Workflow status ranks: a concurrent edit keeps the state further along the workflow; equal ranks
# fall back to the HLC. Numeric codes rank themselves (case codes are in workflow order, side states
# sort where they happen: 45 退单 after 40 签收, 55 延期申请 after 50 处置中); a model whose codes do
# not sort declares `__sync_status_rank__` (task targets).
LIFECYCLE = ("deleted", "deletion_gen")


@dataclass(frozen=True)
class FieldVersion:
    seq: int
    hlc: str
    device: str
    user: str = ""


@dataclass
class RecordState:
    fields: dict[str, Any]
    versions: dict[str, FieldVersion]
    seq: int = 0


@dataclass(frozen=True)
class ChangeResult:
    change_id: str
    outcome: str  # accepted | merged_with_conflict | rejected
    server_seq: int | None = None
    code: str | None = None
    message: str | None = None
    expected_seq: int | None = None  # on a device_seq gap: the sequence the server expects next
    # What fills the message of `code` (sync.messages) in another language; not sent, not stored.
    params: dict[str, Any] | None = field(default=None, compare=False)
    field: str | None = None  # the field a rejection is about (declared after `params`: it shadows
    # dataclasses.field in this class body)

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None and k != "params"}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> ChangeResult:
        return cls(raw["change_id"], raw["outcome"], raw.get("server_seq"), raw.get("code"),
                   raw.get("message"), raw.get("expected_seq"), field=raw.get("field"))


@dataclass
class Review:
    kind: str  # conflict | delete_conflict | status_conflict | duplicate_id | duplicate_hh_no
    field: str | None
    winner_value: Any
    winner: FieldVersion | None
    loser_value: Any
    loser: FieldVersion | None
    related_record_id: str | None = None
    region_code: str | None = None  # where the item is reviewed when not at the record's own region
    silent: bool = False  # raised for a reviewer, not shown in the writer's answer (no oracle)


@dataclass
class Decision:
    """What the merge decided for one change, handed to the store to write."""

    written: dict[str, Any] = field(default_factory=dict)
    reviews: list[Review] = field(default_factory=list)


def _no_objection(_change: Change, _merged: dict[str, Any]) -> ChangeResult | None:
    return None


def _seen_here(_entity: str, _other: str, region: str) -> tuple[bool, str]:
    return True, region


@dataclass(frozen=True)
class PushContext:
    """Who pushes, and the checks the server plugs in (defaults: none)."""

    user: str
    now_ms: int
    may_write: Callable[[str, str], bool] = lambda _entity, _region: True
    # The checks that need the database and the writer (region codes exist, references in scope):
    # (change, the record's fields after the merge) -> a rejection, or None.
    vet: Callable[[Change, dict[str, Any]], ChangeResult | None] = _no_objection
    # For a record `other` of `entity` found as a duplicate: whether the writer sees it, and the
    # region code the review is raised at (the level that sees both records).
    placement: Callable[[str, str, str], tuple[bool, str]] = _seen_here
    # The highest change the restored database held (the current epoch's base): restore offers
    # fill only what is older than that.
    restored_base: int = 0


class MergeStore(Protocol):
    def answered(self, change_id: str) -> tuple[str, ChangeResult] | None: ...
    def last_device_seq(self, device_id: str) -> int: ...
    def load(self, entity: str, record_id: str) -> RecordState | None: ...
    def missing_parent(self, entity: str, fields: dict[str, Any]) -> str | None: ...
    def active_duplicates(self, entity: str, record_id: str, value: Any,
                          within: dict[str, Any] | None = None) -> list[str]:
        """Live records of `entity` other than `record_id` holding `value` in the entity's
        duplicate key (`__sync_duplicate_key__`) and the values `within` (the key's `within`
        fields), not yet raised for review with it."""
    def flag_clock(self, device_id: str, skew_ms: int) -> None: ...
    def commit_change(self, change: Change, user: str, hlc: str, decision: Decision,
                      state: RecordState | None) -> int: ...
    def remember(self, change: Change, result: ChangeResult) -> None: ...


def scope_region(entity: str, fields: dict[str, Any]) -> str:
    """The code a record is scoped by: its grid when it has one, else its region (code entries:
    their scope prefix) — db.base.scope_columns."""
    for name in scope_columns(entity):
        if fields.get(name):
            return fields[name]
    return ""


def grid_outside_region(entity: str, fields: dict[str, Any]) -> bool:
    """A grid code must lie in the record's own village: otherwise the record would be scoped by
    one village's grid while claiming another village."""
    grid, region = fields.get("grid_code"), fields.get("region_code")
    return bool(grid) and "grid_code" in scope_columns(entity) and not grid.startswith(region or "\0")


def _kind(entity: str) -> str:
    return getattr(model_for_entity(entity), "__sync_kind__", "record")


def _is_status(entity: str, name: str) -> bool:
    col = model_for_entity(entity).__table__.columns.get(name)
    return col is not None and col.info.get("sync") == "status"


def status_rank(entity: str, value: Any) -> int:
    ranks = model_for_entity(entity).__sync_status_rank__
    if ranks is not None:
        return ranks.get(value, 0)
    return int(value) if isinstance(value, int) else 0


def _rejected(change: Change, code: str, message: str, **extra: Any) -> ChangeResult:
    return ChangeResult(change.change_id, "rejected", code=code, message=message, **extra)


def _required_missing(entity: str, fields: dict[str, Any], version: int) -> list[str]:
    """Required fields a new record lacks; a field newer than the writer's schema `version` is never
    required of it (a new field comes with a default for the clients that do not know it)."""
    cols = model_for_entity(entity).__table__.columns
    return [c.key for c in cols if c.key != "id" and c.info.get("sync") is not False
            and not c.nullable and c.default is None and c.server_default is None
            and c.key not in fields and field_since(entity, c.key) <= version]


def _concurrent(change: Change, name: str, version: FieldVersion | None) -> bool:
    return (version is not None and version.seq > change.base.get(name, 0)
            and version.device != change.device_id and not is_restore_stamp(version.hlc))


# -- restore offers ----------------------------------------------------------------------------
# After the server was restored from a backup, a device offers back the records it received after
# the restored point (op "restore", docs/OPERATIONS.md): the state it holds, stamped with the
# sequence number it saw them at instead of a time. Such a stamp ranks below every real edit, and
# one offer below another that saw the record later; a field the restored server changed since the
# restore by a real edit is never overwritten by an offer, and an offer never raises a review.
RESTORE_OP = "restore"
_REAL_CLOCK_MS = 10 ** 12  # 2001-09-09: every real HLC is later; a restore stamp's "ms" is a sequence number


def restore_stamp(seen_seq: int, device_id: str) -> str:
    """The clock stamp of a restore offer of a record seen at `seen_seq` (a valid HLC text)."""
    return f"{min(seen_seq, _REAL_CLOCK_MS - 1):013d}-00000-{device_id}"


def is_restore_stamp(hlc: str | None) -> bool:
    return bool(hlc) and hlc[:13].isdigit() and int(hlc[:13]) < _REAL_CLOCK_MS


def _decide_restore(change: Change, state: RecordState | None, mine: FieldVersion, restored_base: int) -> Decision:
    """What a restore offer writes: a record the restored server lacks, whole; otherwise each field
    whose server value is from before the restored point (`restored_base`) or from an offer that
    saw the record earlier. Deletion only moves forward, as for any change."""
    if state is None:
        return Decision(written=dict(change.fields))
    decision = Decision()
    if _kind(change.entity) == "append_only":
        return decision
    _merge_lifecycle(change, state, mine, "restore", decision)  # forward only; a stale one is no review
    for name, value in change.fields.items():
        version = state.versions.get(name)
        if name in LIFECYCLE or value == state.fields.get(name):
            continue
        if version is None or version.seq <= restored_base or (
                is_restore_stamp(version.hlc) and mine.hlc > version.hlc):
            decision.written[name] = value
    return decision


def _merge_lifecycle(change: Change, state: RecordState, mine: FieldVersion, kind: str,
                     decision: Decision) -> None:
    """Tombstones: (deletion_gen, deleted) only moves forward, so a restore (gen + 1) beats a stale
    delete and two deletes of one generation are one. A stale lifecycle edit goes to review."""
    fields = change.fields
    if not any(n in fields for n in LIFECYCLE):
        return
    cur = (state.fields.get("deletion_gen") or 0, bool(state.fields.get("deleted")))
    inc = (fields.get("deletion_gen", cur[0]), fields.get("deleted", cur[1]))
    if inc > cur:
        decision.written.update(deleted=inc[1], deletion_gen=inc[0])
    elif inc < cur and kind == "record":
        decision.reviews.append(Review("delete_conflict", "deleted", cur[1], state.versions.get("deleted"),
                                       inc[1], mine))


def _delete_races(change: Change, state: RecordState, mine: FieldVersion, decision: Decision) -> None:
    """A delete that did not see a concurrent update (or an update that did not see a concurrent
    delete) is kept, and a reviewer decides whether the record should live."""
    if decision.written.get("deleted") is True:
        for name, version in state.versions.items():
            if name not in LIFECYCLE and _concurrent(change, "deleted", version):
                decision.reviews.append(Review("delete_conflict", name, True, mine,
                                               state.fields.get(name), version))
                return
    elif state.fields.get("deleted") and "deleted" not in change.fields:
        version = state.versions.get("deleted")
        if _concurrent(change, next(iter(change.fields), "deleted"), version):
            decision.reviews.append(Review("delete_conflict", "deleted", True, version,
                                           dict(change.fields), mine))


def _merge_field(change: Change, name: str, value: Any, state: RecordState, mine: FieldVersion,
                 kind: str, decision: Decision) -> None:
    version = state.versions.get(name)
    current = state.fields.get(name)
    if not _concurrent(change, name, version):
        decision.written[name] = value
        return
    if _is_status(change.entity, name):
        mine_rank, cur_rank = status_rank(change.entity, value), status_rank(change.entity, current)
        wins = mine_rank > cur_rank or (mine_rank == cur_rank and mine.hlc > version.hlc)
        review_kind = "status_conflict"
    else:
        wins = mine.hlc > version.hlc
        review_kind = "conflict"
    if wins:
        decision.written[name] = value
    if value != current and kind == "record":
        winner, loser = ((value, mine), (current, version)) if wins else ((current, version), (value, mine))
        decision.reviews.append(Review(review_kind, name, winner[0], winner[1], loser[0], loser[1]))


def _decide(change: Change, state: RecordState | None, mine: FieldVersion) -> Decision | ChangeResult:
    kind = _kind(change.entity)
    if state is None:
        return Decision(written=dict(change.fields))
    if kind == "append_only":
        if all(state.fields.get(k) == v for k, v in change.fields.items()):
            return Decision()  # the same entry again (e.g. re-created after a lost answer): a no-op
        return _rejected(change, "append_only", "这类记录只能追加，不能修改或删除")
    decision = Decision()
    _merge_lifecycle(change, state, mine, kind, decision)
    for name, value in change.fields.items():
        if name not in LIFECYCLE:
            _merge_field(change, name, value, state, mine, kind, decision)
    if kind == "record":
        _delete_races(change, state, mine, decision)
    return decision


def _duplicate_reviews(store: MergeStore, change: Change, merged: dict[str, Any], mine: FieldVersion,
                       decision: Decision, ctx: PushContext) -> None:
    """A record sharing its duplicate key with another live record is kept and raised for review. A
    duplicate the writer cannot see is raised at the level that sees both and leaves the answer as
    for any new record: the answer never tells whether a value is registered elsewhere."""
    key = model_for_entity(change.entity).__sync_duplicate_key__
    if key is None:
        return
    touched = {key.field, *key.when, *key.within, "deleted", "merged_into"} & decision.written.keys()
    value = merged.get(key.field)
    if (not touched or not value or any(merged.get(k) != v for k, v in key.when.items())
            or merged.get("deleted") or merged.get("merged_into")):
        return
    region = scope_region(change.entity, merged)
    within = {name: merged.get(name) for name in key.within}
    for other in store.active_duplicates(change.entity, change.record_id, value, within):
        seen, level = ctx.placement(change.entity, other, region)
        decision.reviews.append(Review(key.review_kind, key.field, value, mine, value, None,
                                       related_record_id=other, region_code=None if seen else level,
                                       silent=not seen))


def _check_scope(change: Change, state: RecordState | None, ctx: PushContext) -> ChangeResult | None:
    before = scope_region(change.entity, state.fields) if state else None
    after = scope_region(change.entity, {**(state.fields if state else {}), **change.fields})
    if grid_outside_region(change.entity, {**(state.fields if state else {}), **change.fields}):
        return _rejected(change, "grid_outside_region", "网格不属于该记录所在的村（社区）")
    for region in {before, after} - {None}:
        if not ctx.may_write(change.entity, region):
            return _rejected(change, "forbidden_scope", f"无权修改区划 {region or '（全市）'} 的 {change.entity} 数据",
                             params={"region": region or "-", "entity": change.entity})
    return None


def _precheck(store: MergeStore, change: Change) -> tuple[ChangeResult | None, bool]:
    """Idempotency and device sequence. Returns (answer, remember) when the change stops here."""
    previous = store.answered(change.change_id)
    if previous is not None:
        payload_hash, result = previous
        if payload_hash == change.payload_hash():
            return result, False
        return _rejected(change, "change_id_reused", "同一变更编号对应了不同的内容，已拒绝"), False
    expected = store.last_device_seq(change.device_id) + 1
    if change.device_seq > expected:
        return _rejected(change, "device_seq_gap", f"缺少序号 {expected} 起的变更，请按顺序重发",
                         expected_seq=expected, params={"expected": expected}), False
    if change.device_seq < expected:
        return _rejected(change, "device_seq_reused", f"设备变更序号 {change.device_seq} 已用过"), True
    return None, True


def apply_change(store: MergeStore, change: Change, ctx: PushContext) -> ChangeResult:
    """Merge one validated change into the store and return the server's answer for it."""
    early, remember = _precheck(store, change)
    if early is not None:
        if remember:
            store.remember(change, early)
        return early
    clamped = clamp(change.hlc, ctx.now_ms)
    if clamped.flagged:
        store.flag_clock(change.device_id, clamped.skew_ms)
    mine = FieldVersion(0, str(clamped.timestamp), change.device_id, ctx.user)
    state = store.load(change.entity, change.record_id)
    missing = _required_missing(change.entity, change.fields, change.schema_version) if state is None else []
    if missing:
        result = _rejected(change, "missing_fields", f"新记录缺少必填字段：{', '.join(missing)}",
                           params={"fields": ", ".join(missing)})
    else:
        result = _check_scope(change, state, ctx)
    if result is None:
        result = _merge(store, change, state, mine, ctx)
    store.remember(change, result)
    return result


def _merge(store: MergeStore, change: Change, state: RecordState | None, mine: FieldVersion,
           ctx: PushContext) -> ChangeResult:
    decision = (_decide_restore(change, state, mine, ctx.restored_base) if change.op == RESTORE_OP
                else _decide(change, state, mine))
    if isinstance(decision, ChangeResult):
        return decision
    merged = {**(state.fields if state else {}), **decision.written}
    objection = ctx.vet(change, merged)
    if objection is not None:
        return objection
    missing = store.missing_parent(change.entity, merged) if decision.written else None
    if missing:
        return _rejected(change, "missing_parent", f"引用的上级记录 {missing} 不存在")
    _duplicate_reviews(store, change, merged, mine, decision, ctx)
    seq = store.commit_change(change, ctx.user, mine.hlc, decision, state)
    outcome = "merged_with_conflict" if any(not r.silent for r in decision.reviews) else "accepted"
    return ChangeResult(change.change_id, outcome, server_seq=seq)
