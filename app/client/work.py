"""Read-only lists of the township's work for the desktop client: task targets (what departments
sent down, per township/village, with progress counted in households handled) and cases (with
status and overdue flags), paged for lazy views, plus the few counts the reports page shows.
The task and case workflows themselves are app/services' (part 2 of the client builds on them)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.rules.case_workflow import is_finished
from app.rules.task_rules import is_due_soon, is_overdue
from app.services.context import beijing_now
from db.models import Case, Region, Task, TaskTarget

if TYPE_CHECKING:
    from app.client.context import ClientContext

OPEN_TASK_STATUSES = ("10", "20")  # 未接收, 进行中 (30 已完成 and 40 已退回 are no longer being worked)


@dataclass(frozen=True)
class TaskRow:
    target_id: str
    task_no: str
    title: str
    department_code: str
    region_code: str
    region_name: str
    status: str
    due_at: dt.datetime
    handled: int
    total: int
    overdue: bool
    due_soon: bool


@dataclass(frozen=True)
class CaseRow:
    id: str
    case_no: str
    title: str
    category_code: str
    source: str
    region_code: str
    region_name: str
    status: int
    registered_at: dt.datetime
    deadline_on: dt.date | None
    overdue: bool


@dataclass(frozen=True)
class WorkSummary:
    open_tasks: int
    overdue_tasks: int
    open_cases: int
    overdue_cases: int
    closed_cases: int


class WorkDesk:
    def __init__(self, context: ClientContext) -> None:
        self._context = context

    @property
    def scope(self) -> str:
        return self._context.actor.scope

    def tasks_page(self, offset: int, limit: int) -> list[TaskRow]:
        return self._context.read(lambda s: _task_rows(s, self.scope, offset, limit, beijing_now()))

    def cases_page(self, offset: int, limit: int) -> list[CaseRow]:
        return self._context.read(lambda s: _case_rows(s, self.scope, offset, limit, beijing_now().date()))

    def summary(self) -> WorkSummary:
        return self._context.read(lambda s: _summary(s, self.scope, beijing_now()))


def _task_rows(session: Session, scope: str, offset: int, limit: int, now: dt.datetime) -> list[TaskRow]:
    stmt = (select(TaskTarget, Task, Region.name).join(Task, Task.id == TaskTarget.task_id)
            .outerjoin(Region, Region.code == TaskTarget.region_code)
            .where(TaskTarget.region_code.startswith(scope), TaskTarget.deleted.is_(False), Task.deleted.is_(False))
            .order_by(TaskTarget.status, Task.due_at, TaskTarget.id).offset(offset).limit(limit))
    return [TaskRow(t.id, task.task_no, task.title, task.department_code, t.region_code, name or t.region_code,
                    t.status, task.due_at, t.handled_count, t.total_count, is_overdue(t.status, task.due_at, now),
                    is_due_soon(t.status, task.due_at, now))
            for t, task, name in session.execute(stmt)]


def _case_rows(session: Session, scope: str, offset: int, limit: int, today: dt.date) -> list[CaseRow]:
    stmt = (select(Case, Region.name).outerjoin(Region, Region.code == Case.region_code)
            .where(Case.region_code.startswith(scope), Case.deleted.is_(False))
            .order_by(Case.status, Case.deadline_on, Case.id).offset(offset).limit(limit))
    return [CaseRow(c.id, c.case_no, c.title, c.category_code, c.source, c.region_code, name or c.region_code,
                    c.status, c.registered_at, c.deadline_on,
                    bool(c.deadline_on and today > c.deadline_on and not is_finished(c.status)))
            for c, name in session.execute(stmt)]


def _summary(session: Session, scope: str, now: dt.datetime) -> WorkSummary:
    targets = session.execute(select(TaskTarget.status, Task.due_at).join(Task, Task.id == TaskTarget.task_id)
                              .where(TaskTarget.region_code.startswith(scope), TaskTarget.deleted.is_(False))).all()
    open_targets = [(status, due) for status, due in targets if status in OPEN_TASK_STATUSES]
    open_tasks = len(open_targets)
    overdue_tasks = sum(1 for status, due in open_targets if is_overdue(status, due, now))
    live = (Case.region_code.startswith(scope), Case.deleted.is_(False))
    open_cases = session.scalar(select(func.count()).select_from(Case).where(*live, Case.status < 70)) or 0
    closed = session.scalar(select(func.count()).select_from(Case).where(*live, Case.status >= 70)) or 0
    overdue_cases = session.scalar(select(func.count()).select_from(Case).where(
        *live, Case.status < 70, Case.deadline_on < now.date())) or 0
    return WorkSummary(open_tasks, overdue_tasks, open_cases, overdue_cases, closed)
