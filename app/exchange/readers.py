"""Reading the spreadsheet a village sends into a plain grid of cell values, whatever it was saved as:
.xlsx/.xlsm/.xls/.ods through python-calamine (one kept reader for all four, far faster than
openpyxl), .csv in UTF-8 (with or without BOM) or GBK/GB18030 (recognised by charset-normalizer and
shown to the clerk, never guessed silently), WPS .et/.ett where calamine can read them as the Excel
format they are based on, and otherwise one clear message asking to save as xlsx in WPS.

A file that cannot be read (damaged, encrypted, too big, an unknown kind) raises one `RosterFileError`
with a translated message; nothing here writes anything. Rows are returned from the sheet's first
row, so a row's index + 1 is the row number the clerk sees in Excel."""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass
from pathlib import Path

from app.errors import UserFacingError

log = logging.getLogger(__name__)

MAX_BYTES = 40 * 1024 * 1024  # a village roster is a few hundred KB; 40 MB is not a roster
MAX_ROWS = 100_000
MAX_COLUMNS = 200
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
WPS_SUFFIXES = (".et", ".ett")
SHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".xlsb", *WPS_SUFFIXES)
TEXT_SUFFIXES = (".csv", ".txt")
# Encodings a Chinese office CSV comes in; anything else is refused rather than shown as mojibake.
CHINESE_ENCODINGS = {"utf_8": "utf-8", "gb18030": "gb18030", "gbk": "gb18030", "gb2312": "gb18030",
                     "hz": None, "big5": "big5", "cp950": "big5", "big5hkscs": "big5"}


class RosterFileError(UserFacingError):
    """The roster file cannot be read: it names why (damaged, encrypted, WPS format, too big …)."""


@dataclass(frozen=True)
class SheetGrid:
    """One sheet as cell values (str, int, float, bool, date, datetime, or "" for an empty cell)."""

    name: str
    sheet_names: tuple[str, ...]
    rows: list[list[object]]
    merged: tuple[tuple[int, int, int, int], ...] = ()  # (first row, first col, last row, last col), 0-based
    encoding: str = ""  # for CSV: the encoding it was read in, shown in the preview


def read_grid(path: str | Path, sheet: str | None = None) -> SheetGrid:
    """The chosen (or the first non-empty) sheet of the file at `path` as a grid."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError as error:
        raise RosterFileError("roster_unreadable") from error
    if size > MAX_BYTES:
        raise RosterFileError("roster_too_big", mb=MAX_BYTES // (1024 * 1024))
    if size == 0:
        raise RosterFileError("roster_empty")
    suffix = path.suffix.lower()
    if head.startswith(OLE_MAGIC) and _is_encrypted_package(path):
        raise RosterFileError("roster_encrypted")
    if head.startswith((ZIP_MAGIC, OLE_MAGIC)) or suffix in SHEET_SUFFIXES:
        grid = _read_workbook(path, sheet, suffix)
    elif suffix in TEXT_SUFFIXES or not suffix:
        grid = _read_csv(path)
    else:
        raise RosterFileError("roster_unknown_kind", suffix=suffix)
    if len(grid.rows) > MAX_ROWS:
        raise RosterFileError("roster_too_many_rows", limit=MAX_ROWS)
    return grid


def _is_encrypted_package(path: Path) -> bool:
    """An xlsx saved with a password is an OLE container holding an 'EncryptedPackage' stream."""
    data = path.read_bytes()
    return "EncryptedPackage".encode("utf-16-le") in data or b"EncryptedPackage" in data


def _read_workbook(path: Path, sheet: str | None, suffix: str) -> SheetGrid:
    import python_calamine

    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
        try:
            names = tuple(workbook.sheet_names)
            chosen = _choose_sheet(workbook, names, sheet)
            rows = chosen.to_python(skip_empty_area=False)
            merged = tuple((r0, c0, r1, c1) for (r0, c0), (r1, c1) in (chosen.merged_cell_ranges or ()))
            name = chosen.name
        finally:
            workbook.close()
    except RosterFileError:
        raise
    except python_calamine.PasswordError as error:
        raise RosterFileError("roster_encrypted") from error
    except BaseException as error:  # calamine raises its own errors and, on some damage, a pyo3 panic
        if isinstance(error, KeyboardInterrupt | SystemExit | MemoryError):
            raise
        log.info("roster file not readable as a workbook: %s", type(error).__name__)
        if suffix in WPS_SUFFIXES:
            raise RosterFileError("roster_wps_format") from error
        raise RosterFileError("roster_damaged") from error
    if any(len(row) > MAX_COLUMNS for row in rows[:50]):
        raise RosterFileError("roster_too_many_columns", limit=MAX_COLUMNS)
    return SheetGrid(name, names, rows, merged)


def _choose_sheet(workbook, names: tuple[str, ...], sheet: str | None):
    if sheet is not None:
        if sheet not in names:
            raise RosterFileError("roster_sheet_missing", sheet=sheet, sheets="、".join(names))
        return workbook.get_sheet_by_name(sheet)
    # The first sheet that has cells: a workbook often starts with an empty or instructions sheet
    # only when it is our own template, whose roster sheet comes first anyway.
    for index in range(len(names)):
        candidate = workbook.get_sheet_by_index(index)
        if candidate.height > 1 or candidate.width > 1:
            return candidate
    raise RosterFileError("roster_empty")


def decode_text(data: bytes) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was in. UTF-8 (with or without BOM) is taken when
    it decodes cleanly; otherwise charset-normalizer must recognise a Chinese encoding, or the file
    is refused: showing mojibake as names would be guessing silently wrong."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "UTF-8"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "UTF-16"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000], cp_isolation=["gb18030", "big5", "utf_8"]).best()
    encoding = CHINESE_ENCODINGS.get(best.encoding) if best is not None else None
    if encoding is None:
        raise RosterFileError("roster_encoding_unknown")
    try:
        return data.decode(encoding), {"gb18030": "GBK/GB18030", "big5": "BIG5"}[encoding]
    except UnicodeDecodeError as error:
        raise RosterFileError("roster_encoding_unknown") from error


def _read_csv(path: Path) -> SheetGrid:
    text, encoding = decode_text(path.read_bytes())
    if "\x00" in text:
        raise RosterFileError("roster_damaged")
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    try:
        rows = [list(row) for row in csv.reader(io.StringIO(text), dialect)]
    except csv.Error as error:
        raise RosterFileError("roster_damaged") from error
    return SheetGrid(path.stem, (path.stem,), rows, (), encoding)
