"""Roster import in two steps: `plan_import` validates every row and compares it with the register,
giving a report of (row, column, message) errors and a preview of what would change, and writes
nothing; `apply_plan` performs a plan without errors through the ORM (so change capture records
every write for sync). Confirming re-plans inside the write transaction, so what is applied is what
the register looks like at that moment.

Matching makes a re-import idempotent: households by 户编号, persons by 公民身份号码; only fields
whose value differs are assigned, so importing the same file again changes nothing and leaves no
outbox rows. A blank cell keeps the register's value (a partial roster never wipes data). A person
already registered in another household is reported, not moved: moving people is a register action
with its own audit trail."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.codes import CodeBook
from app.errors import ValidationError
from app.exchange.roster_columns import COLUMN_BY_HEADER, ROSTER_COLUMNS, RawRow, RosterSheet
from app.rules.contact import normalise_phone
from app.rules.idnumber import parse_resident_id
from app.rules.regions import in_scope, validate_household_no
from db.ids import new_id
from db.models import Household, Person

HEAD_RELATION = "02"
EXCEL_EXACT_DIGITS = 15  # Excel keeps 15 significant digits: an 18-digit number typed as a number is damaged
MAX_LENGTH = {"name": 50, "head_name": 50, "current_address": 200, "hukou_address": 200, "notes": 1000}
PERSON_FIELDS = ("name", "id_number", "gender", "birth_date", "ethnicity", "relation_to_head", "phone",
                 "current_address", "residence_type", "education", "political_status", "marital_status",
                 "hukou_address", "notes")
FIELD_LABELS = {c.field: c.header for c in ROSTER_COLUMNS}


@dataclass(frozen=True)
class RowError:
    row: int  # sheet row number (1 = header); 0 for a problem with the whole file
    column: str
    message: str


@dataclass(frozen=True)
class PersonDraft:
    row: int
    household_no: str
    head_name: str
    values: dict  # field → normalised value, only the cells that were filled


@dataclass(frozen=True)
class PlannedChange:
    """One line of the preview: what importing would do to a household or a person."""

    row: int
    entity: str  # "household" | "person"
    action: str  # "新增" | "更新" | "无变化"
    household_no: str
    name: str
    fields: tuple[str, ...] = ()  # headers of the changed columns


@dataclass(frozen=True)
class ImportPlan:
    errors: tuple[RowError, ...]
    warnings: tuple[str, ...]
    changes: tuple[PlannedChange, ...]
    household_writes: tuple[tuple[str | None, str, dict], ...] = field(repr=False, default=())
    person_writes: tuple[tuple[str | None, str, dict], ...] = field(repr=False, default=())

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, entity: str, action: str) -> int:
        return sum(1 for c in self.changes if c.entity == entity and c.action == action)


def _resolve_code(codes: CodeBook, table: str, text: str) -> str | None:
    """A code from a label (汉族, 男, 户主) or the code itself; 民族 also without 族 (汉 → 汉族)."""
    for item in codes.entries(table):
        if text in (item.label_zh, item.code) or (table == "ethnicity" and text + "族" == item.label_zh):
            return item.code
    return None


def _parse_date(text: str) -> dt.date | None:
    match = re.fullmatch(r"(\d{4})[-/.年]?(\d{1,2})[-/.月]?(\d{1,2})日?", text)
    if not match:
        return None
    try:
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


class _RowChecker:
    """Validates one raw row into a PersonDraft, collecting (row, column, message) errors."""

    def __init__(self, codes: CodeBook, today: dt.date, scope: str) -> None:
        self.codes, self.today, self.scope = codes, today, scope

    def check(self, raw: RawRow) -> tuple[PersonDraft | None, list[RowError]]:
        errors: list[RowError] = []
        values: dict = {}

        def fail(header: str, message: str) -> None:
            errors.append(RowError(raw.row, header, message))

        for column in ROSTER_COLUMNS:
            text = raw.values.get(column.header, "")
            if not text:
                if column.required:
                    fail(column.header, f"{column.header}不能为空")
                continue
            if column.text and column.header in raw.numeric and len(text) > EXCEL_EXACT_DIGITS:
                fail(column.header, f"{column.header}被Excel存成了数字，超过15位的末尾数字已丢失；"
                                    "请把该列设为文本格式后重新录入")
                continue
            self._check_cell(column.field, column.header, text, values, fail)
        self._cross_check_id(values, fail)
        if errors:
            return None, errors
        return PersonDraft(raw.row, values.pop("household_no"), values.pop("head_name"), values), []

    def _check_cell(self, name: str, header: str, text: str, values: dict, fail) -> None:
        column = COLUMN_BY_HEADER[header]
        if column.code_table:
            code = _resolve_code(self.codes, column.code_table, text)
            if code is None:
                fail(header, f"“{text}”不是有效的{header}，请从代码表中选择")
            values[name] = code
        elif name == "id_number":
            self._check_id(text, header, values, fail)
        elif name == "household_no":
            try:
                values[name] = validate_household_no(text)
            except ValidationError as error:
                fail(header, error.message())
                return
            if not in_scope(self.scope, values[name][:12]):
                fail(header, "户编号不在您负责的区域内")
        elif name == "phone" and "*" in text:
            fail(header, "联系电话为脱敏值（含*），请填写完整号码")
        elif name == "phone":
            try:
                values[name] = normalise_phone(text)
            except ValidationError as error:
                fail(header, error.message())
        elif name == "birth_date":
            values[name] = _parse_date(text)
            if values[name] is None:
                fail(header, f"“{text}”不是有效日期，请写成 1980-01-31")
        elif len(text) > MAX_LENGTH.get(name, 200):
            fail(header, f"{header}不能超过{MAX_LENGTH.get(name, 200)}个字符")
        else:
            values[name] = text

    def _check_id(self, text: str, header: str, values: dict, fail) -> None:
        if "*" in text:
            fail(header, "公民身份号码为脱敏值（含*），请填写完整号码")
            return
        try:
            resident = parse_resident_id(text, self.today)
        except ValidationError as error:
            fail(header, error.message())
            return
        values["id_number"] = resident.number
        values["_resident"] = resident

    @staticmethod
    def _cross_check_id(values: dict, fail) -> None:
        resident = values.pop("_resident", None)
        if resident is None:
            return
        if values.get("gender") and values["gender"] in ("1", "2") and values["gender"] != resident.gender:
            fail("性别", "性别与公民身份号码不符")
        if values.get("birth_date") and values["birth_date"] != resident.birth_date:
            fail("出生日期", "出生日期与公民身份号码不符")
        values["gender"] = values.get("gender") or resident.gender
        values["birth_date"] = resident.birth_date


def _check_file(drafts: list[PersonDraft]) -> list[RowError]:
    """Rules across rows: unique ID numbers, one head per household, consistent head names."""
    errors: list[RowError] = []
    seen_ids: dict[str, int] = {}
    households: dict[str, list[PersonDraft]] = defaultdict(list)
    for d in drafts:
        number = d.values["id_number"]
        if number in seen_ids:
            errors.append(RowError(d.row, "公民身份号码", f"与第{seen_ids[number]}行的公民身份号码重复"))
        seen_ids.setdefault(number, d.row)
        households[d.household_no].append(d)
    for members in households.values():
        first = members[0]
        for d in members[1:]:
            if d.head_name != first.head_name:
                errors.append(RowError(d.row, "户主姓名",
                                       f"同一户的户主姓名不一致（第{first.row}行为“{first.head_name}”）"))
        heads = [d for d in members if d.values.get("relation_to_head") == HEAD_RELATION]
        for extra in heads[1:]:
            errors.append(RowError(extra.row, "与户主关系", f"同一户只能有一位户主（第{heads[0].row}行已是户主）"))
        if heads and heads[0].values["name"] != heads[0].head_name:
            errors.append(RowError(heads[0].row, "姓名", "户主本人的姓名与“户主姓名”不一致"))
    return errors


def _diff(obj: object | None, wanted: dict) -> dict:
    if obj is None:
        return dict(wanted)
    return {k: v for k, v in wanted.items() if getattr(obj, k) != v}


class _Planner:
    """Compares valid drafts with the register and lists the writes an import would make."""

    def __init__(self, session: Session, drafts: list[PersonDraft]) -> None:
        self.drafts = drafts
        numbers = {d.household_no for d in drafts}
        ids = [d.values["id_number"] for d in drafts]
        self.households = {h.household_no: h for h in session.scalars(
            select(Household).where(Household.household_no.in_(numbers), Household.deleted.is_(False),
                                    Household.merged_into.is_(None)))}
        self.persons = {p.id_number: p for p in session.scalars(
            select(Person).where(Person.id_number.in_(ids), Person.deleted.is_(False)))}
        self.household_numbers = {h.id: h.household_no for h in session.scalars(
            select(Household).where(Household.id.in_({p.household_id for p in self.persons.values()
                                                      if p.household_id})))}

    def moved_people(self) -> list[RowError]:
        errors = []
        for d in self.drafts:
            person = self.persons.get(d.values["id_number"])
            current = self.household_numbers.get(person.household_id) if person else None
            if person and current != d.household_no:
                where = f"户{current}" if current else "系统中（未分户）"
                errors.append(RowError(d.row, "公民身份号码", f"该人员已登记在{where}，如需迁户请在系统中办理"))
        return errors

    def household_writes(self) -> tuple[list, list[PlannedChange]]:
        writes, changes = [], []
        by_household: dict[str, list[PersonDraft]] = defaultdict(list)
        for d in self.drafts:
            by_household[d.household_no].append(d)
        for number, members in by_household.items():
            head = next((d for d in members if d.values.get("relation_to_head") == HEAD_RELATION), None)
            existing = self.households.get(number)
            # A new household takes its address and phone from its head's row; an existing one keeps
            # its own (a member's phone is not the household's), so a re-import changes nothing.
            wanted = {}
            if existing is None:
                wanted = {"household_no": number, "region_code": number[:12]}
                if head is not None:
                    wanted.update({k: head.values[s] for k, s in (("address", "current_address"), ("phone", "phone"))
                                   if head.values.get(s)})
            diff = _diff(existing, wanted)
            action = "新增" if existing is None else "无变化"
            labels = ()
            changes.append(PlannedChange(members[0].row, "household", action, number, members[0].head_name, labels))
            writes.append((existing.id if existing else None, number, diff))
        return writes, changes

    def person_writes(self) -> tuple[list, list[PlannedChange]]:
        writes, changes = [], []
        for d in self.drafts:
            existing = self.persons.get(d.values["id_number"])
            wanted = {k: v for k, v in d.values.items() if k in PERSON_FIELDS and v is not None}
            diff = _diff(existing, wanted)
            action = "新增" if existing is None else ("更新" if diff else "无变化")
            labels = tuple(FIELD_LABELS[k] for k in diff) if existing else ()
            changes.append(PlannedChange(d.row, "person", action, d.household_no, d.values["name"], labels))
            writes.append((existing.id if existing else None, d.household_no, diff))
        return writes, changes


def plan_import(session: Session, sheet: RosterSheet, codes: CodeBook, today: dt.date, scope: str) -> ImportPlan:
    """Validate every row and compare with the register; nothing is written."""
    warnings = tuple(f"无法识别的列“{h}”，已忽略" for h in sheet.ignored_columns)
    if sheet.missing_columns:
        errors = tuple(RowError(0, h, f"缺少必填列“{h}”，请使用导入模板") for h in sheet.missing_columns)
        return ImportPlan(errors, warnings, ())
    if not sheet.rows:
        return ImportPlan((RowError(0, "", "表中没有数据行"),), warnings, ())
    checker = _RowChecker(codes, today, scope)
    drafts, errors = [], []
    for raw in sheet.rows:
        draft, row_errors = checker.check(raw)
        errors += row_errors
        if draft is not None:
            drafts.append(draft)
    errors += _check_file(drafts)
    planner = _Planner(session, drafts)
    errors += planner.moved_people()
    if errors:
        return ImportPlan(tuple(sorted(errors, key=lambda e: (e.row, e.column))), warnings, ())
    household_writes, household_changes = planner.household_writes()
    person_writes, person_changes = planner.person_writes()
    return ImportPlan((), warnings, tuple(household_changes + person_changes),
                      tuple(household_writes), tuple(person_writes))


def apply_plan(session: Session, plan: ImportPlan) -> list[str]:
    """Performs a plan without errors through the ORM; returns the ids of the records written."""
    if not plan.ok:
        raise ValueError("an import plan with errors cannot be applied")
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
