"""Masking for screens and prints, including characters outside the BMP."""

from __future__ import annotations

import pytest

from app.rules.masking import mask_id, mask_name, mask_phone, name_characters


def test_id_keeps_first_six_and_last_four():
    assert mask_id("11010519491231002X") == "110105********002X"
    assert mask_id("110101199003071234") == "110101********1234"


def test_short_documents_and_empty_values():
    assert mask_id("E12345678") == "E******78"
    assert mask_id("1234") == "****"
    assert mask_id(None) == ""


@pytest.mark.parametrize("phone, masked", [
    ("13812345678", "138****5678"),
    ("0512-67891234", "0512-****1234"),
    ("0512-67891234-801", "0512-****1234-801"),
    ("8223456", "***3456"),
    (None, ""),
])
def test_phones(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize("name, masked", [
    ("张三", "张*"),
    ("张三丰", "张**"),
    ("王", "*"),
    ("𠮷小明", "𠮷**"),
    ("张𠮷", "张*"),
    ("买买提·艾力", "买**·**"),
    ("", ""),
])
def test_names_keep_the_surname(name, masked):
    assert mask_name(name) == masked


def test_ext_b_and_variation_selectors_count_as_one_character():
    assert name_characters("𠮷小明") == ["𠮷", "小", "明"]
    assert name_characters("葛\U000E0100亮") == ["葛\U000E0100", "亮"]
    assert mask_name("李葛\U000E0100") == "李*"
