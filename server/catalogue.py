"""报表准入, the department request catalogue: the data requests a department may send down to
townships and villages, each naming the register fields it asks for. A department proposes an entry;
the city admin approves or refuses it with a note. A data-verification (一表通) task may request only
fields of one of its department's approved entries — the console checks it when a task is issued,
and `approved_fields` is the one answer to "may this department ask for these fields".

The requestable fields are a person's register fields the desktop's 一表通 form fills in for any
member of a linked household (`db.request_fields`, shared with the client)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db import request_fields
from db.fields import spec
from server.models import RequestCatalogueEntry

REQUESTABLE_FIELDS: dict[str, tuple[str, str]] = {
    name: (request_fields.label(name), request_fields.english(name)) for name in request_fields.REQUESTABLE}
STATES = ("pending", "approved", "refused")


class CatalogueError(ValueError):
    """A refused proposal or decision: `field` names the form field, `code` the message key."""

    def __init__(self, field: str, code: str):
        super().__init__(code)
        self.field, self.code = field, code


@dataclass(frozen=True)
class Proposal:
    name: str
    purpose: str
    fields: tuple[str, ...]


def check_proposal(proposal: Proposal) -> None:
    name = proposal.name.strip()
    if not name or len(name) > 100:
        raise CatalogueError("name", "name_required")
    if not proposal.fields:
        raise CatalogueError("fields", "fields_required")
    if any(f not in REQUESTABLE_FIELDS for f in proposal.fields):
        raise CatalogueError("fields", "field_unknown")
    if len(proposal.purpose) > 2000:
        raise CatalogueError("purpose", "too_long")


def propose(session: Session, department_code: str, username: str, proposal: Proposal,
            now: dt.datetime) -> RequestCatalogueEntry:
    check_proposal(proposal)
    entry = RequestCatalogueEntry(department_code=department_code, name=proposal.name.strip(),
                                  purpose=proposal.purpose.strip(), fields=list(dict.fromkeys(proposal.fields)),
                                  state="pending", proposed_by=username, proposed_at=now)
    session.add(entry)
    session.flush()
    return entry


def decide(session: Session, entry_id: str, approve: bool, username: str, note: str,
           now: dt.datetime) -> RequestCatalogueEntry:
    """Approve or refuse a pending entry (a refusal needs a note); an approved entry may later be
    withdrawn (refused) too, which stops new tasks asking for its fields."""
    entry = session.get(RequestCatalogueEntry, entry_id)
    if entry is None:
        raise CatalogueError("entry", "not_found")
    if not approve and not note.strip():
        raise CatalogueError("note", "reason_required")
    if len(note) > 2000:
        raise CatalogueError("note", "too_long")
    entry.state = "approved" if approve else "refused"
    entry.decided_by, entry.decided_at, entry.decision_note = username, now, note.strip()
    session.flush()
    return entry


def entries(session: Session, department_code: str | None = None,
            state: str | None = None) -> list[RequestCatalogueEntry]:
    query = select(RequestCatalogueEntry).order_by(RequestCatalogueEntry.proposed_at.desc(),
                                                   RequestCatalogueEntry.id)
    if department_code is not None:
        query = query.where(RequestCatalogueEntry.department_code == department_code)
    if state is not None:
        query = query.where(RequestCatalogueEntry.state == state)
    return list(session.scalars(query))


def outside_catalogue(session: Session, department_code: str, fields: list[str] | tuple[str, ...]) -> list[str]:
    """The requested `fields` no approved entry of the department covers — empty when one approved
    entry names them all. The push of a task checks this whichever client sends it (an approved entry
    is what the city admin let the department ask for, so fields spread over two entries are not one
    approved request: those the best-covering entry lacks are named)."""
    wanted = list(dict.fromkeys(str(f) for f in fields))
    if not wanted:
        return []
    best: list[str] = wanted
    for entry in session.scalars(select(RequestCatalogueEntry).where(
            RequestCatalogueEntry.department_code == department_code, RequestCatalogueEntry.state == "approved")):
        missing = [f for f in wanted if f not in (entry.fields or ())]
        if len(missing) < len(best):
            best = missing
    return best


def field_labels(fields: list[str], lang: str) -> str:
    """Field names as the people reading a message call them, joined for a sentence."""
    index = 1 if lang == "en" else 0
    return (", " if lang == "en" else "、").join(REQUESTABLE_FIELDS.get(f, (_person_label(f), f))[index] for f in fields)


def _person_label(name: str) -> str:
    """The Chinese label of a person's column outside the requestable list (an answer naming 姓名)."""
    try:
        return spec("person", name).label or name
    except KeyError:
        return name


def approved_fields(session: Session, department_code: str, entry_id: str) -> tuple[str, ...]:
    """The fields the department may request under `entry_id`, or () when that entry is not its own
    approved one."""
    entry = session.get(RequestCatalogueEntry, entry_id)
    if entry is None or entry.department_code != department_code or entry.state != "approved":
        return ()
    return tuple(entry.fields or ())


ANSWER_KEYS = frozenset({"fields", "households"})


class AnswerShapeError(ValueError):
    """一表通 answers not in the shape clients send: {"fields": [names], "households": {household
    number: {field: value}, or a list of such, one per member answered}}."""


def unrequested_answer_fields(requested: list[str] | tuple[str, ...], answers: Any) -> list[str]:
    """The fields a feedback entry's 一表通 `answers` name that the task did not request, in the order
    they appear (empty: the answer holds only requested fields). An answer is the minimum necessary
    the department was allowed to ask for, so the push refuses anything more, whoever sends it.
    Raises AnswerShapeError when the answers are not shaped as clients send them."""
    if answers in (None, {}):
        return []
    if not isinstance(answers, dict) or not set(answers) <= ANSWER_KEYS:
        raise AnswerShapeError("answers")
    named = answers.get("fields", [])
    households = answers.get("households", {})
    if not isinstance(named, list) or not all(isinstance(f, str) for f in named) \
            or not isinstance(households, dict):
        raise AnswerShapeError("answers")
    seen = list(named)
    for values in households.values():
        for person in (values if isinstance(values, list) else [values]):
            if not isinstance(person, dict) or not all(isinstance(v, str | None) for v in person.values()):
                raise AnswerShapeError("answers")
            seen += list(person)
    wanted = set(requested or ())
    return [f for f in dict.fromkeys(seen) if f not in wanted]
