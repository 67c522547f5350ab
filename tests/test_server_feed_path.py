"""The history feed's short path (server.feed_path): a GET with a plain query is answered by the
request middleware before FastAPI's router with the route's own answer (`feed_answer`), every other
request by the FastAPI route. Pinned here on SQLite and PostgreSQL: the two give the same answers
(status and JSON, entries, marks and errors alike), and what counts as a plain query."""

from __future__ import annotations

import requests

from db.ids import new_id
from server.feed_path import plain_feed_query
from tests.server.fixtures import server_fixture  # noqa: F401
from tests.server.numbers import household_no

TOWNSHIP = "150422100"
VILLAGE = "150422100201"


def _answer(server, query: str, headers: dict) -> tuple[int, object, str]:
    r = requests.get(f"{server.api}/history/feed?{query}", headers=headers, timeout=60)
    return r.status_code, r.json(), r.headers.get("content-type")


def _both(server, query: str, headers: dict) -> tuple[int, object]:
    """The short path's answer and, asserted equal, the route's (the same query with a parameter the
    route ignores, which the short path leaves to it)."""
    fast = _answer(server, query, headers)
    routed = _answer(server, (query + "&" if query else "") + "via=route", headers)
    assert fast == routed, (query, fast, routed)
    return fast[:2]


def test_plain_feed_queries_only():
    assert plain_feed_query(b"") == {}
    assert plain_feed_query(b"after=12&limit=500&upper=30&marks=true&marks_after=7&marks_scope=150422100201") == {
        "after": 12, "limit": 500, "upper": 30, "marks": True, "marks_after": 7, "marks_scope": "150422100201"}
    assert plain_feed_query(b"marks=false&marks_scope=") == {"marks": False, "marks_scope": ""}  # the city's scope
    for odd in (b"after=1&after=2", b"limit=0", b"limit=2001", b"after=-1", b"after=1e3", b"after=%31", b"after=",
                b"after=1&", b"after=1&via=x", b"after=1234567890123456789", b"marks=True", b"marks=1",
                b"marks_scope=15042210020a", b"marks_scope=1504221002010010", b"upper"):
        assert plain_feed_query(odd) is None, odd


def test_the_short_path_answers_as_the_route_does(server):
    staff = server.user_client("township_staff", TOWNSHIP)
    start = staff.pull(0, 1).json()["next_cursor"]
    hid = new_id()
    created = staff.push([staff.change("household", hid, {"household_no": household_no(VILLAGE), "region_code": VILLAGE,
                                                           "address": "幸福路 1 号", "phone": "13912345678"})])
    seq = created.json()["results"][0]["server_seq"]
    staff.push([staff.change("household", hid, {"address": "幸福路 2 号"}, base={"address": seq})])
    cadre = server.user_client("village_cadre", VILLAGE)
    headers = cadre.headers()
    status, body = _both(server, f"after={start}&limit=500", headers)
    assert status == 200 and [e["record_id"] for e in body["entries"]].count(hid) == 2 and "marks" not in body
    assert any(c["field"] == "phone" and c["new"] != "13912345678" for e in body["entries"] for c in e["changes"])
    upper = body["next"]
    status, body = _both(server, f"after={start}&limit=1&upper={upper}&marks=true", headers)  # a page of one
    assert status == 200 and body["has_more"] and body["marks"]["full"] and body["marks"]["scope"] == VILLAGE
    status, body = _both(server, f"after={upper}&upper={upper}&marks=true&marks_after={upper}&marks_scope={VILLAGE}",
                         headers)
    assert body == {"entries": [], "next": upper, "has_more": False,
                    "marks": {"scope": VILLAGE, "next": upper, "full": False, "open": [], "closed": []}}
    city = server.user_client("city_admin")
    assert _both(server, f"after={upper}&upper={upper}&marks=true&marks_after={upper}&marks_scope=",
                 city.headers())[1]["marks"]["full"] is False  # the city's scope is ""

    english = {**headers, "Accept-Language": "en"}
    department = server.user_client("department", "", department="民政局")
    for sent, status, code in (
            ({k: v for k, v in headers.items() if k != "Authorization"}, 401, "not_authenticated"),
            ({**english, "Authorization": "Bearer nope"}, 401, "not_authenticated"),
            ({**headers, "Authorization": "Basic " + cadre.token}, 401, "not_authenticated"),
            (department.headers(), 403, "forbidden")):
        got, body = _both(server, f"after={start}", sent)
        assert got == status and body["error"]["code"] == code, (got, body)


def test_a_plain_query_takes_the_short_path_and_any_other_the_route(tmp_path, monkeypatch):
    from fastapi.testclient import TestClient

    from server import feed_path
    from tests.server.live import app_in_process, log_in

    taken: list[dict] = []
    real = feed_path._answer
    monkeypatch.setattr(feed_path, "_answer", lambda state, who, query: taken.append(query) or real(state, who, query))
    with app_in_process(f"sqlite:///{tmp_path / 'city.db'}", tmp_path, monkeypatch) as (app, lab), \
            TestClient(app) as http:
        headers = log_in(http, lab.add_user("village_cadre", VILLAGE))
        plain = http.get("/api/v1/history/feed", params={"after": 0, "marks": "true"}, headers=headers)
        assert plain.status_code == 200 and taken == [{"after": 0, "marks": True}]
        routed = http.get("/api/v1/history/feed", params={"after": 0, "marks": "True"}, headers=headers)
        assert routed.status_code == 200 and routed.json()["marks"]["full"] and len(taken) == 1
        assert http.get("/api/v1/history/feed", params={"limit": 0}, headers=headers).status_code == 422
        assert len(taken) == 1


def test_the_access_log_names_the_route_and_the_caller_on_both_paths(tmp_path, monkeypatch):
    import logging

    from fastapi.testclient import TestClient

    from tests.server.live import app_in_process, log_in

    class Lines(logging.Handler):  # the app's logging setup replaces the root's handlers (caplog's too)
        def __init__(self):
            super().__init__(logging.INFO)
            self.records: list[logging.LogRecord] = []

        def emit(self, record):
            self.records.append(record)

    access, lines = logging.getLogger("server.access"), Lines()
    with app_in_process(f"sqlite:///{tmp_path / 'city.db'}", tmp_path, monkeypatch) as (app, lab), \
            TestClient(app) as http:
        access.addHandler(lines)
        level, access.level = access.level, logging.INFO
        try:
            named = []
            for role, scope, status in (("village_cadre", VILLAGE, 200), ("department", "", 403)):
                headers = log_in(http, lab.add_user(role, scope, department="民政局" if role == "department" else None))
                for query in ("after=0&marks=true", "after=0&marks=true&via=route"):
                    lines.records.clear()
                    assert http.get(f"/api/v1/history/feed?{query}", headers=headers).status_code == status
                    [line] = [r for r in lines.records if r.getMessage() == "request"]
                    named.append((role, line.path, line.status, line.user_id is not None))
            assert named == [(role, "/history/feed", status, True) for role, status in
                             (("village_cadre", 200), ("village_cadre", 200), ("department", 403), ("department", 403))]
        finally:
            access.removeHandler(lines)
            access.level = level
