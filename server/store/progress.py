"""The department progress grid as a summary the push keeps current (`ProgressCount`: live targets per
department, township, status and task deadline).

A push remembers, the first time it touches a task or a target, what the record was before
(`Tracker.before`); when it finishes (after its rows are flushed, before the sequence numbers are
taken) it reads the current state of every target concerned — the touched targets and all targets
of touched tasks — and adds the difference between the counts they make now and the counts they
made before, as `targets = targets + delta` upserts in key order (no lost update between concurrent
pushes, no deadlock among them). A task whose deadline, department or deletion changes thus moves
its targets' counts in the same transaction.

Rows written outside the push (seed-demo's bulk load, adopted afterwards) are counted by `rebuild`,
which the migration that made the table and `server.adopt` run; `scanned_grid_counts` is the same
figure grouped from the targets, which the tests hold the summary to."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from sqlalchemy import and_, case, delete, func, insert, select, tuple_
from sqlalchemy.orm import Session

from db.models import Task, TaskTarget
from server.store.common import _chunks, insert_for
from server.store.tables import ProgressCount

TOWNSHIP_DIGITS = 9
COMPLETED = "30"
Key = tuple[str, str, str, dt.datetime]  # department, township, status, due
TaskState = tuple[str, dt.datetime, bool]  # department, due, deleted
TargetState = tuple[str, str, str, bool]  # task id, region, status, deleted


def _task_state(task: Task | None) -> TaskState | None:
    return None if task is None else (task.department_code, task.due_at, bool(task.deleted))


def _target_state(target: TaskTarget | None) -> TargetState | None:
    return None if target is None else (target.task_id, target.region_code or "", target.status or "",
                                        bool(target.deleted))


def _key(task: TaskState | None, target: TargetState | None) -> Key | None:
    if task is None or target is None or task[2] or target[3] or task[1] is None:
        return None
    return (task[0] or "", target[1][:TOWNSHIP_DIGITS], target[2], task[1])


class Tracker:
    """What one push changed of tasks and targets, as their state before it."""

    def __init__(self) -> None:
        self.tasks: dict[str, TaskState | None] = {}
        self.targets: dict[str, TargetState | None] = {}

    def before(self, entity: str, record_id: str, record: Any) -> None:
        """Called before the push writes `record` (None: a new one); only the first call counts."""
        if entity == "task" and record_id not in self.tasks:
            self.tasks[record_id] = _task_state(record)
        elif entity == "task_target" and record_id not in self.targets:
            self.targets[record_id] = _target_state(record)

    def apply(self, session: Session) -> None:
        """Add this push's difference to the summary (the push's rows flushed already)."""
        if not self.tasks and not self.targets:
            return
        now_targets: dict[str, TargetState] = {}
        for part in _chunks(sorted(self.targets)):
            now_targets.update((row[0], tuple(row[1:])) for row in session.execute(  # type: ignore[misc]
                select(TaskTarget.id, TaskTarget.task_id, TaskTarget.region_code, TaskTarget.status,
                       TaskTarget.deleted).where(TaskTarget.id.in_(part))))
        for part in _chunks(sorted(self.tasks)):
            now_targets.update((row[0], tuple(row[1:])) for row in session.execute(  # type: ignore[misc]
                select(TaskTarget.id, TaskTarget.task_id, TaskTarget.region_code, TaskTarget.status,
                       TaskTarget.deleted).where(TaskTarget.task_id.in_(part))))
        task_ids = {state[0] for state in now_targets.values()} | {
            state[0] for state in self.targets.values() if state is not None}
        now_tasks: dict[str, TaskState] = {}
        for part in _chunks(sorted(task_ids)):
            now_tasks.update((row[0], (row[1], row[2], bool(row[3]))) for row in session.execute(
                select(Task.id, Task.department_code, Task.due_at, Task.deleted).where(Task.id.in_(part))))
        delta: Counter[Key] = Counter()
        for target_id, now in now_targets.items():
            was = self.targets.get(target_id, now)  # a target not touched itself: as it is
            if was is not None:
                was_task = self.tasks[was[0]] if was[0] in self.tasks else now_tasks.get(was[0])
                if (old := _key(was_task, was)) is not None:
                    delta[old] -= 1
            if (new := _key(now_tasks.get(now[0]), now)) is not None:
                delta[new] += 1
        _add(session, {key: n for key, n in delta.items() if n})


def _add(session: Session, delta: dict[Key, int]) -> None:
    if not delta:
        return
    rows = [dict(department_code=k[0], township=k[1], status=k[2], due_at=k[3], targets=n)
            for k, n in sorted(delta.items())]
    statement = insert_for(session, ProgressCount)
    session.execute(statement.on_conflict_do_update(
        index_elements=["department_code", "township", "status", "due_at"],
        set_={"targets": ProgressCount.targets + statement.excluded.targets}), rows)
    emptied = [k for k, n in delta.items() if n < 0]
    for part in _chunks(emptied):
        session.execute(delete(ProgressCount).where(
            tuple_(ProgressCount.department_code, ProgressCount.township, ProgressCount.status,
                   ProgressCount.due_at).in_(part), ProgressCount.targets <= 0))


def _grouped():
    township = func.substr(TaskTarget.region_code, 1, TOWNSHIP_DIGITS)
    return (select(Task.department_code, township, TaskTarget.status, Task.due_at, func.count())
            .select_from(TaskTarget).join(Task, and_(Task.id == TaskTarget.task_id, Task.deleted.is_(False)))
            .where(TaskTarget.deleted.is_(False))
            .group_by(Task.department_code, township, TaskTarget.status, Task.due_at))


def rebuild(session: Session) -> None:
    """Count the summary again from the targets (rows written outside the push)."""
    session.flush()
    session.execute(delete(ProgressCount))
    session.execute(insert(ProgressCount).from_select(
        ["department_code", "township", "status", "due_at", "targets"], _grouped()))


def grid_counts(session: Session, department_code: str, now: dt.datetime) -> list[tuple[str, str, int, int]]:
    """(township, status, targets, overdue targets) of the department, from the summary."""
    overdue = case((and_(ProgressCount.status != COMPLETED, ProgressCount.due_at < now), ProgressCount.targets),
                   else_=0)
    return [(t, s, int(n), int(o or 0)) for t, s, n, o in session.execute(
        select(ProgressCount.township, ProgressCount.status, func.sum(ProgressCount.targets), func.sum(overdue))
        .where(ProgressCount.department_code == department_code)
        .group_by(ProgressCount.township, ProgressCount.status)) if n]


def scanned_grid_counts(session: Session, department_code: str, now: dt.datetime) -> list[tuple[str, str, int, int]]:
    """The same figures grouped from the targets themselves (the reference the summary must equal)."""
    township = func.substr(TaskTarget.region_code, 1, TOWNSHIP_DIGITS)
    overdue = func.sum(case((and_(TaskTarget.status != COMPLETED, Task.due_at < now), 1), else_=0))
    return [(t, s, int(n), int(o or 0)) for t, s, n, o in session.execute(
        select(township, TaskTarget.status, func.count(), overdue).select_from(TaskTarget)
        .join(Task, and_(Task.id == TaskTarget.task_id, Task.department_code == department_code,
                         Task.deleted.is_(False)))
        .where(TaskTarget.deleted.is_(False)).group_by(township, TaskTarget.status))]
