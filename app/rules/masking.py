"""Masking of personal data for screens, prints and exports (docs/ARCHITECTURE.md, glossary: personal data):
ID `110101********1234` (first 6 and last 4 kept), phone `138****5678`, name `张*`.

ID numbers and phones follow db/masking.py (the city server masks with the same rule). Names are
masked by user-perceived character, not by code unit: a character outside the BMP (𠮷, U+20BB7) is
one character, and a variation selector or combining mark stays with the
character it modifies, so a masked name never shows half a character."""

from __future__ import annotations

import unicodedata

from db.masking import MASK, mask_id, mask_phone  # noqa: F401 - re-exported: the one rule, shared with the city server

_NAME_SEPARATORS = {"·", "•", " ", "・"}


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
