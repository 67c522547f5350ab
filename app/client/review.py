"""The conflict review queue as the desktop client sees it: open review items of the user's area,
fetched from the city server (`GET /review`), and the reviewer's decision. A decision is an ordinary
local edit (captured into the outbox, so it syncs like any change) plus closing the item on the
server (`POST /review/{id}/resolve`): keeping the value that took effect writes nothing; taking the
other value or typing a new one writes that value to the record here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from app.errors import NotFoundError, UserFacingError
from db.base import model_for_entity
from sync.wire import WireError, decode_value

if TYPE_CHECKING:
    from app.client.context import ClientContext

DECISIONS = {"keep": "keep_winner", "take_other": "take_loser", "edit": "dismissed"}


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


def _entry(raw: dict) -> ReviewEntry:
    created = raw.get("created_at")
    return ReviewEntry(
        id=raw["id"], kind=raw["kind"], entity=raw["entity"], record_id=raw["record_id"], field=raw.get("field"),
        related_record_id=raw.get("related_record_id"), winner_value=raw.get("winner_value"),
        winner_user=raw.get("winner_user"), winner_hlc=raw.get("winner_hlc"), loser_value=raw.get("loser_value"),
        loser_user=raw.get("loser_user"), loser_hlc=raw.get("loser_hlc"),
        created_at=dt.datetime.fromisoformat(created) if created else None)


class ReviewQueue:
    """Open review items and decisions; `transport` returns a transport to the enrolled server."""

    def __init__(self, context: ClientContext, transport: Callable[[], Any]) -> None:
        self._context = context
        self._transport = transport
        self._items: dict[str, ReviewEntry] = {}

    def open_items(self) -> list[ReviewEntry]:
        answer = self._transport().request("GET", "/review", params={"state": "open"})
        items = [_entry(raw) for raw in answer or []]
        self._items = {item.id: item for item in items}
        return items

    def resolve(self, item_id: str, choice: str, value: Any = None) -> None:
        """Record the decision: `choice` is "keep", "take_other" or "edit" (with `value`)."""
        item = self._items.get(item_id)
        if item is None or choice not in DECISIONS:
            raise NotFoundError("review_item", item_id)
        if choice != "keep":
            if not item.field:
                raise UserFacingError("review_value_invalid", field="—")
            new_value = item.loser_value if choice == "take_other" else value
            self._context.write(lambda session: self._write_value(session, item, new_value))
        note = "value edited by reviewer" if choice == "edit" else ""
        self._transport().request("POST", f"/review/{item.id}/resolve",
                                  json_body={"decision": DECISIONS[choice], "note": note})
        self._items.pop(item.id, None)

    def _write_value(self, session: Session, item: ReviewEntry, value: Any) -> None:
        model = model_for_entity(item.entity)
        record = session.get(model, item.record_id)
        if record is None:
            raise NotFoundError(item.entity, item.record_id)
        try:
            decoded = decode_value(model, item.field, value)
        except WireError:
            raise UserFacingError("review_value_invalid", field=item.field) from None
        if getattr(record, item.field) != decoded:
            setattr(record, item.field, decoded)  # captured into the outbox like any local edit
