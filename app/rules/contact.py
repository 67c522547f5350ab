"""Phone numbers (联系电话): mainland mobiles (11 digits starting with 1, second digit 3–9 as
allocated) and landlines with an optional area code and extension. Numbers are stored as text in
one normal form so that search by phone tail and duplicate checks see the same string:
mobile "13812345678", landline "0512-67891234" or "0512-67891234-801", local "67891234"."""

from __future__ import annotations

import re

from app.errors import ValidationError

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


def normalise_phone(raw: str | None, field: str = "phone") -> str | None:
    """The stored form of a phone number; None for an empty input; ValidationError otherwise."""
    if raw is None or not raw.strip():
        return None
    text = _strip_country_code(raw)
    digits_only = re.sub(r"[\s-]", "", text)
    if _MOBILE.fullmatch(digits_only):
        return digits_only
    match = _LANDLINE.fullmatch(text.strip())
    if not match:
        raise ValidationError(field, "phone_invalid")
    parts = [p for p in (match["area"], match["local"], match["ext"]) if p]
    return "-".join(parts)


def is_mobile(phone: str | None) -> bool:
    return bool(phone) and bool(_MOBILE.fullmatch(phone))
