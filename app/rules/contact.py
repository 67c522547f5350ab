"""Phone numbers (联系电话) on the desktop: the stored form is db.typed_forms.phone_form (the one copy the
city server's 12345 intake uses too) — mobile "13812345678", landline "0512-67891234" or
"0512-67891234-801", local "67891234" — and a number with no such form is refused on its field."""

from __future__ import annotations

from app.errors import ValidationError
from db.typed_forms import NotTypedForm, phone_form


def normalise_phone(raw: str | None, field: str = "phone") -> str | None:
    """The stored form of a phone number; None for an empty input; ValidationError otherwise."""
    try:
        return phone_form(raw)
    except NotTypedForm as problem:
        raise ValidationError(field, problem.code) from None
