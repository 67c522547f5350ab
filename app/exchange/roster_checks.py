"""Checking a roster's rows: each cell on its own (`RowChecker`, every problem of a row, not only
the first), then the household rules over the whole file (`check_households`: exactly one head
for a new household, head names consistent with the head's own row, an ID number only once in the
file). Problems name the row number Excel shows and the column as the clerk headed it.

Coded columns take what villages type (labels, codes, 汉 for 汉族, 初中 for 初中毕业 through
`app.exchange.synonyms`); a value no synonym explains is reported, and listed once per distinct
value in the preview's summary."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field

from app.codes import CodeBook
from app.errors import ValidationError
from app.exchange.layout import EXCEL_EXACT_DIGITS, FIELD_HEADERS, RawRow
from app.exchange.synonyms import CodeResolver
from app.messages import text as catalogue_text
from app.rules.contact import normalise_phone
from app.rules.idnumber import parse_resident_id, upgrade_first_generation
from app.rules.regions import household_no, in_scope, validate_household_no
from db.typed_forms import id_number_form

HEAD_RELATIONS = ("02", "01")  # 户主, and 本人 as villages write on the head's own row
HEAD_RELATION = "02"
CODED = {"gender": "gender", "ethnicity": "ethnicity", "relation_to_head": "relation_to_head",
         "education": "education", "political_status": "political_status",
         "marital_status": "marital_status", "residence_type": "residence_type"}
_PHONE_SEPARATORS = re.compile(r"[/、,，;；|]+|\s{2,}")
MAX_LENGTH = {"name": 50, "head_name": 50, "current_address": 200, "household_address": 200, "hukou_address": 200,
              "notes": 1000}
REQUIRED = ("household_no", "name", "relation_to_head", "id_number")
_SCIENTIFIC = re.compile(r"\d(?:\.\d+)?[eE]\+?\d{1,2}")


@dataclass(frozen=True)
class RowError:
    """A problem at a row: a catalogue code and its parameters (app.messages), so the preview reads
    in the user's language; the column is named as the clerk headed it."""

    row: int  # the row number Excel shows; 0 for a problem with the whole file
    column: str
    code: str
    params: dict = field(default_factory=dict, compare=False)

    @property
    def message(self) -> str:
        """In Chinese: the error workbook goes back to the village."""
        return catalogue_text(self.code, "zh_CN", **self.params)

    def text(self, lang: str) -> str:
        return catalogue_text(self.code, lang, **self.params)


@dataclass
class Draft:
    """A row's values as far as they could be read; `errors` lists everything wrong with it."""

    row: int
    household_no: str
    head_name: str
    values: dict
    errors: list[RowError]

    @property
    def is_head(self) -> bool:
        return self.values.get("relation_to_head") in HEAD_RELATIONS


def parse_date(text: str) -> dt.date | None:
    """1980-01-31, 1980/1/31, 1980.01.31, 1980年1月31日 or 19800131 (a date as Excel shows it)."""
    match = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text) or \
        re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text)
    if not match:
        return None
    try:
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def _local_number(text: str) -> tuple[int, int] | None:
    """A village's own 户号 — 12, 3-12, 3组12号, 030012 — as (group, sequence), or None."""
    match = re.fullmatch(r"(?:(\d{1,2})(?:组|-|—|/))?(\d{1,4})号?", text) or re.fullmatch(r"(\d{2})(\d{4})", text)
    return (int(match[1] or 0), int(match[2])) if match and int(match[2]) > 0 else None


def _year_month(text: str) -> tuple[int, int] | None:
    """出生年月 as villages keep it: 1980.01, 1980-1, 1980年1月, 198001."""
    match = re.fullmatch(r"(\d{4})(\d{2})", text) or re.fullmatch(r"(\d{4})[-/.年](\d{1,2})月?", text)
    return (int(match[1]), int(match[2])) if match else None


class RowChecker:
    """Turns a raw row into a Draft, collecting every problem of the row."""

    def __init__(self, codes: CodeBook, today: dt.date, scope: str, labels: dict[str, str],
                 village: str | None = None, villages=None) -> None:
        self.codes, self.today, self.scope, self.village = codes, today, scope, village
        self.villages = villages  # app.exchange.villages.VillageIndex: the 村（社区） column
        self.resolver = CodeResolver(codes)
        self.labels = {**FIELD_HEADERS, **labels}
        self.unknown_values: dict[tuple[str, str], list[int]] = defaultdict(list)
        self.upgraded = 0  # 15-digit ID numbers read as their 18-digit successors

    def check(self, raw: RawRow) -> Draft:
        errors: list[RowError] = []
        values: dict = {}

        def fail(name: str, code: str, **params) -> None:
            errors.append(RowError(raw.row, self.labels[name], code, params))

        for name in REQUIRED:
            if name in raw.values and not raw.values[name]:
                fail(name, "required", label=self.labels[name])
        if raw.values.get("village") and self.villages is not None:  # before 户号: it may complete it
            resolved = self.villages.resolve(raw.values["village"])
            if resolved.code:
                values["region_code"] = resolved.code
            else:
                fail("village", resolved.problem, label=self.labels["village"], value=raw.values["village"])
        for name, text in raw.values.items():
            if not text or name == "village":
                continue
            if name in ("id_number", "household_no", "phone") and name in raw.numeric \
                    and len(text) > EXCEL_EXACT_DIGITS:
                fail(name, "roster_excel_number", label=self.labels[name], kept=text[:15])
                continue
            if name in ("id_number", "household_no", "phone") and _SCIENTIFIC.fullmatch(text):
                # A CSV saved from Excel keeps what the cell showed: 1.10101E+17
                fail(name, "roster_excel_scientific", label=self.labels[name], shown=text)
                continue
            self._check_cell(name, text, values, raw.row, fail)
        self._cross_check_id(values, raw.values, fail)
        others = values.pop("_other_phones", None)
        if others:
            note = "其他电话：" + "、".join(others)
            kept = values.get("notes") or ""
            values["notes"] = kept if note in kept else f"{kept}；{note}" if kept else note
        return Draft(raw.row, values.pop("household_no", raw.values.get("household_no", "")),
                     raw.values.get("head_name", ""), values, errors)

    def _check_cell(self, name: str, text: str, values: dict, row: int, fail) -> None:
        label = self.labels[name]
        if name in CODED:  # 户 主, 汉 族: two characters spaced out to line up with three (no label has a space)
            code = self.resolver.resolve(CODED[name], text.replace(" ", ""))
            if code is None:
                self.unknown_values[(label, text)].append(row)
                fail(name, "roster_unknown_value", label=label, value=text)
            values[name] = code
        elif name == "id_number":
            self._check_id(text, label, values, fail)
        elif name == "household_no":
            local = _local_number(text)
            village = values.get("region_code") or self.village  # the row's 村（社区）, else the one chosen
            if local is not None and village is None:
                fail(name, "roster_local_household_no", label=label, value=text)
                return
            try:
                values[name] = household_no(village, *local) if local else validate_household_no(text)
            except ValidationError as error:
                fail(name, error.code, **error.params)
                return
            if local:
                values["_local_no"] = text  # the village's own number: matched by the members' IDs later
            if not in_scope(self.scope[:12], values[name][:12]):  # a grid worker: the grid is checked per household
                fail(name, "roster_household_out_of_scope", label=label)
        elif name == "phone":
            self._check_phone(text, label, values, fail)
        elif name == "birth_date":
            values["_birth_text"] = text
        elif name == "grid_code":
            values[name] = text
        elif name == "head_name":
            return
        elif len(text) > MAX_LENGTH.get(name, 200):
            fail(name, "too_long", label=label, max=MAX_LENGTH.get(name, 200))
        else:
            values[name] = text

    @staticmethod
    def _check_phone(text: str, label: str, values: dict, fail) -> None:
        if "*" in text:
            fail("phone", "roster_masked_value", label=label)
            return
        try:
            values["phone"] = normalise_phone(text)
        except ValidationError as error:
            parts = [p for p in _PHONE_SEPARATORS.split(text) if p.strip()]
            try:  # 13800001111/13900002222: the first is the phone, the others go to the notes
                numbers = [normalise_phone(p) for p in parts] if len(parts) > 1 else None
            except ValidationError:
                numbers = None
            if not numbers:
                fail("phone", error.code, **error.params)
                return
            values["phone"], values["_other_phones"] = numbers[0], numbers[1:]

    def _check_id(self, text: str, label: str, values: dict, fail) -> None:
        if "*" in text:
            fail("id_number", "roster_masked_value", label=label)
            return
        values["_id_text"] = id_number_form(text)
        upgraded = upgrade_first_generation(text)
        if upgraded is not None:  # a 15-digit number of old records: the 18-digit one that replaced it
            text = upgraded
            self.upgraded += 1
        try:
            resident = parse_resident_id(text, self.today)
        except ValidationError as error:
            fail("id_number", error.code, **error.params)
            return
        values["id_number"] = resident.number
        values["_resident"] = resident

    def _cross_check_id(self, values: dict, raw: dict, fail) -> None:
        resident = values.pop("_resident", None)
        birth_text = values.pop("_birth_text", "")
        birth = parse_date(birth_text) if birth_text else None
        if birth_text and birth is None and _year_month(birth_text) is None:
            fail("birth_date", "roster_bad_date", value=birth_text)
        if resident is None:
            return
        if values.get("gender") in ("1", "2") and values["gender"] != resident.gender:
            fail("gender", "roster_differs_from_id", label=self.labels["gender"], id_label=self.labels["id_number"])
        month = _year_month(birth_text) if birth_text and birth is None else None
        if (birth and birth != resident.birth_date) or \
                (month and month != (resident.birth_date.year, resident.birth_date.month)):
            fail("birth_date", "roster_differs_from_id", label=self.labels["birth_date"],
                 id_label=self.labels["id_number"])
        values["gender"] = values.get("gender") or resident.gender
        values["birth_date"] = resident.birth_date


def check_households(drafts: list[Draft], labels: dict[str, str], existing_heads: dict[str, str]) -> None:
    """The rules over the whole file, on every row (also rows with other problems), adding problems
    to the drafts. `existing_heads`: household number → the head's name for households the register
    already has (a roster updating some members of one need not repeat its head)."""
    labels = {**FIELD_HEADERS, **labels}
    seen_ids: dict[str, int] = {}
    households: dict[str, list[Draft]] = defaultdict(list)
    for d in drafts:
        number = d.values.get("id_number") or d.values.get("_id_text")
        if number:
            if number in seen_ids:
                d.errors.append(RowError(d.row, labels["id_number"], "roster_duplicate_id",
                                         {"row": seen_ids[number], "label": labels["id_number"]}))
            seen_ids.setdefault(number, d.row)
        if d.household_no:
            households[d.household_no].append(d)
    for number, members in households.items():
        apart = _households_sharing(members, drafts)
        if len(apart) > 1:
            _flag_shared_number(apart, labels)
        for household in apart:
            _check_one_household(household, labels, existing_heads.get(number))


def _households_sharing(members: list[Draft], drafts: list[Draft]) -> list[list[Draft]]:
    """The households one 户号 stands for in the file: its rows in runs of adjacent rows, a run
    that starts with a head (户主) after other rows of the number is another household — two
    families given one number (a typing slip, or two clerks' numbering). A run without a head
    belongs to the household before it (members listed apart)."""
    position = {id(d): i for i, d in enumerate(drafts)}
    found: list[list[Draft]] = []
    previous = None
    for d in members:
        at = position[id(d)]
        if found and previous is not None and at != previous + 1 and d.is_head and any(m.is_head for m in found[-1]):
            found.append([d])
        elif found:
            found[-1].append(d)
        else:
            found.append([d])
        previous = at
    return found


def _rows_text(rows: list[int]) -> str:
    return f"{rows[0]}–{rows[-1]}" if len(rows) > 1 and rows[-1] - rows[0] == len(rows) - 1 else \
        "、".join(str(r) for r in rows)


def _flag_shared_number(households: list[list[Draft]], labels: dict[str, str]) -> None:
    """Every row of every household sharing one number is refused, naming the other household's
    rows and head: which of them keeps the number is the clerk's to say (nothing of them is written)."""
    for household in households:
        other = next(h for h in households if h is not household)
        head = next((d.values.get("name") for d in other if d.is_head), "") or "—"
        for d in household:
            value = d.values.get("_local_no") or d.household_no
            d.errors.append(RowError(d.row, labels["household_no"], "roster_household_no_repeated",
                                     {"label": labels["household_no"], "value": value,
                                      "rows": _rows_text([m.row for m in other]), "name": head}))


def _check_one_household(members: list[Draft], labels: dict[str, str], registered_head: str | None) -> None:
    heads = [d for d in members if d.is_head]
    first = members[0]
    if not heads and registered_head is None:
        first.errors.append(RowError(first.row, labels["relation_to_head"], "roster_no_head"))
    for extra in heads[1:]:
        extra.errors.append(RowError(extra.row, labels["relation_to_head"], "roster_second_head",
                                     {"row": heads[0].row}))
    addressed = [d for d in members if d.values.get("household_address")]
    for d in addressed[1:]:
        if d.values["household_address"] != addressed[0].values["household_address"]:
            d.errors.append(RowError(d.row, labels["household_address"], "roster_household_differs",
                                     {"label": labels["household_address"], "row": addressed[0].row,
                                      "value": addressed[0].values["household_address"]}))
    head_name = heads[0].values.get("name") if heads else registered_head
    if head_name is None:
        named = [d for d in members if d.head_name]
        if named:
            head_name = named[0].head_name
    for d in members:
        if d.head_name and head_name and d.head_name != head_name:
            code, params = ("roster_head_name_row", {"row": heads[0].row}) if heads else ("roster_head_name_register", {})
            d.errors.append(RowError(d.row, labels["head_name"], code, {**params, "name": head_name}))
