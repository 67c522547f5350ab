"""A department issuing a task from the city console: the form's values checked field by field
(each problem named by a message key of the console's catalogue), then the task and one target per
chosen township, village or grid pushed as the department's own sync changes, so the same scope rules as
a client's push apply and townships receive it by pull. A data request (kind 2, 一表通) may ask only
for fields of one of the department's approved request catalogue entries.

The deadline is counted in working days from today with the server's one working-day rule
(`server.intake.add_workdays` over the city's holiday calendar, the `work_calendar` code table),
due at the end of that day, Beijing time."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.ids import new_id
from db.models import Region, Task
from server.catalogue import approved_fields
from server.department_work import own_target
from server.intake import add_workdays, beijing_now, work_calendar
from server.models import RequestCatalogueEntry, User
from server.pushed_writes import Edit, push_edits

KINDS, PRIORITIES, MAX_WORKDAYS = ("1", "2", "3"), (1, 2, 3), 60
DATA_REQUEST = "2"


class FormErrors(ValueError):
    def __init__(self, errors: dict[str, str]):
        super().__init__(", ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class IssueForm:
    title: str
    description: str
    kind: str
    priority: str
    workdays: str
    regions: tuple[str, ...]
    catalogue_id: str = ""
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class Issued:
    task_id: str
    task_no: str
    target_ids: tuple[str, ...]


def _known_regions(session: Session, codes: list[str]) -> set[str]:
    """Codes (9-digit townships, 12-digit villages, 15-character grids) that are regions of the
    imported tree."""
    padded = {code.ljust(12, "0"): code for code in codes if code.isdigit() and len(code) in (9, 12, 15)}
    found = set(session.scalars(select(Region.code).where(Region.code.in_(list(padded)),
                                                          Region.level.in_((4, 5, 6)))))
    return {padded[code] for code in found}


def target_fields(code: str) -> dict[str, str | None]:
    """Where a target of `code` lies: a grid's target keeps its village as region and the grid as
    its scope code (db.base.scope_columns)."""
    return {"region_code": code[:12], "grid_code": code} if len(code) == 15 else {"region_code": code,
                                                                                  "grid_code": None}


def check_form(session: Session, user: User, form: IssueForm) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not form.title.strip():
        errors["title"] = "required"
    elif len(form.title.strip()) > 200:
        errors["title"] = "too_long"
    if len(form.description) > 8000:
        errors["description"] = "too_long"
    if form.kind not in KINDS:
        errors["kind"] = "required"
    if not form.priority.isdigit() or int(form.priority) not in PRIORITIES:
        errors["priority"] = "required"
    if not form.workdays.strip().isdigit() or not 1 <= int(form.workdays) <= MAX_WORKDAYS:
        errors["workdays"] = "workdays_invalid"
    regions = list(dict.fromkeys(form.regions))
    if not regions:
        errors["regions"] = "targets_required"
    elif (len(_known_regions(session, regions)) != len(regions)
          or any(not r.startswith(user.scope_prefix or "") for r in regions)):
        errors["regions"] = "target_outside"
    if form.kind == DATA_REQUEST:
        allowed = approved_fields(session, user.department_code or "", form.catalogue_id)
        if not allowed:
            errors["catalogue_id"] = "catalogue_required"
        elif not form.fields:
            errors["fields"] = "fields_required"
        elif not set(form.fields) <= set(allowed):
            errors["fields"] = "fields_outside"
    return errors


def _purpose(session: Session, form: IssueForm) -> str:
    """What the township is told the data is for: the approved catalogue entry's name and purpose."""
    entry = session.get(RequestCatalogueEntry, form.catalogue_id)
    if entry is None:
        return ""
    return f"{entry.name}：{entry.purpose}" if entry.purpose else entry.name


def _common_prefix(regions: list[str]) -> str:
    for length in (12, 9, 6, 4, 2):
        heads = {code[:length] for code in regions}
        if len(heads) == 1:
            return heads.pop()
    return ""


def _task_no(session: Session, user: User, now: dt.datetime) -> str:
    tag = hashlib.sha256(user.id.encode()).hexdigest()[:3].upper()
    prefix = f"RW{now:%Y%m%d}C{tag}"
    count = session.scalar(select(func.count()).select_from(Task).where(Task.task_no.like(prefix + "%"))) or 0
    return f"{prefix}{count + 1:04d}"


def issue_task(session: Session, user: User, form: IssueForm) -> Issued:
    """Check and push the task with its targets; raises FormErrors (nothing written) or
    pushed_writes.PushRefused (rolled back). The caller commits."""
    errors = check_form(session, user, form)
    if errors:
        raise FormErrors(errors)
    now = beijing_now()
    due = dt.datetime.combine(add_workdays(now.date(), int(form.workdays), work_calendar(session)),
                              dt.time(23, 59, 59))
    regions = list(dict.fromkeys(form.regions))
    task_id, task_no = new_id(), _task_no(session, user, now)
    edits = [Edit("task", task_id, {
        "task_no": task_no, "title": form.title.strip(), "description": form.description.strip(),
        "department_code": user.department_code, "kind": form.kind, "priority": int(form.priority),
        "issued_at": now, "due_at": due, "region_code": _common_prefix([code[:12] for code in regions]),
        "requested_fields": list(form.fields) if form.kind == DATA_REQUEST else [], "issued_by": user.username,
        "request_purpose": _purpose(session, form) if form.kind == DATA_REQUEST else ""})]
    targets = [new_id() for _ in regions]
    edits += [Edit("task_target", tid, {"task_id": task_id, **target_fields(code), "status": "10",
                                        "handled_count": 0, "total_count": 0})
              for tid, code in zip(targets, regions, strict=True)]
    push_edits(session, user, edits)
    return Issued(task_id, task_no, tuple(targets))


def extend_task(session: Session, user: User, task_id: str, new_due: dt.date) -> None:
    """Move the task's deadline later (to the end of `new_due`); raises FormErrors."""
    task = session.get(Task, task_id)
    if task is None or task.department_code != user.department_code:
        raise FormErrors({"task": "not_found"})
    due = dt.datetime.combine(new_due, dt.time(23, 59, 59))
    if due <= task.due_at:
        raise FormErrors({"due": "extend_not_later"})
    push_edits(session, user, [Edit("task", task.id, {"due_at": due})])


# The department's own moves on one target (the township's are accept, complete, return): a returned
# target is sent again, a completed one reopened.
TARGET_ACTIONS = {"reissue": ("40", "10"), "reopen": ("30", "20")}


def target_action(session: Session, user: User, target_id: str, action: str) -> None:
    """Reissue a returned target or reopen a completed one; raises FormErrors or PushRefused."""
    found = own_target(session, user.department_code or "", target_id)
    if found is None or action not in TARGET_ACTIONS:
        raise FormErrors({"target": "not_found"})
    target, _task = found
    source, destination = TARGET_ACTIONS[action]
    if target.status != source:
        raise FormErrors({"target": "step_not_possible"})
    push_edits(session, user, [Edit("task_target", target.id, {"status": destination})])


def remind_target(session: Session, user: User, target_id: str, text: str, now: dt.datetime) -> None:
    """催办: a feedback entry from the department on its own target, which the township reads with the
    target's other feedback after its next sync; raises FormErrors or PushRefused."""
    found = own_target(session, user.department_code or "", target_id)
    if found is None:
        raise FormErrors({"target": "not_found"})
    target, _task = found
    if target.status == "30":
        raise FormErrors({"target": "step_not_possible"})
    text = text.strip()
    if not text:
        raise FormErrors({"text": "required"})
    if len(text) > 2000:
        raise FormErrors({"text": "too_long"})
    push_edits(session, user, [Edit("task_feedback", new_id(), {
        "target_id": target.id, "region_code": target.region_code, "at": now, "author": user.username,
        "text": f"催办：{text}", "handled_count": target.handled_count or 0, "total_count": target.total_count or 0,
        "answers": {}})])
