"""The case desk (事件与诉求) as the desktop client sees it: queues by status with their counts and
an overdue queue; one case opened with its handling log, parties and 吹哨 records; the workflow
actions this actor may take now (legal per `app.rules.case_workflow` AND allowed to the role per
`app.services.cases.ACTION_ROLES`, so the page never offers a button that would be refused);
registering a case with the reporter looked up in the register or typed; escalation, joint
handling (summon, arrival, evaluation) and the revisit. The work itself is `CaseService`'s."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from sqlalchemy import func, or_, select

from app.client.browse import RegionOption, sync_states, with_sync_states
from app.rules import case_workflow as wf
from app.rules.regions import in_scope
from app.services.case_repeats import RepeatAppeals
from app.services.cases import (
    ACTION_ROLES,
    SATISFACTION,
    WHISTLE_EVALUATION,
    CaseDetail,
    CaseService,
    CaseView,
    case_view,
)
from app.services.context import DEPARTMENT, REVEAL_ROLES, beijing_now
from app.services.search import PersonHit, search_persons
from db.models import Case, Household, Person, Region, Visit

if TYPE_CHECKING:
    from app.client.context import ClientContext

OVERDUE_QUEUE = -1  # the pseudo-status of the 已超期 queue
# Actions outside the status workflow, offered beside its buttons when the role allows them.
SIDE_ACTIONS = ("escalate", "supervise", "whistle", "add_party", "repeat")


@dataclass(frozen=True)
class Queue:
    status: int | None  # None = every case, OVERDUE_QUEUE = overdue ones
    label: str
    count: int


@dataclass(frozen=True)
class CaseChoices:
    """What the new-case form offers: code tables as (code, label) and the villages in scope."""

    sources: tuple[tuple[str, str], ...]
    request_types: tuple[tuple[str, str], ...]
    categories: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]  # (code, label, children)
    departments: tuple[tuple[str, str], ...]
    villages: tuple[RegionOption, ...]
    grid_required: bool = False  # a grid worker's case must name their grid, or it leaves their reach
    default_source: str = ""  # what the form starts on: 网格巡查 for a grid worker, 来访 for a village cadre


@dataclass(frozen=True)
class DispatchOptions:
    """The dispatch form's choices: places (villages, then grids) as (code, name), the people known
    to work in the case's village (visits recorded) and the departments."""

    places: tuple[tuple[str, str], ...]
    default_place: str
    people: tuple[str, ...]
    departments: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class NewCase:
    """The new-case form's content; `reporter_person_id` set when picked from the register."""

    source: str
    request_type: str
    category_code: str
    title: str
    region_code: str
    grid_code: str | None = None
    place: str = ""
    description: str = ""
    occurred_at: dt.datetime | None = None
    reporter_name: str = ""
    reporter_phone: str | None = None
    reporter_person_id: str | None = None
    parties: tuple[tuple[str, str], ...] = field(default=())  # (name, role)


GRID_PATROL = "3"  # case source 网格巡查
VISIT = "2"  # case source 来访: a resident at the village committee, a village cadre's ordinary case


class CaseDesk:
    def __init__(self, context: ClientContext, clock=beijing_now) -> None:
        self._context = context
        self.context = context  # the attachment strip's services (context.attachments, context.scans)
        self.cases = CaseService(context.sessions, context.actor, clock)
        self.repeats = RepeatAppeals(context.sessions, context.actor, clock)
        self._clock = clock

    @property
    def role(self) -> str:
        return self._context.actor.role

    @property
    def may_register(self) -> bool:
        return self.role in ACTION_ROLES["register"]

    # -- reading ---------------------------------------------------------------------------
    def queues(self) -> list[Queue]:
        """Every status with cases in it (in workflow order), plus 全部 and 已超期."""
        today = self._clock().date()
        counts, overdue = self._context.read(lambda s: _queue_counts(s, self._context.actor, today))
        queues = [Queue(None, "全部", sum(counts.values())), Queue(OVERDUE_QUEUE, "已超期", overdue)]
        queues += [Queue(status, wf.status_label(status), counts[status]) for status in wf.STATUSES
                   if counts.get(status)]
        return queues

    def queue(self, status: int | None, limit: int = 300) -> list[CaseView]:
        return self.page(status, "", 0, limit)

    def page(self, status: int | None, text: str, offset: int, limit: int) -> list[CaseView]:
        """One page of a queue for the lazy list, newest first, optionally narrowed to cases whose
        title, number, 12345 ticket number, place or reporter's name contains `text` (digits: also
        the reporter's phone; the list shows it masked). The visibility rules are `CaseService.list_cases`'
        (which has no paging): scope, grid, a department's escalated cases."""
        actor, today = self._context.actor, self._clock().date()
        query = select(Case).where(*_reach(actor))
        if status == OVERDUE_QUEUE:
            query = query.where(Case.deadline_on < today, Case.status < int(wf.FINISHED_FROM))
        elif status is not None:
            query = query.where(Case.status == int(status))
        text = text.strip()
        if text:
            query = query.where(_matching(text))
        query = query.order_by(Case.registered_at.desc(), Case.id.desc()).offset(offset).limit(limit)
        return self._context.read(lambda s: with_sync_states(s, [case_view(c, today) for c in s.scalars(query)]))

    def detail(self, case_id: str) -> CaseDetail:
        """The case with its log, parties and 吹哨 records, the names a panel shows for where it was
        dispatched and what it repeats, and (while open and unlinked) suggested originals."""
        detail = self.cases.get(case_id)
        case = detail.case
        repeats = ()
        if "repeat" in self.side_actions_for(case):
            repeats = tuple(self.repeats.candidates(case_id))
        names, states = self._context.read(lambda s: (_names(s, case), sync_states(s, [case_id])))
        return replace(detail, case=replace(case, sync_state=states.get(case_id, "")), repeats=repeats,
                       original_no=names[0], dispatched_name=names[1])

    def slots(self, side: tuple[str, ...]) -> list[str]:
        """Every move this role can ever take, in workflow order, then the side moves it may take:
        the fixed places of the action bar."""
        workflow = [a for a in wf.ACTIONS if self.role in ACTION_ROLES.get(a, frozenset())]
        extra = [a for a in side if self.role in ACTION_ROLES.get(a, REVEAL_ROLES if a == "reveal" else frozenset())]
        return workflow + extra

    def actions_for(self, view: CaseView) -> tuple[str, ...]:
        """Workflow actions legal from the case's status that this role may take."""
        return tuple(a for a in view.allowed_actions if self.role in ACTION_ROLES.get(a, frozenset()))

    def side_actions_for(self, view: CaseView) -> tuple[str, ...]:
        """Moves beside the workflow this role may take on the case; the reporter's phone may be
        revealed (audited) at any status, for the revisit call."""
        side = () if wf.is_finished(view.status) else tuple(a for a in SIDE_ACTIONS if self.role in ACTION_ROLES[a])
        if view.repeat_of:
            side = tuple(a for a in side if a != "repeat")
        return side + (("reveal",) if self.role in REVEAL_ROLES and view.reporter_phone_masked else ())

    def choices(self) -> CaseChoices:
        book = self._context.register.code_book()

        def pairs(table: str) -> tuple[tuple[str, str], ...]:
            return tuple((e.code, e.label) for e in book.entries(table))

        top = [e for e in book.entries("case_category") if not e.parent_code]
        categories = tuple((e.code, e.label, tuple((c.code, c.label) for c in book.children(
            "case_category", e.code))) for e in top)
        in_grid, in_village = len(self._context.actor.scope) > 12, len(self._context.actor.scope) == 12
        # the first source is 12345热线, whose cases arrive through the hotline's channel, not typed in
        # a village: a village cadre starts on 来访, a grid worker on 网格巡查
        return CaseChoices(pairs("case_source"), pairs("request_type"), categories, pairs("department"),
                           tuple(self._context.register.villages()), grid_required=in_grid,
                           default_source=GRID_PATROL if in_grid else VISIT if in_village else "")

    def grids(self, village: str) -> list[RegionOption]:
        return self._context.register.grids(village)

    def find_reporter(self, text: str, limit: int = 20) -> list[PersonHit]:
        """Residents matching typed text (name, initials, ID or phone tail), phones masked."""
        scope = self._context.actor.scope
        return self._context.read(lambda s: search_persons(s, text, scope, limit))

    def dispatch_options(self, case_id: str) -> DispatchOptions:
        """Where the case may be dispatched: its village (or, for a township-level case, every
        village) and their grids in scope, the people who work there, and the departments."""
        view = self.cases.get(case_id).case
        book = self._context.register.code_book()
        departments = tuple((e.code, e.label_zh) for e in book.entries("department"))
        return self._context.read(lambda s: _dispatch_options(s, view, self._context.actor.scope, departments))

    def repeat_candidates(self, case_id: str) -> list[CaseView]:
        """Earlier cases that look like the same appeal (the clerk decides)."""
        return self.repeats.candidates(case_id)

    def link_repeat(self, case_id: str, original_id: str) -> CaseView:
        return self.repeats.link(case_id, original_id)

    # -- writing ---------------------------------------------------------------------------
    def register(self, form: NewCase) -> CaseView:
        """Register the case; a reporter picked from the register brings their name and phone."""
        name, phone = form.reporter_name, form.reporter_phone
        if form.reporter_person_id:
            found = self._context.read(lambda s: s.execute(select(Person.name, Person.phone).where(
                Person.id == form.reporter_person_id)).first())
            if found is not None:
                name, phone = found[0], phone or found[1]
        view = self.cases.create(
            source=form.source, request_type=form.request_type, category_code=form.category_code,
            title=form.title, region_code=form.region_code, grid_code=form.grid_code or None, place=form.place,
            description=form.description, occurred_at=form.occurred_at, reporter_name=name,
            reporter_phone=phone or None, reporter_person_id=form.reporter_person_id)
        for party_name, party_role in form.parties:
            if party_name.strip():
                self.cases.add_party(view.id, party_name, party_role)
        return view

    def act(self, case_id: str, action: str, text: str = "", **extras) -> CaseView:
        return self.cases.transition(case_id, action, text, **extras)

    def escalate(self, case_id: str, department_code: str, text: str = "") -> CaseView:
        return self.cases.escalate(case_id, department_code, text)

    def whistle(self, case_id: str, department_codes: list[str], text: str = ""):
        return self.cases.whistle(case_id, department_codes, text)

    def arrive(self, whistle_id: str):
        return self.cases.record_arrival(whistle_id)

    def evaluate(self, whistle_id: str, evaluation: str, comment: str = ""):
        return self.cases.evaluate_whistle(whistle_id, evaluation, comment)

    def supervise(self, case_id: str, supervised: bool, text: str = "") -> CaseView:
        return self.cases.supervise(case_id, supervised, text)

    def reveal_reporter(self, case_id: str, reason: str):
        return self.cases.reveal_reporter(case_id, reason)

    def add_party(self, case_id: str, name: str, role: str = ""):
        return self.cases.add_party(case_id, name, role)


SATISFACTION_OPTIONS = tuple(SATISFACTION.items())
EVALUATION_OPTIONS = tuple(WHISTLE_EVALUATION.items())


def _reach(actor) -> list:
    """The cases an actor reaches, as `CaseService.list_cases` decides it."""
    reach = [~Case.deleted, Case.region_code.like(actor.scope[:12] + "%")]
    if len(actor.scope) > 12:
        reach.append(Case.grid_code.like(actor.scope + "%"))
    if actor.role == DEPARTMENT:
        reach.append(Case.escalated_to == actor.department_code)
    return reach


def _matching(text: str):
    """Cases whose title, case number, ticket number, place or reporter name contains `text`; four or
    more digits also match inside the reporter's phone."""
    fields = [Case.title, Case.case_no, Case.channel_ref, Case.place, Case.reporter_name]
    if text.isdigit() and len(text) >= 4:
        fields.append(Case.reporter_phone)
    return or_(*(field.contains(text, autoescape=True) for field in fields))


def _queue_counts(session, actor, today: dt.date) -> tuple[dict[int, int], int]:
    """Cases per status and open cases past their deadline."""
    reach = _reach(actor)
    counts = {int(status): count for status, count in session.execute(
        select(Case.status, func.count()).where(*reach).group_by(Case.status))}
    overdue = session.scalar(select(func.count()).select_from(Case).where(
        *reach, Case.deadline_on < today, Case.status < int(wf.FINISHED_FROM))) or 0
    return counts, overdue


def _names(session, case: CaseView) -> tuple[str, str]:
    """(the original's case number, the name of where it was dispatched), "" when none."""
    original = session.scalar(select(Case.case_no).where(Case.id == case.repeat_of)) if case.repeat_of else ""
    place = session.scalar(select(Region.name).where(Region.code == case.dispatched_to)) if case.dispatched_to else ""
    return original or "", place or (case.dispatched_to or "")


def _dispatch_options(session, view: CaseView, scope: str, departments) -> DispatchOptions:
    village = view.region_code
    township_level = village.endswith("000")
    prefix = village[:9] if township_level else village
    rows = session.execute(select(Region.code, Region.name, Region.level).where(
        Region.code.startswith(prefix), Region.level.in_((5, 6))).order_by(Region.level, Region.code)).all()
    places = tuple((code, name) for code, name, level in rows
                   if in_scope(scope, code[:12], code if level == 6 else None)
                   and (township_level or level == 6 or code == village))
    people = tuple(name for (name,) in session.execute(
        select(Visit.visitor).join(Household, Household.id == Visit.household_id)
        .where(Visit.region_code.startswith(prefix), ~Visit.deleted,
               *([Household.grid_code == view.grid_code] if view.grid_code else []))
        .group_by(Visit.visitor).order_by(func.count().desc()).limit(20)) if name)
    default = view.dispatched_to or view.grid_code or village
    return DispatchOptions(places, default, people, departments)
