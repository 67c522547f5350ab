"""Masking of personal data for screens, prints and exports (GLOSSARY "Personal data rules"):
ID `110101********1234` (first 6 and last 4 kept), phone `138****5678`, name `张*`.

Names are masked by user-perceived character, not by code unit: a character outside the BMP
(𠮷, U+20BB7) is one character, and a variation selector or combining mark stays with the
character it modifies, so a masked name never shows half a character."""

from __future__ import annotations

import re
import unicodedata

MASK = "*"
_NAME_SEPARATORS = {"·", "•", " ", "・"}


def mask_id(number: str | None) -> str:
    """Keep the first 6 and last 4 characters of an ID number (`110101********1234`); shorter
    document numbers keep their first and last two characters."""
    number = (number or "").strip()
    if len(number) > 10:
        return number[:6] + MASK * (len(number) - 10) + number[-4:]
    if len(number) > 4:
        return number[:1] + MASK * (len(number) - 3) + number[-2:]
    return MASK * len(number)


def mask_phone(phone: str | None) -> str:
    """Mobile `138****5678`; landline keeps its area code, extension and last 4 digits."""
    phone = (phone or "").strip()
    if re.fullmatch(r"1\d{10}", phone):
        return phone[:3] + MASK * 4 + phone[-4:]
    parts = phone.split("-")
    if len(parts) >= 2 and parts[0].startswith("0"):
        parts[1] = _mask_keep_tail(parts[1])
    elif parts:
        parts[0] = _mask_keep_tail(parts[0])
    return "-".join(parts)


def _mask_keep_tail(digits: str) -> str:
    if len(digits) <= 4:
        return MASK * len(digits)
    return MASK * (len(digits) - 4) + digits[-4:]


def _is_modifier(char: str) -> bool:
    code = ord(char)
    return (unicodedata.combining(char) != 0 or 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF
            or code == 0x200D)


def name_characters(name: str) -> list[str]:
    """Split a name into user-perceived characters (modifiers kept with their base character)."""
    chars: list[str] = []
    for char in name:
        if chars and _is_modifier(char):
            chars[-1] += char
        else:
            chars.append(char)
    return chars


def mask_name(name: str | None) -> str:
    """Keep the first character (the surname) and mask the rest: 张三 → 张*, 𠮷小明 → 𠮷**;
    separators in minority and foreign names (·, space) stay visible; one-character names → *."""
    chars = name_characters((name or "").strip())
    if len(chars) <= 1:
        return MASK * len(chars)
    return chars[0] + "".join(c if c in _NAME_SEPARATORS else MASK for c in chars[1:])
