"""The checks on a pushed change that need the database and the writer, plugged into the merge
(`sync.merge.PushContext`): region codes exist, references stay in the writer's scope, and a
duplicate resident ID number held outside the writer's scope is raised where both are seen.

Reference scope. Every field that names another synced record is declared once on its model
(`db.fields.Ref`: which entity, and the scope rule). When a change sets such a field (a new record:
every one it has), the value the record holds after the merge must name a record of that entity
that the writer may write by the same rule as the record itself (`scope.may_write_region` — so a
grid scope or any other rule plugs in there), or, for "read" references (a village reporting on a
township target assigned to it), one the writer sees. Unknown, of the wrong entity and out of scope
get the same answer, so the answer says nothing about records the writer cannot see.

A child lives where its parent lives (`Ref.parent`: a visit's household, a log entry's case, a
tag's subject, an attachment's owner, a feedback entry's target): its region_code must be the
parent's, checked after the reference itself, so it tells the writer nothing it could not read.

No oracle. A new person whose ID number another live person has is accepted; when the writer
cannot see that person the answer is the ordinary `accepted`, and the review item is raised at the
level that sees both (their township, or the city for two townships). A device that creates many
such duplicates in a day leaves an audit entry (`duplicate_alarm`) for the city admin."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.base import model_for_entity, scope_columns, synced_models
from db.fields import Ref, references, specs
from db.ids import new_id
from db.models import AuditEntry, Region
from server.deps import Principal
from server.scope import DepartmentView, may_write_region, read_prefix
from server.store import region_in_scope
from server.store.tables import RecordVersion, ReviewItem
from sync.merge import ChangeResult, scope_region
from sync.messages import change_message
from sync.wire import Change

REGION_FORMATS = ("village", "region", "place")  # must name a region (a grid: its village)
DUPLICATE_ALARM_PER_DAY = 10


def _rejected(change: Change, code: str, field: str, **params: Any) -> ChangeResult:
    params = {"field": field, **params}
    return ChangeResult(change.change_id, "rejected", code=code, message=change_message(code, "zh", **params),
                        field=field, params=params)


class EdgeChecks:
    """The `vet` and `placement` of one push (one writer, one transaction); caches what it looked up."""

    def __init__(self, session: Session, who: Principal) -> None:
        self.session, self.who = session, who
        self._regions: dict[str, bool] = {}
        self._department = (DepartmentView(session, who.department_code or "", who.scope_prefix)
                            if who.role == "department" else None)
        self.hidden_duplicates = 0

    # -- vet: (change, merged fields) -> rejection or None
    def __call__(self, change: Change, merged: dict[str, Any]) -> ChangeResult | None:
        cls = model_for_entity(change.entity)
        for name, value in change.fields.items():
            spec = specs(cls)[name]
            if spec.format in REGION_FORMATS and value and not self.region_exists(value):
                return _rejected(change, "unknown_region", name, region=value)
        for spec in references(cls):
            touched = spec.name in change.fields or (spec.ref.by is not None and spec.ref.by in change.fields)
            if touched and not self._reference_allowed(spec.ref, merged.get(spec.name), merged):
                target = spec.ref.entity_for(merged) or "/".join(spec.ref.entities)
                return _rejected(change, "bad_reference", spec.name, target=target)
        for spec in references(cls):
            if spec.ref.parent and (spec.name in change.fields or "region_code" in change.fields):
                parent_region = self._parent_region(spec.ref, merged.get(spec.name), merged)
                if parent_region is not None and merged.get("region_code") != parent_region:
                    return _rejected(change, "not_parent_region", "region_code",
                                     target=spec.ref.entity_for(merged) or "", region=parent_region)
        return None

    def _parent_region(self, ref: Ref, value: Any, merged: dict[str, Any]) -> str | None:
        """The region of the record a child lives in (already found allowed), or None."""
        entity = ref.entity_for(merged)
        target = self.session.get(model_for_entity(entity), value) if entity and value else None
        return getattr(target, "region_code", None) if target is not None else None

    def region_exists(self, code: str) -> bool:
        """A region code (or the 6/9-digit prefix of one) names a region in the region table."""
        if code not in self._regions:
            full = code.ljust(12, "0")[:12]  # a 6/9-digit prefix names its region's padded code; a grid its village
            self._regions[code] = self.session.scalar(select(Region.code).where(Region.code == full)) is not None
        return self._regions[code]

    def _reference_allowed(self, ref: Ref, value: Any, merged: dict[str, Any]) -> bool:
        if value is None:
            return True
        entity = ref.entity_for(merged)
        if entity is None:
            return False
        target = self.session.get(model_for_entity(entity), value)
        if target is None:
            return ref.forward and not self._known_elsewhere(entity, value)
        if self._department is not None:
            return value in self._department.visible_ids(entity, [value])
        region = scope_region(entity, {name: getattr(target, name) for name in scope_columns(entity)})
        if ref.scope == "write":
            return may_write_region(self.who, entity, region)
        return self._may_read(entity, target, region)

    def _known_elsewhere(self, entity: str, record_id: str) -> bool:
        """Whether `record_id` names a record of another entity (ids are unique across entities): a
        forward reference may name a record still to come, never one of the wrong kind."""
        others = [cls.__sync_entity__ for cls in synced_models() if cls.__sync_entity__ != entity]
        return self.session.scalar(select(RecordVersion.record_id).where(
            RecordVersion.entity.in_(others), RecordVersion.record_id == record_id).limit(1)) is not None

    def _may_read(self, entity: str, target: Any, region: str) -> bool:
        prefix = read_prefix(self.who) or ""
        if region_in_scope(region, prefix):
            return True
        # a township target the township assigned to the reader's village is the village's to report on
        assigned = getattr(target, "assigned_region_code", None) or ""
        return entity == "task_target" and len(prefix) >= 12 and assigned.startswith(prefix[:12])

    # -- placement: (entity, other record id, own region) -> (writer sees it, review region)
    def placement(self, entity: str, other_id: str, region: str) -> tuple[bool, str]:
        other = self.session.get(model_for_entity(entity), other_id)
        other_region = scope_region(entity, {n: getattr(other, n) for n in scope_columns(entity)}) if other else ""
        prefix = read_prefix(self.who)
        if prefix is not None and region_in_scope(other_region, prefix):
            return True, region
        self.hidden_duplicates += 1
        return False, region[:9] if region[:9] == other_region[:9] else ""


def raise_duplicate_alarm(session: Session, who: Principal, now: dt.datetime,
                          per_day: int = DUPLICATE_ALARM_PER_DAY) -> bool:
    """After a push that raised duplicates the writer could not see: when the device's count of such
    duplicates in the last day reaches a multiple of `per_day`, write an audit entry for the city
    admin. Returns whether it did. Such reviews are the ones raised above the record's own village."""
    count = session.scalar(select(func.count()).select_from(ReviewItem).where(
        ReviewItem.kind == "duplicate_id", ReviewItem.winner_device == who.device_id,
        ReviewItem.created_at >= now - dt.timedelta(days=1), func.length(ReviewItem.region_code) < 12))
    if not count or count < per_day:
        return False
    already = session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "duplicate_alarm", AuditEntry.device_id == who.device_id,
        AuditEntry.at >= now - dt.timedelta(days=1)))
    if already >= count // per_day:
        return False
    session.add(AuditEntry(
        id=new_id(), at=now, username=who.username, device_id=who.device_id, action="duplicate_alarm",
        entity="person", record_ids=[], region_code=(who.scope_prefix or "")[:12],
        reason=f"一天内新建了 {count} 个与管辖范围外人员身份证号重复的人员"))
    return True
