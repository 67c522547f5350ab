"""Masking of personal values the console shows (一表通 answers): ID numbers keep their first 6 and
last 4 characters, mobile numbers `138****5678`, landlines their area code and last 4 digits — the
project's masking rule, repeated here because the server does not import the client's code (a test
keeps the two equal)."""

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


def _keep_tail(digits: str) -> str:
    return MASK * len(digits) if len(digits) <= 4 else MASK * (len(digits) - 4) + digits[-4:]


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


MASKED = {"id_number": mask_id, "phone": mask_phone}


def mask_value(field: str, value: str) -> str:
    return MASKED[field](value) if field in MASKED and value else value
