"""Resident ID and other document rules: every refusal names its field and a precise code."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric

from app.errors import ValidationError
from app.rules.idnumber import ID_TYPES, is_valid_resident_id, normalise_document, parse_resident_id

TODAY = dt.date(2026, 11, 27)


def with_check(first17: str) -> str:
    return first17 + ric.calc_check_digit(first17 + "0")


def refused(raw, code, today=TODAY):
    with pytest.raises(ValidationError) as info:
        parse_resident_id(raw, today)
    assert info.value.field == "id_number"
    assert info.value.code == code
    return info.value


@pytest.mark.parametrize("number, birth, gender", [
    ("11010519491231002X", dt.date(1949, 12, 31), "2"),
    ("440524188001010014", dt.date(1880, 1, 1), "1"),  # an abolished county code stays valid
])
def test_glossary_examples_are_valid_and_tell_birth_and_gender(number, birth, gender):
    info = parse_resident_id(number, TODAY)
    assert (info.number, info.birth_date, info.gender, info.address_code) == (number, birth, gender, number[:6])


def test_lower_case_x_and_spaces_are_accepted_and_normalised():
    assert parse_resident_id(" 110105 19491231 002x ", TODAY).number == "11010519491231002X"


def test_bad_checksum_is_refused():
    refused("110105194912310021", "id_checksum")


def test_impossible_date_is_refused_even_with_a_correct_check_character():
    refused(with_check("15040219990230123"), "id_birth_date")


def test_future_birth_date_is_refused():
    number = with_check("15040220261128123")
    refused(number, "id_birth_future")
    assert parse_resident_id(number, dt.date(2026, 11, 28)).birth_date == dt.date(2026, 11, 28)


@pytest.mark.parametrize("raw, length", [("11010519491231002", 17), ("11010519491231002X1", 19)])
def test_wrong_length_reports_the_length(raw, length):
    err = refused(raw, "id_length")
    assert str(length) in err.message()


@pytest.mark.parametrize("raw", ["1101051949123100AX", "X1010519491231002X", "11010519491231002Y"])
def test_letters_where_digits_belong_are_refused(raw):
    refused(raw, "id_chars")


def test_empty_is_required():
    refused("  ", "required")


def test_even_and_odd_sequence_digit_decide_gender():
    assert parse_resident_id(with_check("15040219800101123"), TODAY).gender == "1"
    assert parse_resident_id(with_check("15040219800101124"), TODAY).gender == "2"


def test_is_valid_matches_stdnum_on_checksums():
    for first17 in ("15040219800101123", "32050819900101123", "11010519491231002"):
        number = with_check(first17)
        assert is_valid_resident_id(number, TODAY)
        wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
        assert not is_valid_resident_id(wrong, TODAY)


@pytest.mark.parametrize("id_type, raw, stored", [
    ("02", "e12345678", "E12345678"),
    ("03", "H 1234 5678", "H12345678"),
    ("04", "12345678", "12345678"),
    ("07", "X1234567", "X1234567"),
    ("99", "军-2024(001)", None),
])
def test_other_document_types_are_stored_unchecked_but_sane(id_type, raw, stored):
    if stored is None:
        with pytest.raises(ValidationError) as info:
            normalise_document(id_type, raw, TODAY)
        assert info.value.code == "document_chars"
    else:
        assert normalise_document(id_type, raw, TODAY) == stored


def test_other_documents_need_a_number_of_sane_length():
    with pytest.raises(ValidationError) as info:
        normalise_document("02", "", TODAY)
    assert info.value.code == "required"
    with pytest.raises(ValidationError) as info:
        normalise_document("02", "E1" * 20, TODAY)
    assert info.value.code == "document_length"


def test_resident_id_through_normalise_document_is_fully_checked():
    with pytest.raises(ValidationError) as info:
        normalise_document("01", "110105194912310021", TODAY)
    assert info.value.code == "id_checksum"


def test_unknown_document_type_names_the_type_field():
    with pytest.raises(ValidationError) as info:
        normalise_document("42", "E12345678", TODAY)
    assert (info.value.field, info.value.code) == ("id_type", "id_type_unknown")
    assert "01" in ID_TYPES


def test_messages_are_chinese_by_default_and_english_on_request():
    err = refused("110105194912310021", "id_checksum")
    assert "校验位" in err.message()
    assert "check character" in err.message("en")


@st.composite
def resident_ids(draw):
    address = draw(st.sampled_from(["110105", "150422", "320508", "440524", "441900"]))
    birth = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY))
    sequence = draw(st.integers(min_value=0, max_value=999))
    return with_check(f"{address}{birth:%Y%m%d}{sequence:03d}"), birth, sequence


@given(resident_ids())
def test_generated_ids_parse_and_agree_with_stdnum(drawn):
    number, birth, sequence = drawn
    info = parse_resident_id(number.lower(), TODAY)
    assert info.number == number and info.birth_date == birth
    assert info.gender == ("1" if sequence % 2 else "2")
    assert ric.calc_check_digit(number) == number[-1]


@given(resident_ids(), st.integers(min_value=0, max_value=17), st.integers(min_value=1, max_value=10))
def test_any_single_character_change_is_caught(drawn, position, shift):
    number = drawn[0]
    alphabet = "0123456789X" if position == 17 else "0123456789"
    current = alphabet.index(number[position])
    changed = number[:position] + alphabet[(current + shift) % len(alphabet)] + number[position + 1:]
    if changed != number:
        assert not is_valid_resident_id(changed, TODAY)
