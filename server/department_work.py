"""What a department (条) follows of the work it sent down, read for its API desk and its console:
each task's targets with their progress and last feedback; the township × status grid across all
its targets (overdue counted apart); a filtered list of targets, overdue first; one target's
feedback with the 一表通 answers limited to the fields the task requested, and the files attached to
the target or its feedback; one task's answers across its targets, a row per person answered. Only rows of the department's own tasks are read — never the register."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import and_, func, literal, literal_column, or_, select
from sqlalchemy.orm import Session

from db.models import Attachment, Region, Task, TaskFeedback, TaskTarget
from server.models import User
from server.store import progress

STATUSES = ("10", "20", "30", "40")  # 未接收, 进行中, 已完成, 已退回
COMPLETED = "30"
COMPLETED_SQL = literal_column(f"'{COMPLETED}'")  # written into the SQL: see _bounded
# Tasks per look-up when a page walks the department's tasks in due order: a few first (a task sent
# to every township fills a page alone), doubling while the page is not full.
FIRST_CHUNK, MAX_CHUNK = 4, 256


@dataclass(frozen=True)
class FeedbackSummary:
    count: int = 0
    last_at: dt.datetime | None = None
    last_text: str | None = None


def from_below(department_code: str):
    """Feedback the township or village gave — not the department's own 催办 entries (a reminder is a
    feedback entry written by one of the department's users, server.task_issue.remind_target)."""
    return TaskFeedback.author.not_in(select(User.username).where(User.department_code == department_code))


def feedback_summaries(session: Session, target_ids: list[str]) -> dict[str, FeedbackSummary]:
    """Per target: how many feedback entries, and the latest one's time and text."""
    found: dict[str, FeedbackSummary] = {}
    if not target_ids:
        return found
    for fb in session.scalars(select(TaskFeedback).where(TaskFeedback.target_id.in_(target_ids))
                              .order_by(TaskFeedback.at)):
        before = found.get(fb.target_id, FeedbackSummary())
        found[fb.target_id] = FeedbackSummary(before.count + 1, fb.at, fb.text)
    return found


def region_names(session: Session, codes: set[str]) -> dict[str, str]:
    """Names of 9-digit township and 12-digit village codes (regions are keyed by 12 or 15 digits)."""
    padded = {code: code.ljust(12, "0") for code in codes if code}
    if not padded:
        return {}
    names = dict(session.execute(select(Region.code, Region.name).where(Region.code.in_(set(padded.values())))).all())
    return {code: names.get(full, code) for code, full in padded.items()}


@dataclass
class GridRow:
    township: str
    name: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    overdue: int = 0
    total: int = 0


def progress_grid(session: Session, department_code: str, now: dt.datetime) -> list[GridRow]:
    """One row per township with the department's targets there: counts by status and overdue
    (not completed, past due), the townships with most overdue first. Read from the summary the push
    keeps current (server/store/progress.py), so it is computed fresh on every load."""
    rows: dict[str, GridRow] = {}
    for code, status, count, late in progress.grid_counts(session, department_code, now):
        row = rows.setdefault(code, GridRow(code))
        row.counts[status] = row.counts.get(status, 0) + count
        row.overdue += late
        row.total += count
    names = region_names(session, set(rows))
    for row in rows.values():
        row.name = names.get(row.township, row.township)
    return sorted(rows.values(), key=lambda r: (-r.overdue, r.township))


def _own_targets(department_code: str):
    return and_(TaskTarget.task_id == Task.id, Task.department_code == department_code,
                Task.deleted.is_(False), TaskTarget.deleted.is_(False))


@dataclass(frozen=True)
class TargetFilter:
    township: str | None = None
    status: str | None = None
    overdue_only: bool = False
    task_id: str | None = None
    limit: int = 200
    offset: int = 0


@dataclass(frozen=True)
class TargetRow:
    target: TaskTarget
    task: Task
    overdue: bool
    region_name: str


def _walk(session: Session, query, tasks: list[str], skip: int, want: int) -> tuple[list, int]:
    """Rows of `query` for `tasks` taken in their order, a chunk of tasks at a time, skipping `skip`
    rows and stopping once `want` are found; returns (rows, rows skipped)."""
    found: list = []
    start, size = 0, FIRST_CHUNK
    while start < len(tasks):
        chunk = tasks[start:start + size]
        start, size = start + size, min(size * 2, MAX_CHUNK)
        order = {tid: i for i, tid in enumerate(chunk)}
        rows = sorted(session.execute(query.where(Task.id.in_(chunk))).all(),
                      key=lambda r: (order[r[1].id], r[0].region_code, r[0].id))
        taken = min(skip, len(rows))
        skip -= taken
        found += rows[taken:]
        if len(found) >= want:
            break
    return found[:want], skip


def target_rows(session: Session, department_code: str, f: TargetFilter, now: dt.datetime) -> list[TargetRow]:
    """The department's targets matching `f`: the open ones by due time (so the overdue come first),
    then the completed ones, latest due first. Across townships, tasks are walked in due order (the
    department's tasks are few, its targets many), so a page never sorts every target of the
    department; within one township or one task the targets are few and SQL orders them."""
    tasks = select(Task.id).where(Task.department_code == department_code, Task.deleted.is_(False))
    if f.task_id:
        tasks = tasks.where(Task.id == f.task_id)
    if f.overdue_only:
        tasks = tasks.where(Task.due_at < now)
    query = select(TaskTarget, Task).join(Task, _own_targets(department_code))
    if f.task_id:  # one task's targets (it listed every task's: the filter went only to the walk's tasks)
        query = query.where(Task.id == f.task_id)
    if f.township:
        query = query.where(TaskTarget.region_code.startswith(f.township))
    if f.status:
        query = query.where(TaskTarget.status == literal(f.status, literal_execute=True))  # as COMPLETED_SQL
    if f.township or f.task_id:
        pairs = _bounded(session, query.where(Task.due_at < now) if f.overdue_only else query, f)
    else:
        pairs = _walked(session, tasks, query, f)
    names = region_names(session, {t.grid_code or t.region_code for t, _ in pairs})
    return [TargetRow(t, task, t.status != COMPLETED and task.due_at < now,
                      names.get(t.grid_code or t.region_code, t.grid_code or t.region_code)) for t, task in pairs]


def _bounded(session: Session, query, f: TargetFilter) -> list:
    """One township's (or one task's) targets — at most one per task and village, so few — ordered
    in SQL the way `_walked` orders them: open by due time, then completed latest due first. The
    completed status is written into the SQL (COMPLETED_SQL), and a part the status filter leaves
    empty is not asked: the generic plan a prepared statement settles on, made without the values,
    took `status = $n` for a rare status and read every completed target of the city through the
    status index (30–80 ms instead of 3 ms on the 12,000-household city; decision 0037)."""
    pairs: list = []
    opened = 0
    if f.status != COMPLETED:
        open_part = query.where(TaskTarget.status != COMPLETED_SQL)
        pairs = [tuple(r) for r in session.execute(open_part.order_by(
            Task.due_at, Task.id, TaskTarget.region_code, TaskTarget.id).offset(f.offset).limit(f.limit))]
        if len(pairs) < f.limit and not f.overdue_only and f.status is None:
            opened = session.scalar(select(func.count()).select_from(open_part.subquery())) or 0
    if len(pairs) < f.limit and not f.overdue_only and f.status in (None, COMPLETED):
        pairs += [tuple(r) for r in session.execute(query.where(TaskTarget.status == COMPLETED_SQL).order_by(
            Task.due_at.desc(), Task.id.desc(), TaskTarget.region_code, TaskTarget.id)
            .offset(max(0, f.offset - opened)).limit(f.limit - len(pairs)))]
    return pairs


def _walked(session: Session, tasks, query, f: TargetFilter) -> list:
    by_due = list(session.scalars(tasks.order_by(Task.due_at, Task.id)))
    pairs, skip = _walk(session, query.where(TaskTarget.status != COMPLETED), by_due, f.offset, f.limit)
    if len(pairs) < f.limit and not f.overdue_only:
        more, _ = _walk(session, query.where(TaskTarget.status == COMPLETED), by_due[::-1], skip,
                        f.limit - len(pairs))
        pairs += more
    return pairs


@dataclass(frozen=True)
class FeedbackEntry:
    id: str
    at: dt.datetime
    author: str
    text: str
    handled: int
    total: int
    answers: list[tuple[str, dict[str, str]]]  # (household number, {requested field: value}), a row per member


def own_target(session: Session, department_code: str, target_id: str) -> tuple[TaskTarget, Task] | None:
    row = session.execute(select(TaskTarget, Task).join(Task, _own_targets(department_code))
                          .where(TaskTarget.id == target_id)).first()
    return (row[0], row[1]) if row else None


def target_feedback(session: Session, target: TaskTarget, task: Task) -> list[FeedbackEntry]:
    """The target's feedback, newest first; answers keep only the fields the task requested."""
    wanted = list(task.requested_fields or ())
    entries = []
    for fb in session.scalars(select(TaskFeedback).where(TaskFeedback.target_id == target.id)
                              .order_by(TaskFeedback.at.desc())):
        households = (fb.answers or {}).get("households") or {}
        answers = [(str(no), {name: str(values.get(name) or "") for name in wanted})
                   for no, each in sorted(households.items())
                   for values in (each if isinstance(each, list) else [each]) if isinstance(values, dict)]
        entries.append(FeedbackEntry(fb.id, fb.at, fb.author, fb.text or "", fb.handled_count or 0,
                                     fb.total_count or 0, answers))
    return entries


def target_attachments(session: Session, target: TaskTarget) -> dict[str, list[Attachment]]:
    """Files attached to the target or to its feedback (photos, scans sent as evidence), by owner id."""
    feedback = select(TaskFeedback.id).where(TaskFeedback.target_id == target.id)
    rows = session.scalars(select(Attachment).where(
        Attachment.deleted.is_(False),
        or_(and_(Attachment.owner_entity == "task_target", Attachment.owner_id == target.id),
            and_(Attachment.owner_entity == "task_feedback", Attachment.owner_id.in_(feedback))))
        .order_by(Attachment.added_at))
    found: dict[str, list[Attachment]] = {}
    for row in rows:
        found.setdefault(row.owner_id, []).append(row)
    return found


@dataclass
class SummaryRow:
    """One place's targets of one task: counted by status, overdue (not completed, past due) and
    with feedback received. A village row of a grid's target names the grid (`code` 15 digits)."""

    code: str
    name: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    overdue: int = 0
    with_feedback: int = 0
    feedback_count: int = 0
    total: int = 0
    handled: int = 0  # households (or items) handled, summed from the targets' progress
    of: int = 0
    target_id: str = ""  # a village row: its target, to open
    last_feedback: dt.datetime | None = None

    def add(self, target: TaskTarget, late: bool, feedback: FeedbackSummary | None) -> None:
        self.counts[target.status] = self.counts.get(target.status, 0) + 1
        self.overdue += late
        self.with_feedback += feedback is not None
        self.feedback_count += feedback.count if feedback is not None else 0
        self.total += 1
        self.handled += target.handled_count or 0
        self.of += target.total_count or 0
        if feedback is not None and (self.last_feedback is None or feedback.last_at > self.last_feedback):
            self.last_feedback = feedback.last_at


@dataclass(frozen=True)
class TaskSummary:
    task: Task
    all: SummaryRow
    townships: list[SummaryRow]
    places: dict[str, list[SummaryRow]]  # township code → a row per target there (village, grid or the township)


def _feedback_counts(session: Session, task_id: str, department_code: str) -> dict[str, FeedbackSummary]:
    """Per target of the task: its feedback from below counted and the latest time, in SQL (a task
    sent to a whole county has thousands of targets, and feedback rows carry the answers)."""
    rows = session.execute(select(TaskFeedback.target_id, func.count(), func.max(TaskFeedback.at))
                           .join(TaskTarget, TaskTarget.id == TaskFeedback.target_id)
                           .where(TaskTarget.task_id == task_id, from_below(department_code))
                           .group_by(TaskFeedback.target_id))
    return {target_id: FeedbackSummary(count, last) for target_id, count, last in rows}


def task_summary(session: Session, department_code: str, task_id: str, now: dt.datetime) -> TaskSummary | None:
    """One task of the department, its targets counted per township and listed per village: what a
    clerk following the task reads and exports. None when the task is not the department's."""
    task = session.scalars(select(Task).where(Task.id == task_id, Task.department_code == department_code,
                                              Task.deleted.is_(False))).first()
    if task is None:
        return None
    targets = list(session.scalars(select(TaskTarget).where(TaskTarget.task_id == task.id,
                                                            TaskTarget.deleted.is_(False))))
    feedback = _feedback_counts(session, task.id, department_code)
    names = region_names(session, {t.region_code[:9] for t in targets}
                         | {t.grid_code or t.region_code for t in targets})
    overall, towns, places = SummaryRow(""), {}, {}
    for target in sorted(targets, key=lambda t: (t.grid_code or t.region_code, t.id)):
        late = target.status != COMPLETED and task.due_at < now
        town = target.region_code[:9]
        code = target.grid_code or target.region_code
        overall.add(target, late, feedback.get(target.id))
        towns.setdefault(town, SummaryRow(town, names.get(town, town))).add(target, late, feedback.get(target.id))
        place = SummaryRow(code, names.get(code, code), target_id=target.id)
        place.add(target, late, feedback.get(target.id))
        places.setdefault(town, []).append(place)
    return TaskSummary(task, overall, sorted(towns.values(), key=lambda r: (-r.overdue, r.code)), places)


@dataclass(frozen=True)
class AnswerRow:
    """One person answered for one household of a target: the requested fields' values (unmasked —
    the page or the file masks them), where, who answered and when."""

    township: str
    township_name: str
    place: str  # the target's village (or grid, or township) code
    place_name: str
    household_no: str
    values: dict[str, str]
    author: str
    at: dt.datetime
    target_id: str


def _households(answers) -> dict[str, list[dict]]:
    households = (answers or {}).get("households") if isinstance(answers, dict) else None
    if not isinstance(households, dict):
        return {}
    return {str(no): [v for v in (each if isinstance(each, list) else [each]) if isinstance(v, dict)]
            for no, each in households.items()}


def task_answers(session: Session, department_code: str, task_id: str) -> tuple[Task, list[AnswerRow]] | None:
    """The 一表通 answers of one of the department's tasks (None when the task is not its own, the
    summary's rule): per target and household the latest answer from below (a township or village
    re-sends every household it confirmed), only the fields the task requested, ordered by
    township, place and household number."""
    task = session.scalars(select(Task).where(Task.id == task_id, Task.department_code == department_code,
                                              Task.deleted.is_(False))).first()
    if task is None:
        return None
    wanted = list(task.requested_fields or ())
    latest: dict[tuple[str, str], tuple[TaskTarget, TaskFeedback, list[dict]]] = {}
    for fb, target in session.execute(
            select(TaskFeedback, TaskTarget).join(TaskTarget, TaskTarget.id == TaskFeedback.target_id)
            .where(TaskTarget.task_id == task.id, TaskTarget.deleted.is_(False), TaskFeedback.deleted.is_(False),
                   from_below(department_code))
            .order_by(TaskFeedback.at, TaskFeedback.id)):
        for no, persons in _households(fb.answers).items():
            latest[(target.id, no)] = (target, fb, persons)
    places = {t.grid_code or t.region_code for t, _fb, _p in latest.values()}
    names = region_names(session, places | {t.region_code[:9] for t, _fb, _p in latest.values()})
    rows = [AnswerRow(target.region_code[:9], names.get(target.region_code[:9], ""),
                      target.grid_code or target.region_code, names.get(target.grid_code or target.region_code, ""),
                      no, {name: str(person.get(name) or "") for name in wanted}, fb.author or "", fb.at, target.id)
            for (_id, no), (target, fb, persons) in latest.items() for person in persons]
    return task, sorted(rows, key=lambda r: (r.township, r.place, r.household_no))


@dataclass(frozen=True)
class TaskLine:
    """One of the department's tasks in its list, with its targets counted."""

    task: Task
    targets: int
    completed: int
    not_started: int
    overdue: int
    with_feedback: int


def task_lines(session: Session, department_code: str, now: dt.datetime, q: str = "", offset: int = 0,
               limit: int = 50, overdue_only: bool = False) -> tuple[list[TaskLine], int]:
    """The department's tasks, latest due first, found by title or task number, or only those with
    an overdue target (past due, a target not completed); (a page, how many)."""
    where = [Task.department_code == department_code, Task.deleted.is_(False)]
    if overdue_only:
        where += [Task.due_at < now, select(TaskTarget.id).where(
            TaskTarget.task_id == Task.id, TaskTarget.deleted.is_(False), TaskTarget.status != COMPLETED_SQL).exists()]
    if q:
        where.append(or_(Task.title.contains(q, autoescape=True),  # task numbers are upper case (RW…)
                         Task.task_no.contains(q.upper(), autoescape=True)))
    total = session.scalar(select(func.count()).select_from(Task).where(*where)) or 0
    tasks = list(session.scalars(select(Task).where(*where).order_by(Task.due_at.desc(), Task.id)
                                 .offset(max(0, offset)).limit(limit)))
    ids = [task.id for task in tasks]
    counts: dict[str, dict[str, int]] = {}
    if ids:
        live = and_(TaskTarget.task_id.in_(ids), TaskTarget.deleted.is_(False))
        for task_id, status, n in session.execute(select(TaskTarget.task_id, TaskTarget.status, func.count())
                                                  .where(live).group_by(TaskTarget.task_id, TaskTarget.status)):
            counts.setdefault(task_id, {})[status] = n
        answered = dict(session.execute(
            select(TaskTarget.task_id, func.count(func.distinct(TaskFeedback.target_id)))
            .join(TaskFeedback, TaskFeedback.target_id == TaskTarget.id).where(live, from_below(department_code))
            .group_by(TaskTarget.task_id)).all())
    lines = []
    for task in tasks:
        mine = counts.get(task.id, {})
        total_targets = sum(mine.values())
        done = mine.get(COMPLETED, 0)
        lines.append(TaskLine(task, total_targets, done, mine.get("10", 0),
                              total_targets - done if task.due_at < now else 0, answered.get(task.id, 0)))
    return lines, total
