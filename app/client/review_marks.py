"""Which records wait for a review (冲突待审), as of the last sync: the city server's open review
items of the user's jurisdiction (values left out), kept in `open_reviews`, so lists and details
show the badge offline too. A decision taken on this PC drops its mark at once.

They come with the history feed the PC follows after a sync that moved anything
(app.client.history.follow_feed): the first time whole, then only the marks that came or went
since the last answer (`marks_params`, `apply_marks`), up to the pull cursor as the feed goes — a
township with a backlog of thousands gets a few rows per sync, not all of them. A server that does
not carry them there (an older one) is asked the whole list separately (`refresh_marks`)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, func, insert, or_, select
from sqlalchemy.orm import Session, sessionmaker

from db.client import OpenReview, SyncState
from sync.capture import read_state, write_state

log = logging.getLogger(__name__)

MARKS_PATH = "/review/marks"
MARKS_CURSOR = "marks_cursor"  # sync_state: the server sequence number the marks are as of
MARKS_SCOPE = "marks_scope"  # sync_state: the jurisdiction they are for, as the server named it
MARKS_CUT = "marks_cut"  # sync_state: the whole set came cut to this many (its newest), else absent


def _replace(session: Session, marks: Iterable[dict]) -> int:
    rows = {m["id"]: _row(m) for m in marks}
    session.execute(delete(OpenReview))
    if rows:
        session.execute(insert(OpenReview), list(rows.values()))
    return len(rows)


def _row(mark: dict) -> dict[str, Any]:
    return {"id": mark["id"], "kind": mark["kind"], "entity": mark["entity"], "record_id": mark["record_id"],
            "related_record_id": mark.get("related_record_id")}


def store_marks(sessions: sessionmaker[Session], marks: Iterable[dict]) -> int:
    """Replace the marks with those just fetched whole; returns how many records are marked."""
    with sessions.begin() as session:
        return _replace(session, marks)


def marks_params(session: Session) -> dict[str, Any]:
    """The feed's query for the marks since those held (none held: the whole set). A jurisdiction
    with more open items than the server sends whole came as its newest ones only: once a tenth of
    those are gone, the whole set is asked again, so the badges refill as the backlog is worked off."""
    cut = read_state(session, MARKS_CUT)
    if cut is not None and session.scalar(select(func.count()).select_from(OpenReview)) < int(cut) * 9 // 10:
        return marks_query(None, None)
    return marks_query(read_state(session, MARKS_CURSOR), read_state(session, MARKS_SCOPE))


def marks_query(after: int | str | None, scope: str | None) -> dict[str, Any]:
    """The feed's query for the marks since those of jurisdiction `scope` as of `after` (the last
    answer's `next` and `scope`; None: the whole set)."""
    held = {"marks_after": int(after), "marks_scope": scope} if after is not None and scope is not None else {}
    return {"marks": "true", **held}


def marks_behind(session: Session, upper: int) -> bool:
    """Whether the marks held are not yet as of the pull cursor `upper` (or none are held)."""
    after = read_state(session, MARKS_CURSOR)
    return after is None or int(after) != upper


def apply_marks(session: Session, marks: dict[str, Any]) -> None:
    """Take in the feed's `marks`: the whole set, or what came (`open`) and went (`closed`)."""
    if marks["full"]:
        _replace(session, marks["open"])
        if marks.get("complete", True):
            session.execute(delete(SyncState).where(SyncState.key == MARKS_CUT))
        else:  # the newest of a larger set: how many, to know when to ask again
            write_state(session, MARKS_CUT, str(len(marks["open"])))
    else:
        gone = [m["id"] for m in marks["open"]] + list(marks["closed"])
        for start in range(0, len(gone), 500):
            session.execute(delete(OpenReview).where(OpenReview.id.in_(gone[start:start + 500])))
        if marks["open"]:
            session.execute(insert(OpenReview), [_row(m) for m in marks["open"]])
    write_state(session, MARKS_CURSOR, str(int(marks["next"])))
    write_state(session, MARKS_SCOPE, str(marks["scope"]))


def forget_marks_base(session: Session) -> None:
    """The next fetch is a whole one (the server was restored from a backup, or its feed carries no
    marks: app.sync_service then asks `GET /review/marks`)."""
    session.execute(delete(SyncState).where(SyncState.key.in_((MARKS_CURSOR, MARKS_SCOPE, MARKS_CUT))))


def marks_held(sessions: sessionmaker[Session]) -> bool:
    """Whether the marks came incrementally (the server carries them with its feed)."""
    with sessions() as session:
        return read_state(session, MARKS_CURSOR) is not None


def refresh_marks(sessions: sessionmaker[Session], transport) -> None:
    """Fetch and store the whole list through an HTTP transport (`GET /review/marks`: a server
    whose feed does not carry them); a server that refuses or lacks the route leaves the marks as
    they were — a badge is no reason to fail a sync."""
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
