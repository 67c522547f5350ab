"""The stored form of typed phones and resident ID numbers (db.typed_forms): one rule, which the desktop
(app.rules.contact, app.rules.idnumber: refusals as messages on their field) and the city server (the
12345 intake, the push's ID-number check) both use."""

from __future__ import annotations

import datetime as dt

import pytest
from stdnum.cn import ric

from db.typed_forms import (
    NotTypedForm,
    id_number_form,
    is_mobile,
    phone_form,
    resident_id_birth,
    valid_resident_id,
)

TODAY = dt.date(2026, 11, 27)


@pytest.mark.parametrize("raw, stored", [
    ("13812345678", "13812345678"),
    ("138 1234 5678", "13812345678"),
    ("138-1234-5678", "13812345678"),
    ("+86 138 1234 5678", "13812345678"),
    ("86-13812345678", "13812345678"),
    ("0512-67891234", "0512-67891234"),
    ("(0512)67891234", "0512-67891234"),
    ("010-65123456", "010-65123456"),
    ("010 65123456", "010-65123456"),
    ("04768231234", "0476-8231234"),
    ("+86 0476 8231234", "0476-8231234"),
    ("0476-8223456转801", "0476-8223456-801"),
    ("0476-8223456-801", "0476-8223456-801"),
    ("8223456", "8223456"),
    ("", None),
    ("  ", None),
    (None, None),
])
def test_phones_are_stored_in_one_normal_form(raw, stored):
    assert phone_form(raw) == stored


@pytest.mark.parametrize("raw", ["1381234567", "138123456789", "12812345678", "23812345678", "0512-0123456",
                                 "电话13812345678", "0512-67891234-1234567", "abc", "12345", "+86 8231234"])
def test_text_that_is_no_phone_has_no_stored_form(raw):
    with pytest.raises(NotTypedForm) as info:
        phone_form(raw)
    assert info.value.code == "phone_invalid"


def test_is_mobile():
    assert is_mobile("13812345678") and not is_mobile("0512-67891234") and not is_mobile(None)


def with_check(first17: str) -> str:
    return first17 + ric.calc_check_digit(first17 + "0")


def test_an_id_number_is_stored_without_spaces_and_with_a_capital_x():
    assert id_number_form(" 110105 19491231 002x ") == "11010519491231002X"
    assert id_number_form(None) == ""


@pytest.mark.parametrize("number, code, params", [
    ("11010519491231002", "id_length", {"length": 17}),
    ("11010519491231002X1", "id_length", {"length": 19}),
    ("1101051949123100AX", "id_chars", {}),
    ("11010519491231002x", "id_chars", {}),  # not in its stored form
    (with_check("15040219990230123"), "id_birth_date", {}),
    (with_check("15040218491231123"), "id_birth_date", {}),  # before 1850
    (with_check("15040220261128123"), "id_birth_future", {}),
    ("110105194912310021", "id_checksum", {}),
])
def test_a_resident_id_number_is_refused_for_its_first_problem(number, code, params):
    with pytest.raises(NotTypedForm) as info:
        resident_id_birth(number, TODAY)
    assert (info.value.code, info.value.params) == (code, params)
    assert not valid_resident_id(number, TODAY)


def test_a_valid_number_tells_its_birth_date_whatever_its_county_code():
    assert resident_id_birth("11010519491231002X", TODAY) == dt.date(1949, 12, 31)
    assert resident_id_birth("440524188001010014", TODAY) == dt.date(1880, 1, 1)  # an abolished county code
    assert valid_resident_id("440524188001010014", TODAY)


@pytest.mark.parametrize("value", [" 11010519491231002X", "110105 19491231002X", None, 11010519491231002])
def test_the_server_takes_only_a_number_in_its_stored_form(value):
    assert not valid_resident_id(value, TODAY)
