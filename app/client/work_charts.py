"""Figures behind the dashboard's charts (工作台): cases by top-level category and by status, task
targets by department (open, done, overdue), the on-time rates of completed tasks and closed cases,
and today's due and overdue tasks with the households overdue for a visit. Counted in SQL in the
actor's scope (a department: its own tasks and the cases escalated to it) returned as frozen
dataclasses; the painting is the UI's."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import and_, case, func, select

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
    key: object = None  # what the label names (a case status), for the UI to name it in its language

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


class WorkChartsDesk:
    def __init__(self, context: ClientContext, clock=beijing_now) -> None:
        self._context = context
        self._clock = clock

    def charts(self) -> WorkCharts:
        """Every figure but the visits, counted in SQL (a full township has 8,000 cases)."""
        actor, now = self._context.actor, self._clock()
        book = self._context.register.code_book()
        categories = {e.code: e.label for e in book.entries("case_category", include_inactive=True)}
        departments = {e.code: e.label for e in book.entries("department", include_inactive=True)}
        cases = self._context.read(lambda s: _case_figures(s, actor))
        targets = self._context.read(lambda s: _target_figures(s, actor, now))
        return WorkCharts(
            cases_by_category=_by_category(cases["category"], categories),
            cases_by_status=tuple(Bar(wf.status_label(status), (count,), status) for status, count in cases["status"]),
            tasks_by_department=_by_department(targets["department"], departments),
            task_rate=targets["rate"], case_rate=cases["rate"],
            tasks_due_today=targets["due_today"], tasks_overdue=targets["overdue"])

    def visits_overdue(self) -> int:
        """Households overdue for a visit (the register's rule); the slowest figure, asked apart so
        the charts do not wait for it. Department users never hold the register: 0."""
        actor = self._context.actor
        if actor.role not in REGISTER_WRITERS:
            return 0
        return HouseholdService(self._context.sessions, actor, self._clock).visits_overdue_count()


def _case_reach(actor) -> list:
    reach = [~Case.deleted, Case.region_code.like(actor.scope[:12] + "%")]
    if len(actor.scope) > 12:
        reach.append(Case.grid_code.like(actor.scope + "%"))
    if actor.role == DEPARTMENT:
        reach.append(Case.escalated_to == actor.department_code)
    return reach


def _case_figures(session, actor) -> dict:
    reach = _case_reach(actor)
    finished = Case.status >= int(wf.FINISHED_FROM)
    top = func.substr(Case.category_code, 1, 2)
    by_category = session.execute(select(top, finished, func.count()).where(*reach).group_by(top, finished)).all()
    by_status = session.execute(select(Case.status, func.count()).where(*reach).group_by(Case.status)
                                .order_by(Case.status)).all()
    closed = Case.closed_at.is_not(None)
    # Dates are ISO text in the client's SQLite file, so date(closed_at) compares with deadline_on.
    on_time = and_(closed, Case.deadline_on.is_not(None), func.date(Case.closed_at) <= Case.deadline_on)
    rate = session.execute(select(func.sum(case((on_time, 1), else_=0)), func.sum(case((closed, 1), else_=0)))
                           .where(*reach)).one()
    return {"category": [(code, bool(done), count) for code, done, count in by_category],
            "status": [(int(status), count) for status, count in by_status],
            "rate": Rate(int(rate[0] or 0), int(rate[1] or 0))}


def _target_figures(session, actor, now: dt.datetime) -> dict:
    query = select(Task.department_code, TaskTarget.status, Task.due_at < now,
                   func.date(Task.due_at) == now.date().isoformat(),
                   func.sum(case((TaskTarget.completed_at <= Task.due_at, 1), else_=0)), func.count())
    query = query.join(Task, Task.id == TaskTarget.task_id).where(~TaskTarget.deleted, ~Task.deleted)
    if actor.role == DEPARTMENT:
        query = query.where(Task.department_code == actor.department_code)
    else:
        prefix = actor.scope[:12] + "%"
        query = query.where(TaskTarget.region_code.like(prefix) | TaskTarget.assigned_region_code.like(prefix))
    rows = session.execute(query.group_by(Task.department_code, TaskTarget.status, Task.due_at < now,
                                          func.date(Task.due_at) == now.date().isoformat())).all()
    open_statuses = (tr.NOT_ACCEPTED, tr.IN_PROGRESS)
    completed = [r for r in rows if r[1] == tr.COMPLETED]
    return {
        "department": [(department, status, bool(past), count) for department, status, past, _t, _o, count in rows],
        "rate": Rate(sum(int(r[4] or 0) for r in completed), sum(r[5] for r in completed)),
        "due_today": sum(r[5] for r in rows if r[1] in open_statuses and r[3] and not r[2]),
        "overdue": sum(r[5] for r in rows if r[1] in open_statuses and r[2]),
    }


def _by_category(rows: list[tuple], labels: dict[str, str]) -> tuple[Bar, ...]:
    groups: dict[str, list[int]] = {}
    for top, finished, count in rows:
        groups.setdefault(top or "99", [0, 0])[1 if finished else 0] += count
    ordered = sorted(groups.items(), key=lambda kv: (-sum(kv[1]), kv[0]))
    return tuple(Bar(labels.get(code, code), tuple(values)) for code, values in ordered)


def _by_department(rows: list[tuple], labels: dict[str, str]) -> tuple[Bar, ...]:
    groups: dict[str, list[int]] = {}
    for department, status, past_due, count in rows:
        counts = groups.setdefault(department, [0, 0, 0])
        if status == tr.COMPLETED:
            counts[0] += count
        elif status in (tr.NOT_ACCEPTED, tr.IN_PROGRESS):
            counts[2 if past_due else 1] += count
    ordered = sorted(groups.items(), key=lambda kv: (-sum(kv[1]), kv[0]))
    return tuple(Bar(labels.get(code, code), tuple(values)) for code, values in ordered)
