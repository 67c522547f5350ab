"""Tasks (任务) from departments (条) to townships and villages (块): issue a task with one target
record per township/village, accept it, assign it on to a village and a person, link the
households it concerns, mark each one handled, report back with append-only feedback, complete
or return it; the department may reissue a returned task or reopen a completed one.

Progress is counted in records: `handled_count` / `total_count` are recomputed from the linked
households every time a link changes, never typed as a percentage. A link is found by what it
joins — (target, household) — whatever its row id: links written by the seed or an older client
carry other ids. A new link's id is derived from the pair, so two devices linking the same
household make one record; `db.link_repair` folds pairs linked twice into one. A link may name one
person of the household; several members of one household may each have their own link (found by
(target, person)), and progress then counts each of them.
Department users reach only the tasks their department issued; everyone else reaches targets
inside their region scope."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import NotFoundError, PermissionDenied, ScopeError, UserFacingError, ValidationError
from app.rules import task_rules as tr
from app.rules.deadlines import WEEKENDS_ONLY, WorkCalendar
from app.rules.regions import PREFIX_LENGTH, TOWNSHIP, VILLAGE, region_level, validate_region_code
from app.services.context import (
    CITY_ADMIN,
    DEPARTMENT,
    REGISTER_WRITERS,
    ServiceBase,
    check_code,
    code_book,
    device_tag,
    optional_text,
    require_text,
)
from db.ids import new_id
from db.link_repair import task_link_id, task_person_link_id
from db.models import Household, Person, Task, TaskFeedback, TaskLink, TaskTarget

ISSUERS = frozenset({CITY_ADMIN, DEPARTMENT})
_LEVEL_PREFIXES = sorted(PREFIX_LENGTH[level] for level in PREFIX_LENGTH if level <= VILLAGE)


@dataclass(frozen=True)
class TargetView:
    id: str
    task_id: str
    task_no: str
    title: str
    department_code: str
    kind: str
    priority: int
    due_at: dt.datetime
    region_code: str
    status: str
    status_label: str
    assigned_region_code: str | None
    assignee: str | None
    accepted_at: dt.datetime | None
    completed_at: dt.datetime | None
    progress: tr.Progress
    overdue: bool
    due_soon: bool
    allowed_actions: tuple[str, ...]


@dataclass(frozen=True)
class LinkView:
    id: str
    household_id: str
    handled: bool
    handled_at: dt.datetime | None
    handled_by: str | None
    person_id: str | None = None  # the person the link concerns (linked as a person, or confirmed)
    corrected: tuple[str, ...] = ()  # requested fields its 一表通 confirmation corrected


@dataclass(frozen=True)
class FeedbackView:
    id: str
    at: dt.datetime
    author: str
    text: str
    handled_count: int
    total_count: int


@dataclass(frozen=True)
class TargetDetail:
    target: TargetView
    description: str
    requested_fields: tuple[str, ...]
    request_purpose: str
    links: tuple[LinkView, ...]
    feedback: tuple[FeedbackView, ...]  # oldest first


def find_link(session: Session, target_id: str, household_id: str, *,
              include_deleted: bool = False) -> TaskLink | None:
    """The link of a household to a target, whatever its id: a live one first, then (to revive
    on relinking) a tombstone; the derived id wins among equals."""
    query = select(TaskLink).where(TaskLink.target_id == target_id, TaskLink.household_id == household_id)
    if not include_deleted:
        query = query.where(~TaskLink.deleted)
    links = session.scalars(query).all()
    preferred = task_link_id(target_id, household_id)
    return min(links, key=lambda k: (bool(k.deleted), k.id != preferred, k.id), default=None)


def find_person_link(session: Session, target_id: str, person_id: str, *,
                     include_deleted: bool = False) -> TaskLink | None:
    """The link of a person to a target, whatever its id: a live one first, then (to revive on
    relinking) a tombstone."""
    query = select(TaskLink).where(TaskLink.target_id == target_id, TaskLink.person_id == person_id)
    if not include_deleted:
        query = query.where(~TaskLink.deleted)
    return session.scalars(query.order_by(TaskLink.deleted, TaskLink.id).limit(1)).first()


def live_links(session: Session, target_id: str, household_id: str) -> list[TaskLink]:
    """Every live link of the pair (more than one when two writers linked it under different ids, or
    when several members of the household have a link each)."""
    return list(session.scalars(select(TaskLink).where(
        TaskLink.target_id == target_id, TaskLink.household_id == household_id, ~TaskLink.deleted)))


def unit_links(session: Session, target_id: str, household_id: str, person_id: str | None) -> list[TaskLink]:
    """The links of one unit of work — what one row of the task card or 一表通 stands for: the links
    naming `person_id` when it has its own; else, in a household linked once, its link(s) (the clerk
    may confirm any member there); else the household's own link, not a member's. Marking or
    unlinking treats the returned links as one."""
    links = live_links(session, target_id, household_id)
    own = [k for k in links if person_id is not None and k.person_id == person_id]
    if own:
        return own
    if len({k.person_id for k in links}) <= 1:
        return links
    return [k for k in links if k.person_id is None]


def _unit_key(link: TaskLink, named: set[str]) -> tuple[str, str | None] | None:
    """A link's unit (household, person); a household's unnamed link beside named ones (two writers
    linking at once) is no unit of its own."""
    if link.person_id is None and link.household_id in named:
        return None
    return link.household_id, link.person_id


def target_view(target: TaskTarget, task: Task, now: dt.datetime,
                calendar: WorkCalendar = WEEKENDS_ONLY) -> TargetView:
    return TargetView(
        id=target.id, task_id=task.id, task_no=task.task_no, title=task.title, department_code=task.department_code,
        kind=task.kind, priority=task.priority, due_at=task.due_at, region_code=target.region_code,
        status=target.status, status_label=tr.status_label(target.status),
        assigned_region_code=target.assigned_region_code, assignee=target.assignee, accepted_at=target.accepted_at,
        completed_at=target.completed_at, progress=tr.Progress(target.handled_count or 0, target.total_count or 0),
        overdue=tr.is_overdue(target.status, task.due_at, now),
        due_soon=tr.is_due_soon(target.status, task.due_at, now, calendar),
        allowed_actions=tuple(tr.allowed_actions(target.status)),
    )


def area_prefix(region_code: str) -> str:
    """The prefix a region's records share: "150402001" for the township 150402001000."""
    return region_code[:PREFIX_LENGTH[region_level(region_code)]]


def common_region(codes: Iterable[str]) -> str:
    """The longest level-aligned prefix shared by the codes (e.g. the township of its villages)."""
    codes = list(codes)
    best = ""
    for length in _LEVEL_PREFIXES:
        heads = {code[:length] for code in codes}
        if len(heads) != 1:
            break
        best = heads.pop()
    return best


class TaskService(ServiceBase):
    """Use cases on tasks and their per-region targets."""

    _calendar: WorkCalendar | None = None

    def create(self, *, title: str, department_code: str, due_at: dt.datetime, target_regions: list[str],
               kind: str = "1", priority: int = 2, description: str = "",
               requested_fields: Iterable[str] = (), request_purpose: str = "") -> tuple[TargetView, ...]:
        """Issue a task to townships/villages; returns one target per region."""
        self._require_role(ISSUERS, "create_task")
        if self.actor.role == DEPARTMENT and department_code != self.actor.department_code:
            raise PermissionDenied("create_task")
        if due_at <= self.now():
            raise ValidationError("due_at", "due_before_issue")
        regions = list(dict.fromkeys(self._target_region(code) for code in target_regions))
        if not regions:
            raise ValidationError("target_regions", "task_no_targets")
        if priority not in (1, 2, 3):
            raise ValidationError("priority", "code_unknown", label="优先级", value=str(priority))
        with self._unit_of_work() as session:
            book = code_book(session, self.actor.scope)
            task = Task(id=new_id(), task_no=self._next_task_no(session), title=require_text(title, "title", "标题", 200),
                        description=optional_text(description, "description", "任务说明", 8000),
                        department_code=check_code(book, "department", department_code, "department_code", "部门"),
                        kind=check_code(book, "task_kind", kind, "kind", "任务类型"), priority=priority,
                        issued_at=self.now(), due_at=due_at, region_code=common_region(regions),
                        requested_fields=[str(f) for f in requested_fields], issued_by=self.actor.username,
                        request_purpose=optional_text(request_purpose, "request_purpose", "数据用途", 2000))
            session.add(task)
            targets = [TaskTarget(id=new_id(), task_id=task.id, region_code=code, status=tr.NOT_ACCEPTED,
                                  handled_count=0, total_count=0) for code in regions]
            session.add_all(targets)
            session.flush()
            return tuple(target_view(t, task, self.now(), self.calendar(session)) for t in targets)

    def transition(self, target_id: str, action: str, text: str = "") -> TargetView:
        """accept / complete / return (the township side) or reissue / reopen (the department)."""
        if action in tr.DEPARTMENT_ACTIONS:
            self._require_role(ISSUERS, action)
        else:
            self._require_role(REGISTER_WRITERS, action)
        text = optional_text(text, "text", "说明", 4000)
        with self._unit_of_work() as session:
            target, task = self._load(session, target_id)
            after = tr.next_status(target.status, action)
            if action == "complete" and (target.handled_count or 0) < (target.total_count or 0):
                raise UserFacingError("task_incomplete", remaining=target.total_count - target.handled_count)
            target.status = after
            if action == "accept":
                target.accepted_at = self.now()
                target.assignee = target.assignee or self.actor.username
            target.completed_at = self.now() if after == tr.COMPLETED else None
            if text or action in ("complete", "return"):
                self._feedback(session, target, f"【{tr.ACTION_LABELS[action]}】{text}".strip())
            session.flush()
            return target_view(target, task, self.now(), self.calendar(session))

    def assign(self, target_id: str, village_code: str | None = None, assignee: str | None = None) -> TargetView:
        """Hand an accepted township target on to one of its villages and/or a named person."""
        self._require_role(REGISTER_WRITERS, "assign_task")
        with self._unit_of_work() as session:
            target, task = self._load_active(session, target_id)
            if village_code:
                village_code = validate_region_code(village_code, "assigned_region_code", VILLAGE)
                if not village_code.startswith(area_prefix(target.region_code)):
                    raise ValidationError("assigned_region_code", "link_region")
                target.assigned_region_code = village_code
            if assignee is not None:
                target.assignee = optional_text(assignee, "assignee", "责任人", 50) or None
            session.flush()
            return target_view(target, task, self.now(), self.calendar(session))

    def link_households(self, target_id: str, household_ids: Iterable[str]) -> tr.Progress:
        """Link households to the target (already linked ones are left as they are)."""
        self._require_role(REGISTER_WRITERS, "link_households")
        with self._unit_of_work() as session:
            target, _task = self._load_active(session, target_id)
            area = area_prefix(target.assigned_region_code or target.region_code)
            for household_id in dict.fromkeys(household_ids):
                household = self._get(session, Household, household_id, "household")
                if not household.region_code.startswith(area):
                    raise ValidationError("household_id", "link_region")
                link = find_link(session, target.id, household.id, include_deleted=True)
                if link is None:
                    session.add(TaskLink(id=task_link_id(target.id, household.id), target_id=target.id,
                                         household_id=household.id, region_code=household.region_code, handled=False))
                elif link.deleted:
                    link.deleted, link.deletion_gen = False, (link.deletion_gen or 0) + 1
            session.flush()
            return self._recount(session, target)

    def link_persons(self, target_id: str, person_ids: Iterable[str]) -> tr.Progress:
        """Link persons to the target: each one's link names the person and is found by (target,
        person). A household linked as a whole (no person named yet) becomes that person's link;
        another member of a household already linked for someone gets a link of their own, so one
        task may check several members of one household (each counted)."""
        self._require_role(REGISTER_WRITERS, "link_households")
        with self._unit_of_work() as session:
            target, _task = self._load_active(session, target_id)
            area = area_prefix(target.assigned_region_code or target.region_code)
            for person_id in dict.fromkeys(person_ids):
                person = self._get(session, Person, person_id, "person")
                if not person.household_id or not person.region_code.startswith(area):
                    raise ValidationError("person_id", "link_region")
                if find_person_link(session, target.id, person.id) is not None:
                    continue  # already linked
                household = live_links(session, target.id, person.household_id)
                unnamed = next((k for k in household if k.person_id is None), None)
                if unnamed is not None and len(household) == 1:
                    unnamed.person_id, unnamed.corrected = person.id, []
                    continue
                link = (find_person_link(session, target.id, person.id, include_deleted=True) if household
                        else find_link(session, target.id, person.household_id, include_deleted=True))
                if link is None:
                    link_id = task_person_link_id(target.id, person.id) if household \
                        else task_link_id(target.id, person.household_id)
                    session.add(TaskLink(id=link_id, target_id=target.id, household_id=person.household_id,
                                         region_code=person.region_code, handled=False, person_id=person.id,
                                         corrected=[]))
                else:
                    link.deleted, link.deletion_gen = False, (link.deletion_gen or 0) + 1
                    link.person_id, link.handled, link.corrected = person.id, False, []
                    link.handled_at = link.handled_by = None
            session.flush()
            return self._recount(session, target)

    def unlink_household(self, target_id: str, household_id: str, person_id: str | None = None) -> tr.Progress:
        """Remove a household (or, with `person_id`, that member's link) linked by mistake (tombstone);
        the counts follow."""
        self._require_role(REGISTER_WRITERS, "link_households")
        with self._unit_of_work() as session:
            target, _task = self._load_active(session, target_id)
            links = unit_links(session, target.id, household_id, person_id) if person_id \
                else live_links(session, target.id, household_id)
            if not links:
                raise ValidationError("household_id", "link_not_found")
            for link in links:
                link.deleted = True
            session.flush()
            return self._recount(session, target)

    def mark_handled(self, target_id: str, household_id: str, handled: bool = True, *,
                     person_id: str | None = None, corrected: Iterable[str] = ()) -> tr.Progress:
        """Mark one linked household handled (or not); the target's counts follow. With `person_id`
        (一表通), the link records whose data was confirmed and which requested fields were corrected;
        a member with a link of their own is marked on that link (`unit_links`)."""
        self._require_role(REGISTER_WRITERS, "mark_handled")
        with self._unit_of_work() as session:
            target, _task = self._load_active(session, target_id)
            links = unit_links(session, target.id, household_id, person_id)
            if not links:
                raise ValidationError("household_id", "link_not_found")
            for link in links:
                if link.handled != handled:
                    link.handled = handled
                    link.handled_at = self.now() if handled else None
                    link.handled_by = self.actor.username if handled else None
                if person_id is not None:  # the same person confirmed again keeps the earlier corrections
                    kept = set(link.corrected or ()) if link.person_id == person_id else set()
                    link.person_id, link.corrected = person_id, sorted(kept | set(corrected))
            session.flush()
            return self._recount(session, target)

    def add_feedback(self, target_id: str, text: str, answers: dict | None = None) -> FeedbackView:
        """Report back to the department (append-only), with the progress at this moment."""
        self._require_role(REGISTER_WRITERS, "task_feedback")
        with self._unit_of_work() as session:
            target, _task = self._load(session, target_id)
            entry = self._feedback(session, target, require_text(text, "text", "反馈内容", 4000), answers)
            session.flush()
            return _feedback_view(entry)

    def get(self, target_id: str) -> TargetDetail:
        with self._read() as session:
            target, task = self._load(session, target_id)
            links = _one_per_unit(session.scalars(
                select(TaskLink).where(TaskLink.target_id == target.id, ~TaskLink.deleted)
                .order_by(TaskLink.household_id)))
            feedback = session.scalars(select(TaskFeedback).where(TaskFeedback.target_id == target.id)
                                       .order_by(TaskFeedback.at, TaskFeedback.id))
            return TargetDetail(
                target=target_view(target, task, self.now(), self.calendar(session)),
                description=task.description or "",
                requested_fields=tuple(task.requested_fields or ()),
                request_purpose=task.request_purpose or "",
                links=tuple(LinkView(k.id, k.household_id, bool(k.handled), k.handled_at, k.handled_by, k.person_id,
                                     tuple(k.corrected or ())) for k in links),
                feedback=tuple(_feedback_view(f) for f in feedback),
            )

    def calendar(self, session: Session) -> WorkCalendar:
        """The city's working-day calendar (read once per service: it changes once a year)."""
        if self._calendar is None:
            self._calendar = WorkCalendar.from_book(code_book(session, self.actor.scope))
        return self._calendar

    # -- helpers ------------------------------------------------------------------------------
    def _target_region(self, code: str) -> str:
        code = validate_region_code(code, "target_regions")
        if region_level(code) not in (TOWNSHIP, VILLAGE):
            raise ValidationError("target_regions", "region_code_level", detail="下发对象应为乡镇或村（社区）")
        self._check_scope(code)
        return code

    def _load(self, session: Session, target_id: str) -> tuple[TaskTarget, Task]:
        """A target and its task, if the actor reaches it: a department its own tasks; others a
        target in their scope or assigned into it (grid scopes are tested on their village part)."""
        target = session.get(TaskTarget, target_id) if target_id else None
        task = session.get(Task, target.task_id) if target is not None else None
        if target is None or task is None or target.deleted or task.deleted:
            raise NotFoundError("task_target", target_id)
        if self.actor.role == DEPARTMENT:
            if task.department_code != self.actor.department_code:
                raise NotFoundError("task_target", target_id)
        elif not (target.region_code.startswith(self.actor.scope[:12])
                  or (target.assigned_region_code or "").startswith(self.actor.scope[:12])):
            raise ScopeError()
        return target, task

    def _load_active(self, session: Session, target_id: str) -> tuple[TaskTarget, Task]:
        target, task = self._load(session, target_id)
        if target.status == tr.COMPLETED:
            raise UserFacingError("task_done")
        if target.status != tr.IN_PROGRESS:
            raise UserFacingError("task_not_accepted")
        return target, task

    def _recount(self, session: Session, target: TaskTarget) -> tr.Progress:
        progress = tr.progress(list(_handled_by_unit(session, target.id).values()))
        if (target.handled_count, target.total_count) != (progress.handled, progress.total):
            target.handled_count, target.total_count = progress.handled, progress.total
        return progress

    def _feedback(self, session: Session, target: TaskTarget, text: str, answers: dict | None = None) -> TaskFeedback:
        entry = TaskFeedback(id=new_id(), target_id=target.id, region_code=target.region_code, at=self.now(),
                             author=self.actor.username, text=text, handled_count=target.handled_count or 0,
                             total_count=target.total_count or 0, answers=dict(answers or {}))
        session.add(entry)
        return entry

    def _next_task_no(self, session: Session) -> str:
        prefix = f"RW{self.today():%Y%m%d}{device_tag(self.actor.device_id)}"
        last = session.scalar(select(Task.task_no).where(Task.task_no.like(prefix + "%"))
                              .order_by(Task.task_no.desc()).limit(1))
        return f"{prefix}{(int(last[len(prefix):]) + 1 if last else 1):04d}"


def _handled_by_unit(session: Session, target_id: str) -> dict[tuple[str, str | None], bool]:
    """Handled or not per unit of work (a household, or each member linked on their own): a unit
    counts once however many links it has."""
    links = session.scalars(select(TaskLink).where(TaskLink.target_id == target_id, ~TaskLink.deleted)).all()
    named = {k.household_id for k in links if k.person_id is not None}
    flags: dict[tuple[str, str | None], bool] = {}
    for link in links:
        if (key := _unit_key(link, named)) is not None:
            flags[key] = flags.get(key, False) or bool(link.handled)
    return flags


def _one_per_unit(links: Iterable[TaskLink]) -> list[TaskLink]:
    """One link per unit of work (the handled one if any), in the order given."""
    links = list(links)
    named = {k.household_id for k in links if k.person_id is not None}
    chosen: dict[tuple[str, str | None], TaskLink] = {}
    for link in links:
        key = _unit_key(link, named)
        if key is None:
            continue
        kept = chosen.get(key)
        if kept is None or (link.handled and not kept.handled):
            chosen[key] = link
    return list(chosen.values())


def _feedback_view(f: TaskFeedback) -> FeedbackView:
    return FeedbackView(f.id, f.at, f.author, f.text or "", f.handled_count or 0, f.total_count or 0)
