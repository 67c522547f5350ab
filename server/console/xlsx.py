"""Excel exports of the console (progress, audit, a task's summary and answers): one sheet or several, rows written as plain values, a text that starts
like a formula (=, +, -, @) kept as text so an exported title or reason can never run as a formula
in the reader's spreadsheet."""

from __future__ import annotations

import io
from collections.abc import Iterable

from openpyxl import Workbook

FORMULA_STARTS = ("=", "+", "-", "@")


def workbook_bytes(title: str, header: list[str], rows: Iterable[list]) -> bytes:
    return workbook_sheets([(title, header, rows)])


def workbook_sheets(sheets: list[tuple[str, list[str], Iterable[list]]]) -> bytes:
    """A workbook of (title, header, rows) sheets, in order: the first opens when the file is opened."""
    book = Workbook()
    for number, (title, header, rows) in enumerate(sheets):
        sheet = book.active if number == 0 else book.create_sheet()
        sheet.title = title[:31]
        sheet.append(header)
        for values in rows:
            sheet.append(values)
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                    cell.data_type = "s"  # openpyxl would otherwise store it as a formula
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
