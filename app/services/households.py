"""Households (户) in the register: create, edit (only changed fields), delete and restore
(tombstones), record a visit (走访, append-only; keeps `last_visit_on` current), and read one
household with its members, tags and visits as frozen dataclasses.

A household's region is fixed once created: its number embeds the region code, and its visits
(append-only records, never updated by sync) carry the region they were made in. Moving a family
to another village means new household records; moving a person is `PersonService.move`.
The grid may change within the village, and members' grid follows."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.errors import UserFacingError, ValidationError
from app.rules.contact import normalise_phone
from app.rules.regions import (
    VILLAGE,
    in_scope,
    validate_grid_code,
    validate_household_no,
    validate_region_code,
)
from app.rules.visits import (
    ORDINARY_INTERVAL_DAYS,
    VisitRule,
    applicable_rule,
    days_overdue,
    is_visit_overdue,
    next_visit_due,
    rule_from_entry,
)
from app.services.context import (
    REGISTER_WRITERS,
    SENSITIVE_TAG_ROLES,
    ServiceBase,
    code_book,
    optional_text,
    require_text,
)
from app.services.household_numbers import next_household_no
from app.services.persons import PersonView, person_view
from app.services.tags import SENSITIVE_LEVEL, TAG_TABLE, TagView, visible_tags
from db.fields import specs
from db.models import Household, Person, TagAssignment, Visit

HOUSEHOLD_KINDS = ("1", "2")  # 家庭户, 集体户
HUKOU_TYPES = ("3", "9")  # 居民户口, 其他 (农业/非农业 were abolished in 2014; migrations map them to 3)
VISIT_KINDS = ("1", "2", "3")  # 入户, 电话, 集中
NEUTRAL_RULE_LABEL = "定期走访"
_SPECS = specs(Household)
EDITABLE_FIELDS = frozenset({"household_no", "grid_code", "household_kind", "hukou_type", "address",
                             "phone", "notes"})


@dataclass(frozen=True)
class HouseholdView:
    id: str
    household_no: str
    region_code: str
    grid_code: str | None
    household_kind: str
    hukou_type: str
    address: str
    phone: str | None
    head_person_id: str | None
    last_visit_on: dt.date | None
    notes: str
    deleted: bool


@dataclass(frozen=True)
class VisitView:
    id: str
    household_id: str
    visited_on: dt.date
    visitor: str
    kind: str
    findings: str
    follow_up: str


@dataclass(frozen=True)
class HouseholdDetail:
    """One household for its form: members (head first), tags visible to the actor, visits (newest
    first)."""

    household: HouseholdView
    members: tuple[PersonView, ...]
    tags: tuple[TagView, ...]
    visits: tuple[VisitView, ...]


@dataclass(frozen=True)
class VisitDue:
    """A household overdue for a visit, for the dashboard list."""

    household_id: str
    household_no: str
    address: str
    grid_code: str | None
    last_visit_on: dt.date | None
    rule_label: str
    interval_days: int
    due_on: dt.date
    days_overdue: int


def household_view(h: Household) -> HouseholdView:
    return HouseholdView(
        id=h.id, household_no=h.household_no, region_code=h.region_code, grid_code=h.grid_code,
        household_kind=h.household_kind, hukou_type=h.hukou_type, address=h.address or "", phone=h.phone,
        head_person_id=h.head_person_id, last_visit_on=h.last_visit_on, notes=h.notes or "",
        deleted=h.deleted,
    )


def visit_view(v: Visit) -> VisitView:
    return VisitView(id=v.id, household_id=v.household_id, visited_on=v.visited_on, visitor=v.visitor,
                     kind=v.kind, findings=v.findings or "", follow_up=v.follow_up or "")


def _clean_household_fields(fields: dict, region_code: str) -> dict:
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    clean = dict(fields)
    if "household_no" in clean:
        clean["household_no"] = validate_household_no(clean["household_no"], region_code)
    if "grid_code" in clean:
        clean["grid_code"] = validate_grid_code(clean["grid_code"], region_code)
    for field, legal in (("household_kind", HOUSEHOLD_KINDS), ("hukou_type", HUKOU_TYPES)):
        if field in clean and clean[field] not in legal:
            raise ValidationError(field, "code_unknown", label=_SPECS[field].label, value=str(clean[field]))
    for field in ("address", "notes"):  # label and length as declared (db/models/register.py)
        if field in clean:
            clean[field] = optional_text(clean[field], field, _SPECS[field].label, _SPECS[field].max_length)
    if "phone" in clean:
        clean["phone"] = normalise_phone(clean["phone"])
    return clean


class HouseholdService(ServiceBase):
    """Use cases on households. Every method is one transaction and checks role and scope."""

    def create(self, household_no: str, region_code: str, **fields) -> HouseholdView:
        """Register a new household in a village (region_code is a village-level code)."""
        self._require_role(REGISTER_WRITERS, "create_household")
        region_code = validate_region_code(region_code, level=VILLAGE)
        clean = _clean_household_fields({"household_no": household_no, **fields}, region_code)
        self._check_scope(region_code, clean.get("grid_code"))
        with self._unit_of_work() as session:
            self._ensure_number_free(session, clean["household_no"], None)
            defaults = {"household_kind": "1", "hukou_type": "3", "address": "", "notes": ""}
            household = Household(region_code=region_code, **{**defaults, **clean})
            session.add(household)
            session.flush()
            return household_view(household)

    def next_number(self, region_code: str) -> str:
        """The number a new household of the village is offered: the next free one of group 00 as
        this PC can tell (app.services.household_numbers); the server raises a clash with another
        PC's for review."""
        region_code = validate_region_code(region_code, level=VILLAGE)
        with self._read() as session:
            return next_household_no(session, region_code)

    def edit(self, household_id: str, **changes) -> HouseholdView:
        """Change some fields; only those whose value differs are written. A new grid moves the
        members' grid with it."""
        self._require_role(REGISTER_WRITERS, "edit_household")
        with self._unit_of_work() as session:
            household = self._get(session, Household, household_id, "household")
            clean = _clean_household_fields(changes, household.region_code)
            if "household_no" in clean and clean["household_no"] != household.household_no:
                self._ensure_number_free(session, clean["household_no"], household.id)
            if "grid_code" in clean:
                self._check_scope(household.region_code, clean["grid_code"])
            for field, value in clean.items():
                if getattr(household, field) != value:
                    setattr(household, field, value)
            if "grid_code" in clean:
                for member in self._members(session, household.id):
                    if member.grid_code != household.grid_code:
                        member.grid_code = household.grid_code
            session.flush()
            return household_view(household)

    def delete(self, household_id: str) -> None:
        """Tombstone a household; refused while it still has (undeleted) members."""
        self._require_role(REGISTER_WRITERS, "delete_household")
        with self._unit_of_work() as session:
            household = self._get(session, Household, household_id, "household")
            if self._members(session, household.id):
                raise UserFacingError("household_has_members")
            household.deleted = True

    def restore(self, household_id: str) -> HouseholdView:
        self._require_role(REGISTER_WRITERS, "restore_household")
        with self._unit_of_work() as session:
            household = self._get(session, Household, household_id, "household", allow_deleted=True)
            if not household.deleted:
                raise UserFacingError("not_deleted")
            household.deleted = False
            household.deletion_gen = (household.deletion_gen or 0) + 1
            session.flush()
            return household_view(household)

    def add_visit(self, household_id: str, visited_on: dt.date, kind: str = "1", findings: str = "",
                  follow_up: str = "", visitor: str | None = None) -> VisitView:
        """Record a visit (append-only) and move the household's last visit date forward."""
        self._require_role(REGISTER_WRITERS, "add_visit")
        if visited_on > self.today():
            raise ValidationError("visited_on", "visit_future")
        if kind not in VISIT_KINDS:
            raise ValidationError("kind", "code_unknown", label="走访方式", value=str(kind))
        visitor = require_text(visitor or self.actor.username, "visitor", "走访人", 50)
        findings = optional_text(findings, "findings", "走访情况", 4000)
        follow_up = optional_text(follow_up, "follow_up", "后续跟进", 4000)
        with self._unit_of_work() as session:
            household = self._get(session, Household, household_id, "household")
            visit = Visit(household_id=household.id, region_code=household.region_code, visited_on=visited_on,
                          visitor=visitor, kind=kind, findings=findings, follow_up=follow_up)
            session.add(visit)
            if household.last_visit_on is None or visited_on > household.last_visit_on:
                household.last_visit_on = visited_on
            session.flush()
            return visit_view(visit)

    def get(self, household_id: str) -> HouseholdDetail:
        with self._read() as session:
            household = self._get(session, Household, household_id, "household")
            members = sorted(self._members(session, household.id),
                             key=lambda p: (p.id != household.head_person_id, p.birth_date or dt.date.max))
            visits = session.scalars(select(Visit).where(Visit.household_id == household.id, ~Visit.deleted)
                                     .order_by(Visit.visited_on.desc(), Visit.id.desc()))
            subjects = [("household", household.id)] + [("person", m.id) for m in members]
            return HouseholdDetail(
                household=household_view(household),
                members=tuple(person_view(m, household.head_person_id) for m in members),
                tags=visible_tags(session, self.actor, subjects, self.today()),
                visits=tuple(visit_view(v) for v in visits),
            )

    def visits_due(self, limit: int = 500) -> list[VisitDue]:
        """Households in scope overdue for a visit under the visit_frequency rules, most overdue
        first (never visited ones first of all)."""
        with self._read() as session:
            today = self.today()
            due = [VisitDue(h.id, h.household_no, h.address or "", h.grid_code, h.last_visit_on, rule.label,
                            rule.interval_days, next_visit_due(h.last_visit_on, rule, today),
                            days_overdue(h.last_visit_on, rule, today))
                   for h, rule in self._overdue(session, today, Household.household_no, Household.address)]
            due.sort(key=lambda d: (d.last_visit_on is not None, -d.days_overdue, d.household_no))
            return due[:limit]

    def visits_overdue_count(self) -> int:
        """How many households `visits_due` would list (the dashboard's figure): the same rule,
        without building, scheduling and sorting the list."""
        with self._read() as session:
            return sum(1 for _ in self._overdue(session, self.today()))

    def _overdue(self, session: Session, today: dt.date, *extra) -> Iterator[tuple[Any, VisitRule]]:
        """(household row, its rule) for every household in scope overdue for a visit; a row holds
        id, grid_code, last_visit_on, region_code and the `extra` columns."""
        rules = self._visit_rules(code_book(session, self.actor.scope))
        scope = self.actor.scope
        # A household visited within the shortest interval cannot be overdue: skip it in SQL.
        shortest = min([r.interval_days for r in rules] or [ORDINARY_INTERVAL_DAYS])
        recent = today - dt.timedelta(days=shortest)
        households = session.connection().execute(  # plain rows: this scans a whole township
            select(Household.id, Household.grid_code, Household.last_visit_on, Household.region_code, *extra)
            .where(~Household.deleted, Household.region_code.like(scope[:12] + "%"),
                   (Household.last_visit_on.is_(None)) | (Household.last_visit_on < recent))).all()
        tags, kinds = self._household_markers(session, scope, rules)
        ordinary = applicable_rule(rules, (), ())
        ordinary_since = today - dt.timedelta(days=ordinary.interval_days)
        for h in households:
            marked = h.id in tags or h.id in kinds
            if not marked and h.last_visit_on is not None and h.last_visit_on >= ordinary_since:
                continue  # unmarked households follow the ordinary rule: not due yet
            if not in_scope(scope, h.region_code, h.grid_code):
                continue
            rule = applicable_rule(rules, tags.get(h.id, ()), kinds.get(h.id, ())) if marked else ordinary
            if is_visit_overdue(h.last_visit_on, rule, today):
                yield h, rule

    def _visit_rules(self, book) -> list:
        """The visit_frequency rules; a rule keyed on sensitive tags (社区矫正…) is shown under a
        neutral label to roles that may not see those tags, so the list does not disclose them."""
        sensitive = {i.code for i in book.entries(TAG_TABLE) if int(i.attrs.get("sensitivity", 1)) >= SENSITIVE_LEVEL}
        hide = self.actor.role not in SENSITIVE_TAG_ROLES
        rules = []
        for item in book.entries("visit_frequency"):
            rule = rule_from_entry(item.code, item.label_zh, item.attrs)
            if hide and rule.tags & sensitive:
                rule = dataclasses.replace(rule, label=NEUTRAL_RULE_LABEL)
            rules.append(rule)
        return rules

    @staticmethod
    def _household_markers(session: Session, scope: str, rules: list) -> tuple[dict[str, set], dict[str, set]]:
        """Per household, the live tags (its own and its members') and members' residence types
        that some rule mentions; other tags and types cannot change the interval."""
        prefix = scope[:12] + "%"
        wanted_tags = sorted({t for r in rules for t in r.tags})
        wanted_kinds = sorted({k for r in rules for k in r.residence_types})
        conn = session.connection()
        owner = func.coalesce(Person.household_id, TagAssignment.subject_id)
        tag_rows = conn.execute(
            select(owner, TagAssignment.tag_code)
            .outerjoin(Person, (TagAssignment.subject_type == "person") & (Person.id == TagAssignment.subject_id))
            .where(~TagAssignment.deleted, TagAssignment.region_code.like(prefix),
                   TagAssignment.tag_code.in_(wanted_tags)))
        tags: dict[str, set] = {}
        for household_id, code in tag_rows:
            tags.setdefault(household_id, set()).add(code)
        kind_rows = conn.execute(
            select(Person.household_id, Person.residence_type).distinct()
            .where(~Person.deleted, Person.region_code.like(prefix), Person.residence_type.in_(wanted_kinds)))
        kinds: dict[str, set] = {}
        for household_id, kind in kind_rows:
            kinds.setdefault(household_id, set()).add(kind)
        return tags, kinds

    @staticmethod
    def _members(session: Session, household_id: str) -> list[Person]:
        return list(session.scalars(select(Person).where(Person.household_id == household_id, ~Person.deleted)))

    @staticmethod
    def _ensure_number_free(session: Session, number: str, own_id: str | None) -> None:
        clash = session.scalar(select(Household.id).where(Household.household_no == number, ~Household.deleted,
                                                          Household.id != (own_id or "")))
        if clash is not None:
            raise ValidationError("household_no", "household_no_taken")
