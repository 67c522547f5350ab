"""Households moving between villages through a roster (issue 16, bulk update): a row whose
村（社区） column names another village than its 户编号's. A registered household moves there — its
户编号 keeps its group and sequence under the new village's code, its grid is the 网格 column's
(a grid of the new village) or none, and its members move with it — as ordinary edits the preview
shows old → new and change capture records. Both villages must lie in the user's area (the 户编号
is checked as any other, the 村（社区） value by `VillageIndex`); a new household whose number says
one village and whose 村（社区） another, or a new number another household already has, is a
problem at its row. Rows naming their own household's village are no move at all, and the same
file imported again after its moves changes nothing (`adopt_moved`)."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.exchange.roster_checks import Draft, RowError
from db.models import Household


def moved_number(number: str, village: str) -> str:
    """The household's number in its new village: the same group and sequence under its code."""
    return village + number[12:]


def adopt_moved(session: Session, drafts: list[Draft], registered: dict[str, Household]) -> bool:
    """The same file again after its moves were applied: a row whose 户编号 is no longer registered
    but whose number under its 村（社区） is, stands for that household (it moved already), so a
    re-import changes nothing. Returns whether any row was re-pointed (the caller re-reads)."""
    wanted = {moved_number(d.household_no, d.values["region_code"]): d.household_no for d in drafts
              if d.household_no and d.household_no not in registered and d.values.get("region_code")
              and d.values["region_code"] != d.household_no[:12]}
    if not wanted:
        return False
    found = set(session.scalars(select(Household.household_no).where(
        Household.household_no.in_(list(wanted)), Household.deleted.is_(False), Household.merged_into.is_(None))))
    moved = {wanted[target]: target for target in found}
    for d in drafts:
        if d.household_no in moved and d.values.get("region_code") == moved[d.household_no][:12]:
            d.household_no = moved[d.household_no]
            d.values.pop("region_code")
    return bool(moved)


def check_moves(session: Session, drafts: list[Draft], registered: dict[str, Household],
                labels: dict[str, str], names: dict[str, str]) -> None:
    """Keeps `region_code` on the rows of registered households that move, drops it where it is
    the household's own village, and reports the rows that cannot move."""
    by_household: dict[str, list[Draft]] = defaultdict(list)
    for d in drafts:
        if d.household_no:
            by_household[d.household_no].append(d)
    targets: dict[str, str] = {}
    for number, members in by_household.items():
        named = [d for d in members if d.values.get("region_code")]
        for d in named[1:]:
            if d.values["region_code"] != named[0].values["region_code"]:
                d.errors.append(RowError(d.row, labels["village"], "roster_household_differs", {
                    "label": labels["village"], "row": named[0].row,
                    "value": names.get(named[0].values["region_code"], "")}))
        village = named[0].values["region_code"] if named else number[:12]
        if village == number[:12]:
            for d in named:
                d.values.pop("region_code")
            continue
        if number not in registered:
            named[0].errors.append(RowError(named[0].row, labels["household_no"], "roster_village_differs", {
                "number_label": labels["household_no"], "label": labels["village"], "value": names.get(village, "")}))
            continue
        targets[moved_number(number, village)] = number
    taken = set(session.scalars(select(Household.household_no).where(
        Household.household_no.in_(list(targets)), Household.deleted.is_(False))))
    seen: set[str] = set()
    for target, number in targets.items():
        if target in taken or target in by_household or target in seen:
            first = by_household[number][0]
            first.errors.append(RowError(first.row, labels["village"], "roster_move_number_taken", {
                "value": names.get(target[:12], ""), "number": target}))
        seen.add(target)


def move_values(members: list[Draft], wanted: dict, number: str) -> None:
    """What a moving household's write adds: its village, its new number, and no grid of the old
    village (the 网格 column, when there is one, names the new village's)."""
    village = next((d.values["region_code"] for d in members if d.values.get("region_code")), None)
    if village is None:
        return
    wanted["region_code"] = village
    wanted["household_no"] = moved_number(number, village)
    wanted.setdefault("grid_code", None)
