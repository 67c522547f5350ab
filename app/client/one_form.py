"""一表通 (one form) for a data-verification task: the register fields the request names (the
department's approved request catalogue entry decided them when the task was issued; the task
carries them and the entry's purpose), pre-filled from the register for a member of each linked
household — the household head, the person the link names, or any member the clerk picks — so staff
only confirm or correct and nobody types the same data twice.

Confirming applies every correction to that person's register record (through `PersonService.edit`:
validated, captured for sync like any edit) and marks the link handled, naming the person and the
fields corrected, in one transaction: a refused correction leaves register and task untouched. The
answer goes back to the department as one feedback entry whose `answers` carry exactly the requested
fields per household (the minimum necessary; a list of them when several members of one household
are linked, each a row of the form); sending it is audited as an export with the request's
purpose. A field this client does not know (a newer catalogue) is shown but neither filled nor sent.

ID numbers and phones are shown masked: an unchanged masked value means "confirmed", a typed full
value is a correction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from app.client.task_desk import CODED_FIELDS, FIELD_LABELS
from app.errors import UserFacingError, ValidationError
from app.rules import task_rules as tr
from app.rules.masking import mask_id, mask_phone
from app.services.context import atomic, beijing_now
from app.services.persons import PersonService
from app.services.tasks import TaskService
from db.models import AuditEntry, Household, Person

if TYPE_CHECKING:
    from app.client.context import ClientContext

MASKED_FIELDS = {"id_number": mask_id, "phone": mask_phone}


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    options: tuple[tuple[str, str], ...] = ()  # (code, label) for coded fields, else empty
    known: bool = True  # a register field this client can fill in and correct


@dataclass(frozen=True)
class Member:
    """A registered member of a linked household, with the requested values as shown."""

    person_id: str
    name: str
    relation: str  # 与户主关系 label
    values: tuple[str, ...]  # in the order of OneForm.fields


@dataclass(frozen=True)
class FormRow:
    """One linked household: the member whose data is shown (the link's person, else the head, else
    the first member), every member the clerk may pick instead, and the requested values as shown."""

    household_id: str
    household_no: str
    person_id: str | None
    person_name: str
    values: tuple[str, ...]  # in the order of OneForm.fields
    handled: bool
    members: tuple[Member, ...] = ()
    corrected: tuple[str, ...] = ()

    def member(self, person_id: str | None) -> Member | None:
        return next((m for m in self.members if m.person_id == person_id), None)


@dataclass(frozen=True)
class OneForm:
    target_id: str
    task_no: str
    title: str
    fields: tuple[FieldSpec, ...]
    rows: tuple[FormRow, ...]
    editable: bool  # the target is in progress, so rows may be confirmed
    purpose: str = ""  # the request catalogue entry's name and purpose

    @property
    def handled(self) -> int:
        return sum(1 for row in self.rows if row.handled)


class OneFormDesk:
    """Load, confirm/correct and answer a data-verification task from the register."""

    def __init__(self, context: ClientContext, clock=beijing_now) -> None:
        self._context = context
        self.tasks = TaskService(context.sessions, context.actor, clock)
        self.persons = PersonService(context.sessions, context.actor, clock)

    def load(self, target_id: str) -> OneForm:
        detail = self.tasks.get(target_id)
        book = self._context.register.code_book()
        fields = tuple(FieldSpec(name, FIELD_LABELS.get(name, name),
                                 tuple((e.code, e.label) for e in book.entries(CODED_FIELDS[name]))
                                 if name in CODED_FIELDS else (), name in FIELD_LABELS)
                       for name in detail.requested_fields)
        links: dict[str, list] = {}
        for link in detail.links:
            links.setdefault(link.household_id, []).append(link)
        names = [spec.name for spec in fields if spec.known]
        relations = {e.code: e.label for e in book.entries("relation_to_head", include_inactive=True)}
        found = self._context.read(lambda s: _households(s, list(links), names, relations))
        rows = []
        for household_id, number, head_id, members in found:
            members = tuple(Member(m.person_id, m.name, m.relation, _in_order(fields, names, m.values))
                            for m in members)
            own = links[household_id]
            for link in sorted(own, key=lambda k: _member_order(members, k.person_id)):
                chosen = next((m for m in members if m.person_id == link.person_id), None) \
                    or next((m for m in members if m.person_id == head_id), None) or (members[0] if members else None)
                # A household linked for several members shows one row each, fixed to its member.
                offered = members if len(own) == 1 else tuple(m for m in members if m is chosen)
                rows.append(FormRow(household_id, number, chosen.person_id if chosen else None,
                                    chosen.name if chosen else "", chosen.values if chosen else ("",) * len(fields),
                                    link.handled, offered, link.corrected))
        view = detail.target
        return OneForm(target_id, view.task_no, view.title, fields, tuple(rows), view.status == tr.IN_PROGRESS,
                       detail.request_purpose)

    def confirm(self, target_id: str, household_id: str, entered: dict[str, str],
                person_id: str | None = None) -> tr.Progress:
        """Confirm one household for one of its members (`person_id`, else the row's person): fields
        whose entered value differs from the register (and is not the unchanged masked text) are
        corrected in that person's record; the link is marked handled naming the person and the
        corrected fields — all in one transaction or none."""
        form = self.load(target_id)
        rows = [r for r in form.rows if r.household_id == household_id]
        row = next((r for r in rows if person_id is not None and r.person_id == person_id), None) \
            or (rows[0] if len(rows) == 1 else None)
        if row is None:
            raise ValidationError("household_id", "link_not_found")
        if not row.members:
            raise UserFacingError("one_form_no_head")
        member = row.member(person_id or row.person_id)
        if member is None:
            raise ValidationError("person_id", "one_form_member")
        shown = {spec.name: value for spec, value in zip(form.fields, member.values, strict=True) if spec.known}
        coded = {spec.name for spec in form.fields if spec.options}
        changes = {name: value.strip() for name, value in entered.items()
                   if name in shown and value.strip() != shown[name] and not (name in coded and not value.strip())}
        with atomic(self._context.sessions):
            if changes:
                self.persons.edit(member.person_id, **changes)
            return self.tasks.mark_handled(target_id, household_id, True, person_id=member.person_id,
                                           corrected=list(changes))

    def send_answer(self, target_id: str, note: str = ""):
        """The answer to the department: exactly the requested fields of the confirmed member of every
        handled household, as one feedback entry with the progress counted in households."""
        form = self.load(target_id)
        names = [spec.name for spec in form.fields if spec.known]
        handled = [row for row in form.rows if row.handled and row.person_id]
        answers = self._context.read(lambda s: _answers(s, handled, names))
        text = note.strip() or f"一表通核对：已核 {form.handled} 户，共 {len(form.rows)} 户。"
        entry = self.tasks.add_feedback(target_id, text, {"fields": names, "households": answers})
        actor = self._context.actor
        purpose = f"（用途：{form.purpose}）" if form.purpose else ""
        self._context.write(lambda s: s.add(AuditEntry(
            at=beijing_now(), username=actor.username, device_id=actor.device_id, action="export",
            entity="task_answer", record_ids=[r.person_id for r in handled], reason=f"一表通反馈 {form.task_no}{purpose}"[:500],
            region_code=(handled[0].household_no[:12] if handled else ""))))
        return entry


@dataclass(frozen=True)
class _Member:
    person_id: str
    name: str
    relation: str
    values: dict[str, str]


def _member_order(members: tuple[Member, ...], person_id: str | None) -> int:
    return next((i for i, m in enumerate(members) if m.person_id == person_id), len(members))


def _in_order(fields: tuple[FieldSpec, ...], names: list[str], values: dict[str, str]) -> tuple[str, ...]:
    return tuple(values.get(spec.name, "") if spec.name in names else "" for spec in fields)


def _households(session, household_ids: list[str], names: list[str], relations: dict[str, str]) -> list[tuple]:
    """(household id, number, head id, members) per linked household, by household number; members
    are the registered (在册) persons, the head first, with the requested values as shown."""
    if not household_ids:
        return []
    households = session.execute(select(Household.id, Household.household_no, Household.head_person_id)
                                 .where(Household.id.in_(household_ids)).order_by(Household.household_no)).all()
    persons = session.scalars(select(Person).where(Person.household_id.in_(household_ids), ~Person.deleted,
                                                   Person.merged_into.is_(None), Person.status == "1")
                              .order_by(Person.household_id, Person.relation_to_head, Person.birth_date, Person.id))
    members: dict[str, list[_Member]] = {}
    for person in persons:
        members.setdefault(person.household_id, []).append(_Member(
            person.id, person.name, relations.get(person.relation_to_head or "", ""),
            {name: _shown(person, name) for name in names}))
    found = []
    for household_id, number, head_id in households:
        listed = sorted(members.get(household_id, []), key=lambda m: m.person_id != head_id)
        found.append((household_id, number, head_id, listed))
    return found


def _shown(person: Person | None, name: str) -> str:
    if person is None:
        return ""
    value = getattr(person, name, None) or ""
    return MASKED_FIELDS[name](value) if name in MASKED_FIELDS and value else str(value)


def _answers(session, rows, names: list[str]) -> dict[str, dict[str, str] | list[dict[str, str]]]:
    """The requested values per household number: one person's values, or a list of them when
    several members of the household were checked (the shape the server accepts)."""
    ids = [row.person_id for row in rows if row.person_id]
    persons = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(ids)))} if ids else {}
    grouped: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        if row.person_id in persons:
            grouped.setdefault(row.household_no, []).append(
                {name: str(getattr(persons[row.person_id], name, None) or "") for name in names})
    return {number: values[0] if len(values) == 1 else values for number, values in grouped.items()}
