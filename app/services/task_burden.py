"""千条线 burden view for a township: how much department work lands on each village, week by week,
and which lines (threads) it comes down on. A thread is one department's repeated work on one topic
(app.rules.task_threads): ten "低保对象家庭情况核查" batches are one line, not ten.

Read in one SQL statement over the targets of the tasks issued in the window (found through the
deadline index, since a task falls due after it is issued), grouped by task and
village (a target handed on to a village counts for that village; one still at the township counts
for 乡镇本级), then folded into weeks and threads here. Weeks start on Monday."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import case, func, select

from app.rules import task_rules as tr
from app.rules.task_threads import thread_key
from app.services.task_inbox import DeadlineFirst, TaskInbox
from db.models import Region, Task, TaskTarget

TOWNSHIP_ROW = "乡镇本级"


@dataclass(frozen=True)
class Thread:
    department_code: str
    department_label: str
    topic: str
    tasks: int  # tasks issued in the window on this line
    targets: int  # their copies in scope
    open_targets: int  # not yet completed or returned
    overdue_targets: int
    first_issued: dt.datetime
    last_issued: dt.datetime


@dataclass(frozen=True)
class BurdenRow:
    region_code: str  # the village, or the township for work still at its level
    name: str
    tasks: tuple[int, ...]  # tasks landing per week (weeks in Burden.weeks order)
    threads: tuple[int, ...]  # distinct lines those tasks came down on, per week
    total_tasks: int
    total_threads: int


@dataclass(frozen=True)
class Burden:
    weeks: tuple[dt.date, ...]  # Mondays, oldest first
    rows: tuple[BurdenRow, ...]  # the heaviest villages first
    threads: tuple[Thread, ...]  # most tasks first


class TaskBurden(TaskInbox):
    """The burden of the actor's scope over the last `weeks` weeks (this one included)."""

    def burden(self, weeks: int = 8) -> Burden:
        weeks = max(1, min(int(weeks), 26))
        now = self.now()
        this_monday = now.date() - dt.timedelta(days=now.date().weekday())
        mondays = tuple(this_monday - dt.timedelta(weeks=n) for n in range(weeks - 1, -1, -1))
        since = dt.datetime.combine(mondays[0], dt.time())
        place = func.coalesce(TaskTarget.assigned_region_code, TaskTarget.region_code)
        is_open = TaskTarget.status.in_((tr.NOT_ACCEPTED, tr.IN_PROGRESS))
        with self._read() as session:
            rows = session.execute(
                select(Task.id, Task.department_code, Task.title, Task.issued_at, place, func.count(),
                       func.sum(case((is_open, 1), else_=0)),
                       func.sum(case((is_open & (Task.due_at < now), 1), else_=0)))
                .select_from(DeadlineFirst(Task.__table__, TaskTarget.__table__, TaskTarget.task_id == Task.id))
                # due after issue: the deadline index finds the window's tasks, then each its targets
                .where(~TaskTarget.deleted, ~Task.deleted, Task.due_at >= since, Task.issued_at >= since,
                       *self._reach())
                .group_by(Task.id, place)).all()
            names = dict(session.execute(select(Region.code, Region.name).where(
                Region.code.in_({row[4] for row in rows}))).all()) if rows else {}
            departments = self._department_labels(session)
        return _fold(rows, mondays, names, departments)


def _fold(rows, mondays: tuple[dt.date, ...], names: dict[str, str], departments: dict[str, str]) -> Burden:
    index = {monday: n for n, monday in enumerate(mondays)}
    tasks: dict[str, list[set]] = defaultdict(lambda: [set() for _ in mondays])
    lines: dict[str, list[set]] = defaultdict(lambda: [set() for _ in mondays])
    threads: dict[tuple[str, str], dict] = {}
    for task_id, department, title, issued_at, place, targets, open_targets, overdue in rows:
        week = index.get(issued_at.date() - dt.timedelta(days=issued_at.weekday()))
        key = thread_key(department, title)
        if week is not None:
            tasks[place][week].add(task_id)
            lines[place][week].add(key)
        line = threads.setdefault(key, {"tasks": set(), "targets": 0, "open": 0, "overdue": 0,
                                        "first": issued_at, "last": issued_at})
        line["tasks"].add(task_id)
        line["targets"] += targets
        line["open"] += int(open_targets or 0)
        line["overdue"] += int(overdue or 0)
        line["first"], line["last"] = min(line["first"], issued_at), max(line["last"], issued_at)
    burden_rows = []
    for place, per_week in tasks.items():
        name = names.get(place, place) if len(place) == 12 and not place.endswith("000") else TOWNSHIP_ROW
        burden_rows.append(BurdenRow(place, name, tuple(len(w) for w in per_week),
                                     tuple(len(w) for w in lines[place]), len(set().union(*per_week)),
                                     len(set().union(*lines[place]))))
    burden_rows.sort(key=lambda r: (-r.total_tasks, r.region_code))
    listed = [Thread(department, departments.get(department, department), topic, len(v["tasks"]), v["targets"],
                     v["open"], v["overdue"], v["first"], v["last"]) for (department, topic), v in threads.items()]
    listed.sort(key=lambda t: (-t.tasks, -t.open_targets, t.department_code, t.topic))
    return Burden(mondays, tuple(burden_rows), tuple(listed))
