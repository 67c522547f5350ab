"""Push, pull and snapshot as the server serves them: the sync store (`server.store`) does the
merging and the bookkeeping; this module adds who may do what (server.scope) and the server's own
checks on pushed values (resident ID numbers).

Each pushed change goes to the store on its own, in the one transaction of the request, so every
change gets a check that can see the change as a whole (a department's task, a person's ID number).
A change this module refuses is remembered by the store like any other answer, so a retried batch
gets the same answers and the device's sequence stays contiguous."""

from __future__ import annotations

import functools
import time
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, or_, select
from sqlalchemy.orm import Session

from db.models import Person, Task, TaskFeedback, TaskTarget
from db.typed_forms import RESIDENT_ID, valid_resident_id
from server import catalogue
from server import store as sync_store
from server.department_pull import department_page
from server.deps import Principal
from server.identity import current_epoch
from server.references import DUPLICATE_ALARM_PER_DAY, EdgeChecks, raise_duplicate_alarm
from server.scope import (
    DepartmentView,
    assigned_targets_condition,
    code_entry_visible,
    may_write_region,
    read_prefix,
)
from server.sensitive import hide_sensitive_tags, sensitive_write
from server.snapshot import load_records, region_scope, snapshot_from
from server.store import Page, PulledRecord, SqlMergeStore
from server.store.common import in_scope
from server.store.tables import RecordVersion
from server.tombstones import check_cursor
from sync import versions
from sync.merge import RESTORE_OP, ChangeResult, PushContext, scope_region
from sync.messages import change_message
from sync.wire import Change, WireError

VILLAGE_ROLES = ("village_cadre", "grid_worker")


def _refusal(session: Session, change: Change, code: str, message: str,
             params: dict[str, Any] | None = None) -> ChangeResult | None:
    """Answer `change` with a rejection and remember it — unless the store would answer it otherwise
    (a retry of an answered id, a sequence gap), in which case None lets the store decide. `params`
    fill the message of `code` in the request's language (sync.messages)."""
    store = SqlMergeStore.of(session)
    if store.answered(change.change_id) is not None:
        return None
    if change.device_seq != store.last_device_seq(change.device_id) + 1:
        return None
    params = {"entity": change.entity, "region": scope_region(change.entity, change.fields) or "-", **(params or {})}
    result = ChangeResult(change.change_id, "rejected", code=code, message=message, params=params)
    store.remember(change, result)
    return result


def _id_number_problem(session: Session, change: Change, decoded: dict[str, Any]) -> bool:
    id_type = decoded.get("id_type")
    if id_type is None:
        existing = session.get(Person, change.record_id)
        id_type = existing.id_type if existing is not None else RESIDENT_ID
    return id_type == RESIDENT_ID and not valid_resident_id(decoded["id_number"])


def _catalogue_problem(session: Session, change: Change, decoded: dict[str, Any]) -> dict[str, str] | None:
    """报表准入 at the push: a task whose requested fields (after this change) are not all in one of
    its department's approved request catalogue entries is refused, whoever sends it — the console,
    a desktop client, any API client. Returns the message parameters of the refusal, or None."""
    if not {"requested_fields", "department_code"} & decoded.keys():
        return None  # a deadline moved, a title edited: the request itself is as it was accepted
    existing = session.get(Task, change.record_id)
    fields = decoded.get("requested_fields") if "requested_fields" in decoded else (
        existing.requested_fields if existing is not None else [])
    department = decoded.get("department_code") or (existing.department_code if existing is not None else "")
    if not fields or not isinstance(fields, list):
        return None
    outside = catalogue.outside_catalogue(session, department or "", fields)
    if not outside:
        return None
    return {"fields_zh": catalogue.field_labels(outside, "zh"), "fields_en": catalogue.field_labels(outside, "en")}


def _answers_problem(session: Session, change: Change, decoded: dict[str, Any]) -> tuple | None:
    """一表通 answers at the push: a feedback entry whose `answers` name a field its task did not
    request (or are not shaped as answers) is refused, whoever sends it — the department receives
    only what its approved request asked for. Returns the refusal (code, message, params), or None."""
    answers = decoded.get("answers")
    if not answers:
        return None
    target = session.get(TaskTarget, decoded.get("target_id") or "")
    task = session.get(Task, target.task_id) if target is not None else None
    if task is None:
        return None  # the store answers a feedback entry of an unknown target itself
    try:
        extra = catalogue.unrequested_answer_fields(list(task.requested_fields or ()), answers)
    except catalogue.AnswerShapeError:
        return "answers_malformed", change_message("answers_malformed", "zh") or "", {"field": "answers"}
    if not extra:
        return None
    params = {"field": "answers", "fields_zh": catalogue.field_labels(extra, "zh"),
              "fields_en": catalogue.field_labels(extra, "en")}
    return "answers_outside_request", change_message("answers_outside_request", "zh", **params) or "", params


def _assigned_target(session: Session, who: Principal, change: Change, decoded: dict[str, Any]) -> bool:
    """A village's part in a township-level task target the township assigned to it: the village may
    report progress on the target and add feedback, not re-target or re-assign it."""
    prefix = read_prefix(who) or ""
    if change.entity == "task_target":
        target = session.get(TaskTarget, change.record_id)
        return (target is not None and (target.assigned_region_code or "").startswith(prefix)
                and not {"region_code", "assigned_region_code", "task_id"} & decoded.keys())
    existing = session.get(TaskFeedback, change.record_id)
    target = session.get(TaskTarget, decoded.get("target_id") or (existing.target_id if existing else ""))
    return (target is not None and (target.assigned_region_code or "").startswith(prefix)
            and decoded.get("region_code", target.region_code) == target.region_code)


class _Batch:
    """Runs of ordinary changes go to the store together; a change that needs a check of its own
    first flushes the run (so the check sees every earlier change of the batch) and goes alone.
    Each change is parsed once: `run` holds (raw, parsed change or its error)."""

    def __init__(self, session: Session, who: Principal, restored_base: int = 0):
        self.session, self.who = session, who
        self.edge = EdgeChecks(session, who)
        self.context = PushContext(who.username, 0, vet=self.edge, placement=self.edge.placement,
                                   restored_base=restored_base)
        self.results: list[ChangeResult] = []
        self.run: list[tuple[Any, Change | WireError]] = []

    def region_rule(self, entity: str, region: str) -> bool:
        return may_write_region(self.who, entity, region)

    def flush(self) -> None:
        if self.run:
            self.send(self.run, self.region_rule)
            self.run = []

    def send(self, items: list[tuple[Any, Change | WireError]], may_write) -> None:
        now_ms = int(time.time() * 1000)
        self.results.extend(sync_store.push(
            self.session, self.who.device_id, self.who.username, [raw for raw, _ in items], now_ms,
            may_write=may_write, parsed=[parsed for _, parsed in items], finish=False, context=self.context))

    def refuse_or_send(self, raw: Any, change: Change, refusal: tuple | None, may_write) -> None:
        answer = _refusal(self.session, change, *refusal) if refusal else None
        if answer is not None:
            self.results.append(answer)
        else:
            self.send([(raw, change)], may_write)

    def add(self, raw: Any, change: Change | WireError, decoded: dict[str, Any] | None) -> None:
        if isinstance(change, WireError):  # the store answers it itself, with the wire's code
            self.run.append((raw, change))
            return
        special = (self.who.role == "department"
                   or (change.entity == "task" and {"requested_fields", "department_code"} & decoded.keys())
                   or (change.entity == "person" and decoded.get("id_number") is not None)
                   or (change.entity == "task_feedback" and decoded.get("answers"))
                   or (change.entity in ("task_target", "task_feedback") and self.who.role in VILLAGE_ROLES)
                   or sensitive_write(self.session, self.who, change.entity, decoded))
        if not special:
            self.run.append((raw, change))
            return
        self.flush()
        self.special(raw, change, decoded)

    def special(self, raw: Any, change: Change, decoded: dict[str, Any]) -> None:
        session, who = self.session, self.who
        if sensitive_write(session, who, change.entity, decoded):
            self.refuse_or_send(raw, change, ("forbidden", "只有市、乡镇管理员可以设置重点人员等敏感标签"),
                                self.region_rule)
            return
        if change.entity == "task" and (problem := _catalogue_problem(session, change, decoded)) is not None:
            message = change_message("fields_outside_catalogue", "zh", **problem) or ""
            self.refuse_or_send(raw, change, ("fields_outside_catalogue", message, problem), self.region_rule)
            return
        if change.entity == "task_feedback" and (refusal := _answers_problem(session, change, decoded)):
            self.refuse_or_send(raw, change, refusal, self.region_rule)
            return
        if change.entity == "person" and decoded.get("id_number") is not None \
                and _id_number_problem(session, change, decoded):
            self.refuse_or_send(raw, change, ("invalid_id_number", "身份证号码无效（校验位或出生日期不对）"),
                                self.region_rule)
            return
        if who.role == "department":
            allowed = DepartmentView(session, who.department_code or "", who.scope_prefix).may_write(
                change.entity, change.record_id, decoded)
            refusal = None if allowed else ("forbidden_scope", "部门用户只能处理本部门下发的任务和交办给本部门的事件")
            self.refuse_or_send(raw, change, refusal, lambda _e, _r: allowed)
            return
        if change.entity in ("task_target", "task_feedback") and who.role in VILLAGE_ROLES:
            assigned = _assigned_target(session, who, change, decoded)
            self.send([(raw, change)], lambda e, r: assigned or self.region_rule(e, r))
            return
        self.send([(raw, change)], self.region_rule)


def _in_version(parsed: tuple[Change | WireError, Any], version: int) -> tuple[Change | WireError, Any]:
    """A change naming an entity or a field its client's schema version does not know is malformed:
    that client could not have made it."""
    change = parsed[0]
    if not isinstance(change, Change):
        return parsed
    if not versions.knows_entity(change.entity, version):
        return WireError("unknown_entity", f"数据版本 {version} 没有 {change.entity} 这类记录"), None
    newer = versions.newer_fields(change.entity, change.fields, version)
    if newer:
        return WireError("unknown_field", f"数据版本 {version} 的 {change.entity} 没有字段 {newer[0]!r}",
                         field=newer[0]), None
    return parsed


def _restored_base(session: Session, parsed: list[tuple[Change | WireError, Any]]) -> int:
    """The current epoch's base when the batch holds restore offers (sync/merge.py), else 0."""
    if not any(isinstance(change, Change) and change.op == RESTORE_OP for change, _ in parsed):
        return 0
    epoch = current_epoch(session)
    return epoch.head_at_start if epoch is not None else 0


def push_batch(session: Session, who: Principal, changes: list[Any],
               duplicate_alarm_per_day: int = DUPLICATE_ALARM_PER_DAY,
               version: int | None = None) -> list[ChangeResult]:
    """Answer every change of a batch, in order; the caller commits once for the whole batch.
    The locks the merge needs are taken first for the whole batch, the sequence numbers last
    (`server.store`), so the batch's own checks and runs never wait on the sequence lock.
    Values are checked at the edge (sync.wire, server.references) before anything merges, and
    against the client's schema `version` (None: this server's own)."""
    parsed = [sync_store.parse_one(raw, who.device_id) for raw in changes]
    if version is not None and version < versions.current_version():
        parsed = [_in_version(p, version) for p in parsed]
    store = SqlMergeStore.of(session)
    store.begin(who.device_id, [change for change, _ in parsed if isinstance(change, Change)])
    batch = _Batch(session, who, _restored_base(session, parsed))
    for raw, (change, decoded) in zip(changes, parsed, strict=True):
        batch.add(raw, change, decoded)
    batch.flush()
    final = store.finish()
    if batch.edge.hidden_duplicates:
        raise_duplicate_alarm(session, who, store.now, duplicate_alarm_per_day)
    return [final(result) for result in batch.results]


def _local_codes_filter(who: Principal, records: list[PulledRecord]) -> list[PulledRecord]:
    """The store's scope test lets a township's users see wider regions' rows; code entries are
    further limited to city-wide ones and those of regions enclosing the user (not a sibling's)."""
    return [r for r in records if r.entity != "code_entry"
            or code_entry_visible(who, r.fields.get("scope_prefix") or "")]


def _assigned_extras(session: Session, prefix: str, page: Page) -> list[PulledRecord]:
    """Township targets assigned to the reader's village (and their feedback) changed within the
    page's range, which the store's region scope does not see: one query over the version heads of
    both entities (a village pull runs it every time the city's sequence moved), rows loaded only
    for what it found."""
    if page.next_cursor <= page.cursor:
        return []
    statement = _assigned_heads(prefix[:12])
    if statement is None:
        return []
    have = {(r.entity, r.record_id) for r in page.records}
    found = session.execute(statement, {"cursor": page.cursor, "upper": page.next_cursor}).all()
    extras: list[PulledRecord] = []
    for entity, cls in (("task_target", TaskTarget), ("task_feedback", TaskFeedback)):
        heads = [(record_id, seq) for e, record_id, seq in found if e == entity]
        extras += [r for r in load_records(session, cls, heads) if (r.entity, r.record_id) not in have]
    # A target newly assigned to the village brings its task, whenever the task itself last changed.
    task_ids = {r.fields.get("task_id") for r in extras if r.entity == "task_target"} - {None}
    if task_ids:
        heads = session.execute(select(RecordVersion.record_id, RecordVersion.server_seq).where(
            RecordVersion.entity == "task", RecordVersion.record_id.in_(task_ids),
            RecordVersion.server_seq <= page.next_cursor)).all()
        extras += [r for r in load_records(session, Task, heads) if ("task", r.record_id) not in have]
    return extras


@functools.lru_cache(maxsize=4096)
def _assigned_heads(village: str) -> Select | None:
    """`_assigned_extras`' query for one village (None above village level), its range as parameters:
    built once per village, not per pull (building it cost more than running it)."""
    conditions = [and_(RecordVersion.entity == entity, condition) for entity in ("task_target", "task_feedback")
                  if (condition := assigned_targets_condition(entity, village)) is not None]
    if not conditions:
        return None
    return select(RecordVersion.entity, RecordVersion.record_id, RecordVersion.server_seq).where(
        RecordVersion.server_seq > bindparam("cursor"), RecordVersion.server_seq <= bindparam("upper"),
        or_(*conditions))


def pull_page(session: Session, who: Principal, cursor: int, limit: int, skip_echoes: bool = True,
              version: int | None = None) -> Page:
    """`who`'s page after `cursor`; with `skip_echoes`, records only `who`'s own device changed, as
    sent, are named in `page.echoes` instead of sent (server.store.read.pull); in the client's
    schema `version` (None: this server's own)."""
    check_cursor(session, cursor)
    prefix = read_prefix(who)
    if prefix is not None:
        page = sync_store.pull(session, prefix, cursor, limit, echo_device=who.device_id if skip_echoes else None)
        page.records = _local_codes_filter(who, page.records) + _assigned_extras(session, prefix, page)
        page.records = hide_sensitive_tags(session, who, page.records)
    else:
        page = _department_page(session, who, cursor, limit)
    return page if version is None else versions.page_for_version(page, version)


def _department_page(session: Session, who: Principal, cursor: int, limit: int) -> Page:
    """A department's pull page, selected in SQL from the version heads (server.department_pull), so
    the register is never read; cases (and tasks) that left its desk in the page's range are evicted."""
    return department_page(session, who.department_code or "", cursor, limit)


def snapshot_chunks(session: Session, who: Principal, chunk_size: int, after: tuple[str, str] | None = None,
                    version: int | None = None) -> Iterator[sync_store.SnapshotChunk]:
    """`who`'s snapshot as record chunks, in the client's schema `version` (None: the server's)."""
    prefix = read_prefix(who)
    if prefix is None:
        view = DepartmentView(session, who.department_code or "", who.scope_prefix)
        chunks = snapshot_from(session, view.snapshot_condition, after, chunk_size)
    else:
        chunks = snapshot_from(session, region_scope(prefix), after, chunk_size)
    for chunk in chunks:
        if prefix is not None:
            chunk.records = hide_sensitive_tags(session, who, _local_codes_filter(who, chunk.records))
        yield chunk if version is None else versions.chunk_for_version(chunk, version)


def snapshot_estimate(session: Session, who: Principal) -> int:
    """How many records `who`'s snapshot will hold, for first-sync progress: the version heads in its
    region scope, one indexed count (tombstones and the few records a scope adds by assignment make
    it an estimate). 0 for a department, whose view is a join not worth counting twice."""
    prefix = read_prefix(who)
    if prefix is None:
        return 0
    return session.scalar(select(func.count()).select_from(RecordVersion)
                          .where(in_scope(RecordVersion.region_code, prefix))) or 0
