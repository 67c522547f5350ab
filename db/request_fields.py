"""The register fields a department's data request (一表通) may name: one list for the city console's
request catalogue (报表准入), the issue form, the desktop's 一表通 form and the printed task sheet.

Each is a person's field; its Chinese label is the one declared on the column (`db.fields`,
`declare(label=...)`), its English label is here for the console, and a coded field names the
code table its values come from. The clerk answers a request for any member of a linked household
(or the person a link names), so the fields are the person's own, never the household's."""

from __future__ import annotations

from db.fields import spec

# field name: (English label, code table or None), in the order forms show them
_FIELDS: dict[str, tuple[str, str | None]] = {
    "phone": ("Phone", None),
    "current_address": ("Current address", None),
    "residence_type": ("Residence type", "residence_type"),
    "id_number": ("ID number", None),
    "hukou_address": ("Household registration", None),
    "political_status": ("Political status", "political_status"),
    "marital_status": ("Marital status", "marital_status"),
    "education": ("Education", "education"),
    "ethnicity": ("Ethnicity", "ethnicity"),
}
REQUESTABLE: tuple[str, ...] = tuple(_FIELDS)
# Shown masked on screen and on paper unless revealed (and audited).
MASKED: frozenset[str] = frozenset({"phone", "id_number"})


def label(name: str) -> str:
    """The Chinese label declared on the person's column; an unknown name is shown as itself."""
    if name not in _FIELDS:
        return name
    return spec("person", name).label or name


def english(name: str) -> str:
    return _FIELDS[name][0] if name in _FIELDS else name


def code_table(name: str) -> str | None:
    return _FIELDS[name][1] if name in _FIELDS else None


def labels() -> dict[str, str]:
    """{field: Chinese label} of every requestable field, in form order."""
    return {name: label(name) for name in REQUESTABLE}
