"""More than MARK_LIMIT review items moved in a PC's jurisdiction since its marks cursor: the answer
is the whole set again (the newest MARK_LIMIT open items, of that jurisdiction only), and exactly
MARK_LIMIT moved still comes as a change. On SQLite and PostgreSQL, items written beside the API
with numbers taken as a push takes them — on a server of this module's own: thousands of open
items would push other tests' items off the first page of the shared server's review list."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert

from db.ids import new_id
from server.review_marks import MARK_LIMIT
from server.store.numbering import take_numbers
from server.store.tables import ReviewItem
from tests.server.fixtures import own_server_fixture  # noqa: F401
from tests.test_review_marks_incremental import _marks

VILLAGE, NEIGHBOUR = "150422107201", "150422107202"


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
    assert base["full"] and base["complete"]
    exactly = _raise(server, VILLAGE, MARK_LIMIT)
    _raise(server, NEIGHBOUR, 3)
    upper = cadre.head()
    change = _marks(cadre, upper, base["next"], VILLAGE)
    assert not change["full"] and {m["id"] for m in change["open"]} == set(exactly) and change["closed"] == []
    newest = _raise(server, VILLAGE, 1, hour=11)
    upper = cadre.head()
    whole = _marks(cadre, upper, base["next"], VILLAGE)
    assert whole["full"] and len(whole["open"]) == MARK_LIMIT and whole["next"] == upper
    assert whole["complete"] is False  # the village has one more open item than came
    assert whole["open"][0]["id"] == newest[0] and exactly[0] not in {m["id"] for m in whole["open"]}
    assert {m["id"] for m in whole["open"]} <= set(exactly) | set(newest)  # nothing of the neighbour's


def test_a_pc_given_the_newest_marks_asks_the_whole_set_again_once_a_tenth_are_gone(tmp_path):
    """A jurisdiction with more open items than come whole: as its backlog is worked off the PC's
    badges would thin out (only what comes or goes arrives), so once a tenth of those it got are
    gone it asks the whole set again — and stops asking once a whole set came complete."""
    from app.client.review_marks import apply_marks, marks_params
    from db.engine import open_local, session_factory

    sessions = session_factory(open_local(tmp_path / "pc.db"))
    marks = [{"id": f"r{n}", "kind": "conflict", "entity": "household", "record_id": f"h{n}"} for n in range(20)]
    held = {"marks": "true", "marks_after": 110, "marks_scope": VILLAGE}

    def answer(session, **marks_answer):
        apply_marks(session, {"scope": VILLAGE, "closed": [], "open": [], **marks_answer})
        return marks_params(session)

    with sessions.begin() as s:
        assert answer(s, next=100, full=True, open=marks, complete=False) == {**held, "marks_after": 100}
        assert answer(s, next=110, full=False, closed=["r0", "r1"]) == held  # 18 of 20 left
        assert answer(s, next=120, full=False, closed=["r2"]) == {"marks": "true"}  # 17: ask the whole set
        assert answer(s, next=130, full=True, open=marks[3:], complete=True) == {**held, "marks_after": 130}
        assert answer(s, next=140, full=False, closed=["r3", "r4", "r5"]) == {**held, "marks_after": 140}
