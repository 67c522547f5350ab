"""The department's desk (条): the tasks it issued with each target's progress and feedback, the
cases escalated or whistled to it, and its request catalogue (报表准入: the fields its data requests
may ask for). Never the register: only rows related to its own tasks and cases are read. Issuing
tasks and reporting on cases travel as ordinary sync changes (push), checked by
server.scope.DepartmentView."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Case, Task, TaskTarget
from server import catalogue
from server.catalogue import REQUESTABLE_FIELDS
from server.department_work import FeedbackSummary, feedback_summaries
from server.deps import Principal, db_session, require_roles
from server.errors import ApiError
from server.scope import DepartmentView
from server.timefmt import BeijingTime

router = APIRouter(prefix="/department", tags=["department"])


class TargetProgress(BaseModel):
    id: str
    region_code: str
    status: str
    assigned_region_code: str | None
    assignee: str | None
    handled_count: int
    total_count: int
    feedback_count: int
    last_feedback_at: BeijingTime | None
    last_feedback_text: str | None


class IssuedTask(BaseModel):
    id: str
    task_no: str
    title: str
    kind: str
    priority: int
    issued_at: BeijingTime
    due_at: BeijingTime
    region_code: str
    targets: list[TargetProgress]


class EscalatedCase(BaseModel):
    id: str
    case_no: str
    title: str
    category_code: str
    request_type: str
    status: int
    region_code: str
    registered_at: BeijingTime
    deadline_on: dt.date | None
    escalated_to: str | None
    supervised: bool


def _targets(session: Session, task_ids: list[str]) -> dict[str, list[TargetProgress]]:
    by_task: dict[str, list[TargetProgress]] = {tid: [] for tid in task_ids}
    targets = list(session.scalars(select(TaskTarget).where(TaskTarget.task_id.in_(task_ids),
                                                            TaskTarget.deleted.is_(False))))
    feedback = feedback_summaries(session, [t.id for t in targets])
    for t in targets:
        fb = feedback.get(t.id, FeedbackSummary())
        by_task[t.task_id].append(TargetProgress(
            id=t.id, region_code=t.region_code, status=t.status, assigned_region_code=t.assigned_region_code,
            assignee=t.assignee, handled_count=t.handled_count or 0, total_count=t.total_count or 0,
            feedback_count=fb.count, last_feedback_at=fb.last_at, last_feedback_text=fb.last_text))
    return by_task


class CatalogueEntry(BaseModel):
    id: str
    department_code: str
    name: str
    purpose: str
    fields: list[str]
    field_labels: list[str]
    state: str
    decision_note: str


@router.get("/catalogue", response_model=list[CatalogueEntry])
def request_catalogue(state: str | None = Query(default="approved", pattern="^(pending|approved|refused)$"),
                      department: str | None = Query(default=None, min_length=1, max_length=20),
                      who: Principal = Depends(require_roles("department", "city_admin")),
                      session: Session = Depends(db_session)) -> list[CatalogueEntry]:
    """报表准入 entries (approved ones by default): the fields a data-verification task of a
    department may request. A department user reads its own department's (naming another is
    refused); the city admin, who may issue a task for any department, reads every department's or,
    with `department`, the one it is issuing for."""
    if who.role == "department":
        if department not in (None, who.department_code):
            raise ApiError(403, "forbidden_scope")
        department = who.department_code or ""
    return [CatalogueEntry(id=e.id, department_code=e.department_code, name=e.name, purpose=e.purpose,
                           fields=list(e.fields or []),
                           field_labels=[REQUESTABLE_FIELDS.get(f, (f, f))[0] for f in e.fields or []],
                           state=e.state, decision_note=e.decision_note)
            for e in catalogue.entries(session, department, state)]


@router.get("/tasks", response_model=list[IssuedTask])
def issued_tasks(limit: int = Query(default=200, ge=1, le=1000), offset: int = Query(default=0, ge=0),
                 who: Principal = Depends(require_roles("department")),
                 session: Session = Depends(db_session)) -> list[IssuedTask]:
    tasks = list(session.scalars(
        select(Task).where(Task.department_code == who.department_code, Task.deleted.is_(False))
        .order_by(Task.issued_at.desc(), Task.id).limit(limit).offset(offset)))
    targets = _targets(session, [t.id for t in tasks])
    return [IssuedTask(id=t.id, task_no=t.task_no, title=t.title, kind=t.kind, priority=t.priority,
                       issued_at=t.issued_at, due_at=t.due_at, region_code=t.region_code,
                       targets=targets[t.id]) for t in tasks]


@router.get("/cases", response_model=list[EscalatedCase])
def escalated_cases(limit: int = Query(default=200, ge=1, le=1000), offset: int = Query(default=0, ge=0),
                    who: Principal = Depends(require_roles("department")),
                    session: Session = Depends(db_session)) -> list[EscalatedCase]:
    own = DepartmentView(session, who.department_code or "").own_case_ids()
    cases = session.scalars(select(Case).where(Case.id.in_(own), Case.deleted.is_(False))
                            .order_by(Case.registered_at.desc(), Case.id).limit(limit).offset(offset))
    return [EscalatedCase.model_validate({k: getattr(c, k) for k in EscalatedCase.model_fields}) for c in cases]
