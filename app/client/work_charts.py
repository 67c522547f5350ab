"""Figures behind the dashboard's charts (工作台): cases by top-level category and by status, task
targets by department (open, done, overdue), the on-time rates of completed tasks and closed cases,
and today's due and overdue tasks with the households overdue for a visit. Plain counts in the
actor's scope (a department: its own tasks and the cases escalated to it) returned as frozen
dataclasses; the painting is the UI's."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from app.rules import case_workflow as wf
from app.rules import task_rules as tr
from app.services.context import DEPARTMENT, REGISTER_WRITERS, beijing_now
from app.services.households import HouseholdService
from db.models import Case, Task, TaskTarget

if TYPE_CHECKING:
    from app.client.context import ClientContext


@dataclass(frozen=True)
class Bar:
    label: str
    values: tuple[int, ...]  # one value per series (stacked)

    @property
    def total(self) -> int:
        return sum(self.values)


@dataclass(frozen=True)
class Rate:
    on_time: int
    finished: int

    @property
    def percent(self) -> float | None:
        return 100.0 * self.on_time / self.finished if self.finished else None


@dataclass(frozen=True)
class WorkCharts:
    cases_by_category: tuple[Bar, ...]  # series: open, finished
    cases_by_status: tuple[Bar, ...]  # series: count
    tasks_by_department: tuple[Bar, ...]  # series: done, open, overdue
    task_rate: Rate
    case_rate: Rate
    tasks_due_today: int
    tasks_overdue: int
    visits_overdue: int


class WorkChartsDesk:
    def __init__(self, context: ClientContext, clock=beijing_now) -> None:
        self._context = context
        self._clock = clock

    def charts(self) -> WorkCharts:
        actor = self._context.actor
        book = self._context.register.code_book()
        now = self._clock()
        categories = {e.code: e.label_zh for e in book.entries("case_category", include_inactive=True)}
        departments = {e.code: e.label_zh for e in book.entries("department", include_inactive=True)}
        cases = self._context.read(lambda s: _case_rows(s, actor))
        targets = self._context.read(lambda s: _target_rows(s, actor))
        visits = 0
        if actor.role in REGISTER_WRITERS:
            visits = len(HouseholdService(self._context.sessions, actor, self._clock).visits_due(limit=100_000))
        open_targets = [t for t in targets if t[1] in (tr.NOT_ACCEPTED, tr.IN_PROGRESS)]
        return WorkCharts(
            cases_by_category=_by_category(cases, categories),
            cases_by_status=tuple(Bar(wf.status_label(status), (count,)) for status, count in sorted(
                _count(case[1] for case in cases).items())),
            tasks_by_department=_by_department(targets, departments, now),
            task_rate=Rate(sum(1 for t in targets if t[1] == tr.COMPLETED and t[3] and t[3] <= t[2]),
                           sum(1 for t in targets if t[1] == tr.COMPLETED)),
            case_rate=Rate(sum(1 for c in cases if c[3] and c[4] and c[3].date() <= c[4]),
                           sum(1 for c in cases if c[3])),
            tasks_due_today=sum(1 for t in open_targets if t[2].date() == now.date() and t[2] >= now),
            tasks_overdue=sum(1 for t in open_targets if t[2] < now),
            visits_overdue=visits,
        )


def _case_rows(session, actor) -> list[tuple]:
    """(category, status, escalated_to, closed_at, deadline_on) of the live cases in scope."""
    query = select(Case.category_code, Case.status, Case.escalated_to, Case.closed_at, Case.deadline_on).where(
        ~Case.deleted, Case.region_code.like(actor.scope[:12] + "%"))
    if actor.role == DEPARTMENT:
        query = query.where(Case.escalated_to == actor.department_code)
    return [tuple(row) for row in session.execute(query)]


def _target_rows(session, actor) -> list[tuple]:
    """(department, status, due_at, completed_at) of the live task targets the actor reaches."""
    query = (select(Task.department_code, TaskTarget.status, Task.due_at, TaskTarget.completed_at)
             .join(Task, Task.id == TaskTarget.task_id).where(~TaskTarget.deleted, ~Task.deleted))
    if actor.role == DEPARTMENT:
        query = query.where(Task.department_code == actor.department_code)
    else:
        prefix = actor.scope[:12] + "%"
        query = query.where(TaskTarget.region_code.like(prefix) | TaskTarget.assigned_region_code.like(prefix))
    return [tuple(row) for row in session.execute(query)]


def _count(values) -> dict:
    counts: dict = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts


def _by_category(cases: list[tuple], labels: dict[str, str]) -> tuple[Bar, ...]:
    groups: dict[str, list[int]] = {}
    for category, status, *_rest in cases:
        top = (category or "99")[:2]
        counts = groups.setdefault(top, [0, 0])
        counts[1 if wf.is_finished(status) else 0] += 1
    ordered = sorted(groups.items(), key=lambda kv: (-sum(kv[1]), kv[0]))
    return tuple(Bar(labels.get(code, code), tuple(values)) for code, values in ordered)


def _by_department(targets: list[tuple], labels: dict[str, str], now: dt.datetime) -> tuple[Bar, ...]:
    groups: dict[str, list[int]] = {}
    for department, status, due_at, _completed in targets:
        counts = groups.setdefault(department, [0, 0, 0])
        if status == tr.COMPLETED:
            counts[0] += 1
        elif status in (tr.NOT_ACCEPTED, tr.IN_PROGRESS):
            counts[2 if tr.is_overdue(status, due_at, now) else 1] += 1
    ordered = sorted(groups.items(), key=lambda kv: (-sum(kv[1]), kv[0]))
    return tuple(Bar(labels.get(code, code), tuple(values)) for code, values in ordered)
