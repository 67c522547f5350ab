"""The task inbox (任务收件箱, 条→块) as the desktop client's task desk sees it: every target the
actor reaches, counted and paged per group (今日到期 / 已超期 / 进行中 / 已完成, app.services.task_inbox),
searched and filtered, each with readable labels (department, village, kind); one target's card with its linked households (number, head, address, handled);
the township's moves (accept, assign to a village, link households, mark handled, feedback,
complete, return) and the department's (issue a task to townships/villages, reissue, reopen,
follow each target's progress). Every call is one short transaction on the task runner's thread;
the workflow itself is `app.services.tasks`' (this module only reads and delegates)."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from app.client.browse import RegionOption, target_sync_states
from app.client.request_catalogue import CatalogueChoice, approved_entries
from app.rules import task_rules as tr
from app.rules.masking import mask_id, mask_phone
from app.services.context import CITY_ADMIN, DEPARTMENT, REGISTER_WRITERS, beijing_now
from app.services.search import search_persons
from app.services.task_burden import TaskBurden
from app.services.task_inbox import InboxQuery, TaskInbox
from app.services.tasks import TargetDetail, TargetView, TaskService, area_prefix
from db.models import Household, Person, Region, TaskFeedback
from resources import region_extract_file

if TYPE_CHECKING:
    from app.client.context import ClientContext

@dataclass(frozen=True)
class InboxItem:
    """One target in the inbox with the labels a list shows."""

    view: TargetView
    department_label: str
    region_name: str
    assigned_name: str
    kind_label: str
    sync_state: str = ""  # the list's badge: "pending" (待上传) … (app.client.browse.target_sync_states)


@dataclass(frozen=True)
class InboxFilters:
    """(code, label) choices of the inbox's filters."""

    departments: tuple[tuple[str, str], ...]
    villages: tuple[tuple[str, str], ...]
    statuses: tuple[tuple[str, str], ...]
    kinds: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class LinkedHousehold:
    household_id: str
    household_no: str
    head_name: str
    address: str
    handled: bool
    person_name: str = ""  # the person the link names (linked as a person, or checked by 一表通)
    person_id: str | None = None  # that person: a row of a household linked for several members


@dataclass(frozen=True)
class TaskCard:
    """One target opened: the service's detail plus readable labels and the linked households."""

    detail: TargetDetail
    item: InboxItem
    households: tuple[LinkedHousehold, ...]
    field_labels: tuple[str, ...]
    actions: tuple[str, ...]  # the transitions this actor may take now


@dataclass(frozen=True)
class Answer:
    """The latest 一表通 answer on a target: values per household, ID numbers and phones masked
    (the screen shows the minimum; nobody's role here reveals them)."""

    at: dt.datetime
    author: str
    field_names: tuple[str, ...]
    field_labels: tuple[str, ...]
    rows: tuple[tuple[str, tuple[str, ...]], ...]  # (household number, values in field order)


@dataclass(frozen=True)
class PersonChoice:
    person_id: str
    name: str
    household_no: str
    id_masked: str


@dataclass(frozen=True)
class HouseholdChoice:
    household_id: str
    household_no: str
    head_name: str
    address: str


class TaskDesk:
    """What the task page calls; built from the client context (constructor injection)."""

    def __init__(self, context: ClientContext, clock=beijing_now, transport_of=None) -> None:
        self._context = context
        self._transport_of = transport_of  # the enrolled server's transport, for the request catalogue
        self.context = context  # the attachment strip's services (context.attachments, context.scans)
        self._clock = clock
        self.tasks = TaskService(context.sessions, context.actor, clock)
        self.inbox = TaskInbox(context.sessions, context.actor, clock)
        self._labels: tuple[dict, dict] | None = None

    @property
    def actor(self):
        return self._context.actor

    @property
    def is_department(self) -> bool:
        return self.actor.role == DEPARTMENT

    def now(self) -> dt.datetime:
        return self._clock()

    # -- reading ---------------------------------------------------------------------------
    def inbox_counts(self, query: InboxQuery) -> dict[str, int]:
        """Targets per inbox group (今日到期 / 已超期 / 进行中 / 已完成) under the search and filters."""
        return self.inbox.counts(query)

    def inbox_page(self, query: InboxQuery, offset: int, limit: int) -> list[InboxItem]:
        """One page of the inbox group, nearest deadline first, with the labels a list shows."""
        views = self.inbox.page(query, offset, limit)
        states = self._context.read(lambda s: target_sync_states(s, [view.id for view in views])) if views else {}
        return [self._item(view, states.get(view.id, "")) for view in views]

    def burden(self, weeks: int = 8):
        """千条线: tasks per village per week over the last `weeks` weeks and the lines they came on."""
        return TaskBurden(self._context.sessions, self.actor, self._clock).burden(weeks)

    def inbox_group_of(self, target_id: str) -> str:
        """The inbox group a target is listed in now."""
        return self.inbox.group_of(self.tasks.get(target_id).target)

    def inbox_filters(self) -> InboxFilters:
        """What the inbox filters offer: departments, villages in scope, statuses and kinds."""
        departments, regions = self._label_maps()
        scope = self.actor.scope[:12]
        villages = tuple((code, name) for code, name, level in self._regions()
                         if level == 5 and code.startswith(scope))
        return InboxFilters(tuple(sorted(departments.items())), villages, tuple(tr.STATUS_LABELS.items()),
                            tuple(KIND_LABELS.items()))

    def card(self, target_id: str) -> TaskCard:
        detail = self.tasks.get(target_id)
        households, states = self._context.read(lambda s: (_linked(s, detail), target_sync_states(s, [target_id])))
        labels = tuple(FIELD_LABELS.get(f, f) for f in detail.requested_fields)
        return TaskCard(detail, self._item(detail.target, states.get(target_id, "")), households, labels,
                        self._actions(detail.target))

    def _actions(self, view: TargetView) -> tuple[str, ...]:
        legal = tr.allowed_actions(view.status)
        if self.is_department:
            return tuple(a for a in legal if a in tr.DEPARTMENT_ACTIONS)
        if self.actor.role in REGISTER_WRITERS:
            return tuple(a for a in legal if a not in tr.DEPARTMENT_ACTIONS)
        return ()

    def _item(self, view: TargetView, sync_state: str = "") -> InboxItem:
        departments, regions = self._label_maps()
        kinds = KIND_LABELS
        return InboxItem(view, departments.get(view.department_code, view.department_code),
                         _region_label(regions, view.region_code),
                         _region_label(regions, view.assigned_region_code) if view.assigned_region_code else "",
                         kinds.get(view.kind, view.kind), sync_state)

    def _label_maps(self) -> tuple[dict, dict]:
        if self._labels is None:
            book = self._context.register.code_book()
            departments = {e.code: e.label for e in book.entries("department", include_inactive=True)}
            regions = {code: name for code, name, _level in self._regions()}
            self._labels = (departments, regions)
        return self._labels

    def _regions(self) -> list[tuple[str, str, int]]:
        """(code, name, level) of every region known locally; a department user's client holds no
        region rows (it never receives the register), so it reads the shipped division extract."""
        rows = self._context.read(lambda s: [tuple(r) for r in s.execute(
            select(Region.code, Region.name, Region.level).order_by(Region.code))])
        if rows:
            return rows
        with region_extract_file().open(encoding="utf-8", newline="") as fh:
            return [(r["code"], r["name"], int(r["level"])) for r in csv.DictReader(fh)]

    def latest_answer(self, target_id: str) -> Answer | None:
        """The newest feedback entry of the target that carries 一表通 answers, if any."""
        self.tasks.get(target_id)  # scope and visibility checks
        entries = self._context.read(lambda s: [(f.at, f.author, f.answers) for f in s.scalars(
            select(TaskFeedback).where(TaskFeedback.target_id == target_id)
            .order_by(TaskFeedback.at.desc(), TaskFeedback.id.desc()))])
        book = self._context.register.code_book()
        for at, author, answers in entries:
            if answers and answers.get("households"):
                names = list(answers.get("fields") or [])
                rows = tuple((number, tuple(_shown_answer(book, name, (values or {}).get(name) or "") for name in names))
                             for number, each in sorted(answers["households"].items())
                             for values in (each if isinstance(each, list) else [each]))
                return Answer(at, author, tuple(names), tuple(FIELD_LABELS.get(n, n) for n in names), rows)
        return None

    def villages_of(self, target_id: str) -> list[RegionOption]:
        """The villages a township target may be handed on to."""
        detail = self.tasks.get(target_id)
        prefix = area_prefix(detail.target.region_code)
        return self._context.read(lambda s: [RegionOption(c, n) for c, n in s.execute(
            select(Region.code, Region.name).where(Region.code.startswith(prefix), Region.level == 5)
            .order_by(Region.code))])

    def find_households(self, target_id: str, text: str, limit: int = 30) -> list[HouseholdChoice]:
        """Households to link, found by household number prefix or a member's name / initials / ID tail."""
        detail = self.tasks.get(target_id)
        area = area_prefix(detail.target.assigned_region_code or detail.target.region_code)
        return self._context.read(lambda s: _find_households(s, area, text.strip(), limit))

    def find_persons(self, target_id: str, text: str, limit: int = 30) -> list[PersonChoice]:
        """Registered persons of the task's area to link by themselves: by name, initials or ID tail."""
        detail = self.tasks.get(target_id)
        area = area_prefix(detail.target.assigned_region_code or detail.target.region_code)
        return self._context.read(lambda s: _find_persons(s, area, text.strip(), limit))

    def link_persons(self, target_id: str, person_ids: Iterable[str]) -> tr.Progress:
        return self.tasks.link_persons(target_id, person_ids)

    # -- the township's moves ------------------------------------------------------------------
    def act(self, target_id: str, action: str, text: str = "") -> TargetView:
        return self.tasks.transition(target_id, action, text)

    def assign(self, target_id: str, village_code: str | None, assignee: str | None) -> TargetView:
        return self.tasks.assign(target_id, village_code or None, assignee)

    def link(self, target_id: str, household_ids: Iterable[str]) -> tr.Progress:
        return self.tasks.link_households(target_id, household_ids)

    def unlink(self, target_id: str, household_id: str, person_id: str | None = None) -> tr.Progress:
        """Unlink a household, or (a household linked for several members) one member's link."""
        return self.tasks.unlink_household(target_id, household_id, person_id)

    def mark_handled(self, target_id: str, household_id: str, handled: bool,
                     person_id: str | None = None) -> tr.Progress:
        """Tick one row of the card: a household, or one member's link when several are linked."""
        if person_id is None:
            return self.tasks.mark_handled(target_id, household_id, handled)
        return self.tasks.mark_handled(target_id, household_id, handled, person_id=person_id, corrected=())

    def feedback(self, target_id: str, text: str):
        return self.tasks.add_feedback(target_id, text)

    # -- the department's side -----------------------------------------------------------------
    def issue_options(self) -> tuple[list[RegionOption], list[tuple[str, str]]]:
        """Townships and villages a task may go to (in scope), and the departments one may issue for."""
        scope = self.actor.scope
        regions = [RegionOption(code, name) for code, name, level in self._regions()
                   if code.startswith(scope) and level in (4, 5)]
        book = self._context.register.code_book()
        departments = [(e.code, e.label) for e in book.entries("department")
                       if not self.is_department or e.code == self.actor.department_code]
        return regions, departments

    def request_catalogue(self) -> tuple[CatalogueChoice, ...]:
        """The approved 报表准入 entries the user may issue under (from the city server; () offline):
        a department's own; the city admin's, every department's (the form offers those of the
        department chosen)."""
        may_issue = self.is_department or self.actor.role == CITY_ADMIN
        return approved_entries(self._transport_of) if may_issue else ()

    def issue(self, *, title: str, department_code: str, due_at: dt.datetime, regions: list[str], kind: str,
              priority: int = 2, description: str = "", requested_fields: Iterable[str] = (),
              request_purpose: str = "") -> tuple[TargetView, ...]:
        return self.tasks.create(title=title, department_code=department_code, due_at=due_at,
                                 target_regions=regions, kind=kind, priority=priority, description=description,
                                 requested_fields=requested_fields, request_purpose=request_purpose)


KIND_LABELS = {"1": "走访巡查", "2": "数据核采", "3": "指令下达"}

# Register fields a data-verification task may request (一表通), and the coded ones among them.
FIELD_LABELS, CODED_FIELDS = tr.FIELD_LABELS, tr.CODED_FIELDS


def _shown_answer(book, name: str, value: str) -> str:
    if name in CODED_FIELDS:
        return book.label(CODED_FIELDS[name], value, value)
    return _masked(name, value)


def _masked(name: str, value: str) -> str:
    if name == "id_number":
        return mask_id(value)
    return mask_phone(value) if name == "phone" else str(value)


def _region_label(regions: dict, code: str | None) -> str:
    if not code:
        return ""
    return regions.get(code) or regions.get(code.ljust(12, "0")) or code


def _linked(session, detail: TargetDetail) -> tuple[LinkedHousehold, ...]:
    ids = [link.household_id for link in detail.links]
    if not ids:
        return ()
    rows = session.execute(select(Household.id, Household.household_no, Household.address, Person.name)
                           .outerjoin(Person, Person.id == Household.head_person_id).where(Household.id.in_(ids)))
    found = {hid: (number, address or "", name or "") for hid, number, address, name in rows}
    person_ids = [link.person_id for link in detail.links if link.person_id]
    named = dict(session.execute(select(Person.id, Person.name).where(Person.id.in_(person_ids))).all()) \
        if person_ids else {}
    return tuple(LinkedHousehold(link.household_id, *_ordered(found.get(link.household_id)), link.handled,
                                 named.get(link.person_id or "", ""), link.person_id)
                 for link in sorted(detail.links, key=lambda k: found.get(k.household_id, ("",))[0]))


def _find_persons(session, area: str, text: str, limit: int) -> list[PersonChoice]:
    if not text:
        return []
    hits = [hit for hit in search_persons(session, text, area, limit) if hit.household_id]
    numbers = dict(session.execute(select(Household.id, Household.household_no).where(
        Household.id.in_({hit.household_id for hit in hits}))).all()) if hits else {}
    return [PersonChoice(hit.id, hit.name, numbers.get(hit.household_id, ""), hit.id_masked) for hit in hits]


def _ordered(found: tuple | None) -> tuple[str, str, str]:
    number, address, name = found or ("", "", "")
    return number, name, address


def _find_households(session, area: str, text: str, limit: int) -> list[HouseholdChoice]:
    if not text:
        return []
    query = (select(Household.id, Household.household_no, Household.address, Person.name)
             .outerjoin(Person, Person.id == Household.head_person_id)
             .where(Household.deleted.is_(False), Household.region_code.startswith(area)))
    if text.isdigit() and len(text) >= 12:
        query = query.where(Household.household_no.startswith(text))
    else:
        ids = {hit.household_id for hit in search_persons(session, text, area, 200) if hit.household_id}
        query = query.where(Household.id.in_(ids))
    rows = session.execute(query.order_by(Household.household_no).limit(limit))
    return [HouseholdChoice(hid, number, name or "", address or "") for hid, number, address, name in rows]
