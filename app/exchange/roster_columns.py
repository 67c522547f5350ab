"""The household roster (花名册) as villages keep it in Excel: its columns, the blank template we
offer for download. Reading a filled sheet (ours or a village's own layout) is app.exchange.readers
and app.exchange.layout.

One row per person; household columns (户编号, 户主姓名) repeat on every member's row. Coded columns
take the Chinese label (男, 户主, 汉族, 户籍常住 …) or the code; the template lists the allowed labels
on a second sheet and offers them as drop-downs. ID numbers and phones are text cells, so Excel
neither rounds an 18-digit number nor drops a leading zero."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from app.codes import CodeBook

SHEET_NAME = "户籍花名册"
CODES_SHEET = "代码表"
HEADER_ROW = 1


@dataclass(frozen=True)
class RosterColumn:
    header: str
    field: str
    required: bool = False
    code_table: str | None = None  # values are labels (or codes) of this code table
    text: bool = False  # kept as text in Excel (long digit strings)
    width: float = 12
    hint: str = ""


ROSTER_COLUMNS: tuple[RosterColumn, ...] = (
    RosterColumn("户编号", "household_no", True, text=True, width=21, hint="18位：12位区划代码+2位组号+4位序号"),
    RosterColumn("户主姓名", "head_name", True, width=10),
    RosterColumn("姓名", "name", True, width=10),
    RosterColumn("与户主关系", "relation_to_head", True, "relation_to_head", width=11),
    RosterColumn("公民身份号码", "id_number", True, text=True, width=21, hint="18位，末位可为X"),
    RosterColumn("性别", "gender", False, "gender", width=6, hint="可不填，按身份号码确定"),
    RosterColumn("出生日期", "birth_date", False, width=12, hint="可不填，按身份号码确定"),
    RosterColumn("民族", "ethnicity", False, "ethnicity", width=9),
    RosterColumn("联系电话", "phone", False, text=True, width=14),
    RosterColumn("现住址", "current_address", False, width=26),
    RosterColumn("人员类别", "residence_type", False, "residence_type", width=10, hint="默认户籍常住"),
    RosterColumn("文化程度", "education", False, "education", width=12),
    RosterColumn("政治面貌", "political_status", False, "political_status", width=12),
    RosterColumn("婚姻状况", "marital_status", False, "marital_status", width=9),
    RosterColumn("户籍地", "hukou_address", False, width=22),
    RosterColumn("备注", "notes", False, width=20),
)
COLUMN_BY_HEADER = {c.header: c for c in ROSTER_COLUMNS}


def _code_list_sheet(wb: Workbook, codes: CodeBook) -> dict[str, str]:
    """Writes the allowed labels per coded column on the codes sheet; returns header → range."""
    sheet = wb.create_sheet(CODES_SHEET)
    ranges = {}
    coded = [c for c in ROSTER_COLUMNS if c.code_table]
    for col_index, column in enumerate(coded, start=1):
        letter = get_column_letter(col_index)
        sheet.cell(1, col_index, column.header).font = Font(bold=True)
        labels = [item.label_zh for item in codes.entries(column.code_table)]
        for row_index, label in enumerate(labels, start=2):
            sheet.cell(row_index, col_index, label)
        sheet.column_dimensions[letter].width = 16
        ranges[column.header] = f"'{CODES_SHEET}'!${letter}$2:${letter}${len(labels) + 1}"
    return ranges


def write_template(path: Path, codes: CodeBook, example_rows: int = 500) -> Path:
    """The blank roster to hand to a village: headers with hints, text-formatted number columns,
    drop-downs of allowed labels for coded columns, and the label lists on a second sheet."""
    wb = Workbook()
    sheet = wb.active
    sheet.title = SHEET_NAME
    ranges = _code_list_sheet(wb, codes)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for index, column in enumerate(ROSTER_COLUMNS, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(HEADER_ROW, index, column.header)
        cell.font = Font(bold=True, color="C00000" if column.required else "000000")
        cell.fill = header_fill
        cell.alignment = Alignment(horizontal="center")
        sheet.column_dimensions[letter].width = column.width
        if column.text:
            for row in range(HEADER_ROW + 1, HEADER_ROW + 1 + example_rows):
                sheet.cell(row, index).number_format = "@"
        if column.header in ranges:
            validation = DataValidation(type="list", formula1=ranges[column.header], allow_blank=True,
                                        showErrorMessage=False)
            validation.add(f"{letter}{HEADER_ROW + 1}:{letter}{HEADER_ROW + example_rows}")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = sheet.cell(HEADER_ROW + 1, 1)
    notes = wb.create_sheet("填写说明", 1)
    notes.column_dimensions["A"].width = 16
    notes.column_dimensions["B"].width = 60
    notes.append(["列", "说明"])
    for column in ROSTER_COLUMNS:
        notes.append([column.header, ("必填。" if column.required else "选填。") + column.hint])
    notes.append(["", "每人一行；同一户的成员户编号、户主姓名相同，其中一人的与户主关系为“户主”。"])
    notes.append(["", "重复导入同一文件不会重复登记：按公民身份号码匹配人员，按户编号匹配户。"])
    wb.save(path)
    return Path(path)
