"""一表通 (one form) for a data-verification task: the register fields the task requests, pre-filled
from the register for the head of each linked household, so staff only confirm or correct and
nobody types the same data twice. A correction edits the register itself, once, through
`PersonService.edit` (validated, captured for sync like any edit); confirming a household marks it
handled on the task in the same transaction, so a refused correction leaves both untouched. The answer goes back to the department as one feedback entry whose `answers`
carry the requested values per household — the department asked for exactly those fields, so this
is the minimum necessary; sending them is recorded in the audit log as an export.

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


@dataclass(frozen=True)
class FormRow:
    """One linked household: its head and the requested values as shown (masked where needed)."""

    household_id: str
    household_no: str
    person_id: str | None
    person_name: str
    values: tuple[str, ...]  # in the order of OneForm.fields
    handled: bool


@dataclass(frozen=True)
class OneForm:
    target_id: str
    task_no: str
    title: str
    fields: tuple[FieldSpec, ...]
    rows: tuple[FormRow, ...]
    editable: bool  # the target is in progress, so rows may be confirmed

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
                                 if name in CODED_FIELDS else ())
                       for name in detail.requested_fields)
        handled = {link.household_id: link.handled for link in detail.links}
        names = [spec.name for spec in fields]
        heads = self._context.read(lambda s: _heads(s, list(handled), names))
        rows = tuple(FormRow(household_id, number, person_id, name, values, handled[household_id])
                     for household_id, number, person_id, name, values in heads)
        view = detail.target
        return OneForm(target_id, view.task_no, view.title, fields, rows, view.status == tr.IN_PROGRESS)

    def confirm(self, target_id: str, household_id: str, entered: dict[str, str]) -> tr.Progress:
        """Confirm one household: fields whose entered value differs from the register (and is not
        the unchanged masked text) are corrected in the register once; then the household counts
        as handled."""
        form = self.load(target_id)
        row = next((r for r in form.rows if r.household_id == household_id), None)
        if row is None:
            raise ValidationError("household_id", "link_not_found")
        if row.person_id is None:
            raise UserFacingError("one_form_no_head")
        shown = dict(zip((spec.name for spec in form.fields), row.values, strict=True))
        coded = {spec.name for spec in form.fields if spec.options}
        changes = {name: value.strip() for name, value in entered.items()
                   if name in shown and value.strip() != shown[name] and not (name in coded and not value.strip())}
        with atomic(self._context.sessions):
            if changes:
                self.persons.edit(row.person_id, **changes)
            return self.tasks.mark_handled(target_id, household_id, True)

    def send_answer(self, target_id: str, note: str = ""):
        """The answer to the department: the requested values of every handled household, as one
        feedback entry with the progress counted in households."""
        form = self.load(target_id)
        names = [spec.name for spec in form.fields]
        handled = [row for row in form.rows if row.handled]
        answers = self._context.read(lambda s: _answers(s, handled, names))
        text = note.strip() or f"一表通核对：已核 {form.handled} 户，共 {len(form.rows)} 户。"
        entry = self.tasks.add_feedback(target_id, text, {"fields": names, "households": answers})
        actor = self._context.actor
        self._context.write(lambda s: s.add(AuditEntry(
            at=beijing_now(), username=actor.username, device_id=actor.device_id, action="export",
            entity="task_answer", record_ids=[r.person_id for r in handled if r.person_id],
            reason=f"一表通反馈 {form.task_no}", region_code=(handled[0].household_no[:12] if handled else ""))))
        return entry


def _heads(session, household_ids: list[str], names: list[str]) -> list[tuple]:
    """(household id, number, head id, head name, shown values) per household, by household number."""
    if not household_ids:
        return []
    rows = session.execute(select(Household.id, Household.household_no, Person)
                           .outerjoin(Person, Person.id == Household.head_person_id)
                           .where(Household.id.in_(household_ids)).order_by(Household.household_no))
    return [(hid, number, person.id if person else None, person.name if person else "",
             tuple(_shown(person, name) for name in names)) for hid, number, person in rows]


def _shown(person: Person | None, name: str) -> str:
    if person is None:
        return ""
    value = getattr(person, name, None) or ""
    return MASKED_FIELDS[name](value) if name in MASKED_FIELDS and value else str(value)


def _answers(session, rows, names: list[str]) -> dict[str, dict[str, str]]:
    ids = [row.person_id for row in rows if row.person_id]
    persons = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(ids)))} if ids else {}
    return {row.household_no: {name: str(getattr(persons[row.person_id], name, None) or "") for name in names}
            for row in rows if row.person_id in persons}
