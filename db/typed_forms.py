"""The stored form of the identity and contact values people type — phone numbers and resident ID
numbers — the one copy both the desktop (app/rules/contact.py and app/rules/idnumber.py, which turn
a problem into a translated ValidationError on the field) and the city server (the 12345 intake, the
push's ID-number check) use: a phone a hotline operator types is then the very string the desk
stores, masks, finds by its tail and counts repeat appeals by, and an ID number is refused on the
server for exactly the reasons the desk refuses it (decision 0040).

Phones: mainland mobiles (11 digits starting with 1, second digit 3–9 as allocated) and landlines
with an optional area code and extension, in one normal form — mobile "13812345678", landline
"0512-67891234" or "0512-67891234-801", local "67891234".

Resident ID numbers (公民身份号码, GB 11643): spaces removed and a lower-case x upper-cased, then
checked in the order that gives the clearest message first (length, characters, a real birth date
not before 1850 and not in the future), then the ISO 7064 MOD 11-2 check character computed by
python-stdnum (`stdnum.cn.ric.calc_check_digit`). Not stdnum's full `validate()`: it also checks the
6-digit address code against its county list, which refuses numbers issued under codes since
abolished (440524…) — people keep their number when counties merge."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from stdnum.cn import ric


class NotTypedForm(ValueError):
    """A typed value with no stored form: `code` names the problem (the message catalogue's key),
    `params` its details."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code, self.params = code, params


_MOBILE = re.compile(r"1[3-9]\d{9}")
# Area codes are 3 or 4 digits starting with 0 (010, 0512); local numbers 7–8 digits not starting
# with 0 or 1 (those prefixes are trunk and service codes); extensions up to 6 digits.
_LANDLINE = re.compile(
    r"(?:\(?(?P<area>0\d{2,3})\)?[-\s]?)?(?P<local>[2-9]\d{6,7})"
    r"(?:\s*(?:-|转|ext\.?|x|分机)\s*(?P<ext>\d{1,6}))?",
    re.IGNORECASE,
)


def _strip_country_code(raw: str) -> str:
    compact = raw.strip()
    for prefix in ("+86", "0086", "86-", "(+86)", "+86-"):
        if compact.startswith(prefix) and len(re.sub(r"\D", "", compact[len(prefix):])) >= 10:
            return compact[len(prefix):].strip(" -")
    return compact


def phone_form(raw: str | None) -> str | None:
    """The stored form of a phone number; None for an empty input; NotTypedForm("phone_invalid")
    for text that is no phone number."""
    if raw is None or not raw.strip():
        return None
    text = _strip_country_code(raw)
    digits_only = re.sub(r"[\s-]", "", text)
    if _MOBILE.fullmatch(digits_only):
        return digits_only
    match = _LANDLINE.fullmatch(text.strip())
    if not match:
        raise NotTypedForm("phone_invalid")
    return "-".join(p for p in (match["area"], match["local"], match["ext"]) if p)


def is_mobile(phone: str | None) -> bool:
    return bool(phone) and bool(_MOBILE.fullmatch(phone))


RESIDENT_ID = "01"  # the id_type code of a resident ID number (the code table's 证件类型)
_ID_SHAPE = re.compile(r"\d{17}[\dX]")


def id_number_form(raw: str | None) -> str:
    """An ID number as stored: spaces (people type IDs in groups) removed, a trailing x upper-cased."""
    return re.sub(r"\s+", "", raw or "").upper()


def resident_id_birth(number: str, today: dt.date | None = None) -> dt.date:
    """The birth date of a resident ID number in its stored form (id_number_form), which is checked
    whole; NotTypedForm naming the first problem (id_length, id_chars, id_birth_date,
    id_birth_future, id_checksum)."""
    if len(number) != 18:
        raise NotTypedForm("id_length", length=len(number))
    if not _ID_SHAPE.fullmatch(number):
        raise NotTypedForm("id_chars")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise NotTypedForm("id_birth_date") from None
    if birth.year < 1850:
        raise NotTypedForm("id_birth_date")
    if birth > (today or dt.date.today()):
        raise NotTypedForm("id_birth_future")
    if ric.calc_check_digit(number) != number[-1]:
        raise NotTypedForm("id_checksum")
    return birth


def valid_resident_id(value: object, today: dt.date | None = None) -> bool:
    """Whether `value` is a valid resident ID number already in its stored form (the server's test of
    a pushed or submitted value: a client stores the form, so any other spelling is refused)."""
    if not isinstance(value, str) or value != id_number_form(value):
        return False
    try:
        resident_id_birth(value, today)
    except NotTypedForm:
        return False
    return True
