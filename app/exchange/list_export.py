"""Export of any list view to xlsx (XlsxWriter): rows + columns + a masking rule per column. The same Disclosure
as printing decides what shows: ID numbers and phones masked unless revealed, names masked where
the column asks for it under a names-masked disclosure. Every workbook carries a second sheet
saying who exported it, when, why and whether values are masked.

Also the register in roster layout (`roster_rows`), so a village's roster exported with full values
imports back unchanged."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.codes import CodeBook
from app.exchange.roster_columns import ROSTER_COLUMNS, SHEET_NAME
from app.reports.context import Disclosure
from db.models import Household, Person

MASKS = ("id", "phone", "name")


@dataclass(frozen=True)
class ExportColumn:
    """One column of an exported list: its header, how to get the value from a row (a key of a
    mapping, an attribute name, or a function) and the masking rule ("id", "phone", "name", None)."""

    header: str
    key: str | Callable[[object], object]
    mask: str | None = None
    width: float = 14

    def value(self, row: object, d: Disclosure) -> object:
        if callable(self.key):
            raw = self.key(row)
        elif isinstance(row, Mapping):
            raw = row.get(self.key)
        else:
            raw = getattr(row, self.key)
        if self.mask == "id":
            return d.id_number(raw)
        if self.mask == "phone":
            return d.phone(raw)
        if self.mask == "name":
            return d.name(raw)
        return "" if raw is None else raw


def _about_sheet(wb, d: Disclosure, title: str, count: int) -> None:
    about = wb.add_worksheet("导出说明")
    for row, (label, value) in enumerate((
            ("内容", title), ("导出人", d.username), ("导出时间", f"{d.at:%Y-%m-%d %H:%M}"), ("用途", d.purpose),
            ("记录数", count), ("脱敏", "否：含完整证件号码和电话，请妥善保管" if d.reveal else "是：证件号码和电话已脱敏"),
            ("提示", "本文件含个人信息，仅限工作使用，请勿外传。"))):
        about.write_row(row, 0, (label, value))
    about.set_column(0, 0, 12)
    about.set_column(1, 1, 48)


def export_rows(path: Path, title: str, columns: list[ExportColumn], rows: Iterable[object], d: Disclosure,
                sheet_name: str | None = None) -> int:
    """Writes the rows (streamed: large lists stay small in memory); returns the number of rows.
    XlsxWriter in constant-memory mode writes a list ~1.6× faster than openpyxl's write-only mode;
    cell text is never taken for a formula or a link (a name starting with "=" stays text)."""
    import xlsxwriter

    for column in columns:
        if column.mask not in (None, *MASKS):
            raise ValueError(f"unknown mask rule {column.mask!r}")
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                         "strings_to_urls": False, "strings_to_numbers": False})
    sheet = wb.add_worksheet((sheet_name or title)[:31])
    for index, column in enumerate(columns):
        sheet.set_column(index, index, column.width)
    sheet.freeze_panes(1, 0)
    sheet.write_row(0, 0, [c.header for c in columns], wb.add_format({"bold": True, "bg_color": "#DDEBF7"}))
    count = 0
    for count, row in enumerate(rows, start=1):  # noqa: B007 - the last index is the count
        sheet.write_row(count, 0, [column.value(row, d) for column in columns])
    _about_sheet(wb, d, title, count)
    wb.close()
    return count


ROSTER_EXPORT_COLUMNS = [
    ExportColumn(c.header, c.header, {"id_number": "id", "phone": "phone"}.get(c.field), c.width)
    for c in ROSTER_COLUMNS
]


def roster_rows(session: Session, region_code: str, codes: CodeBook) -> list[dict]:
    """The live persons of a village (or township, by prefix) in roster layout, keyed by header,
    coded columns as labels; ordered by household number with the head first."""
    rows = session.execute(
        select(Person, Household).join(Household, Household.id == Person.household_id)
        .where(Household.region_code.startswith(region_code), Household.deleted.is_(False),
               Person.deleted.is_(False))
        .order_by(Household.household_no, Person.relation_to_head, Person.birth_date)
    ).all()
    heads = {h.id: p.name for p, h in rows if h.head_person_id == p.id}
    out = []
    for person, household in rows:
        row = {"_id": person.id, "户编号": household.household_no, "户主姓名": heads.get(household.id, "")}
        for column in ROSTER_COLUMNS[2:]:
            value = getattr(person, column.field)
            if column.code_table:
                value = codes.label(column.code_table, value, value or "")
            row[column.header] = value.isoformat() if hasattr(value, "isoformat") else (value or "")
        out.append(row)
    return out


ROSTER_SHEET = SHEET_NAME
