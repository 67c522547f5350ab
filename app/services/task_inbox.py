"""The task inbox over every target the actor reaches, read page by page: four groups a clerk works
through — 今日到期 (open, due before midnight), 已超期 (open, past due), 进行中 (open, due later)
and 已完成 (completed or returned) — with their true counts, nearest deadline first, searched by
title, task number or department name and filtered by department, village, status and kind.

Each page and each count is one indexed SQL statement over the targets joined to their tasks, so
the first page and a search cost the same whether the inbox holds 50 targets or 50,000; nothing
here caps the list."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import Join

from app.rules import task_rules as tr
from app.services.context import DEPARTMENT, code_book
from app.services.tasks import TargetView, TaskService, target_view
from db.models import Task, TaskTarget

DUE_TODAY, OVERDUE, OPEN, DONE, ALL = "due_today", "overdue", "open", "done", "all"
GROUPS = (DUE_TODAY, OVERDUE, OPEN, DONE)
GROUP_LABELS = {DUE_TODAY: "今日到期", OVERDUE: "已超期", OPEN: "进行中", DONE: "已完成", ALL: "全部"}
_OPEN_STATUSES = (tr.NOT_ACCEPTED, tr.IN_PROGRESS)
_DONE_STATUSES = (tr.COMPLETED, tr.RETURNED)
DONE_CAP = 1000  # a search shows at most "1000+" finished targets: counting them all would cost the keystroke


@dataclass(frozen=True)
class InboxQuery:
    """What the inbox shows: a group, the search text and the filters ("" or None = any)."""

    group: str = ALL
    text: str = ""
    department_code: str | None = None
    village_code: str | None = None
    status: str | None = None
    kind: str | None = None

    def with_group(self, group: str) -> InboxQuery:
        return replace(self, group=group)


class DeadlineFirst(Join):
    """tasks JOIN task_targets that SQLite must read tasks-first (CROSS JOIN fixes the loop order):
    walking the tasks' due_at index stops after one page, where the planner's own choice sorted
    every target first."""

    inherit_cache = True


@compiles(DeadlineFirst, "sqlite")
def _deadline_first(element, compiler, **kw) -> str:
    return compiler.visit_join(element, **kw).replace(" JOIN ", " CROSS JOIN ", 1)


class TaskInbox(TaskService):
    """Counts and pages of the targets the actor reaches (a department: every target of its tasks)."""

    _departments: dict[str, str] | None = None

    def counts(self, query: InboxQuery) -> dict[str, int]:
        """Targets per group under the search and filters (the group in `query` is ignored). The
        open groups are counted exactly; 已完成 too, unless a search or a task-level filter leaves
        more than `DONE_CAP` of them (then `capped` is 1 and the count reads DONE_CAP)."""
        now = self.now()
        tomorrow = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time())
        sums = [func.coalesce(func.sum(case((condition, 1), else_=0)), 0) for condition in (
            and_(Task.due_at >= now, Task.due_at < tomorrow), Task.due_at < now, Task.due_at >= tomorrow)]
        with self._read() as session:
            open_where = self._conditions(session, query.with_group(ALL)) + [TaskTarget.status.in_(_OPEN_STATUSES)]
            due_today, overdue, later = session.execute(
                select(*sums).select_from(TaskTarget).join(Task, Task.id == TaskTarget.task_id).where(*open_where)).one()
            narrowed = bool(query.text.strip() or query.department_code or query.kind or self.actor.role == DEPARTMENT)
            done = session.scalar(self._done_count(session, query, narrowed))
        counts = {DUE_TODAY: int(due_today), OVERDUE: int(overdue), OPEN: int(later), DONE: min(int(done), DONE_CAP)
                  if narrowed else int(done)}
        counts[ALL] = sum(counts.values())
        counts["capped"] = int(narrowed and done > DONE_CAP)
        return counts

    def page(self, query: InboxQuery, offset: int, limit: int) -> list[TargetView]:
        """One page of the group, nearest deadline first (past ones: the most recently due first).
        Read from the tasks in deadline order (their due_at index) into their targets, so a page
        costs the rows it shows, not a sort of every target."""
        with self._read() as session:
            where = self._conditions(session, query)
            order = (Task.due_at.desc(),) if query.group in (OVERDUE, DONE) else (Task.due_at,)
            joined = DeadlineFirst(Task.__table__, TaskTarget.__table__, TaskTarget.task_id == Task.id)
            rows = session.execute(select(TaskTarget, Task).select_from(joined).where(*where)
                                   .order_by(*order, TaskTarget.id).offset(offset).limit(limit)).all()
            now = self.now()
            calendar = self.calendar(session)
            return [target_view(target, task, now, calendar) for target, task in rows]

    def _done_count(self, session: Session, query: InboxQuery, narrowed: bool):
        """Finished targets: from the status index alone when only target filters apply; walking the
        tasks (newest deadline first) up to DONE_CAP + 1 when a task-level filter narrows them."""
        if not narrowed:
            deleted_tasks = select(Task.id).where(Task.deleted)
            return select(func.count()).select_from(TaskTarget).where(
                *self._conditions(session, query, tasks=False), TaskTarget.task_id.not_in(deleted_tasks))
        # Tasks first (their covering search index holds title and number), each into its targets by
        # task_id; no order is needed to count up to the cap, so the walk stops at DONE_CAP + 1.
        joined = DeadlineFirst(Task.__table__, TaskTarget.__table__, TaskTarget.task_id == Task.id)
        rows = (select(TaskTarget.id).select_from(joined).where(*self._conditions(session, query.with_group(DONE)))
                .limit(DONE_CAP + 1))
        return select(func.count()).select_from(rows.subquery())

    def group_of(self, view: TargetView) -> str:
        """The group a target is listed in now."""
        now = self.now()
        if view.status in _DONE_STATUSES:
            return DONE
        if view.due_at < now:
            return OVERDUE
        return DUE_TODAY if view.due_at.date() == now.date() else OPEN

    # -- the WHERE clause ------------------------------------------------------------------------
    def _conditions(self, session: Session, query: InboxQuery, tasks: bool = True) -> list:
        """The WHERE clause of a query; `tasks=False` keeps only what the target row answers (for
        the 已完成 count without the join, when no task-level filter applies)."""
        where = [~TaskTarget.deleted, *self._target_filters(query)]
        if not tasks:
            return [*where, *self._reach(), TaskTarget.status.in_(_DONE_STATUSES)]
        where += [~Task.deleted, *self._reach(), *self._group(query.group)]
        if query.department_code:
            where.append(Task.department_code == query.department_code)
        if query.kind:
            where.append(Task.kind == query.kind)
        text = query.text.strip()
        if text:
            where.append(self._matching(session, text))
        return where

    @staticmethod
    def _target_filters(query: InboxQuery) -> list:
        where = []
        if query.village_code:
            where.append(or_(TaskTarget.region_code == query.village_code,
                             TaskTarget.assigned_region_code == query.village_code))
        if query.status:
            where.append(TaskTarget.status == query.status)
        return where

    def _reach(self) -> list:
        if self.actor.role == DEPARTMENT:
            return [Task.department_code == self.actor.department_code]
        scope = self.actor.scope[:12]
        if not scope:
            return []
        return [or_(TaskTarget.region_code.startswith(scope), TaskTarget.assigned_region_code.startswith(scope))]

    def _group(self, group: str) -> list:
        now = self.now()
        tomorrow = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time())
        is_open = TaskTarget.status.in_(_OPEN_STATUSES)
        return {
            DUE_TODAY: [is_open, Task.due_at >= now, Task.due_at < tomorrow],
            OVERDUE: [is_open, Task.due_at < now],
            OPEN: [is_open, Task.due_at >= tomorrow],
            DONE: [TaskTarget.status.in_(_DONE_STATUSES)],
        }.get(group, [])

    def _matching(self, session: Session, text: str):
        """Title or task number containing the text, or a department whose name contains it."""
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        departments = [code for code, label in self._department_labels(session).items() if text in label]
        matches = [Task.title.like(pattern, escape="\\"), Task.task_no.like(pattern, escape="\\")]
        if departments:
            matches.append(Task.department_code.in_(departments))
        return or_(*matches) if matches else literal(False)

    def _department_labels(self, session: Session) -> dict[str, str]:
        if self._departments is None:
            book = code_book(session, self.actor.scope)
            self._departments = {e.code: e.label_zh for e in book.entries("department", include_inactive=True)}
        return self._departments
