"""The highest household number (户编号) a database holds in a village's group: the number is the
village's 12-digit code, a 2-digit group and a 4-digit sequence, and the next one to give is after
the highest sequence any household has had there — deleted, merged or moved away since. One query
for the desktop, which knows the households it holds (app.services.household_numbers), and the city
server's console, which knows them all (server.console.review_pages)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Household


def group_of(number: str) -> int:
    """The group (the two digits after the village's code) of a household number; 0 when it has none."""
    return int(number[12:14]) if number[12:14].isdigit() else 0


def last_sequence(session: Session, village: str, group: int = 0) -> int:
    """The highest sequence (the last four digits) of a number `village` + `group` of any household
    in `session`'s database, 0 when none."""
    prefix = f"{village}{group:02d}"
    last = session.scalar(select(func.max(Household.household_no)).where(
        Household.household_no >= prefix, Household.household_no < prefix + "~")) or ""
    return int(last[14:]) if last[14:].isdigit() else 0
