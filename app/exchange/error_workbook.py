"""The error workbook: the clerk's own header and rows (every row of a household that could not be
imported), each cell as it was typed, plus a 问题说明 column saying what is wrong and the cells at
fault filled red. The clerk fixes it in Excel and imports it again: its header row is the file's
own, so the same column mapping applies, and ID numbers are written as text so Excel keeps them."""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from app.exchange.layout import PROBLEM_HEADER, RosterLayout, normalise_text
from app.exchange.readers import SheetGrid
from app.exchange.roster_checks import RowError

RED = PatternFill("solid", fgColor="FFC7CE")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def _header_labels(layout: RosterLayout) -> list[str]:
    return [c.label for c in layout.columns]


def write_error_workbook(output: Path, grid: SheetGrid, layout: RosterLayout, rows: list[int],
                         errors: list[RowError]) -> int:
    """Writes the given Excel rows (numbers as the clerk sees them) with their problems; returns the
    number of rows written. Written under a temporary name first: never half a file."""
    problems: dict[int, list[RowError]] = defaultdict(list)
    for error in errors:
        problems[error.row].append(error)
    labels = _header_labels(layout)
    column_of = {label: index for index, label in enumerate(labels, start=1) if label}
    wb = Workbook()
    sheet = wb.active
    sheet.title = (grid.name or "花名册")[:31]
    sheet.append([*labels, PROBLEM_HEADER])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    sheet.cell(1, len(labels) + 1).font = Font(bold=True, color="C00000")
    written = 0
    for excel_row in sorted(set(rows)):
        cells = grid.rows[excel_row - 1] if excel_row - 1 < len(grid.rows) else []
        values = [normalise_text(cells[i]) if i < len(cells) else "" for i in range(len(labels))]
        notes = problems.get(excel_row, [])
        text = "；".join(f"{e.column}：{e.message}" if e.column else e.message for e in notes)
        sheet.append([*values, text or "同户其他行有问题"])
        written += 1
        target = sheet.max_row
        for index in range(1, len(labels) + 1):
            sheet.cell(target, index).number_format = "@"
        for error in notes:
            if error.column in column_of:
                sheet.cell(target, column_of[error.column]).fill = RED
        sheet.cell(target, len(labels) + 1).alignment = Alignment(wrap_text=True)
    sheet.column_dimensions[sheet.cell(1, len(labels) + 1).column_letter].width = 60
    sheet.freeze_panes = "A2"
    partial = Path(output).with_name(Path(output).name + ".part")
    try:
        wb.save(partial)
        os.replace(partial, output)
    finally:
        partial.unlink(missing_ok=True)
    return written
