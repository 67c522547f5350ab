"""Resident ID numbers (GB 11643) checked on the server with python-stdnum's `stdnum.cn.ric`: length,
digits, the ISO 7064 MOD 11-2 check character and a real birth date not in the future. stdnum's
birth-place test is deliberately not applied: it refuses an address code for people born before
that county code was assigned, yet such people carry those numbers (IDs are issued by the current
county). Values must arrive normalised (upper-case X), as the client stores them."""

from __future__ import annotations

import datetime as dt

from stdnum.cn import ric
from stdnum.exceptions import ValidationError

RESIDENT_ID = "01"


def valid_resident_id(value: object, today: dt.date | None = None) -> bool:
    if not isinstance(value, str) or len(value) != 18 or not value[:17].isdigit():
        return False
    if value != ric.compact(value):
        return False
    try:
        if ric.calc_check_digit(value) != value[-1]:
            return False
        born = ric.get_birth_date(value)
    except ValidationError:
        return False
    return born <= (today or dt.date.today())
