"""Region codes (统计用区划代码), grid codes and household numbers (docs/ARCHITECTURE.md "Glossary").

A region code is 12 digits `PP CC DD TTT VVV`. Level rules we enforce: the province is 11–82;
a village part needs a township part; a county part needs a prefecture part (municipalities use
01 "市辖区"); township parts follow the statistical ranges 001–599 (街道 001–099, 镇 100–199,
乡 200–399, development zones and farms 400–599); village parts 001–599 (居委会 001–199,
村委会 200–399, and the 4xx/5xx "similar to" ranges found in the published tables).
A county part of 00 under a township is legal: cities without counties (东莞 4419, 中山 4420)
have townships directly. A grid code (ours) is a village code plus a 3-digit sequence 001–999.
A household number is 18 digits: the region code + 2-digit group + 4-digit sequence (0001–9999)."""

from __future__ import annotations

import re

from app.errors import ValidationError
from db.fields import FORMATS

PROVINCE, PREFECTURE, COUNTY, TOWNSHIP, VILLAGE, GRID = 1, 2, 3, 4, 5, 6

# Scope prefix lengths per level (docs/ARCHITECTURE.md, glossary: a user's scope is a code prefix).
PREFIX_LENGTH = {PROVINCE: 2, PREFECTURE: 4, COUNTY: 6, TOWNSHIP: 9, VILLAGE: 12, GRID: 15}

TOWNSHIP_KINDS = ((1, 99, "街道"), (100, 199, "镇"), (200, 399, "乡"), (400, 599, "开发区/农场"))

_TWELVE = re.compile(r"\d{12}")


def region_level(code: str) -> int:
    """The level of a valid 12-digit region code (or GRID for a 15-digit grid code)."""
    if len(code) == 15:
        return GRID
    if code[9:] != "000":
        return VILLAGE
    if code[6:9] != "000":
        return TOWNSHIP
    if code[4:6] != "00":
        return COUNTY
    if code[2:4] != "00":
        return PREFECTURE
    return PROVINCE


def _level_problem(code: str) -> str | None:
    province, prefecture, county = int(code[0:2]), code[2:4], code[4:6]
    township, village = int(code[6:9]), int(code[9:12])
    if not 11 <= province <= 82:
        return "省级代码应在11至82之间"
    if county != "00" and prefecture == "00":
        return "有县级代码时地级代码不能为00"
    if village and not township:
        return "有村级代码时乡级代码不能为000"
    if township and (township > 599 or prefecture == "00"):
        return "乡级代码应在001至599之间且须有地级代码"
    if village > 599:
        return "村级代码应在001至599之间"
    return None


def validate_region_code(code: str | None, field: str = "region_code", level: int | None = None) -> str:
    """Return the code if it is a well-formed 12-digit region code (of `level`, when given)."""
    code = (code or "").strip()
    if not _TWELVE.fullmatch(code):
        raise ValidationError(field, "region_code_invalid")
    problem = _level_problem(code)
    if problem:
        raise ValidationError(field, "region_code_level", detail=problem)
    if level is not None and region_level(code) != level:
        raise ValidationError(field, "region_code_level", detail=f"应为第{level}级区划")
    return code


def township_kind(code: str) -> str:
    """街道 / 镇 / 乡 / 开发区 of a township-or-lower code, from its digits 7–9."""
    number = int(code[6:9])
    for low, high, label in TOWNSHIP_KINDS:
        if low <= number <= high:
            return label
    return ""


def is_community(code: str) -> bool:
    """Whether a village-level code is an urban community (居委会) rather than a village (村委会)."""
    number = int(code[9:12])
    return 1 <= number <= 199 or 400 <= number <= 499


def validate_grid_code(grid: str | None, region_code: str | None = None, field: str = "grid_code") -> str | None:
    """A grid code, or None if empty; it must extend `region_code` when that is given."""
    grid = (grid or "").strip()
    if not grid:
        return None
    if not re.fullmatch(r"\d{15}", grid) or grid[12:] == "000":
        raise ValidationError(field, "grid_code_invalid")
    validate_region_code(grid[:12], field, VILLAGE)
    if region_code is not None and grid[:12] != region_code:
        raise ValidationError(field, "grid_outside_region")
    return grid


def validate_household_no(number: str | None, region_code: str | None = None,
                          field: str = "household_no") -> str:
    """An 18-digit household number (region + group + sequence), matching `region_code` if given."""
    number = (number or "").strip()
    if not FORMATS["household_no"][0].fullmatch(number) or number[14:] == "0000":  # the field's declared format
        raise ValidationError(field, "household_no_invalid")
    try:
        validate_region_code(number[:12], field)
    except ValidationError:
        raise ValidationError(field, "household_no_invalid") from None
    if region_code is not None and number[:12] != region_code:
        raise ValidationError(field, "household_no_region")
    return number


def household_no(region_code: str, group: int, sequence: int) -> str:
    """Compose a household number from its parts (group 0–99, sequence 1–9999)."""
    if not (0 <= group <= 99 and 1 <= sequence <= 9999):
        raise ValidationError("household_no", "household_no_invalid")
    return validate_household_no(f"{region_code}{group:02d}{sequence:04d}")


def in_scope(scope: str, region_code: str | None, grid_code: str | None = None) -> bool:
    """Whether a record at `region_code` (and `grid_code`) lies inside a user's scope prefix.
    Scopes longer than 12 characters are grids and are tested against the grid code."""
    if len(scope) > 12:
        return bool(grid_code) and grid_code.startswith(scope)
    return (region_code or "").startswith(scope)
