"""The conflict review queue as the desktop client sees it: open review items of the user's area,
fetched from the city server (`GET /review`), and the reviewer's decision. A decision is an ordinary
local edit (captured into the outbox, so it syncs like any change) plus closing the item on the
server (`POST /review/{id}/resolve`): keeping the value that took effect writes nothing; taking the
other value or typing a new one writes that value to the record here; two households sharing a
number are resolved by renumbering one (app.client.review_households)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.client.review_households import HouseholdSide, household_side, renumbered
from app.client.review_marks import drop_mark
from app.errors import NotFoundError, UserFacingError
from app.rules.regions import in_scope
from app.services.context import BEIJING, REVIEW_ROLES
from app.services.persons import PersonView, person_view
from db.base import model_for_entity
from db.models import Case, CaseParty, Household, Person, TagAssignment, Task
from db.person_merge import merge_writes
from sync.transport import TransportError
from sync.wire import WireError, decode_value

if TYPE_CHECKING:
    from app.client.context import ClientContext

DECISIONS = {"keep": "keep_winner", "take_other": "take_loser", "edit": "dismissed",
             "not_duplicate": "not_duplicate"}


@dataclass(frozen=True)
class ReviewEntry:
    """One open review item, as the server lists it."""

    id: str
    kind: str
    entity: str
    record_id: str
    field: str | None
    related_record_id: str | None
    winner_value: Any
    winner_user: str | None
    winner_hlc: str | None
    loser_value: Any
    loser_user: str | None
    loser_hlc: str | None
    created_at: dt.datetime | None
    record_label: str = ""  # what the record is called here (a household's number, a person's name), "" unknown


def _beijing(created: str | None) -> dt.datetime | None:
    """The server's time (aware, UTC) as the desktop shows every time: naive Beijing time — shown as
    it came, the list said 01:20 for an item found at 09:20 beside a status bar saying 已同步 09:20."""
    if not created:
        return None
    moment = dt.datetime.fromisoformat(created)
    return moment if moment.tzinfo is None else moment.astimezone(BEIJING).replace(tzinfo=None)


def _entry(raw: dict) -> ReviewEntry:
    return ReviewEntry(
        id=raw["id"], kind=raw["kind"], entity=raw["entity"], record_id=raw["record_id"], field=raw.get("field"),
        related_record_id=raw.get("related_record_id"), winner_value=raw.get("winner_value"),
        winner_user=raw.get("winner_user"), winner_hlc=raw.get("winner_hlc"), loser_value=raw.get("loser_value"),
        loser_user=raw.get("loser_user"), loser_hlc=raw.get("loser_hlc"),
        created_at=_beijing(raw.get("created_at")))


class ReviewQueue:
    """Open review items and decisions; `transport` returns a transport to the enrolled server."""

    def __init__(self, context: ClientContext, transport: Callable[[], Any]) -> None:
        self._context = context
        self._transport = transport
        self._items: dict[str, ReviewEntry] = {}

    @property
    def may_review(self) -> bool:
        """Whether this account reviews conflicts (the township's); others are told who does."""
        return self._context.actor.role in REVIEW_ROLES

    def open_items(self) -> list[ReviewEntry]:
        answer = self._transport().request("GET", "/review", params={"state": "open"})
        items = [_entry(raw) for raw in answer or []]
        labels = self._context.read(lambda s: record_labels(s, items))
        items = [replace(item, record_label=labels.get(item.record_id, "")) for item in items]
        self._items = {item.id: item for item in items}
        return items

    def duplicates(self, item_id: str) -> tuple[MergeSide, MergeSide]:
        """Both persons of a duplicate-ID item, side by side, for the merge view."""
        item = self._item(item_id)
        scope = self._context.actor.scope
        return self._context.read(lambda s: merge_sides(s, scope, item.related_record_id, item.record_id))

    def merge(self, item_id: str, survivor_id: str) -> None:
        """Merge a duplicate pair into `survivor_id` (a captured local edit) and close the item."""
        item = self._item(item_id)
        pair = {item.record_id, item.related_record_id}
        if survivor_id not in pair:
            raise NotFoundError("person", survivor_id)
        (loser_id,) = pair - {survivor_id}
        scope = self._context.actor.scope
        self._context.read(lambda s: merge_sides(s, scope, survivor_id, loser_id))  # both held here
        self._close(item, "merged", f"survivor {survivor_id}")
        self._context.write(lambda s: (merge_sides(s, scope, survivor_id, loser_id),
                                       merge_person(s, survivor_id, loser_id)))

    def households(self, item_id: str) -> tuple[HouseholdSide, HouseholdSide]:
        """Both households of a duplicate-number item (`duplicate_hh_no`), the one held first first."""
        item = self._item(item_id)
        scope = self._context.actor.scope
        return self._context.read(lambda s: (household_side(s, scope, item.related_record_id),
                                             household_side(s, scope, item.record_id)))

    def renumber(self, item_id: str, household_id: str) -> str:
        """Give `household_id`, one of the item's two households, the village's next free number (a
        captured local edit through the household service's checks) and close the item; returns the
        new number."""
        item = self._item(item_id)
        if household_id not in (item.record_id, item.related_record_id):
            raise NotFoundError("household", household_id)
        number = self._context.read(lambda s: renumbered(s, household_id))
        self._close(item, "renumbered", f"{household_id} → {number}")
        self._context.households.edit(household_id, household_no=number)
        return number

    def _item(self, item_id: str) -> ReviewEntry:
        item = self._items.get(item_id)
        if item is None:
            raise NotFoundError("review_item", item_id)
        return item

    def _close(self, item: ReviewEntry, decision: str, note: str = "") -> None:
        """Close the item on the server — before the decision's local edit is written: an item
        another reviewer closed first (409 review_closed) must not get this PC's edit pushed over
        that reviewer's decision. Either way the item and its badge leave this PC's list."""
        try:
            self._transport().request("POST", f"/review/{item.id}/resolve",
                                      json_body={"decision": decision, "note": note})
        except TransportError as error:
            if error.code == "review_closed":
                self._forget(item)
            raise
        self._forget(item)

    def _forget(self, item: ReviewEntry) -> None:
        self._items.pop(item.id, None)
        drop_mark(self._context.sessions, item.id)  # the 冲突待审 badge goes with the decision

    def resolve(self, item_id: str, choice: str, value: Any = None) -> None:
        """Record the decision: "keep", "take_other", "edit" (with `value`) or "not_duplicate"."""
        item = self._item(item_id)
        if choice not in DECISIONS:
            raise NotFoundError("review_item", item_id)
        edits = choice in ("take_other", "edit")
        if edits:
            if not item.field:
                raise UserFacingError("review_value_invalid", field="—")
            new_value = item.loser_value if choice == "take_other" else value
            self._context.read(lambda session: self._checked(session, item, new_value))  # before closing
        self._close(item, DECISIONS[choice], "value edited by reviewer" if choice == "edit" else "")
        if edits:
            self._context.write(lambda session: self._write_value(session, item, new_value))

    def _checked(self, session: Session, item: ReviewEntry, value: Any) -> tuple[Any, Any]:
        """(the record, `value` decoded for its field), or a refusal the reviewer can act on."""
        model = model_for_entity(item.entity)
        record = session.get(model, item.record_id)
        if record is None:
            raise NotFoundError(item.entity, item.record_id)
        try:
            return record, decode_value(model, item.field, value)
        except WireError:
            raise UserFacingError("review_value_invalid", field=item.field) from None

    def _write_value(self, session: Session, item: ReviewEntry, value: Any) -> None:
        record, decoded = self._checked(session, item, value)
        if getattr(record, item.field) != decoded:
            setattr(record, item.field, decoded)  # captured into the outbox like any local edit


LABELLED = {Household: "household_no", Person: "name", Case: "case_no", Task: "task_no"}


def record_labels(session: Session, items: list[ReviewEntry]) -> dict[str, str]:
    """What the reviewer knows a record by, for the records of `items` this PC holds: a household's
    number, a person's name, a case's or a task's number (a record id means nothing to a clerk)."""
    labels: dict[str, str] = {}
    for model, column in LABELLED.items():
        ids = {item.record_id for item in items if item.entity == model.__sync_entity__}
        if ids:
            labels.update(session.execute(select(model.id, getattr(model, column)).where(model.id.in_(ids))).all())
    return {record_id: label for record_id, label in labels.items() if label}


@dataclass(frozen=True)
class MergeSide:
    """One of two persons flagged as duplicates, masked, with what would move if it were merged away."""

    person: PersonView
    household_no: str
    tags: tuple[str, ...]
    case_parties: int
    reported_cases: int
    is_head: bool


def _merge_side(session: Session, person: Person) -> MergeSide:
    household = session.get(Household, person.household_id) if person.household_id else None
    tags = session.scalars(select(TagAssignment.tag_code).where(
        TagAssignment.subject_type == "person", TagAssignment.subject_id == person.id,
        TagAssignment.deleted.is_(False))).all()
    parties = session.scalar(select(func.count()).select_from(CaseParty).where(
        CaseParty.person_id == person.id, CaseParty.deleted.is_(False))) or 0
    reported = session.scalar(select(func.count()).select_from(Case).where(
        Case.reporter_person_id == person.id, Case.deleted.is_(False))) or 0
    head = household is not None and household.head_person_id == person.id
    return MergeSide(person_view(person, household.head_person_id if household else None),
                     household.household_no if household else "", tuple(sorted(tags)), parties, reported, head)


def merge_sides(session: Session, scope: str, first_id: str, second_id: str) -> tuple[MergeSide, MergeSide]:
    sides = []
    for person_id in (first_id, second_id):
        person = session.get(Person, person_id)
        if person is None or person.deleted or not in_scope(scope, person.region_code, person.grid_code):
            raise NotFoundError("person", person_id)
        sides.append(_merge_side(session, person))
    return sides[0], sides[1]


def merge_person(session: Session, survivor_id: str, loser_id: str) -> None:
    """Merge the loser into the survivor here (db.person_merge says what changes), each write a
    local edit captured into the outbox."""
    for write in merge_writes(session, survivor_id, loser_id):
        record = session.get(write.model, write.record_id)
        if record is None:
            session.add(write.model(id=write.record_id, **write.fields))
            continue
        for name, value in write.fields.items():
            setattr(record, name, value)
