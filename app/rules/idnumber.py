"""Identity documents: the resident ID number (公民身份号码, GB 11643) and the other document types
a person may be registered with.

A resident ID's stored form and its checks are db.typed_forms' (the one copy the city server uses
too): spaces removed, lower-case x read as X; length, characters, a real birth date neither before 1850
nor in the future, then the ISO 7064 MOD 11-2 check character — never stdnum's county list, which
refuses numbers issued under codes since abolished. Here a problem becomes a ValidationError on its
field. Other document types are kept unchecked apart from being non-empty, of sane length and plain
characters."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from stdnum.cn import ric

from app.errors import ValidationError
from db.typed_forms import RESIDENT_ID, NotTypedForm, id_number_form, resident_id_birth

# id_type code: (label_zh, min length, max length). Codes as data: one place to extend.
__all__ = ["ID_TYPES", "RESIDENT_ID", "ResidentId", "is_valid_resident_id", "normalise_document",
           "parse_resident_id", "upgrade_first_generation"]

ID_TYPES: dict[str, tuple[str, int, int]] = {
    "01": ("居民身份证", 18, 18),
    "02": ("中国护照", 5, 20),
    "03": ("港澳居民来往内地通行证", 8, 20),
    "04": ("台湾居民来往大陆通行证", 8, 20),
    "05": ("港澳台居民居住证", 18, 18),
    "06": ("外国人永久居留身份证", 15, 18),
    "07": ("外国护照", 5, 20),
    "99": ("其他证件", 2, 32),
}

_DOCUMENT_SHAPE = re.compile(r"[A-Z0-9()\-]+")


@dataclass(frozen=True)
class ResidentId:
    """A validated resident ID number and what it tells: address code, birth date, gender."""

    number: str
    address_code: str
    birth_date: dt.date
    gender: str  # GB/T 2261.1: "1" 男, "2" 女


def parse_resident_id(raw: str | None, today: dt.date | None = None, field: str = "id_number") -> ResidentId:
    """Validate a resident ID number; raise ValidationError(field, code) naming the first problem."""
    number = id_number_form(raw)
    if not number:
        raise ValidationError(field, "required", label="公民身份号码")
    try:
        birth = resident_id_birth(number, today)
    except NotTypedForm as problem:
        raise ValidationError(field, problem.code, **problem.params) from None
    gender = "1" if int(number[16]) % 2 == 1 else "2"
    return ResidentId(number=number, address_code=number[:6], birth_date=birth, gender=gender)


def upgrade_first_generation(raw: str | None) -> str | None:
    """A 15-digit first-generation number (address, YYMMDD born in the 1900s, sequence) as the
    18-digit number that replaced it (GB 11643-1999: 19 inserted before the year, a check character
    appended); None when `raw` is not 15 digits. Old village records still hold them."""
    number = id_number_form(raw)
    if not re.fullmatch(r"\d{15}", number):
        return None
    body = number[:6] + "19" + number[6:]
    return body + ric.calc_check_digit(body + "0")  # stdnum reads the digits before the last


def normalise_document(id_type: str, raw: str | None, today: dt.date | None = None,
                       field: str = "id_number") -> str:
    """The stored form of a document number of any type, validated as far as its type allows."""
    if id_type not in ID_TYPES:
        raise ValidationError("id_type", "id_type_unknown", id_type=id_type)
    if id_type == RESIDENT_ID:
        return parse_resident_id(raw, today, field).number
    number = id_number_form(raw)
    _label, low, high = ID_TYPES[id_type]
    if not number:
        raise ValidationError(field, "required", label="证件号码")
    if not low <= len(number) <= high:
        raise ValidationError(field, "document_length", min=low, max=high)
    if not _DOCUMENT_SHAPE.fullmatch(number):
        raise ValidationError(field, "document_chars")
    return number


def is_valid_resident_id(raw: str | None, today: dt.date | None = None) -> bool:
    try:
        parse_resident_id(raw, today)
    except ValidationError:
        return False
    return True
