"""Phones on their fields, region codes, grid codes, household numbers and scope prefixes."""

from __future__ import annotations

import pytest

from app.errors import ValidationError
from app.rules.contact import normalise_phone
from app.rules.regions import (
    COUNTY,
    PREFECTURE,
    PROVINCE,
    TOWNSHIP,
    VILLAGE,
    household_no,
    in_scope,
    is_community,
    region_level,
    township_kind,
    validate_grid_code,
    validate_household_no,
    validate_region_code,
)


def test_a_phone_with_no_stored_form_is_refused_on_its_field():
    """The forms themselves: tests/test_typed_forms.py (db.typed_forms, shared with the server)."""
    assert normalise_phone(" 138 1234 5678") == "13812345678"
    with pytest.raises(ValidationError) as info:
        normalise_phone("0512-0123456", "reporter_phone")
    assert (info.value.field, info.value.code) == ("reporter_phone", "phone_invalid")


@pytest.mark.parametrize("code, level", [
    ("150000000000", PROVINCE), ("150400000000", PREFECTURE), ("150402000000", COUNTY),
    ("150402001000", TOWNSHIP), ("150402001001", VILLAGE), ("320508019044", VILLAGE),
    ("441900003000", TOWNSHIP),  # 东莞: a city without counties has townships directly
])
def test_valid_region_codes_and_their_levels(code, level):
    assert validate_region_code(code) == code
    assert region_level(code) == level


@pytest.mark.parametrize("code, error", [
    ("15040200100", "region_code_invalid"), ("1504020010011", "region_code_invalid"),
    ("15040200100A", "region_code_invalid"), ("990402001001", "region_code_level"),
    ("150002000000", "region_code_level"), ("150402000001", "region_code_level"),
    ("150402700000", "region_code_level"), ("150402001700", "region_code_level"),
])
def test_malformed_region_codes_are_refused(code, error):
    with pytest.raises(ValidationError) as info:
        validate_region_code(code)
    assert info.value.code == error


def test_required_level_is_enforced():
    with pytest.raises(ValidationError):
        validate_region_code("150402001000", level=VILLAGE)


def test_township_kinds_and_communities_follow_the_statistical_ranges():
    assert [township_kind(c) for c in ("150402001000", "150402100000", "150402200000", "150402400000")] == [
        "街道", "镇", "乡", "开发区/农场"]
    assert is_community("320508019044") and not is_community("150402100201")


def test_grid_codes_extend_their_village():
    assert validate_grid_code("150402001001003", "150402001001") == "150402001001003"
    assert validate_grid_code("", "150402001001") is None
    for bad, code in (("150402001001000", "grid_code_invalid"), ("15040200100100", "grid_code_invalid"),
                      ("150402001002003", "grid_outside_region")):
        with pytest.raises(ValidationError) as info:
            validate_grid_code(bad, "150402001001")
        assert info.value.code == code


def test_household_numbers_are_region_group_sequence():
    assert household_no("150402001001", 3, 27) == "150402001001030027"
    assert validate_household_no("150402001001030027", "150402001001") == "150402001001030027"
    for bad in ("15040200100103002", "150402001001030000", "990402001001030027", "15040200100103002X"):
        with pytest.raises(ValidationError) as info:
            validate_household_no(bad)
        assert info.value.code == "household_no_invalid"
    with pytest.raises(ValidationError) as info:
        validate_household_no("150402001001030027", "150402001002")
    assert info.value.code == "household_no_region"


def test_scope_is_a_prefix_and_grid_scopes_test_the_grid():
    assert in_scope("", "150402001001")
    assert in_scope("150402001", "150402001001")
    assert not in_scope("150402002", "150402001001")
    assert in_scope("150402001001003", "150402001001", "150402001001003")
    assert not in_scope("150402001001003", "150402001001", "150402001001004")
    assert not in_scope("150402001001003", "150402001001", None)
