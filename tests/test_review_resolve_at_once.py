"""Two reviewers resolving one review item at once: the second is told it was resolved already
(409 review_closed) and the item keeps the first decision. On PostgreSQL the route's row lock
orders them; on SQLite (no row locks) both read the item open and the second's update finds it
closed — server.review_marks.resolve_review says so, and the route must not answer 200 with a
decision it did not record."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient

from db.ids import new_id
from server.review_marks import resolve_review
from server.routers import review as review_route
from server.store.tables import ReviewItem
from tests.server.fixtures import server_fixture  # noqa: F401
from tests.server.live import app_in_process, log_in

TOWNSHIP = "150422100"
VILLAGE = "150422100201"


def _item(lab) -> str:
    item = new_id()
    with lab.session() as s:
        s.add(ReviewItem(id=item, kind="conflict", state="open", entity="household", record_id=new_id(),
                         field="address", region_code=VILLAGE, change_id=new_id(), server_seq=1,
                         created_at=dt.datetime(2026, 12, 7, 9, 0)))
        s.commit()
    return item


def test_the_second_of_two_reviewers_at_once_is_told_it_is_closed(tmp_path, monkeypatch):
    with app_in_process(f"sqlite:///{tmp_path / 'city.db'}", tmp_path, monkeypatch) as (app, lab), \
            TestClient(app) as http:
        headers = log_in(http, lab.add_user("township_staff", TOWNSHIP))
        item = _item(lab)

        def first_elsewhere(session, review_id, user, resolution, now):  # the other reviewer got there between
            with lab.session() as other:  # this route's read of the item and its update
                assert resolve_review(other, review_id, "另一审核员", "keep_winner", now)
                other.commit()
            return resolve_review(session, review_id, user, resolution, now)

        monkeypatch.setattr(review_route, "resolve_review", first_elsewhere)
        answer = http.post(f"/api/v1/review/{item}/resolve", json={"decision": "take_loser"}, headers=headers)
        assert answer.status_code == 409 and answer.json()["error"]["code"] == "review_closed", answer.text
        with lab.session() as s:
            kept = s.get(ReviewItem, item)
            assert (kept.resolution, kept.resolved_by) == ("keep_winner", "另一审核员")


def test_reviewers_at_once_on_a_live_server_one_decision_taken(server):
    """Eight reviewers of the township resolve one item at the same moment, each with its own note:
    one is answered 200 and its note is the item's resolution, the others 409 review_closed."""
    from concurrent.futures import ThreadPoolExecutor

    from tests.test_review_marks_incremental import TOWNSHIP as HIS_TOWNSHIP
    from tests.test_review_marks_incremental import VILLAGE_A, _conflict

    _, item = _conflict(server, VILLAGE_A)
    reviewers = [server.user_client("township_staff", HIS_TOWNSHIP) for _ in range(8)]

    def resolve(n: int):
        answer = reviewers[n].post(f"/review/{item}/resolve", json={"decision": "keep_winner", "note": f"审核员{n}"})
        return answer.status_code, answer.json()

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(resolve, range(8)))
    taken = [body for status, body in answers if status == 200]
    assert len(taken) == 1 and sorted(status for status, _ in answers) == [200] + [409] * 7, answers
    assert all(body["error"]["code"] == "review_closed" for status, body in answers if status == 409)
    listed = {i["id"]: i for i in reviewers[0].get("/review", params={"state": "resolved", "limit": 1000}).json()}
    assert listed[item]["resolution"] == taken[0]["resolution"]


def test_two_admins_renumbering_at_once_one_takes_effect(server):
    """Two township admins press 重新编号 on one duplicate-number item at once, each for another of
    its households: one is renumbered and the item closed, the other admin is told it is gone and
    their household keeps its number (the renumbering rolls back with the refused resolution)."""
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy import select

    from db.models import Household
    from tests.console_support import signed_in
    from tests.test_console_review import TOWNSHIP as HIS_TOWNSHIP
    from tests.test_console_review import _clash

    number, first, second = _clash(server)
    with server.session() as s:
        item = s.scalars(select(ReviewItem.id).where(ReviewItem.kind == "duplicate_hh_no",
                                                     ReviewItem.record_id == second)).one()
    admins = [signed_in(server, "township_admin", HIS_TOWNSHIP) for _ in range(2)]
    for admin in admins:
        admin.get("/admin/review")
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda pair: pair[0].post(f"/admin/review/{item}/renumber", {"household": pair[1]}),
                                zip(admins, (first, second), strict=True)))
    assert sorted(a.status_code for a in answers) == [200, 409], [a.status_code for a in answers]
    with server.session() as s:
        numbers = [s.get(Household, hid).household_no for hid in (first, second)]
    assert numbers.count(number) == 1, numbers  # one renumbered, not both
