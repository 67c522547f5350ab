"""记录历史: one record's change log as its readers see it — for every accepted change, each field's
old → new value (each entry keeps the old values it replaced), who made it on which device and when,
and whether it came from a merge of duplicates or left a conflict for review. Only records inside
the caller's jurisdiction; ID numbers and phones are masked (a full value is a separate, audited
reveal). Clients cache what they fetched, so the history stays readable offline.

`GET /history/feed` is the same, for every change accepted after a server sequence number in the
caller's jurisdiction (households, persons, tasks and cases): a PC follows it after each sync, so
the history of everything it pulled — not only its own edits — reads offline; `before` on the
record route pages back through older history."""

from __future__ import annotations

import functools
from collections import namedtuple
from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from server.console.masking import mask_value
from server.db import end_read
from server.deps import Principal, db_session, require_roles
from server.errors import ApiError
from server.review_marks import marks_since
from server.routers.review import ReviewMark
from server.scope import REGION_ROLES, read_prefix
from server.store.common import _is_postgres, one_of, region_in_scope
from server.store.numbering import current_cursor
from server.store.read import scope_in_order
from server.store.tables import ChangeLogEntry, RecordVersion, ReviewItem
from server.timefmt import UtcTime

router = APIRouter(prefix="/history", tags=["history"])
FEED_ENTITIES = ("household", "person", "task", "task_target", "case")
MASKED_FIELDS = ("id_number", "phone", "reporter_phone")
HIDDEN_FIELDS = ("search_initials", "search_id_rev", "search_phone_rev")


class FieldChange(BaseModel):
    field: str
    old: Any = None
    new: Any = None


class HistoryEntry(BaseModel):
    server_seq: int
    change_id: str
    at: UtcTime
    username: str
    device_id: str
    op: str
    origin: str  # edit | merge | conflict
    changes: list[FieldChange]


def _masked(field: str, value: Any) -> Any:
    if field in MASKED_FIELDS and isinstance(value, str):
        return mask_value("id_number" if field == "id_number" else "phone", value)
    return value


class FeedEntry(HistoryEntry):
    entity: str
    record_id: str


class Marks(BaseModel):
    """The caller's review marks as of `next` (server.review_marks.marks_since)."""

    scope: str  # the jurisdiction they are for: the PC sends it back with `marks_after`
    next: int  # the `marks_after` of the next call
    full: bool  # `open` is the whole set, not a change to it
    open: list[ReviewMark]
    closed: list[str]
    complete: bool = True  # with `full`: false when the set was cut to the newest MARK_LIMIT


class Feed(BaseModel):
    entries: list[FeedEntry]
    next: int  # the `after` of the next call
    has_more: bool
    marks: Marks | None = None  # asked for with `marks_after`


_LOG = ChangeLogEntry
_LOG_NAMES = ("server_seq", "change_id", "recorded_at", "username", "device_id", "op", "fields", "previous",
              "entity", "record_id")
_LOG_COLUMNS = tuple(getattr(_LOG, name) for name in _LOG_NAMES)
_LogRow = namedtuple("_LogRow", _LOG_NAMES)  # a feed page's entry, as the scope read returns it


def _replay(log: list[Any], conflicted: set[str]) -> list[dict]:
    """One record's log entries, in server order, as entries with each field's old → new. An entry
    carries its old values (`previous`); one from before server migration 0027 has them from the
    entries before it in `log`, which must then hold the record's whole log up to it."""
    state: dict[str, Any] = {}
    entries = []
    for entry in log:
        changes = []
        for field, value in sorted((entry.fields or {}).items()):
            if field in HIDDEN_FIELDS:
                continue
            old = state.get(field) if entry.previous is None else entry.previous.get(field)
            state[field] = value
            if old != value:
                changes.append({"field": field, "old": _masked(field, old), "new": _masked(field, value)})
        origin = ("merge" if (entry.fields or {}).get("merged_into") else
                  "conflict" if entry.change_id in conflicted else "edit")
        entries.append({"server_seq": entry.server_seq, "change_id": entry.change_id, "at": entry.recorded_at,
                        "username": entry.username, "device_id": entry.device_id, "op": entry.op,
                        "origin": origin, "changes": changes, "entity": entry.entity, "record_id": entry.record_id})
    return entries


@functools.cache
def _reviewed(postgres: bool):
    """`_conflicted`'s statement, built once: the review items of some changes (`ids`) in a scope."""
    return select(ReviewItem.change_id).where(one_of(ReviewItem.change_id, "ids", postgres),
                                             ReviewItem.region_code.startswith(bindparam("prefix")))


def _entries(session: Session, rows: list[Any], prefix: str) -> list[dict]:
    """The history entries of the log `rows` (any records), in server order. Their own old values
    suffice; a record with an entry from before server migration 0027 among them is replayed from
    its first entry, so only such old entries cost their record's whole history."""
    if not rows:
        return []
    last = max(row.server_seq for row in rows)
    legacy = sorted({(row.entity, row.record_id) for row in rows if row.previous is None})
    logs: dict[tuple[str, str], list[Any]] = {}
    for entity in sorted({entity for entity, _ in legacy}):
        ids = [record_id for e, record_id in legacy if e == entity]
        for start in range(0, len(ids), 500):
            for row in session.execute(select(*_LOG_COLUMNS).where(
                    _LOG.entity == entity, _LOG.record_id.in_(ids[start:start + 500]), _LOG.server_seq <= last)
                    .order_by(_LOG.server_seq)):
                logs.setdefault((entity, row.record_id), []).append(row)
    replayed = set(legacy)  # their whole logs up to `last` are in `logs` already
    for row in rows:
        if (row.entity, row.record_id) not in replayed:
            logs.setdefault((row.entity, row.record_id), []).append(row)
    wanted = {row.server_seq for row in rows}
    conflicted = _conflicted(session, [row.change_id for row in rows], prefix)
    entries = [entry for log in logs.values() for entry in _replay(log, conflicted) if entry["server_seq"] in wanted]
    entries.sort(key=lambda e: e["server_seq"])
    return entries


def _conflicted(session: Session, change_ids: list[str], prefix: str) -> set[str]:
    """The changes that left a review item the reader sees. A review item raised above the reader
    (a duplicate ID number held outside its jurisdiction, reviewed by the township or the city) must
    not mark the change: that would tell the writer the number is registered elsewhere."""
    found: set[str] = set()
    reviewed = _reviewed(_is_postgres(session))
    for start in range(0, len(change_ids), 500):
        found.update(session.scalars(reviewed, {"ids": change_ids[start:start + 500], "prefix": prefix}))
    return found


FEED_READERS = REGION_ROLES


@router.get("/feed", response_model=Feed, response_model_exclude_unset=True)  # no `marks` unless asked
def history_feed(after: int = Query(default=0, ge=0), limit: int = Query(default=500, ge=1, le=2000),
                 upper: int | None = Query(default=None, ge=0, le=2**62),
                 marks_after: int | None = Query(default=None, ge=0, le=2**62),
                 marks_scope: str | None = Query(default=None, max_length=15),
                 marks: bool = False,
                 who: Principal = Depends(require_roles(*FEED_READERS)),
                 session: Session = Depends(db_session)) -> dict:
    """The changes after `after` (server order, at most `limit`) of the caller's households,
    persons, tasks and cases, each field old → new (as each entry recorded it: the cost of an entry
    does not grow with its record's history). `upper`: go no further than this server sequence
    number — a PC sends its pull cursor, below which every change is committed, so the server does
    not compute that bound again (on PostgreSQL a read of the lock table, the costliest statement of
    a feed request under load); without it the server's own bound. A larger `upper` than the PC has
    pulled to can only make the PC's own feed skip a change still in flight.

    `marks`: the answer also carries the caller's review marks up to `upper` — what came or went
    since `marks_after` in the jurisdiction `marks_scope` (what the previous answer's marks said),
    or the whole set when there is no such base (server.review_marks), so a sync that moved
    anything asks one side request, not two.

    A plain query is answered by the same `feed_answer` on a short path (server.feed_path)."""
    answer = feed_answer(session, who, after, limit, upper, marks, marks_after, marks_scope)
    end_read(session)
    return answer


def feed_answer(session: Session, who: Principal, after: int = 0, limit: int = 500, upper: int | None = None,
                marks: bool = False, marks_after: int | None = None, marks_scope: str | None = None) -> dict:
    """`history_feed`'s answer, for a caller whose query and role are checked."""
    prefix = read_prefix(who) or ""
    upper = current_cursor(session) if upper is None else upper
    answer = {"marks": marks_since(session, who.scope_prefix, marks_after, marks_scope, upper)} if marks else {}
    if upper <= after:
        return {"entries": [], "next": after, "has_more": False, **answer}
    rows = [_LogRow(*row) for row in scope_in_order(session, ChangeLogEntry, _LOG_NAMES, prefix, after, upper,
                                                     limit + 1, only=FEED_ENTITIES)]
    has_more = len(rows) > limit
    rows = rows[:limit]
    if not rows:
        return {"entries": [], "next": max(after, upper), "has_more": False, **answer}
    last = rows[-1].server_seq
    entries = _entries(session, rows, prefix)
    return {"entries": entries, "next": last if has_more else max(last, upper), "has_more": has_more, **answer}


@router.get("/{entity}/{record_id}", response_model=list[HistoryEntry])
def record_history(entity: str, record_id: str, limit: int = Query(default=500, ge=1, le=2000),
                   before: int | None = Query(default=None, ge=1),
                   who: Principal = Depends(require_roles(*REGION_ROLES)),
                   session: Session = Depends(db_session)) -> list[dict]:
    """The newest `limit` entries of one record's history (with `before`: those older than that
    server sequence number, to page back)."""
    head = session.get(RecordVersion, (entity, record_id))
    if head is None or not region_in_scope(head.region_code or "", read_prefix(who) or ""):
        raise ApiError(404, "not_found", entity=entity)  # outside the jurisdiction reads as unknown
    newest = select(*_LOG_COLUMNS).where(_LOG.entity == entity, _LOG.record_id == record_id)
    if before is not None:
        newest = newest.where(_LOG.server_seq < before)
    rows = session.execute(newest.order_by(_LOG.server_seq.desc()).limit(limit)).all()
    return _entries(session, rows[::-1], read_prefix(who) or "")
