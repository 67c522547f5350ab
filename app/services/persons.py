"""Persons (人员) in the household register: create, edit (only the fields that changed), move to
another household, delete and restore (tombstones), and the audited reveal of a full ID number
and phone. Gender and birth date are derived from a resident ID number; names are kept exactly as
typed (outer spaces trimmed), including characters outside the BMP such as 𠮷.

Views carry masked ID numbers and phones only; full values leave this module through `reveal`,
which writes an audit entry with the reason (PIPL: minimum necessary, explicit action, logged)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import UserFacingError, ValidationError
from app.rules.contact import normalise_phone
from app.rules.idnumber import RESIDENT_ID, normalise_document, parse_resident_id
from app.rules.masking import mask_id, mask_phone
from app.rules.regions import in_scope
from app.services.context import (
    REGISTER_WRITERS,
    REVEAL_ROLES,
    ServiceBase,
    check_code,
    code_book,
    optional_text,
    require_text,
)
from db.fields import specs
from db.models import AuditEntry, Household, Person, TagAssignment
from db.typed_forms import id_number_form

HEAD = "02"  # GB/T 4761 与户主关系: 户主

# Labels, lengths and code tables come from the fields' declarations (db/models/register.py,
# db/fields.py): nothing here restates them.
_SPECS = specs(Person)
_TEXT_FIELDS = {f: (_SPECS[f].label, _SPECS[f].max_length)
                for f in ("hukou_address", "current_address", "notes", "moved_in_from", "moved_out_to")}
_DATE_FIELDS = {f: _SPECS[f].label for f in ("birth_date", "moved_in_on", "moved_out_on", "died_on")}
MOVED_OUT, DECEASED = "3", "4"
# field: code table holding its legal values (tables of resources/codes, synced as code entries).
_CODE_TABLES = {f: s.codes for f, s in _SPECS.items() if s.codes}
_CODE_LABELS = {f: _SPECS[f].label for f in _CODE_TABLES}
# code fields checked by shape here (gender and the document type have checks of their own)
_CODE_FIELDS = {f: label for f, label in _CODE_LABELS.items() if f not in ("gender", "id_type")}
EDITABLE_FIELDS = frozenset({"name", "id_type", "id_number", "gender", "phone",
                             *_TEXT_FIELDS, *_CODE_FIELDS, *_DATE_FIELDS})


@dataclass(frozen=True)
class PersonView:
    id: str
    household_id: str | None
    region_code: str
    grid_code: str | None
    name: str
    id_type: str
    id_number_masked: str
    gender: str | None
    birth_date: dt.date | None
    ethnicity: str | None
    relation_to_head: str | None
    education: str | None
    political_status: str | None
    marital_status: str | None
    hukou_address: str
    current_address: str
    phone_masked: str
    residence_type: str
    status: str
    notes: str
    is_head: bool
    deleted: bool
    moved_in_on: dt.date | None = None
    moved_in_from: str = ""
    moved_out_on: dt.date | None = None
    moved_out_to: str = ""
    died_on: dt.date | None = None


@dataclass(frozen=True)
class RevealedContact:
    """Full values for one person, handed out only by `PersonService.reveal` (audited)."""

    person_id: str
    id_number: str | None
    phone: str | None


def person_view(person: Person, head_id: str | None = None) -> PersonView:
    return PersonView(
        id=person.id, household_id=person.household_id, region_code=person.region_code,
        grid_code=person.grid_code, name=person.name, id_type=person.id_type,
        id_number_masked=mask_id(person.id_number), gender=person.gender, birth_date=person.birth_date,
        ethnicity=person.ethnicity, relation_to_head=person.relation_to_head, education=person.education,
        political_status=person.political_status, marital_status=person.marital_status,
        hukou_address=person.hukou_address or "", current_address=person.current_address or "",
        phone_masked=mask_phone(person.phone), residence_type=person.residence_type, status=person.status,
        notes=person.notes or "", is_head=head_id is not None and head_id == person.id,
        deleted=person.deleted, moved_in_on=person.moved_in_on, moved_in_from=person.moved_in_from or "",
        moved_out_on=person.moved_out_on, moved_out_to=person.moved_out_to or "", died_on=person.died_on,
    )


def clean_person_fields(fields: dict, today: dt.date) -> dict:
    """Validate and normalise person fields; derive gender and birth date from a resident ID."""
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    clean = dict(fields)
    if "name" in clean:
        clean["name"] = require_text(clean["name"], "name", _SPECS["name"].label, _SPECS["name"].max_length)
    for field, (label, limit) in _TEXT_FIELDS.items():
        if field in clean:
            clean[field] = optional_text(clean[field], field, label, limit)
    for field, label in _CODE_FIELDS.items():
        if field in clean and clean[field] is not None:
            value = str(clean[field]).strip()
            if not re.fullmatch(r"[0-9A-Za-z]{1,2}", value):
                raise ValidationError(field, "code_unknown", label=label, value=value)
            clean[field] = value
    if "gender" in clean and clean["gender"] not in (None, "0", "1", "2", "9"):
        raise ValidationError("gender", "code_unknown", label=_CODE_LABELS["gender"], value=str(clean["gender"]))
    if "phone" in clean:
        clean["phone"] = normalise_phone(clean["phone"])
    for field, label in _DATE_FIELDS.items():
        if clean.get(field) is not None and clean[field] > today:
            raise ValidationError(field, "bad_date", label=label)
    return clean


def check_life_events(person: Person) -> None:
    """迁出 needs its date and destination, 死亡 its date; no event before the person was born."""
    if person.status == MOVED_OUT:
        if person.moved_out_on is None:
            raise ValidationError("moved_out_on", "required", label="迁出日期")
        if not (person.moved_out_to or "").strip():
            raise ValidationError("moved_out_to", "required", label="迁往")
    if person.status == DECEASED and person.died_on is None:
        raise ValidationError("died_on", "required", label="死亡日期")
    for field in ("moved_in_on", "moved_out_on", "died_on"):
        event = getattr(person, field)
        if event is not None and person.birth_date is not None and event < person.birth_date:
            raise ValidationError(field, "bad_date", label=_DATE_FIELDS[field])


def _set_changed(obj, field: str, value) -> None:
    """Assign only if different, so an unchanged field is not sent on the wire as an edit."""
    if getattr(obj, field) != value:
        setattr(obj, field, value)


def _claim_head(household: Household, person: Person) -> None:
    """Keep one head per household: a person entered as 户主 heads a headless household; a second
    户主 is refused (changing the head is `set_head`, which also re-relates the previous one)."""
    if person.relation_to_head != HEAD or household.head_person_id == person.id:
        return
    if household.head_person_id is not None:
        raise ValidationError("relation_to_head", "head_exists")
    household.head_person_id = person.id


class PersonService(ServiceBase):
    """Use cases on persons. Every method is one transaction and checks role and scope."""

    def create(self, household_id: str, name: str, **fields) -> PersonView:
        """Add a person to a household; `fields` are any of EDITABLE_FIELDS. A person entered as
        户主 (relation 02) becomes the head if the household has none; otherwise use `set_head`."""
        self._require_role(REGISTER_WRITERS, "create_person")
        clean = clean_person_fields({"name": name, **fields}, self.today())
        with self._unit_of_work() as session:
            household = self._get(session, Household, household_id, "household")
            self._check_codes(session, clean)
            person = Person(household_id=household.id, region_code=household.region_code,
                            grid_code=household.grid_code, id_type=RESIDENT_ID, name=clean["name"])
            self._apply(person, clean)
            check_life_events(person)
            session.add(person)
            session.flush()
            _claim_head(household, person)
            return person_view(person, household.head_person_id)

    def edit(self, person_id: str, **changes) -> PersonView:
        """Change some fields of a person; only fields whose value differs are written."""
        self._require_role(REGISTER_WRITERS, "edit_person")
        clean = clean_person_fields(changes, self.today())
        with self._unit_of_work() as session:
            person = self._get(session, Person, person_id, "person")
            self._check_codes(session, clean)
            self._apply(person, clean)
            check_life_events(person)
            household = session.get(Household, person.household_id) if person.household_id else None
            if household is not None and "relation_to_head" in clean:
                _claim_head(household, person)
            session.flush()
            return person_view(person, household.head_person_id if household else None)

    def _apply(self, person: Person, clean: dict) -> None:
        """Write the cleaned fields. A stored ID is re-validated only when the document changes (so
        legacy data never blocks an unrelated edit); a resident ID decides gender and birth date."""
        id_type = clean.get("id_type", person.id_type or RESIDENT_ID)
        raw_number = clean.get("id_number", person.id_number)
        derived = id_type == RESIDENT_ID and bool(raw_number)
        document: dict = {}
        if "id_type" in clean or "id_number" in clean:
            document["id_type"] = id_type
            if derived:
                info = parse_resident_id(raw_number, self.today())
                document.update(id_number=info.number, gender=info.gender, birth_date=info.birth_date)
            else:
                document["id_number"] = normalise_document(id_type, raw_number, self.today()) if raw_number else None
        for field, value in clean.items():
            if field in ("id_type", "id_number") or (derived and field in ("gender", "birth_date")):
                continue
            _set_changed(person, field, value)
        for field, value in document.items():
            _set_changed(person, field, value)

    def get(self, person_id: str) -> PersonView:
        with self._read() as session:
            person = self._get(session, Person, person_id, "person")
            return person_view(person, self._head_of(session, person))

    def move(self, person_id: str, to_household_id: str, relation_to_head: str | None = None) -> PersonView:
        """Move a person to another household: region, grid and the person's tags follow it; a
        head leaving their household leaves it without a head until one is set."""
        self._require_role(REGISTER_WRITERS, "move_person")
        clean = clean_person_fields({"relation_to_head": relation_to_head}, self.today())
        with self._unit_of_work() as session:
            person = self._get(session, Person, person_id, "person")
            target = self._get(session, Household, to_household_id, "household")
            self._check_codes(session, clean)
            if person.household_id == target.id:
                raise ValidationError("household_id", "same_household")
            old = session.get(Household, person.household_id) if person.household_id else None
            if old is not None and old.head_person_id == person.id:
                old.head_person_id = None
            person.household_id = target.id
            _set_changed(person, "region_code", target.region_code)
            _set_changed(person, "grid_code", target.grid_code)
            _set_changed(person, "relation_to_head", clean["relation_to_head"])
            self._retag_region(session, "person", person.id, target.region_code)
            session.flush()
            return person_view(person, target.head_person_id)

    def set_head(self, person_id: str, previous_head_relation: str | None = None) -> PersonView:
        """Make a person the head of their household (relation 02); the previous head, if still a
        member, gets `previous_head_relation` (their relation to the new head)."""
        self._require_role(REGISTER_WRITERS, "set_head")
        clean = clean_person_fields({"relation_to_head": previous_head_relation}, self.today())
        with self._unit_of_work() as session:
            person = self._get(session, Person, person_id, "person")
            self._check_codes(session, clean)
            if not person.household_id:
                raise ValidationError("household_id", "person_not_in_household")
            household = self._get(session, Household, person.household_id, "household")
            previous = session.get(Person, household.head_person_id) if household.head_person_id else None
            if previous is not None and previous.id != person.id:
                _set_changed(previous, "relation_to_head", clean["relation_to_head"])
            _set_changed(household, "head_person_id", person.id)
            _set_changed(person, "relation_to_head", HEAD)
            session.flush()
            return person_view(person, household.head_person_id)

    def delete(self, person_id: str) -> None:
        """Tombstone a person (wrong entry, duplicate); a deleted head leaves the household headless."""
        self._require_role(REGISTER_WRITERS, "delete_person")
        with self._unit_of_work() as session:
            person = self._get(session, Person, person_id, "person")
            household = session.get(Household, person.household_id) if person.household_id else None
            if household is not None and household.head_person_id == person.id:
                household.head_person_id = None
            person.deleted = True

    def restore(self, person_id: str) -> PersonView:
        self._require_role(REGISTER_WRITERS, "restore_person")
        with self._unit_of_work() as session:
            person = self._get(session, Person, person_id, "person", allow_deleted=True)
            if not person.deleted:
                raise UserFacingError("not_deleted")
            person.deleted = False
            person.deletion_gen = (person.deletion_gen or 0) + 1
            session.flush()
            return person_view(person, self._head_of(session, person))

    def same_id_number(self, id_number: str, exclude_person_id: str | None = None) -> tuple[PersonView, ...]:
        """Live persons in scope already registered with this document number, so a form can warn
        before saving. A duplicate is never refused (the server flags it for review)."""
        number = id_number_form(id_number)
        if not number:
            return ()
        with self._read() as session:
            rows = session.scalars(select(Person).where(Person.id_number == number, ~Person.deleted,
                                                        Person.id != (exclude_person_id or "")))
            return tuple(person_view(p, self._head_of(session, p)) for p in rows
                         if in_scope(self.actor.scope, p.region_code, p.grid_code))

    def reveal(self, person_id: str, reason: str) -> RevealedContact:
        """Full ID number and phone of one person for a role allowed to see them, with the reason
        recorded in the append-only audit log (never in log files)."""
        self._require_role(REVEAL_ROLES, "reveal")
        reason = require_text(reason, "reason", "查看原因", 500)
        with self._unit_of_work() as session:
            person = self._get(session, Person, person_id, "person")
            session.add(AuditEntry(at=self.now(), username=self.actor.username, device_id=self.actor.device_id,
                                   action="reveal", entity="person", record_ids=[person.id], reason=reason,
                                   region_code=person.region_code))
            return RevealedContact(person_id=person.id, id_number=person.id_number, phone=person.phone)

    def _check_codes(self, session: Session, clean: dict) -> None:
        """Coded fields must be entries of their code table (when the table is present)."""
        book = code_book(session, self.actor.scope)
        for field, table in _CODE_TABLES.items():
            if clean.get(field) is not None and book.entries(table):
                check_code(book, table, clean[field], field, _CODE_LABELS[field])

    @staticmethod
    def _head_of(session: Session, person: Person) -> str | None:
        if not person.household_id:
            return None
        household = session.get(Household, person.household_id)
        return household.head_person_id if household else None

    @staticmethod
    def _retag_region(session: Session, subject_type: str, subject_id: str, region_code: str) -> None:
        rows = session.scalars(select(TagAssignment).where(TagAssignment.subject_type == subject_type,
                                                           TagAssignment.subject_id == subject_id))
        for tag in rows:
            _set_changed(tag, "region_code", region_code)
