"""Where the roster is on the sheet and what its columns mean: the header row found among the first
rows (under title rows and blank rows, one or two header rows), footer rows skipped (合计, 制表人,
填报日期 …), merged household cells filled down, and every cell normalised the way clerks type
(full-width digits, letters and spaces, a stray leading apostrophe, names padded with spaces).

`propose_layout(grid)` gives the header rows and a proposed field per column; the clerk may change
the mapping; `data_rows(grid, layout, mapping)` then yields `RawRow`s keyed by field with the Excel
row number. A layout's `signature` names the source layout, so a confirmed mapping is remembered
for the next file laid out the same way."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from app.exchange.readers import SheetGrid
from app.exchange.synonyms import HEADER_SYNONYMS, field_for_header, header_key
from app.rules.masking import mask_id, mask_phone

HEADER_SCAN_ROWS = 15
# The columns that describe the household: a merged cell over a household's rows, or a blank cell
# under the household's first row, means "same as above".
HOUSEHOLD_FIELDS = ("household_no", "head_name")
FOOTER_WORDS = ("合计", "总计", "小计", "共计", "制表人", "制表", "填表人", "填报人", "填报日期", "填表日期",
                "审核人", "负责人", "经办人", "统计人", "村委会", "盖章", "联系人", "日期：", "日期:", "注：", "注:",
                "说明：", "说明:")
PROBLEM_HEADER = "问题说明"  # the error workbook's column saying what is wrong with each row
FIELD_HEADERS = {name: words[0] for name, words in HEADER_SYNONYMS.items()}
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_SPACES = re.compile(r"\s+")
_CJK_NAME = re.compile(r"[\u3400-\u9fff\U00020000-\U0003134f·•]+")
EXCEL_EXACT_DIGITS = 15


@dataclass(frozen=True)
class RawRow:
    """One data row as typed: field → normalised cell text, with the row number Excel shows."""

    row: int
    values: dict[str, str]
    numeric: frozenset[str] = frozenset()  # fields whose cell Excel stored as a number
    filled: frozenset[str] = frozenset()  # fields taken from the household's row above
    household: int = 0  # a roster without 户号: the row's household in the file (1, 2 …), from its head rows


@dataclass(frozen=True)
class SourceColumn:
    index: int
    label: str  # the header as the clerk wrote it (both rows of a two-row header joined)
    field: str | None  # proposed roster field, None: not imported


@dataclass(frozen=True)
class RosterLayout:
    header_rows: tuple[int, ...]  # 0-based rows holding the header
    columns: tuple[SourceColumn, ...]
    sheet: str
    sheet_names: tuple[str, ...]
    encoding: str = ""

    @property
    def first_data_row(self) -> int:
        return self.header_rows[-1] + 1 if self.header_rows else 0

    @property
    def signature(self) -> str:
        """Names the source layout (its header labels in order) for remembering a mapping. The error
        workbook's own last column (问题说明) is left out: the fixed rows come back under the mapping
        the clerk confirmed for the file they came from."""
        labels = [c.label for c in self.columns]
        if labels and labels[-1] == PROBLEM_HEADER:
            labels.pop()
        text = "\x1f".join(header_key(label) for label in labels)
        return hashlib.sha1(text.encode("utf-8")).hexdigest()[:24]

    def proposed(self) -> dict[int, str]:
        return {c.index: c.field for c in self.columns if c.field}


def normalise_text(value: object) -> str:
    """A cell as text the rules can read: full-width → half-width, no stray apostrophe, trimmed;
    numbers Excel stored as numbers written without '.0', dates as ISO dates."""
    if type(value) is str:  # most cells: the fast path first
        return value.translate(_FULL_WIDTH).strip().lstrip("'‘’`").strip() if value else ""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))  # 13812345678.0 → "13812345678"; 1.10101e17 keeps what Excel kept
        return repr(value)
    if isinstance(value, dt.time | dt.timedelta):
        return str(value)
    text = str(value).translate(_FULL_WIDTH).strip()
    return text.lstrip("'‘’`").strip()


def _clean_name(text: str) -> str:
    # "张  三" is a two-character name padded to line up with three-character ones.
    squeezed = _SPACES.sub("", text)
    return squeezed if _CJK_NAME.fullmatch(squeezed or "-") else _SPACES.sub(" ", text)


def _row_texts(row: list[object]) -> list[str]:
    return [normalise_text(v) for v in row]


def _fill_merged_headers(grid: SheetGrid, rows: range) -> dict[tuple[int, int], str]:
    """Header cells covered by a merged range take the range's text (a group title over columns)."""
    filled: dict[tuple[int, int], str] = {}
    for r0, c0, r1, c1 in grid.merged:
        if r0 not in rows:
            continue
        text = normalise_text(grid.rows[r0][c0]) if c0 < len(grid.rows[r0]) else ""
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                filled[(r, c)] = text
    return filled


def _header_score(texts: list[str]) -> int:
    return len({f for f in (field_for_header(t) for t in texts if t) if f})


def propose_layout(grid: SheetGrid) -> RosterLayout:
    """Finds the header among the first rows: the row naming most roster fields (at least two), plus
    the row under it when that row names fields the first does not (a two-row header)."""
    scan = range(min(HEADER_SCAN_ROWS, len(grid.rows)))
    merged = _fill_merged_headers(grid, scan)
    texts = {r: [merged.get((r, c), t) for c, t in enumerate(_row_texts(grid.rows[r]))] for r in scan}
    scores = {r: _header_score(texts[r]) for r in scan}
    best = max(scan, key=lambda r: (scores[r], -r), default=None)
    if best is None or scores[best] < 2:
        return RosterLayout((), (), grid.name, grid.sheet_names, grid.encoding)
    rows = (best,)
    below = best + 1
    if below in texts:
        upper, lower = texts[best], texts[below]
        gains = [c for c, t in enumerate(lower) if field_for_header(t)
                 and not field_for_header(upper[c] if c < len(upper) else "")]
        if gains and not any(_looks_like_data(t) for t in lower):
            rows = (best, below)
    width = max(len(texts[r]) for r in rows)
    columns = []
    for c in range(width):
        parts = [texts[r][c] for r in rows if c < len(texts[r]) and texts[r][c]]
        lower_field = field_for_header(parts[-1]) if parts else None
        label = parts[-1] if lower_field or len(parts) < 2 or parts[0] == parts[-1] else "".join(parts)
        if len(parts) == 2 and parts[0] != parts[-1] and not lower_field:
            label = parts[0] + parts[1]
        label = _shown_label(label)
        columns.append(SourceColumn(c, label, field_for_header(label) or lower_field))
    return RosterLayout(rows, tuple(_drop_duplicate_fields(columns)), grid.name, grid.sheet_names,
                        grid.encoding)


def _looks_like_data(text: str) -> bool:
    return bool(re.fullmatch(r"\d{6,}[\dXx]*", text))


def _drop_duplicate_fields(columns: list[SourceColumn]) -> list[SourceColumn]:
    """Two columns proposing one field: the first keeps it (the clerk can change the choice)."""
    seen: set[str] = set()
    out = []
    for column in columns:
        if column.field in seen:
            column = SourceColumn(column.index, column.label, None)
        elif column.field:
            seen.add(column.field)
        out.append(column)
    return out


def is_footer(texts: list[str]) -> bool:
    """A 合计/制表人/填报日期 line under the data: few cells, one starting with a footer word."""
    filled = [t for t in texts if t]
    if not filled or len(filled) > 4 or any(_looks_like_data(t) and len(t) >= 15 for t in filled):
        return False
    return any(t.startswith(FOOTER_WORDS) for t in filled)


def _merged_fill(grid: SheetGrid, first: int, columns: set[int]) -> dict[tuple[int, int], object]:
    fill = {}
    for r0, c0, r1, c1 in grid.merged:
        if r1 < first or r1 == r0:
            continue
        value = grid.rows[r0][c0] if c0 < len(grid.rows[r0]) else ""
        for c in range(c0, c1 + 1):
            if c in columns:
                for r in range(max(r0 + 1, first), r1 + 1):
                    fill[(r, c)] = value
    return fill


def data_rows(grid: SheetGrid, layout: RosterLayout, mapping: Mapping[int, str]) -> tuple[list[RawRow], int]:
    """The data rows under the header with the clerk's mapping (column index → field); returns the
    rows and the number of footer rows skipped. Household cells left blank under a household's first
    row (or merged over its rows) take the value above."""
    # A merged cell is "the same for all these rows" whatever the column (户号, 户主, 家庭住址 …).
    fill = _merged_fill(grid, layout.first_data_row, set(mapping))
    out: list[RawRow] = []
    footers = 0
    above: dict[str, str] = {}
    households = _HeadRows() if "household_no" not in mapping.values() else None
    for r in range(layout.first_data_row, len(grid.rows)):
        cells = grid.rows[r]
        texts = _row_texts(cells)
        if not any(texts):
            continue
        if is_footer(texts):
            footers += 1
            continue
        values, numeric, filled = {}, set(), set()
        for c, name in mapping.items():
            if (r, c) in fill:
                raw = fill[(r, c)]
                text = normalise_text(raw)
            elif c < len(cells):
                raw, text = cells[c], texts[c]
            else:
                raw, text = "", ""
            if name in ("name", "head_name"):
                text = _clean_name(text)
            if isinstance(raw, int | float) and not isinstance(raw, bool):
                numeric.add(name)
            if (r, c) in fill and text:
                filled.add(name)
            values[name] = text
        _fill_household_down(values, above, filled)
        out.append(RawRow(r + 1, values, frozenset(numeric), frozenset(filled),
                          households.next(values) if households else 0))
    return out, footers


HEAD_WORDS = frozenset({"户主", "本人", "户主本人", "01", "02"})


class _HeadRows:
    """Households of a roster without 户号: a 户主 (or 本人) row, or a new 户主姓名, starts the next one."""

    def __init__(self) -> None:
        self.count, self.head_name = 0, ""

    def next(self, values: dict[str, str]) -> int:
        head_name = values.get("head_name", "")
        if not self.count or values.get("relation_to_head", "").replace(" ", "") in HEAD_WORDS \
                or (head_name and head_name != self.head_name):
            self.count += 1
        self.head_name = head_name or self.head_name
        return self.count


def _fill_household_down(values: dict[str, str], above: dict[str, str], filled: set[str]) -> None:
    if "household_no" in values and not values["household_no"] and above.get("household_no") \
            and values.get("name") and not values.get("head_name"):
        for name in HOUSEHOLD_FIELDS:
            if name in values and not values[name] and above.get(name):
                values[name] = above[name]
                filled.add(name)
    if values.get("household_no"):
        if values["household_no"] != above.get("household_no"):
            above.clear()
        above.update({k: values[k] for k in HOUSEHOLD_FIELDS if values.get(k)})


_LONG_DIGITS = re.compile(r"\d{7,}")
_AS_TYPED = ("household_no", "grid_code", "village")  # numbers of households and places: not personal data


def _sample(field: str | None, text: str) -> str:
    """A value as the column-mapping preview shows it: an ID number or phone masked by the rule every
    screen uses; a 户号, grid or village code as typed; anything else (a column not imported, 备注)
    with its long digit runs masked — an ID or phone under a header nobody recognised."""
    if field == "id_number":
        return mask_id(text)
    if field == "phone":
        return mask_phone(text)
    if field in _AS_TYPED:
        return text
    return _LONG_DIGITS.sub(lambda m: m[0][:3] + "*" * (len(m[0]) - 7) + m[0][-4:], text)


def sample_values(grid: SheetGrid, layout: RosterLayout, count: int = 2) -> dict[int, str]:
    """A column's first values under the header, for the clerk to see what a column holds; ID numbers
    and phones masked as everywhere on screen (`_sample`)."""
    fields = {column.index: column.field for column in layout.columns}
    samples: dict[int, list[str]] = {}
    for r in range(layout.first_data_row, min(len(grid.rows), layout.first_data_row + 20)):
        for c, text in enumerate(_row_texts(grid.rows[r])):
            if text and len(samples.setdefault(c, [])) < count:
                samples[c].append(_sample(fields.get(c), text))
    return {c: " / ".join(values) for c, values in samples.items()}


def _shown_label(text: str) -> str:
    """A header as messages name it: a line break typed in the cell (身份证号码⏎(18位)) joined, runs of
    spaces made one — a message naming the column on one line, not cut after its first."""
    return re.sub(r" {2,}", " ", re.sub(r"\s*[\r\n]+\s*", "", text)).strip()


def mapping_from_labels(layout: RosterLayout, remembered: Mapping[str, str | None]) -> dict[int, str]:
    """A remembered mapping (header label → field) applied to this file's columns."""
    out = {}
    for column in layout.columns:
        key = header_key(column.label)
        if key in remembered:
            if remembered[key]:
                out[column.index] = remembered[key]
        elif column.field:
            out[column.index] = column.field
    return out


def mapping_labels(layout: RosterLayout, mapping: Mapping[int, str]) -> dict[str, str | None]:
    """The mapping keyed by header label, to remember for the next file of this layout."""
    return {header_key(c.label): mapping.get(c.index) for c in layout.columns if c.label}


@dataclass(frozen=True)
class MappingCheck:
    missing: tuple[str, ...] = ()  # required fields no column maps to
    doubled: tuple[str, ...] = ()  # fields two columns map to
    unmapped: tuple[str, ...] = field(default=())  # labels of columns not imported


# No 户号 column: the households are told apart by their head rows (`RawRow.household`).
REQUIRED_FIELDS = ("name", "relation_to_head", "id_number")


def check_mapping(layout: RosterLayout, mapping: Mapping[int, str]) -> MappingCheck:
    chosen = list(mapping.values())
    missing = tuple(FIELD_HEADERS[f] for f in REQUIRED_FIELDS if f not in chosen)
    doubled = tuple(sorted({FIELD_HEADERS.get(f, f) for f in chosen if chosen.count(f) > 1}))
    unmapped = tuple(c.label for c in layout.columns if c.label and c.index not in mapping)
    return MappingCheck(missing, doubled, unmapped)
