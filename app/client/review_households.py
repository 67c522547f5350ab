"""Two households of one village holding the same household number (户编号), raised by the city
server as a `duplicate_hh_no` review item (decision 0041): both side by side for the reviewer, and
the resolution — one of them takes the village's next free number in its own group, an ordinary
captured edit that syncs like any other."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.errors import NotFoundError, UserFacingError
from app.rules.regions import in_scope
from app.services.household_numbers import next_household_no
from db.household_numbers import group_of
from db.models import Household, Person, Region


@dataclass(frozen=True)
class HouseholdSide:
    """One of two households sharing a number, as the reviewer compares them (no personal numbers)."""

    id: str
    household_no: str
    region_code: str
    grid_code: str | None
    address: str
    head_name: str
    members: int
    grid_name: str = ""  # the grid's name where the PC holds it ("" otherwise: the code is shown)
    proposed_no: str = ""  # the number this household takes if it is the one renumbered


def household_side(session: Session, scope: str, household_id: str | None) -> HouseholdSide:
    household = session.get(Household, household_id) if household_id else None
    if household is None or household.deleted or not in_scope(scope, household.region_code, household.grid_code):
        raise NotFoundError("household", household_id or "")
    head = session.get(Person, household.head_person_id) if household.head_person_id else None
    members = session.scalar(select(func.count()).select_from(Person).where(
        Person.household_id == household.id, Person.deleted.is_(False))) or 0
    grid = session.get(Region, household.grid_code) if household.grid_code else None
    try:
        proposed = renumbered(session, household.id)
    except UserFacingError:  # the group's numbers are used up: renumbering it says so
        proposed = ""
    return HouseholdSide(household.id, household.household_no, household.region_code, household.grid_code,
                         household.address or "", head.name if head is not None else "", members,
                         grid.name if grid is not None else "", proposed)


def renumbered(session: Session, household_id: str) -> str:
    """The number `household_id` takes: the next free one of its village and group held here."""
    household = session.get(Household, household_id)
    if household is None:
        raise NotFoundError("household", household_id)
    return next_household_no(session, household.region_code, group_of(household.household_no))
