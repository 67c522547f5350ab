"""What the status bar shows about local sync state: how many local changes wait in the outbox,
how many the server refused (they stay until fixed or discarded), and when the last sync finished."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.client import OutboxChange, SyncState

if TYPE_CHECKING:
    from app.client.context import ClientContext

LAST_SYNC_KEY = "last_sync_at"


@dataclass(frozen=True)
class OutboxCounts:
    pending: int
    rejected: int
    last_sync_at: dt.datetime | None


class LocalStatus:
    """Read-only facts about the outbox and the last sync, for the status bar."""

    def __init__(self, context: ClientContext) -> None:
        self._context = context

    def outbox_counts(self) -> OutboxCounts:
        return self._context.read(_outbox_counts)


def _outbox_counts(session: Session) -> OutboxCounts:
    by_state = dict(session.execute(
        select(OutboxChange.state, func.count()).group_by(OutboxChange.state)).all())
    raw = session.get(SyncState, LAST_SYNC_KEY)
    last = None
    if raw is not None and raw.value:
        try:
            last = dt.datetime.fromisoformat(raw.value)
        except ValueError:
            last = None
    return OutboxCounts(by_state.get("pending", 0), by_state.get("rejected", 0), last)
