"""The duplicate desk of the review page: a scan of the actor's jurisdiction for likely duplicates
(app/services/duplicates.py) — daily on its own (`due`, driven by the window's schedule through
the task runner) and whenever the clerk asks — whose pairs are kept (`DuplicateCandidate`) so the
review page shows the last findings at once; both persons side by side for the merge view, the
merge itself (the same local merge as a duplicate the server raised: app/client/review.merge_person),
and 不是同一人, remembered and synced."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import delete, insert, select

from app.client.browse import scoped
from app.client.review import merge_person, merge_sides
from app.errors import NotFoundError
from app.services.context import beijing_now
from app.services.duplicates import Candidate, likely_duplicates, mark_distinct
from db.client import DuplicateCandidate
from db.ids import person_distinction_id
from db.models import Person, PersonDistinction
from sync.capture import read_state, write_state

SCAN_KEY = "duplicate_scan_at"  # sync_state: when the last scan ran (Beijing time, ISO)
SCAN_EVERY = dt.timedelta(hours=24)


@dataclass(frozen=True)
class ScanResult:
    """The last scan's pairs still open (neither person merged or removed since, no 不是同一人),
    and when it ran (None: never)."""

    at: dt.datetime | None
    candidates: list[Candidate]

if TYPE_CHECKING:
    from app.client.context import ClientContext


class DuplicateDesk:
    def __init__(self, context: ClientContext) -> None:
        self._context = context

    @property
    def scope(self) -> str:
        return self._context.actor.scope

    def scan(self) -> list[Candidate]:
        """Scan the jurisdiction now and keep the pairs (they replace the last scan's)."""
        found = self._context.read(lambda s: likely_duplicates(s, scoped(Person, self.scope)))
        at = beijing_now().replace(tzinfo=None)

        def keep(session) -> None:
            session.execute(delete(DuplicateCandidate))
            if found:
                session.execute(insert(DuplicateCandidate), [
                    {"first_id": c.first_id, "second_id": c.second_id, "first_name": c.first_name,
                     "second_name": c.second_name, "score": c.score, "reasons": list(c.reasons)} for c in found])
            write_state(session, SCAN_KEY, at.isoformat(timespec="seconds"))

        self._context.write(keep)
        return found

    def last_scan(self) -> ScanResult:
        return self._context.read(_last_scan)

    def due(self, now: dt.datetime | None = None) -> bool:
        """Whether the daily scan should run: never scanned, or the last scan a day old."""
        at = self.last_scan_at()
        now = now or beijing_now().replace(tzinfo=None)
        return at is None or now - at >= SCAN_EVERY

    def last_scan_at(self) -> dt.datetime | None:
        value = self._context.read(lambda s: read_state(s, SCAN_KEY))
        return dt.datetime.fromisoformat(value) if value else None

    def scan_if_due(self) -> list[Candidate] | None:
        """The daily scan (the window's schedule calls this on the task runner): None when not due."""
        return self.scan() if self.due() else None

    def sides(self, candidate: Candidate):
        return self._context.read(lambda s: merge_sides(s, self.scope, candidate.first_id, candidate.second_id))

    def merge(self, candidate: Candidate, survivor_id: str) -> None:
        pair = {candidate.first_id, candidate.second_id}
        if survivor_id not in pair:
            raise NotFoundError("person", survivor_id)
        (loser_id,) = pair - {survivor_id}
        self._context.write(lambda s: (merge_sides(s, self.scope, survivor_id, loser_id),
                                       merge_person(s, survivor_id, loser_id)))

    def not_the_same(self, candidate: Candidate) -> None:
        def decide(session) -> None:
            first, second = merge_sides(session, self.scope, candidate.first_id, candidate.second_id)
            mark_distinct(session, session.get(Person, first.person.id), session.get(Person, second.person.id),
                          self._context.actor.username)

        self._context.write(decide)


def _last_scan(session) -> ScanResult:
    value = read_state(session, SCAN_KEY)
    rows = session.scalars(select(DuplicateCandidate).order_by(
        DuplicateCandidate.score.desc(), DuplicateCandidate.first_name, DuplicateCandidate.first_id,
        DuplicateCandidate.second_id)).all()
    ids = {pid for row in rows for pid in (row.first_id, row.second_id)}
    live = set(session.scalars(select(Person.id).where(Person.id.in_(ids), Person.deleted.is_(False),
                                                       Person.merged_into.is_(None)))) if ids else set()
    distinct = set(session.scalars(select(PersonDistinction.id).where(
        PersonDistinction.id.in_([person_distinction_id(r.first_id, r.second_id) for r in rows]),
        PersonDistinction.deleted.is_(False)))) if rows else set()
    return ScanResult(dt.datetime.fromisoformat(value) if value else None, [
        Candidate(r.first_id, r.second_id, r.first_name, r.second_name, r.score, tuple(r.reasons)) for r in rows
        if r.first_id in live and r.second_id in live and person_distinction_id(r.first_id, r.second_id) not in distinct])
