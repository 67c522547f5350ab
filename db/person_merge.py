"""Merging two records of one person (a duplicate ID number, or two entries found alike): what
changes, computed once for the desktop (app.client.review.merge_person applies it as local edits,
captured like any) and for the city console (server.console.review_decisions pushes it as changes
from the admin's console device). The loser becomes a tombstone pointing at the survivor; its tags,
case parties and reported cases move over, and a household it headed gets the survivor as head when
they share it, else no head."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.ids import tag_assignment_id
from db.models import Case, CaseParty, Household, Person, TagAssignment


@dataclass(frozen=True)
class Write:
    """One record's new field values; `new` when the record does not exist yet (a moved tag)."""

    model: type
    record_id: str
    fields: dict[str, Any]
    new: bool = False


def merge_writes(session: Session, survivor_id: str, loser_id: str) -> list[Write]:
    """The writes that merge `loser_id` into `survivor_id`, the loser's tombstone last."""
    survivor, loser = session.get(Person, survivor_id), session.get(Person, loser_id)
    writes: list[Write] = []
    for tag in session.scalars(select(TagAssignment).where(
            TagAssignment.subject_type == "person", TagAssignment.subject_id == loser.id,
            TagAssignment.deleted.is_(False))).all():
        record_id = tag_assignment_id(survivor.id, tag.tag_code)
        kept = session.get(TagAssignment, record_id)
        if kept is None:
            writes.append(Write(TagAssignment, record_id, {
                "subject_type": "person", "subject_id": survivor.id, "tag_code": tag.tag_code,
                "region_code": survivor.region_code, "start_on": tag.start_on, "end_on": tag.end_on}, new=True))
        elif kept.deleted:
            writes.append(Write(TagAssignment, record_id, {"deleted": False,
                                                           "deletion_gen": (kept.deletion_gen or 0) + 1}))
        writes.append(Write(TagAssignment, tag.id, {"deleted": True}))
    for party_id in session.scalars(select(CaseParty.id).where(CaseParty.person_id == loser.id)).all():
        writes.append(Write(CaseParty, party_id, {"person_id": survivor.id}))
    for case_id in session.scalars(select(Case.id).where(Case.reporter_person_id == loser.id)).all():
        writes.append(Write(Case, case_id, {"reporter_person_id": survivor.id}))
    household = session.get(Household, loser.household_id) if loser.household_id else None
    if household is not None and household.head_person_id == loser.id:
        writes.append(Write(Household, household.id, {
            "head_person_id": survivor.id if survivor.household_id == household.id else None}))
    writes.append(Write(Person, loser.id, {"merged_into": survivor.id, "deleted": True}))
    return writes
