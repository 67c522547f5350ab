"""The client's review queue (app/client/review.py): open items come from the server's review API,
and a decision is a local edit captured into the outbox plus closing the item on the server."""

# Fixtures come from tests/ui_support.py by import, which ruff reads as redefinition.
# ruff: noqa: F811

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.client.review import ReviewQueue
from app.errors import UserFacingError
from db.client import OutboxChange
from db.models import Household
from tests.ui_support import context, demo_template  # noqa: F401


class FakeServer:
    """Answers GET /review and records POST /review/{id}/resolve like the city server does."""

    def __init__(self, items) -> None:
        self.items = items
        self.posted = []

    def request(self, method, path, *, json_body=None, params=None, **_kw):
        if method == "GET":
            assert path == "/review" and params == {"state": "open"}
            return self.items
        self.posted.append((path, json_body))
        return {}


def _item(household_id, field="address", loser="兴隆地村1组6号"):
    return {"id": "r1", "kind": "conflict", "state": "open", "entity": "household", "record_id": household_id,
            "field": field, "related_record_id": None, "region_code": "150422100201", "winner_value": "旧值",
            "winner_user": "li", "winner_hlc": "1764230000000-00000-d1", "loser_value": loser,
            "loser_user": "wang", "loser_hlc": "1764229990000-00000-d2", "created_at": "2026-11-27T09:30:00"}


@pytest.fixture
def household_id(context):
    with context.sessions() as s:
        return s.scalars(select(Household.id)).first()


def test_taking_the_other_value_edits_the_record_and_closes_the_item(context, household_id):
    server = FakeServer([_item(household_id)])
    queue = ReviewQueue(context, lambda: server)
    [entry] = queue.open_items()
    assert entry.loser_user == "wang" and entry.created_at.hour == 9
    queue.resolve("r1", "take_other")
    with context.sessions() as s:
        assert s.get(Household, household_id).address == "兴隆地村1组6号"
        change = s.scalars(select(OutboxChange)).one()
    assert change.fields == {"address": "兴隆地村1组6号"}
    assert server.posted == [("/review/r1/resolve", {"decision": "take_loser", "note": ""})]


def test_keeping_the_current_value_writes_nothing_locally(context, household_id):
    server = FakeServer([_item(household_id)])
    queue = ReviewQueue(context, lambda: server)
    queue.open_items()
    queue.resolve("r1", "keep")
    with context.sessions() as s:
        assert s.scalars(select(OutboxChange)).all() == []
    assert server.posted[0][1]["decision"] == "keep_winner"


def test_an_edited_value_that_does_not_fit_the_field_is_refused(context, household_id):
    server = FakeServer([_item(household_id, field="last_visit_on", loser="2026-01-01")])
    queue = ReviewQueue(context, lambda: server)
    queue.open_items()
    with pytest.raises(UserFacingError) as caught:
        queue.resolve("r1", "edit", "去年春天")
    assert caught.value.code == "review_value_invalid" and server.posted == []
    queue.resolve("r1", "edit", "2026-02-03")
    with context.sessions() as s:
        assert s.get(Household, household_id).last_visit_on.isoformat() == "2026-02-03"
    assert server.posted[0][1]["decision"] == "dismissed"
