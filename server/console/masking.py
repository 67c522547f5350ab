"""Masking of personal values the console shows (一表通 answers): ID numbers keep their first 6 and
last 4 characters, mobile numbers `138****5678`, landlines their area code and last 4 digits — the
project's one masking rule (db/masking.py), shared with the desktop."""

from __future__ import annotations

from db.masking import mask_id, mask_phone

MASKED = {"id_number": mask_id, "phone": mask_phone}


def mask_value(field: str, value: str) -> str:
    return MASKED[field](value) if field in MASKED and value else value
