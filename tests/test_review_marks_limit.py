"""More than MARK_LIMIT review items moved in a PC's jurisdiction since its marks cursor: the answer
is the whole set again (the newest MARK_LIMIT open items, of that jurisdiction only), and exactly
MARK_LIMIT moved still comes as a change. On SQLite and PostgreSQL, items written beside the API
with numbers taken as a push takes them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert

from db.ids import new_id
from server.review_marks import MARK_LIMIT
from server.store.numbering import take_numbers
from server.store.tables import ReviewItem
from tests.server.fixtures import server_fixture  # noqa: F401
from tests.test_review_marks_incremental import _marks

VILLAGE, NEIGHBOUR = "150422107201", "150422107202"  # a township no other test writes in


def _raise(server, village: str, count: int, hour: int = 9) -> list[str]:
    with server.session() as s:
        numbers = take_numbers(s, count)
        ids = [new_id() for _ in numbers]
        s.execute(insert(ReviewItem), [
            {"id": item, "kind": "conflict", "state": "open", "entity": "household", "record_id": new_id(),
             "field": "address", "region_code": village, "change_id": new_id(), "server_seq": seq,
             "created_at": dt.datetime(2026, 12, 7, hour, 0) + dt.timedelta(seconds=n)}
            for n, (item, seq) in enumerate(zip(ids, numbers, strict=True))])
        s.commit()
    return ids


def test_more_than_mark_limit_moved_comes_whole(server):
    cadre = server.user_client("village_cadre", VILLAGE)
    start = cadre.head()
    base = _marks(cadre, start)
    exactly = _raise(server, VILLAGE, MARK_LIMIT)
    _raise(server, NEIGHBOUR, 3)
    upper = cadre.head()
    change = _marks(cadre, upper, base["next"], VILLAGE)
    assert not change["full"] and {m["id"] for m in change["open"]} == set(exactly) and change["closed"] == []
    newest = _raise(server, VILLAGE, 1, hour=11)
    upper = cadre.head()
    whole = _marks(cadre, upper, base["next"], VILLAGE)
    assert whole["full"] and len(whole["open"]) == MARK_LIMIT and whole["next"] == upper
    assert whole["open"][0]["id"] == newest[0] and exactly[0] not in {m["id"] for m in whole["open"]}
    assert {m["id"] for m in whole["open"]} <= set(exactly) | set(newest)  # nothing of the neighbour's
