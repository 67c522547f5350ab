"""Roster files shaped like the ones villages really send, built by the tests: a title row over a
header in the village's own words, household cells merged over the members' rows, a 合计/制表人
footer, full-width digits typed with a Chinese input method, a stray apostrophe before an ID,
two-character names padded with a space, a two-row header, a GBK CSV from an old Excel, an .xls
from an old office PC; and the damaged ones (truncated sheet XML, a broken zlib stream, a
password-protected workbook, a WPS .et)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

VILLAGE = "150402001201"  # 西屯村 in tests/reports_sample.py's township
TOWNSHIP = VILLAGE[:9]
HOUSEHOLD_A = VILLAGE + "030001"
HOUSEHOLD_B = VILLAGE + "030002"
FULL_WIDTH_DIGITS = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")

HEADER = ["序号", "户号", "户主", "姓名", "与户主关系", "性别", "民族", "身份证号码", "出生年月", "文化程度",
          "手机号", "家庭住址", "备注"]
# (户号, 户主, 姓名, 关系, 性别, 民族, 身份证号码, 出生年月, 文化程度, 手机号, 家庭住址)
MEMBERS = [
    (HOUSEHOLD_A, "周桂兰", "周桂兰", "户主", "女", "汉", "110101195502140020", "1955.02", "初中", "13800001234",
     "西屯村三组1号"),
    (HOUSEHOLD_A, "周桂兰", "马小军", "儿子", "男", "回族", "110101198001010010", "1980.01", "高中", "", "西屯村三组1号"),
    (HOUSEHOLD_B, "李 明", "李 明", "户主", "1", "汉族", "110101197001010016", "1970-01-01", "小学", "13911112222",
     "西屯村三组2号"),
    (HOUSEHOLD_B, "李 明", "王秀英", "妻", "2", "汉", "110101197203040029", "", "文盲", "", "西屯村三组2号"),
]


def members_in(village: str, members=MEMBERS) -> list[tuple]:
    """The same families registered in another village (its 12-digit code)."""
    return [(village + "98" + m[0][14:], *m[1:]) for m in members]  # group 98: no demo household has it


def _row(number: int, member: tuple, full_width: bool = False) -> list:
    household, head, name, relation, gender, ethnicity, id_number, born, education, phone, address = member
    if full_width:
        id_number = id_number.translate(FULL_WIDTH_DIGITS)
        household = household.translate(FULL_WIDTH_DIGITS)
    return [number, household, head, name, relation, gender, ethnicity, id_number, born, education, phone, address, ""]


def village_roster_xlsx(path: Path, members=MEMBERS, merge: bool = True, footer: bool = True) -> Path:
    """A village's own roster: title row, blank row, header in its words, household cells merged
    over members (only the first row holds the value), footer lines, full-width ID and 户号 in
    one row, an apostrophe-prefixed ID in another."""
    wb = Workbook()
    sheet = wb.active
    sheet.title = "花名册"
    sheet.append(["西屯村2026年户籍人口花名册"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    sheet["A1"].font = Font(bold=True, size=16)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append([])
    sheet.append(HEADER)
    first = 4
    for index, member in enumerate(members, start=1):
        row = _row(index, member, full_width=index == 2)
        if index == 3:
            row[7] = "'" + row[7]
        sheet.append(row)
    if merge:
        _merge_households(sheet, members, first)
    if footer:
        sheet.append(["合计", "", "", f"共{len(members)}人"])
        sheet.append([])
        sheet.append(["制表人：张会计", "", "", "", "审核人：王书记", "", "", "填报日期：2026年11月20日"])
    wb.save(path)
    return Path(path)


def _merge_households(sheet, members, first: int) -> None:
    start = first
    for index in range(1, len(members) + 1):
        last = index == len(members) or members[index][0] != members[index - 1][0]
        if last:
            end = first + index - 1
            if end > start:
                for column in (2, 3, 12):  # 户号, 户主, 家庭住址
                    for row in range(start + 1, end + 1):
                        sheet.cell(row, column).value = None
                    sheet.merge_cells(start_row=start, start_column=column, end_row=end, end_column=column)
            start = end + 1


def two_row_header_xlsx(path: Path) -> Path:
    """A header in two rows: a group title over 户主信息 columns, field names under it."""
    wb = Workbook()
    sheet = wb.active
    sheet.append(["XX镇西屯村人口信息登记表"])
    sheet.append(["户号", "户主信息", "", "成员信息", "", "", ""])
    sheet.append(["", "户主姓名", "联系电话", "姓名", "与户主关系", "公民身份号码", "现住址"])
    sheet.merge_cells("A2:A3")
    sheet.merge_cells("B2:C2")
    sheet.merge_cells("D2:G2")
    for household, head, name, relation, _g, _e, id_number, _b, _ed, phone, address in MEMBERS[:2]:
        sheet.append([household, head, phone, name, relation, id_number, address])
    wb.save(path)
    return Path(path)


def csv_roster(path: Path, encoding: str, members=MEMBERS) -> Path:
    lines = [",".join(HEADER)]
    for index, member in enumerate(members, start=1):
        lines.append(",".join(str(v) for v in _row(index, member)))
    Path(path).write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return Path(path)


def xls_roster(path: Path, members=MEMBERS) -> Path:
    """An .xls as old office PCs save it (BIFF8, written by xlwt), the household cells merged."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Sheet1")
    sheet.write_merge(0, 0, 0, len(HEADER) - 1, "西屯村花名册")
    for column, text in enumerate(HEADER):
        sheet.write(1, column, text)
    for index, member in enumerate(members, start=1):
        for column, value in enumerate(_row(index, member)):
            if column in (1, 2) and index > 1 and members[index - 2][0] == member[0]:
                continue
            sheet.write(1 + index, column, value)
    book.save(str(path))
    return Path(path)


def ods_roster(path: Path, members=MEMBERS) -> Path:
    """An .ods as LibreOffice saves it (written with odfpy), IDs as text cells."""
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    table = Table(name="花名册")
    for values in [["西屯村花名册"], HEADER] + [_row(i, m) for i, m in enumerate(members, start=1)]:
        row = TableRow()
        for value in values:
            cell = TableCell(valuetype="string")
            cell.addElement(P(text=str(value)))
            row.addElement(cell)
        table.addElement(row)
    document.spreadsheet.addElement(table)
    document.save(str(path))
    return Path(path)


def truncated_xml_xlsx(source: Path, path: Path) -> Path:
    """The roster with its sheet XML cut off half way (a download that stopped)."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as damaged:
        for item in original.infolist():
            data = original.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = data[: len(data) // 2]
            damaged.writestr(item, data)
    return Path(path)


def bad_zlib_xlsx(source: Path, path: Path) -> Path:
    """The roster with bytes inside the sheet's compressed stream overwritten (a bad USB stick)."""
    data = bytearray(Path(source).read_bytes())
    with zipfile.ZipFile(source) as original:
        info = original.getinfo(next(n for n in original.namelist() if n.startswith("xl/worksheets/sheet")))
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for offset in range(start + 10, start + min(info.compress_size, 200), 3):
        data[offset] ^= 0x5A
    Path(path).write_bytes(bytes(data))
    return Path(path)


def encrypted_xlsx(path: Path) -> Path:
    """What Excel writes for a workbook with an open password: an OLE container with an
    EncryptedPackage stream instead of the zip."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    body = "EncryptionInfo".encode("utf-16-le") + bytes(64) + "EncryptedPackage".encode("utf-16-le") + bytes(2048)
    Path(path).write_bytes(header + body)
    return Path(path)


def with_columns(source: Path, path: Path, columns: dict[str, dict[int, str]]) -> Path:
    """The roster at `source` with more columns after its last one: header → {Excel row: value}
    (the header goes on the roster's header row, row 3)."""
    from openpyxl import load_workbook

    wb = load_workbook(source)
    sheet = wb.active
    for header, values in columns.items():
        column = sheet.max_column + 1
        sheet.cell(3, column).value = header
        for row, value in values.items():
            sheet.cell(row, column).value = value
    wb.save(path)
    return Path(path)


def wps_native_et(path: Path) -> Path:
    """A WPS .et in its own format, as far as a reader can tell: a real OLE compound file (the
    container .xls and WPS's .et share) whose workbook stream has a name Excel's format does not
    use, so no Excel reader finds a workbook in it."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        data = xls_roster(Path(folder) / "roster.xls").read_bytes()
    stream = "Workbook".encode("utf-16-le")
    assert data.count(stream) == 1  # the directory entry's name
    Path(path).write_bytes(data.replace(stream, "ETSheets".encode("utf-16-le")))
    return Path(path)


def without_household_numbers_xlsx(path: Path, households: list[list[tuple]]) -> Path:
    """A roster as many villages keep it: no 户号 column at all; a household is its 户主 (or 本人)
    row and the members under it, 户主姓名 and 家庭住址 merged over them, a blank row between
    households. `households`: per household its members as (姓名, 与户主关系, 性别, 身份证号码,
    联系电话), the head first; the address is made from the household's place in the file."""
    wb = Workbook()
    sheet = wb.active
    sheet.append(["西屯村人口花名册"])
    sheet.merge_cells("A1:H1")
    sheet.append(["序号", "户主姓名", "姓名", "与户主关系", "性别", "身份证号码", "联系电话", "家庭住址"])
    row, number = 3, 0
    for place, members in enumerate(households, start=1):
        for index, (name, relation, gender, id_number, phone) in enumerate(members):
            number += 1
            sheet.append([number, members[0][0] if index == 0 else None, name, relation, gender, id_number, phone,
                          f"西屯村四组{place}号" if index == 0 else None])
        if len(members) > 1:
            for column in (2, 8):
                sheet.merge_cells(start_row=row, start_column=column, end_row=row + len(members) - 1,
                                  end_column=column)
        row += len(members) + 1
        sheet.append([])
    wb.save(path)
    return Path(path)
