"""Roster import in two steps: `plan_import` checks every row, applies the household rules to the
whole file and compares each row with the register, giving a preview per row (new / changed with
old → new per field / unchanged / error) and the writes for the households without problems; it
writes nothing. `apply_plan` performs those writes through the ORM (so change capture records
every write for sync), in the caller's one transaction.

Matching makes a re-import idempotent: households by 户编号, persons by 公民身份号码; only fields
whose value differs are assigned, so importing the same file again changes nothing and leaves no
outbox rows. A blank cell keeps the register's value (a partial roster never wipes data), so a
roster of existing households updates them field by field. A 网格 column moves a household (and its
members) to another grid of its village, a 村（社区） column to another village
(app.exchange.roster_moves), through the same preview. A person already registered in
another household is reported, not moved: moving people is a register action with its own audit
trail."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.codes import CodeBook
from app.exchange.layout import FIELD_HEADERS, RawRow
from app.exchange.roster_checks import CODED, HEAD_RELATION, Draft, RowChecker, RowError, check_households
from app.exchange.roster_moves import adopt_moved, check_moves, move_values
from app.exchange.roster_numbers import match_local_numbers, number_households
from app.exchange.villages import VillageIndex
from app.rules.masking import mask_id, mask_phone
from db.ids import new_id
from db.models import Household, Person, Region

PERSON_FIELDS = ("name", "id_number", "gender", "birth_date", "ethnicity", "relation_to_head", "phone",
                 "current_address", "residence_type", "education", "political_status", "marital_status",
                 "hukou_address", "notes")
GRID_LEVEL = 6


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class PlannedChange:
    """One line of the preview: a household or a person, what importing would do, and why not."""

    row: int
    entity: str  # "household" | "person"
    action: str  # "新增" | "更新" | "无变化" | "错误"
    household_no: str
    name: str
    fields: tuple[FieldChange, ...] = ()
    problems: tuple[RowError, ...] = ()  # each with .message (Chinese) and .text(lang)


@dataclass(frozen=True)
class ImportPlan:
    errors: tuple[RowError, ...]
    warnings: tuple[str, ...]
    changes: tuple[PlannedChange, ...]
    unknown_values: tuple[tuple[str, str, tuple[int, ...]], ...] = ()  # (column, value, rows)
    error_rows: frozenset[int] = frozenset()
    skipped_households: tuple[str, ...] = ()  # households left out by a "valid only" apply
    household_writes: tuple[tuple[str | None, str, dict], ...] = field(repr=False, default=())
    person_writes: tuple[tuple[str | None, str, dict], ...] = field(repr=False, default=())

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, entity: str, action: str) -> int:
        return sum(1 for c in self.changes if c.entity == entity and c.action == action)


class _Shown:
    """How a value appears in the preview: labels for codes, masked ID numbers and phones."""

    def __init__(self, codes: CodeBook, grids: dict[str, str], villages: dict[str, str] | None = None) -> None:
        self.codes, self.grids, self.villages = codes, grids, villages or {}

    def __call__(self, name: str, value: object) -> str:
        if value is None or value == "":
            return ""
        if name in CODED:
            return self.codes.label(CODED[name], value, str(value))
        if name == "id_number":
            return mask_id(str(value))
        if name == "phone":
            return mask_phone(str(value))
        if name == "grid_code":
            return self.grids.get(value, str(value))
        if name == "region_code":
            return self.villages.get(value, str(value))
        return value.isoformat() if isinstance(value, dt.date) else str(value)


class _Register:
    """What the register holds for the file's households and persons (one query each)."""

    def __init__(self, session: Session, drafts: list[Draft], scope: str) -> None:
        numbers = {d.household_no for d in drafts if d.household_no}
        ids = [d.values["id_number"] for d in drafts if d.values.get("id_number")]
        self.households = {h.household_no: h for h in session.scalars(
            select(Household).where(Household.household_no.in_(numbers), Household.deleted.is_(False),
                                    Household.merged_into.is_(None)))}
        self.persons = {p.id_number: p for p in session.scalars(
            select(Person).where(Person.id_number.in_(ids), Person.deleted.is_(False),
                                 Person.merged_into.is_(None)))}  # a merged duplicate lives on in its survivor
        self.number_of = {h.id: h.household_no for h in session.scalars(
            select(Household).where(Household.id.in_({p.household_id for p in self.persons.values()
                                                      if p.household_id})))}
        heads = {p.id: p.name for p in session.scalars(select(Person).where(
            Person.id.in_({h.head_person_id for h in self.households.values() if h.head_person_id})))}
        self.head_names = {n: heads.get(h.head_person_id, "") for n, h in self.households.items()}
        self.grids = {code: name for code, name in session.execute(
            select(Region.code, Region.name).where(Region.level == GRID_LEVEL, Region.code.startswith(scope[:12])))}


def _moved_people(drafts: list[Draft], register: _Register, labels: dict[str, str]) -> None:
    for d in drafts:
        person = register.persons.get(d.values.get("id_number"))
        current = register.number_of.get(person.household_id) if person else None
        if person and d.household_no and current != d.household_no:
            d.errors.append(RowError(d.row, labels["id_number"], "roster_registered_elsewhere", {"number": current})
                            if current else RowError(d.row, labels["id_number"], "roster_registered_unassigned"))


def _resolve_grids(drafts: list[Draft], register: _Register, labels: dict[str, str]) -> None:
    by_name: dict[tuple[str, str], str] = {(code[:12], name): code for code, name in register.grids.items()}
    for d in drafts:
        text = d.values.get("grid_code")
        if not text or not d.household_no:
            continue
        village = d.values.get("region_code") or d.household_no[:12]  # a moving household: the new village's
        code = text if text in register.grids and text.startswith(village) else by_name.get((village, text))
        if code is None:
            d.errors.append(RowError(d.row, labels["grid_code"], "roster_unknown_grid", {"value": text}))
            d.values.pop("grid_code")
        else:
            d.values["grid_code"] = code


def _diff(obj: object | None, wanted: dict) -> dict:
    if obj is None:
        return dict(wanted)
    return {k: v for k, v in wanted.items() if getattr(obj, k) != v}


class _Planner:
    def __init__(self, register: _Register, shown: _Shown, labels: dict[str, str], grid: str | None = None) -> None:
        self.register, self.shown, self.labels = register, shown, labels
        self.grid = grid  # a grid worker's grid: where new households go

    def _changes(self, existing: object | None, diff: dict) -> tuple[FieldChange, ...]:
        if existing is None:
            return ()
        source = {"address": "household_address", "region_code": "village"} if isinstance(existing, Household) else {}
        return tuple(FieldChange(self.labels.get(source.get(k, k), FIELD_HEADERS.get(source.get(k, k), k)),
                                 self.shown(k, getattr(existing, k)), self.shown(k, v)) for k, v in diff.items())

    def household(self, number: str, members: list[Draft]) -> tuple[tuple, PlannedChange]:
        head = next((d for d in members if d.is_head), None)
        existing = self.register.households.get(number)
        wanted: dict = {}
        grid = next((d.values["grid_code"] for d in members if d.values.get("grid_code")), None)
        address = next((d.values["household_address"] for d in members if d.values.get("household_address")), None)
        if existing is None:
            wanted = {"household_no": number, "region_code": number[:12]}
            if self.grid:
                wanted["grid_code"] = self.grid
            if head is not None:
                wanted.update({k: head.values[s] for k, s in (("address", "current_address"), ("phone", "phone"))
                               if head.values.get(s)})
        if address:  # a 家庭住址 column is the household's address: new, or corrected in bulk
            wanted["address"] = address
        if grid:
            wanted["grid_code"] = grid
        if existing is not None:
            move_values(members, wanted, number)
        diff = _diff(existing, wanted)
        action = "新增" if existing is None else ("更新" if diff else "无变化")
        name = head.values.get("name", "") if head else self.register.head_names.get(number, members[0].head_name)
        change = PlannedChange(members[0].row, "household", action, number, name, self._changes(existing, diff))
        return (existing.id if existing else None, number, diff), change

    def person(self, d: Draft) -> tuple[tuple, PlannedChange]:
        existing = self.register.persons.get(d.values["id_number"])
        wanted = {k: v for k, v in d.values.items() if k in PERSON_FIELDS and v is not None}
        if existing is None and "current_address" not in wanted and d.values.get("household_address"):
            wanted["current_address"] = d.values["household_address"]  # a new member lives at the household
        if existing is not None and existing.relation_to_head == HEAD_RELATION and wanted.get("relation_to_head") == "01":
            wanted.pop("relation_to_head")  # 本人 on the head's row is how villages write 户主
        diff = _diff(existing, wanted)
        action = "新增" if existing is None else ("更新" if diff else "无变化")
        change = PlannedChange(d.row, "person", action, d.household_no, d.values.get("name", ""),
                               self._changes(existing, diff))
        return (existing.id if existing else None, d.household_no, diff), change


def plan_import(session: Session, rows: list[RawRow], codes: CodeBook, today: dt.date, scope: str,
                labels: dict[str, str] | None = None, village: str | None = None) -> ImportPlan:
    """Check every row, apply the household rules to the whole file, compare with the register;
    nothing is written. `labels`: field → the clerk's header, for naming columns in problems;
    `village`: the village a roster with the village's own short 户号 (12, 3-12) belongs to."""
    labels = {**FIELD_HEADERS, **(labels or {})}
    if not rows:
        return ImportPlan((RowError(0, "", "roster_no_rows"),), (), ())
    villages = VillageIndex(session, scope)
    checker = RowChecker(codes, today, scope, labels, village, villages)
    drafts = [checker.check(raw) for raw in rows]
    for d in drafts:
        if d.values.get("relation_to_head") == "01":
            d.values["relation_to_head"] = HEAD_RELATION
    register = _Register(session, drafts, scope)
    notes: list[RowError] = []
    if rows[0].household:  # no 户号 column: households by their head rows
        notes += number_households(session, drafts, rows, register, village or _own_village(scope), labels)
    else:
        notes += match_local_numbers(drafts, register)
    if notes:
        register = _Register(session, drafts, scope)
    if adopt_moved(session, drafts, register.households):
        register = _Register(session, drafts, scope)
    check_households(drafts, labels, register.head_names)
    _moved_people(drafts, register, labels)
    check_moves(session, drafts, register.households, labels, villages.names)
    _resolve_grids(drafts, register, labels)
    if len(scope) > 12:
        _check_grid_scope(drafts, register, scope, labels)
    planner = _Planner(register, _Shown(codes, register.grids, villages.names), labels,
                       scope if len(scope) > 12 else None)
    plan = _plan(drafts, register, planner, checker)
    if checker.upgraded:
        notes.append(RowError(0, "", "roster_id_upgraded", {"count": checker.upgraded}))
    return replace(plan, warnings=plan.warnings + tuple(notes)) if notes else plan


def _own_village(scope: str) -> str | None:
    """A village cadre's or grid worker's village: where a roster without 户号 belongs."""
    return scope[:12] if len(scope) >= 12 else None



def _check_grid_scope(drafts: list[Draft], register: _Register, grid: str, labels: dict[str, str]) -> None:
    """A grid worker imports into their grid only: a household of another grid, or a 网格 column naming
    another grid, is a problem at its row (new households are placed in the worker's grid)."""
    for d in drafts:
        existing = register.households.get(d.household_no)
        named = d.values.get("grid_code")
        if (existing is not None and not (existing.grid_code or "").startswith(grid)) or \
                (named and not named.startswith(grid)):
            d.errors.append(RowError(d.row, labels["household_no"], "roster_household_out_of_scope",
                                     {"label": labels["household_no"]}))


def _plan(drafts: list[Draft], register: _Register, planner: _Planner, checker: RowChecker) -> ImportPlan:
    by_household: dict[str, list[Draft]] = defaultdict(list)
    for d in drafts:
        by_household[d.household_no].append(d)
    bad = {number for number, members in by_household.items() if not number or any(d.errors for d in members)}
    household_writes, person_writes, changes = [], [], []
    for number, members in by_household.items():
        if number in bad:
            first_bad = next((d.row for d in members if d.errors), 0)
            changes += [PlannedChange(d.row, "person", "错误", number, d.values.get("name", ""), (),
                                      tuple(d.errors) or (RowError(d.row, "", "roster_household_skipped",
                                                                   {"row": first_bad}),)) for d in members]
            continue
        write, change = planner.household(number, members)
        household_writes.append(write)
        changes.append(change)
        for d in members:
            write, change = planner.person(d)
            person_writes.append(write)
            changes.append(change)
    errors = sorted((e for d in drafts for e in d.errors), key=lambda e: e.row)
    unknown = tuple((label, value, tuple(rows)) for (label, value), rows in checker.unknown_values.items())
    return ImportPlan(tuple(errors), (), tuple(changes), unknown, frozenset(e.row for e in errors),
                      tuple(sorted(n for n in bad if n)), tuple(household_writes), tuple(person_writes))


def apply_plan(session: Session, plan: ImportPlan) -> list[str]:
    """Performs the plan's writes (the households without problems) through the ORM; returns the ids
    of the records written."""
    households: dict[str, Household] = {}
    written: set[str] = set()
    for household_id, number, values in plan.household_writes:
        household = session.get(Household, household_id) if household_id else Household(id=new_id())
        for key, value in values.items():
            setattr(household, key, value)
        if household_id is None:
            session.add(household)
        if values:
            written.add(household.id)
        if household_id and ("grid_code" in values or "region_code" in values):
            written |= _move_members(session, household)
        households[number] = household
    for person_id, number, values in plan.person_writes:
        household = households[number]
        person = session.get(Person, person_id) if person_id else Person(
            id=new_id(), household_id=household.id, region_code=household.region_code,
            grid_code=household.grid_code, id_type="01")
        for key, value in values.items():
            setattr(person, key, value)
        if person_id is None:
            session.add(person)
        if values:
            written.add(person.id)
        if person.relation_to_head == HEAD_RELATION and household.head_person_id != person.id:
            household.head_person_id = person.id
            written.add(household.id)
    session.flush()
    return sorted(written)


def _move_members(session: Session, household: Household) -> set[str]:
    moved = set()
    for person in session.scalars(select(Person).where(Person.household_id == household.id,
                                                       Person.deleted.is_(False))):
        if (person.grid_code, person.region_code) != (household.grid_code, household.region_code):
            person.grid_code, person.region_code = household.grid_code, household.region_code
            moved.add(person.id)
    return moved
