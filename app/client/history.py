"""记录历史 for the desktop: a household's (with its members') or any record's history, line by line
— field, old → new, who, which device, when, and whether it came from a merge or left a conflict
for review. Offline it shows what this PC holds: its own changes (recorded by capture), every
change of the households, persons, tasks and cases it pulled (after each sync the client follows
the server's history feed, `follow_feed`, from the day it joined), and older history it fetched
before; `fetch` asks the city server for a record's full change log and keeps it locally.
ID numbers and phones are masked here like everywhere else (revealing stays a separate, audited
act); the printed history is masked the same way."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from app.client.review_marks import apply_marks, forget_marks_base, marks_behind, marks_params
from app.rules.masking import mask_id, mask_phone
from db.client import HistoryLine, SyncState
from db.models import Person, Task, TaskTarget
from sync.capture import read_state, write_state
from sync.client import RESTORED_KEY
from sync.transport import TransportError

if TYPE_CHECKING:
    from app.client.context import ClientContext

MASKED = {"id_number": mask_id, "phone": mask_phone, "reporter_phone": mask_phone}
NOT_SHOWN = frozenset({"deletion_gen", "search_initials", "search_id_rev", "search_phone_rev"})


@dataclass(frozen=True)
class HistoryRow:
    at: dt.datetime
    entity: str
    record_id: str
    subject: str  # whose record: the household number or the person's name
    field: str  # "" = the record was created
    old: str
    new: str
    username: str
    device_id: str
    origin: str  # edit | merge | conflict
    source: str  # local | server


# Coded fields read as their labels (the shipped code tables; a code they lack stays as stored).
CODED = {("case", "status"): "case_status", ("task_target", "status"): "task_status", ("person", "status"):
         "person_status", ("case", "source"): "case_source", ("case", "category_code"): "case_category",
         ("task", "kind"): "task_kind", ("task", "priority"): "task_priority"}
SAME_NAME_TABLES = frozenset({"gender", "education", "ethnicity", "household_kind", "hukou_type", "id_type",
                              "marital_status", "political_status", "relation_to_head", "residence_type",
                              "request_type", "satisfaction"})


@functools.lru_cache(maxsize=1)
def _codes():
    from app.codes import CodeBook

    return CodeBook.from_resources()


def _shown(field: str, value: Any, entity: str = "") -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else str(value)
    if field in MASKED:
        return MASKED[field](text)
    table = CODED.get((entity, field)) or (field if field in SAME_NAME_TABLES else None)
    return _codes().label(table, text, text) if table and text else text


def _records(session: Session, entity: str, record_id: str) -> dict[tuple[str, str], str]:
    """The records whose history the view shows, each with how the view names it ("" for the record
    itself): a household with its members (by name), a task's township or village copy with the
    task (by number: a deadline extended by the department shows there too), any other record alone."""
    if entity == "task_target":
        task = session.execute(select(Task.id, Task.task_no).join(TaskTarget, TaskTarget.task_id == Task.id)
                               .where(TaskTarget.id == record_id)).first()
        return {(entity, record_id): "", **({("task", task[0]): task[1]} if task else {})}
    if entity != "household":
        name = session.scalar(select(Person.name).where(Person.id == record_id)) if entity == "person" else None
        return {(entity, record_id): name or ""}
    records = {("household", record_id): ""}
    for pid, name in session.execute(select(Person.id, Person.name).where(Person.household_id == record_id)):
        records[("person", pid)] = name
    return records


def history_rows(session: Session, entity: str, record_id: str) -> list[HistoryRow]:
    records = _records(session, entity, record_id)
    ids = sorted({rid for _e, rid in records})
    lines = session.scalars(select(HistoryLine).where(HistoryLine.record_id.in_(ids))
                            .order_by(HistoryLine.at.desc(),  # within one second: server order, newest first,
                                      HistoryLine.server_seq.is_(None).desc(),  # not yet sent first
                                      HistoryLine.server_seq.desc(), HistoryLine.change_id, HistoryLine.field)).all()
    return [HistoryRow(line.at, line.entity, line.record_id, records.get((line.entity, line.record_id), ""),
                       line.field, _shown(line.field, line.old, line.entity), _shown(line.field, line.new, line.entity),
                       line.username,
                       line.device_id, line.origin, line.source)
            for line in lines if (line.entity, line.record_id) in records and line.field not in NOT_SHOWN]


def store_server_history(session: Session, entity: str, record_id: str, entries: list[dict]) -> int:
    """Keep the server's lines of one record; they replace local lines of the same changes."""
    return store_feed(session, [{**entry, "entity": entity, "record_id": record_id} for entry in entries])


def store_feed(session: Session, entries: list[dict]) -> int:
    """Keep server history entries (each naming its record), replacing the lines of the same
    changes (this PC's own, recorded when it wrote them): one DELETE per 500 changes, one INSERT."""
    change_ids = [e["change_id"] for e in entries]
    for start in range(0, len(change_ids), 500):
        session.execute(delete(HistoryLine).where(HistoryLine.change_id.in_(change_ids[start:start + 500])))
    rows = []
    for entry in entries:
        at = dt.datetime.fromisoformat(str(entry["at"]).replace("Z", "+00:00")).replace(tzinfo=None)
        base = {"change_id": entry["change_id"], "entity": entry["entity"], "record_id": entry["record_id"],
                "username": entry.get("username") or "", "device_id": entry.get("device_id") or "", "at": at,
                "origin": entry.get("origin") or "edit", "source": "server", "server_seq": entry.get("server_seq")}
        changes = entry.get("changes") or []
        rows += [{**base, "field": c["field"], "old": c.get("old"), "new": c.get("new")} for c in changes] \
            or [{**base, "field": "", "old": None, "new": None}]
    if rows:
        session.execute(insert(HistoryLine), rows)
    return len(rows)


FEED_KEY = "history_cursor"  # sync_state: the server sequence number the feed was followed to
FEED_PAGE = 500
HISTORY_PAGE = 500  # a record's history is fetched in pages of this many changes, newest first
FEED_PAGES_PER_CYCLE = 20  # a long absence catches up over a few syncs, not in one long one


def feed_query(after: int, upper: int | None, marks: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """The query of the feed's next page from `after` up to the pull cursor `upper`, or None when
    there is nothing to ask; `marks`: the review marks' query (app.client.review_marks), to ask them
    with it — then even when the feed is there already."""
    if upper is not None and after >= upper and marks is None:
        return None
    return {"after": after, "limit": FEED_PAGE, **({} if upper is None else {"upper": upper}), **(marks or {})}


def follow_feed(sessions, transport, pages: int = FEED_PAGES_PER_CYCLE, marks: bool = False) -> int:
    """Fetch the history of changes the server accepted since the last call (`GET /history/feed`)
    and keep it; returns how many lines were stored. The first call starts at this PC's pull
    cursor — what came before it joined is older history, fetched per record on demand — and every
    call goes up to it, no further. `marks`: the first request also brings the review marks up to
    the same cursor (app.client.review_marks), and is made for them alone when the feed is there
    already. A server without the feed (an older one) or a failure leaves the history as it was."""
    with sessions() as session:
        after = read_state(session, FEED_KEY)
        pulled = read_state(session, "cursor")
        restored = read_state(session, RESTORED_KEY)  # the server was restored from a backup (sync/client.py)
    if pulled is None and after is None:
        return 0
    if after is None:  # the first call
        after = pulled
        with sessions.begin() as session:
            write_state(session, FEED_KEY, str(int(pulled)))
    stored, after = 0, int(after)
    if restored is not None:  # follow again from the restored point, once; the marks whole again
        after = min(after, int(restored))
        with sessions.begin() as session:
            write_state(session, FEED_KEY, str(after))
            forget_marks_base(session)
            session.execute(delete(SyncState).where(SyncState.key == RESTORED_KEY))
    # No further than the pull has come: every change below the pull cursor is committed, so the
    # server need not work out that bound itself, and a sync that pulled nothing asks nothing.
    upper = int(pulled) if pulled is not None else None
    for page_no in range(pages):
        with sessions() as session:
            with_marks = marks and page_no == 0 and (upper is None or marks_behind(session, upper))
            query = feed_query(after, upper, marks_params(session) if with_marks else None)
        if query is None:
            break
        try:
            page = transport.request("GET", "/history/feed", params=query)
        except TransportError:
            return stored
        with sessions.begin() as session:
            stored += store_feed(session, page.get("entries") or [])
            after = int(page["next"])
            write_state(session, FEED_KEY, str(after))
            if with_marks and page.get("marks") is not None:
                apply_marks(session, page["marks"])
            elif with_marks:  # a server without them (gone back to an older version): the whole list, asked apart
                forget_marks_base(session)
        if not page.get("has_more"):
            break
    return stored


class HistoryDesk:
    """Record history for the window; `transport` returns the enrolled server's transport (None:
    not enrolled, so only the local lines)."""

    def __init__(self, context: ClientContext, transport=None) -> None:
        self._context = context
        self._transport = transport

    @property
    def can_fetch(self) -> bool:
        return self._transport is not None

    def rows(self, entity: str, record_id: str) -> list[HistoryRow]:
        return self._context.read(lambda s: history_rows(s, entity, record_id))

    def fetch(self, entity: str, record_id: str) -> list[HistoryRow]:
        """The full history from the server (for a household: its members' too), kept locally."""
        records = list(self._context.read(lambda s: _records(s, entity, record_id)))
        answers = {}
        for e, rid in records:
            try:
                answers[(e, rid)] = self._whole_history(e, rid)
            except TransportError as error:  # a member added here and not yet synced is unknown there
                if error.code != "not_found":
                    raise
        self._context.write(lambda s: [store_server_history(s, e, rid, entries or [])
                                       for (e, rid), entries in answers.items()])
        return self.rows(entity, record_id)

    def _whole_history(self, entity: str, record_id: str) -> list[dict]:
        """A record's history, newest page first, paged back (`before`) to its creation."""
        entries: list[dict] = []
        params: dict = {"limit": HISTORY_PAGE}
        while True:
            page = self._transport().request("GET", f"/history/{entity}/{record_id}", params=params) or []
            entries = page + entries
            if len(page) < HISTORY_PAGE:
                return entries
            params = {"limit": HISTORY_PAGE, "before": page[0]["server_seq"]}
