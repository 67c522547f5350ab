"""Which registered household a roster's household is when the roster does not say it in the
register's own 户编号: a village's own short numbers (1, 2, 3组12号), or no 户号 column at all.

The members' ID numbers decide: when the members of a roster household already registered all live
in one registered household of the village, and no other household of the file claims it, the rows
are that household. Otherwise a short number stands as it is (village + group + sequence), and a
household of a roster without 户号 gets the village's next free 户编号 (group 00, after the highest
number any household of the village, deleted or not, has had there)."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from app.exchange.roster_checks import Draft, RowError
from app.rules.regions import household_no
from db.household_numbers import last_sequence

if TYPE_CHECKING:
    from app.exchange.layout import RawRow


def _registered_number(members: list[Draft], register) -> str | None:
    """The one registered household the members already registered live in, or None."""
    numbers = {register.number_of.get(p.household_id) for d in members
               if (p := register.persons.get(d.values.get("id_number"))) is not None}
    return numbers.pop() if len(numbers) == 1 else None


def _claimed_once(found: dict, taken: set[str]) -> dict:
    claims: dict[str, int] = defaultdict(int)
    for target in found.values():
        claims[target] += 1
    return {key: target for key, target in found.items() if claims[target] == 1 and target not in taken}


def match_local_numbers(drafts: list[Draft], register) -> list[RowError]:
    """Short-numbered households whose registered members name one registered household become it;
    returns the preview's note (empty when none did)."""
    groups: dict[str, list[Draft]] = defaultdict(list)
    for d in drafts:
        if d.values.get("_local_no") and d.household_no:
            groups[d.household_no].append(d)
    found = {number: target for number, members in groups.items()
             if (target := _registered_number(members, register)) and target != number
             and target[:12] == number[:12]}
    found = _claimed_once(found, {d.household_no for d in drafts})
    for number, target in found.items():
        for d in groups[number]:
            d.household_no = target
    return [RowError(0, "", "roster_local_matched", {"count": len(found)})] if found else []


def number_households(session: Session, drafts: list[Draft], rows: list[RawRow], register,
                      village: str | None, labels: dict[str, str]) -> list[RowError]:
    """A roster without 户号: each household (rows numbered by their head rows) becomes the registered
    household its registered members live in, or a new one with the village's next free number."""
    groups: dict[int, list[Draft]] = defaultdict(list)
    for d, raw in zip(drafts, rows, strict=True):
        groups[raw.household].append(d)
    if village is None:
        for d in drafts:
            d.errors.append(RowError(d.row, labels["household_no"], "roster_no_household_column"))
        return []
    found = {key: target for key, members in groups.items()
             if (target := _registered_number(members, register)) and target[:12] == village}
    found = _claimed_once(found, set())
    sequence = last_sequence(session, village, 0)
    for key, members in groups.items():
        if key in found:
            number = found[key]
        else:
            sequence += 1
            number = household_no(village, 0, sequence)
        for d in members:
            d.household_no = number
    new = len(groups) - len(found)
    return [RowError(0, "", "roster_households_by_head", {"count": len(groups), "new": new})] + \
        ([RowError(0, "", "roster_local_matched", {"count": len(found)})] if found else [])
