"""The duplicate desk of the review page: an on-demand scan of the actor's jurisdiction for likely
duplicates (app/services/duplicates.py), both persons side by side for the merge view, the merge
itself (the same local merge as a duplicate the server raised: app/client/review.merge_person),
and 不是同一人, remembered and synced."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.client.browse import scoped
from app.client.review import merge_person, merge_sides
from app.errors import NotFoundError
from app.services.duplicates import Candidate, likely_duplicates, mark_distinct
from db.models import Person

if TYPE_CHECKING:
    from app.client.context import ClientContext


class DuplicateDesk:
    def __init__(self, context: ClientContext) -> None:
        self._context = context

    @property
    def scope(self) -> str:
        return self._context.actor.scope

    def scan(self) -> list[Candidate]:
        return self._context.read(lambda s: likely_duplicates(s, scoped(Person, self.scope)))

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
