"""The headline figures of the township's work for the reports page: open and overdue tasks (per
township/village target) and open, overdue and closed cases within the actor's scope. The task and
case desks themselves read through app/client/work_desk.py and the services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.client.browse import scoped
from app.rules.task_rules import is_overdue
from app.services.context import beijing_now
from db.models import Case, Task, TaskTarget

if TYPE_CHECKING:
    from app.client.context import ClientContext

OPEN_TASK_STATUSES = ("10", "20")  # 未接收, 进行中 (30 已完成 and 40 已退回 are no longer being worked)


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

    def summary(self) -> WorkSummary:
        return self._context.read(lambda s: _summary(s, self.scope, beijing_now()))


def _summary(session: Session, scope: str, now: dt.datetime) -> WorkSummary:
    targets = session.execute(select(TaskTarget.status, Task.due_at).join(Task, Task.id == TaskTarget.task_id)
                              .where(scoped(TaskTarget, scope), TaskTarget.deleted.is_(False))).all()
    open_targets = [(status, due) for status, due in targets if status in OPEN_TASK_STATUSES]
    open_tasks = len(open_targets)
    overdue_tasks = sum(1 for status, due in open_targets if is_overdue(status, due, now))
    live = (scoped(Case, scope), Case.deleted.is_(False))
    open_cases = session.scalar(select(func.count()).select_from(Case).where(*live, Case.status < 70)) or 0
    closed = session.scalar(select(func.count()).select_from(Case).where(*live, Case.status >= 70)) or 0
    overdue_cases = session.scalar(select(func.count()).select_from(Case).where(
        *live, Case.status < 70, Case.deadline_on < now.date())) or 0
    return WorkSummary(open_tasks, overdue_tasks, open_cases, overdue_cases, closed)
