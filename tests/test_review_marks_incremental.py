"""冲突待审 marks come incrementally with the history feed (decision 0038): a PC's first answer
holds its jurisdiction's open review items whole, later ones only the items raised or resolved
between its last marks cursor and its pull cursor. Asked of a real server process on both
databases, first as a client written from the contract (plain HTTP), then as the desktop's sync
cycle: one side request after a sync that moved anything, none when its cursors are there already,
the mark gone after a reviewer elsewhere resolved the item, and a server whose feed carries no
marks still asked the whole list."""

from __future__ import annotations

from app import sync_service
from db.client import OpenReview
from db.ids import new_id
from db.models import Household
from sync.capture import read_state
from tests.client_sync_support import count_requests
from tests.server.fixtures import server_fixture  # noqa: F401
from tests.server.numbers import household_no
from tests.test_client_sync_live import Client

TOWNSHIP = "150422100"
VILLAGE_A, VILLAGE_B = "150422100201", "150422100202"


def _conflict(server, village: str) -> tuple[str, str]:
    """A household of `village` two township PCs edited at once: (its id, the review item's id)."""
    a, b = server.user_client("township_staff", TOWNSHIP), server.user_client("township_staff", TOWNSHIP)
    hid = new_id()
    # a number of its own: a UUIDv7's first digits are its time, and a shared number is a review too (decision 0041)
    fields = {"household_no": household_no(village), "region_code": village, "address": "原址"}
    created = a.push([a.change("household", hid, fields)]).json()["results"][0]
    base = {"address": created["server_seq"]}
    a.push([a.change("household", hid, {"address": "甲"}, base=base)])
    assert b.push([b.change("household", hid, {"address": "乙"}, base=base)]).json()["results"][0]["outcome"] \
        == "merged_with_conflict"
    [item] = [i["id"] for i in a.get("/review", params={"limit": 1000}).json() if i["record_id"] == hid and i["kind"] == "conflict"]
    return hid, item


def _marks(client, upper: int, after: int | None = None, scope: str | None = None) -> dict:
    base = {} if after is None else {"marks_after": after, "marks_scope": scope}
    r = client.get("/history/feed", params={"after": upper, "upper": upper, "marks": "true", **base})
    assert r.status_code == 200, r.text
    assert r.json()["entries"] == []
    return r.json()["marks"]


def test_marks_come_whole_then_as_what_came_and_went(server):
    cadre = server.user_client("village_cadre", VILLAGE_A)
    hid1, item1 = _conflict(server, VILLAGE_A)
    first = _marks(cadre, cadre.head())
    assert first["full"] and first["scope"] == VILLAGE_A and first["closed"] == []
    assert {"id": item1, "kind": "conflict", "entity": "household", "record_id": hid1,
            "related_record_id": None} in first["open"]
    assert all(m["record_id"] != hid1 or m["id"] == item1 for m in first["open"])

    hid2, item2 = _conflict(server, VILLAGE_A)
    _, item_b = _conflict(server, VILLAGE_B)
    staff = server.user_client("township_staff", TOWNSHIP)
    assert staff.post(f"/review/{item1}/resolve", json={"decision": "keep_winner"}).status_code == 200
    upper = cadre.head()
    change = _marks(cadre, upper, first["next"], first["scope"])
    assert not change["full"] and change["next"] == upper
    assert [m["id"] for m in change["open"]] == [item2] and change["closed"] == [item1]  # not B's item

    assert _marks(cadre, upper, upper, VILLAGE_A) == {"scope": VILLAGE_A, "next": upper, "full": False,
                                                       "open": [], "closed": []}
    # no usable base: the whole set again — another jurisdiction's, a cursor ahead of the pull's
    for after, scope in ((first["next"], TOWNSHIP), (upper + 5, VILLAGE_A), (first["next"], None)):
        again = _marks(cadre, upper, after, scope)
        assert again["full"] and item2 in {m["id"] for m in again["open"]} and item1 not in {
            m["id"] for m in again["open"]} and item_b not in {m["id"] for m in again["open"]}
    township = _marks(staff, upper, first["next"], TOWNSHIP)
    assert not township["full"] and {item2, item_b} <= {m["id"] for m in township["open"]}


def test_the_feed_without_marks_is_as_before(server):
    cadre = server.user_client("village_cadre", VILLAGE_A)
    upper = cadre.head()
    r = cadre.get("/history/feed", params={"after": upper, "upper": upper})
    assert r.status_code == 200 and r.json() == {"entries": [], "next": upper, "has_more": False}
    bad = cadre.get("/history/feed", params={"after": 0, "marks": "true", "marks_after": -1})
    assert bad.status_code == 422


def _marked(pc: Client) -> set[str]:
    with pc.sessions() as s:
        return {record for (record,) in s.query(OpenReview.record_id)}


def test_the_desktop_cycle_keeps_its_marks_with_one_side_request(server, tmp_path, monkeypatch):
    pc = Client(tmp_path / "cadre.db", server, server.add_user("village_cadre", VILLAGE_A))
    hid, item = _conflict(server, VILLAGE_A)
    pc.sync.sync_now(manual=False)  # the first cycle: the snapshot, the marks whole
    assert hid in _marked(pc)
    asked = count_requests(monkeypatch)
    with pc.sessions.begin() as s:
        s.get(Household, hid).notes = "入户核实"
    pc.sync.sync_now(manual=False)  # moved: feed and marks in one request
    assert asked.count("GET /history/feed") == 1 and "GET /review/marks" not in asked, asked
    asked.clear()
    pc.sync.sync_now(manual=True)  # the pull brought nothing: feed and marks are there already
    assert asked == ["GET /sync/pull"], asked

    staff = server.user_client("township_staff", TOWNSHIP)
    assert staff.post(f"/review/{item}/resolve", json={"decision": "keep_winner"}).status_code == 200
    monkeypatch.setattr(sync_service, "SIDE_DATA_EVERY", 0.0)  # a reviewer elsewhere: due by time
    asked.clear()
    pc.sync.sync_now(manual=False)
    assert asked == ["GET /sync/pull", "GET /history/feed"], asked
    assert hid not in _marked(pc)
    with pc.sessions() as s:
        assert read_state(s, "marks_scope") == VILLAGE_A


def older_server(monkeypatch) -> None:
    """The PCs' transport from now on meets a feed as a server before decision 0038 answers it."""
    from sync.http_transport import HttpTransport

    real = HttpTransport.request

    def older(self, method, path, *args, **kwargs):
        answer = real(self, method, path, *args, **kwargs)
        if path == "/history/feed":
            answer.pop("marks", None)
        return answer

    monkeypatch.setattr(HttpTransport, "request", older)


def test_a_server_whose_feed_carries_no_marks_is_asked_the_whole_list(server, tmp_path, monkeypatch):
    pc = Client(tmp_path / "older.db", server, server.add_user("village_cadre", VILLAGE_A))
    hid, _ = _conflict(server, VILLAGE_A)
    older_server(monkeypatch)
    asked = count_requests(monkeypatch)
    pc.sync.sync_now(manual=True)
    assert "GET /review/marks" in asked and hid in _marked(pc)
    with pc.sessions() as s:
        assert read_state(s, "marks_cursor") is None


def test_a_resolution_in_flight_is_not_passed_by_the_pull_cursor(server):
    """A resolution numbers itself as a push's change does: until it commits, no pull cursor passes
    its number, so a PC whose marks are as of its cursor cannot skip it."""
    import datetime as dt

    from server.review_marks import resolve_review
    from server.store.tables import ReviewItem

    cadre = server.user_client("village_cadre", VILLAGE_A)
    _, item = _conflict(server, VILLAGE_A)
    before = cadre.head()
    marks = _marks(cadre, before)
    with server.session() as reviewer:  # the reviewer's transaction, not yet committed
        assert resolve_review(reviewer, item, "审核员", "keep_winner", dt.datetime(2026, 12, 7, 9, 0))
        number = reviewer.get(ReviewItem, item).resolved_seq
        assert number > before
        during = cadre.head()
        assert during < number
        assert item not in _marks(cadre, during, marks["next"], marks["scope"])["closed"]
        reviewer.commit()
    after = cadre.head()
    assert after >= number
    assert _marks(cadre, after, marks["next"], marks["scope"])["closed"] == [item]
    with server.session() as again:  # closed once: a second resolution changes nothing
        assert not resolve_review(again, item, "审核员", "take_loser", dt.datetime(2026, 12, 7, 9, 5))
