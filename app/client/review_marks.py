"""Which records wait for a review (冲突待审), as of the last sync: the city server's open review
items of the user's jurisdiction, fetched after each sync cycle (`GET /review/marks`, open to every
role that holds register records, values left out) and kept in `open_reviews`, so lists and
details show the badge offline too. A decision taken on this PC drops its mark at once."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from sqlalchemy import delete, insert, or_, select
from sqlalchemy.orm import Session, sessionmaker

from db.client import OpenReview

log = logging.getLogger(__name__)

MARKS_PATH = "/review/marks"


def store_marks(sessions: sessionmaker[Session], marks: Iterable[dict]) -> int:
    """Replace the marks with those just fetched; returns how many records are marked."""
    rows = {m["id"]: {"id": m["id"], "kind": m["kind"], "entity": m["entity"], "record_id": m["record_id"],
                      "related_record_id": m.get("related_record_id")} for m in marks}
    with sessions.begin() as session:
        session.execute(delete(OpenReview))
        if rows:
            session.execute(insert(OpenReview), list(rows.values()))
    return len(rows)


def refresh_marks(sessions: sessionmaker[Session], transport) -> None:
    """Fetch and store the marks through an HTTP transport; a server that refuses or lacks the
    route (an older one) leaves the marks as they were — a badge is no reason to fail a sync."""
    from sync.transport import TransportError

    try:
        marks = transport.request("GET", MARKS_PATH)
    except TransportError as exc:
        log.info("review marks not fetched (%s)", exc.code)
        return
    store_marks(sessions, marks or [])


def drop_mark(sessions: sessionmaker[Session], item_id: str) -> None:
    with sessions.begin() as session:
        session.execute(delete(OpenReview).where(OpenReview.id == item_id))


def marked(session: Session, ids: list[str]) -> set[str]:
    """Those of `ids` with an open review item (as the record or its duplicate partner)."""
    if not ids:
        return set()
    found = set()
    for record, related in session.execute(select(OpenReview.record_id, OpenReview.related_record_id).where(
            or_(OpenReview.record_id.in_(ids), OpenReview.related_record_id.in_(ids)))):
        found.update(x for x in (record, related) if x in ids)
    return found
