"""The masking rule for ID numbers and phones, the one copy both the desktop (app/rules/masking.py,
which adds names) and the city server (its console and history answers) use: ID `110101********1234`
(first 6 and last 4 kept; shorter document numbers their first and last two), mobile `138****5678`,
landline its area code, extension and last 4 digits."""

from __future__ import annotations

import re

MASK = "*"


def mask_id(number: str | None) -> str:
    number = (number or "").strip()
    if len(number) > 10:
        return number[:6] + MASK * (len(number) - 10) + number[-4:]
    if len(number) > 4:
        return number[:1] + MASK * (len(number) - 3) + number[-2:]
    return MASK * len(number)


def mask_phone(phone: str | None) -> str:
    phone = (phone or "").strip()
    if re.fullmatch(r"1\d{10}", phone):
        return phone[:3] + MASK * 4 + phone[-4:]
    parts = phone.split("-")
    if len(parts) >= 2 and parts[0].startswith("0"):
        parts[1] = _keep_tail(parts[1])
    elif parts:
        parts[0] = _keep_tail(parts[0])
    return "-".join(parts)


def _keep_tail(digits: str) -> str:
    return MASK * len(digits) if len(digits) <= 4 else MASK * (len(digits) - 4) + digits[-4:]
