"""Push, pull and snapshot as the server serves them: the sync store (`sync.store_sql`) does the
merging and the bookkeeping; this module adds who may do what (server.scope) and the server's own
checks on pushed values (resident ID numbers).

Each pushed change goes to the store on its own, in the one transaction of the request, so every
change gets a check that can see the change as a whole (a department's task, a person's ID number).
A change this module refuses is remembered by the store like any other answer, so a retried batch
gets the same answers and the device's sequence stays contiguous."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from typing import Any

from sqlalchemy.orm import Session

from db.models import Person
from server.deps import Principal
from server.idcheck import RESIDENT_ID, valid_resident_id
from server.scope import DepartmentView, code_entry_visible, may_write_region, read_prefix
from server.snapshot import snapshot_from
from sync import store_sql
from sync.merge import ChangeResult
from sync.store_sql import Page, PulledRecord, SqlMergeStore
from sync.wire import Change, WireError, parse_change

DEPARTMENT_EVICTABLE = ("task", "case")


def _refusal(session: Session, change: Change, code: str, message: str) -> ChangeResult | None:
    """Answer `change` with a rejection and remember it — unless the store would answer it otherwise
    (a retry of an answered id, a sequence gap), in which case None lets the store decide."""
    store = SqlMergeStore(session, dt.datetime.now(dt.UTC).replace(tzinfo=None))
    if store.answered(change.change_id) is not None:
        return None
    if change.device_seq != store.last_device_seq(change.device_id) + 1:
        return None
    result = ChangeResult(change.change_id, "rejected", code=code, message=message)
    store.remember(change, result)
    return result


def _id_number_problem(session: Session, change: Change, decoded: dict[str, Any]) -> bool:
    if change.entity != "person" or decoded.get("id_number") is None:
        return False
    id_type = decoded.get("id_type")
    if id_type is None:
        existing = session.get(Person, change.record_id)
        id_type = existing.id_type if existing is not None else RESIDENT_ID
    return id_type == RESIDENT_ID and not valid_resident_id(decoded["id_number"])


def _server_check(session: Session, who: Principal, raw: Any) -> ChangeResult | None:
    try:
        change, decoded = parse_change(raw)
    except WireError:
        return None  # the store answers malformed changes itself, with the wire's code
    if change.device_id != who.device_id:
        return None
    if _id_number_problem(session, change, decoded):
        return _refusal(session, change, "invalid_id_number", "身份证号码无效（校验位或出生日期不对）")
    if who.role == "department":
        view = DepartmentView(session, who.department_code or "")
        if not view.may_write(change.entity, change.record_id, decoded):
            return _refusal(session, change, "forbidden_scope", "部门用户只能处理本部门下发的任务和交办给本部门的事件")
    return None


def push_batch(session: Session, who: Principal, changes: list[Any]) -> list[ChangeResult]:
    """Answer every change of a batch; the caller commits once for the whole batch."""

    def may_write(entity: str, region: str) -> bool:
        return who.role == "department" or may_write_region(who, entity, region)

    results = []
    for raw in changes:
        refused = _server_check(session, who, raw)
        if refused is not None:
            results.append(refused)
            continue
        now_ms = int(time.time() * 1000)
        results.extend(store_sql.push(session, who.device_id, who.username, [raw], now_ms, may_write=may_write))
    return results


def _department_filter(session: Session, who: Principal, records: list[PulledRecord]) -> list[PulledRecord]:
    view = DepartmentView(session, who.department_code or "")
    by_entity: dict[str, list[str]] = {}
    for r in records:
        by_entity.setdefault(r.entity, []).append(r.record_id)
    visible = {(e, rid) for e, ids in by_entity.items() for rid in view.visible_ids(e, ids)}
    return [r for r in records if (r.entity, r.record_id) in visible
            or (r.entity == "code_entry" and code_entry_visible(who, r.fields.get("scope_prefix") or ""))]


def _local_codes_filter(who: Principal, records: list[PulledRecord]) -> list[PulledRecord]:
    """The store's scope test lets a township's users see wider regions' rows; code entries are
    further limited to city-wide ones and those of regions enclosing the user (not a sibling's)."""
    return [r for r in records if r.entity != "code_entry"
            or code_entry_visible(who, r.fields.get("scope_prefix") or "")]


def pull_page(session: Session, who: Principal, cursor: int, limit: int) -> Page:
    prefix = read_prefix(who)
    if prefix is not None:
        page = store_sql.pull(session, prefix, cursor, limit)
        page.records = _local_codes_filter(who, page.records)
        return page
    page = store_sql.pull(session, "", cursor, limit)
    visible = _department_filter(session, who, page.records)
    shown = {(r.entity, r.record_id) for r in visible}
    # A case no longer escalated to the department (or a task moved away) leaves its desk.
    page.evictions = sorted({(r.entity, r.record_id) for r in page.records
                             if r.entity in DEPARTMENT_EVICTABLE and (r.entity, r.record_id) not in shown})
    page.records = visible
    return page


def snapshot_chunks(session: Session, who: Principal, chunk_size: int,
                    after: tuple[str, str] | None = None) -> Iterator[store_sql.SnapshotChunk]:
    prefix = read_prefix(who)
    for chunk in snapshot_from(session, prefix or "", after, chunk_size):
        if prefix is None:
            chunk.records = _department_filter(session, who, chunk.records)
        else:
            chunk.records = _local_codes_filter(who, chunk.records)
        yield chunk
