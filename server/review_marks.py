"""冲突待审 marks for the PCs: which records of a jurisdiction have an open review item — the item's
id and kind and the records it names, nothing of the values or the people involved — so that lists
and details show the badge offline. Every role holding register records reads them
(server.routers.review.MARK_READERS);
only reviewers list the items themselves (server.routers.review).

A PC fetches them incrementally, with the history feed it follows after a sync that moved anything
(server.routers.history): an item's mark comes with the change that raised it (`server_seq`) and
goes with its resolution, which takes a sequence number of its own as a push's change does
(`resolved_seq`, server.store.numbering). The marks that came or went in a jurisdiction between two
of a PC's pull cursors are therefore the items with either number in that range, all committed (a
pull cursor is below every number still in flight), and a PC holding the marks as of `after` gets
only those: on a township with a backlog, a few rows instead of thousands on every sync. A PC with
none yet, one whose jurisdiction changed (each answer names the scope it is for), one whose cursor
went back, or one so far behind that more than MARK_LIMIT items moved, gets the newest MARK_LIMIT
open items whole, told whether that is all of them. Decision 0038."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from server.store.common import under_prefix
from server.store.numbering import take_numbers
from server.store.tables import ReviewItem

MARK_LIMIT = 5000
_ITEM = ReviewItem
_MARK = (_ITEM.id, _ITEM.kind, _ITEM.entity, _ITEM.record_id, _ITEM.related_record_id)


def _mark(row: Any) -> dict[str, Any]:
    return {"id": row.id, "kind": row.kind, "entity": row.entity, "record_id": row.record_id,
            "related_record_id": row.related_record_id}


def open_marks(session: Session, prefix: str, limit: int | None = None) -> list[dict[str, Any]]:
    """The newest `limit` (MARK_LIMIT) open items of the jurisdiction `prefix`, as marks."""
    rows = session.execute(select(*_MARK).where(_ITEM.state == "open", under_prefix(_ITEM.region_code, prefix))
                           .order_by(_ITEM.created_at.desc(), _ITEM.id).limit(limit or MARK_LIMIT))
    return [_mark(row) for row in rows]


def marks_since(session: Session, prefix: str, after: int | None, scope: str | None, upper: int) -> dict[str, Any]:
    """What a PC holding the marks of jurisdiction `scope` as of sequence number `after` (None: no
    marks yet) needs to hold those of `prefix` as of `upper`: {"scope", "next": upper, "full",
    "open": marks to keep, "closed": ids of items no longer open}. `full`: `open` is the whole set
    (the PC drops every other mark) — or, with `complete` false, its newest MARK_LIMIT, and the PC
    asks for the whole set again once enough of those are gone (app.client.review_marks); else a
    change to it. An item raised and resolved within the
    range is closed; one resolved after `upper` but already visible counts as closed now — the
    next answer says so again, which is harmless."""
    if after is not None and scope == prefix and after <= upper:
        in_range = [and_(column > after, column <= upper) for column in (_ITEM.server_seq, _ITEM.resolved_seq)]
        rows = session.execute(select(*_MARK, _ITEM.state).where(under_prefix(_ITEM.region_code, prefix),
                                                                 or_(*in_range)).limit(MARK_LIMIT + 1)).all()
        if len(rows) <= MARK_LIMIT:
            return {"scope": prefix, "next": upper, "full": False,
                    "open": [_mark(row) for row in rows if row.state == "open"],
                    "closed": [row.id for row in rows if row.state != "open"]}
    whole = open_marks(session, prefix, MARK_LIMIT + 1)
    return {"scope": prefix, "next": upper, "full": True, "open": whole[:MARK_LIMIT], "closed": [],
            "complete": len(whole) <= MARK_LIMIT}


def resolve_review(session: Session, review_id: str, user: str, resolution: str, now: dt.datetime) -> bool:
    """Close an open review item, numbering its resolution so the PCs' incremental marks drop it;
    False if it was not open. The decision itself (keep or switch a value) travels as a new change."""
    closed = session.execute(update(_ITEM).where(and_(_ITEM.id == review_id, _ITEM.state == "open"))
                             .values(state="resolved", resolved_by=user, resolved_at=now, resolution=resolution,
                                     resolved_seq=take_numbers(session, 1)[0])
                             .execution_options(synchronize_session=False))
    return closed.rowcount == 1
