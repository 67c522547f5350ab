"""The next free household number (户编号) of a village as this PC can tell: after the highest
sequence any household it holds has had in the village's group (db.household_numbers) — deleted, merged or moved away
since, in any grid — so a number once given is never given again from this PC. Two offline PCs can
still pick the same one; the city server raises that for review (`duplicate_hh_no`, decision 0041)
and the reviewer renumbers one household with `next_household_no`."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.rules.regions import household_no
from db.household_numbers import last_sequence


def next_household_no(session: Session, village: str, group: int = 0) -> str:
    """The number after the highest of the village's group held here (the sequence wraps to no
    number: past 9999 `household_no` refuses with household_no_invalid)."""
    return household_no(village, group, last_sequence(session, village, group) + 1)
