"""Outside channels over real HTTP: a 12345 hotline submission becomes a case routed to the right
township (and reaches that township by pull), a resubmission is the same case, bad keys, unknown
regions and invalid ID numbers are refused without a trace, and the channel's status feed reports
the outcome after a cursor."""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import func, select

from db.models import Case
from server.intake_keys import create_channel_key
from tests.server.fixtures import server_fixture  # noqa: F401
from tests.server.numbers import household_no
from tests.test_server_hostile import resident_id
from tests.test_server_sync import pulled
from tests.test_server_tasks import seen_seq

VILLAGE = "150422100206"


@pytest.fixture(scope="module")
def hotline(server):
    with server.session() as s:
        key = create_channel_key(s, server.settings, "12345", "12345热线平台", "1")
        s.commit()
    return key


def submit(server, key, **overrides):
    body = {"channel_ref": "GD20261127-0001", "request_type": "3", "category_code": "0301",
            "title": "小区垃圾清运不及时", "description": "三号楼旁垃圾已堆放一周", "region_code": VILLAGE,
            "reporter_name": "王女士", "reporter_phone": "13800001234", **overrides}
    return requests.post(server.api + "/intake/cases", json=body, headers={"X-Api-Key": key})


def case_count(server) -> int:
    with server.session() as s:
        return s.scalar(select(func.count()).select_from(Case))


def test_a_submission_becomes_one_case_in_the_right_township(server, hotline):
    first = submit(server, hotline, channel_ref="GD-A-1")
    assert first.status_code == 200, first.text
    answer = first.json()
    assert answer["created"] is True and answer["status"] == 10 and answer["deadline_on"]
    again = submit(server, hotline, channel_ref="GD-A-1")
    assert again.status_code == 200 and again.json()["case_id"] == answer["case_id"]
    assert again.json()["created"] is False
    with server.session() as s:
        case = s.get(Case, answer["case_id"])
        assert case.region_code == VILLAGE and case.channel == "12345" and case.source == "1"
    staff = server.user_client("township_staff", "150422100")
    assert ("case", answer["case_id"]) in pulled(staff)[0]["records"]
    outsider = server.user_client("township_staff", "150422101")
    assert ("case", answer["case_id"]) not in pulled(outsider)[0]["records"]


@pytest.mark.parametrize("overrides, status, code", [
    ({"region_code": "150422999999"}, 422, "unknown_region"),
    ({"region_code": "15042210"}, 422, "invalid_request"),
    ({"reporter_id_number": "11010519491231002Y"}, 422, "invalid_id_number"),
    ({"title": ""}, 422, "invalid_request"),
    ({"request_type": 3}, 422, "invalid_request"),
    ({"surprise": "field"}, 422, "invalid_request"),
])
def test_bad_submissions_are_refused_and_create_nothing(server, hotline, overrides, status, code):
    before = case_count(server)
    r = submit(server, hotline, channel_ref="GD-BAD-" + code, **overrides)
    assert r.status_code == status and r.json()["error"]["code"] == code
    assert case_count(server) == before


def test_a_wrong_or_missing_key_is_401(server):
    before = case_count(server)
    assert submit(server, "tdk_not-a-key").json()["error"]["code"] == "bad_api_key"
    assert requests.get(server.api + "/intake/status").status_code == 401
    assert case_count(server) == before


def test_the_status_feed_tells_the_channel_the_outcome(server, hotline):
    case_id = submit(server, hotline, channel_ref="GD-FEED-1").json()["case_id"]
    feed = requests.get(server.api + "/intake/status", headers={"X-Api-Key": hotline}).json()
    assert "GD-FEED-1" in {i["channel_ref"] for i in feed["items"]}
    cursor = feed["next_cursor"]
    staff = server.user_client("township_staff", "150422100")
    base = {"status": seen_seq(staff, "case", case_id)}
    staff.push([
        staff.change("case", case_id, {"status": 70, "closed_at": "2026-11-28T15:00:00"}, base=base),
        staff.change("case_log", "01900000-0000-7000-8000-000000000001", {
            "case_id": case_id, "region_code": VILLAGE, "at": "2026-11-28T15:00:00", "actor": "环卫所",
            "action": "close", "from_status": 50, "to_status": 70, "text": "已清运并增加清运频次"}),
    ])
    later = requests.get(server.api + "/intake/status", params={"cursor": cursor},
                         headers={"X-Api-Key": hotline}).json()
    [item] = [i for i in later["items"] if i["channel_ref"] == "GD-FEED-1"]
    assert item["status"] == 70 and item["outcome"] == "已清运并增加清运频次"
    one = requests.get(server.api + "/intake/cases/GD-FEED-1", headers={"X-Api-Key": hotline}).json()
    assert one["status"] == 70
    # Another channel sees nothing of this one.
    with server.session() as s:
        wechat = create_channel_key(s, server.settings, "wechat", "微信服务号", "4")
        s.commit()
    assert requests.get(server.api + "/intake/status", headers={"X-Api-Key": wechat}).json()["items"] == []
    assert requests.get(server.api + "/intake/cases/GD-FEED-1", headers={"X-Api-Key": wechat}).status_code == 404


def test_a_hotline_operators_typing_is_read_as_the_desk_stores_it(server, hotline):
    """The 12345 platform sends what its operator typed: an ID ending in a lower-case x was refused
    with the whole case (invalid_id_number; the resident's complaint lost), and a phone typed with
    spaces was kept as such — masked *********1234 on the desk and never matched by a search for the
    number or by a repeat appeal from the same phone. The intake reads them by the desk's own rule
    (db.typed_forms): a landline typed without its hyphen, an ID typed in groups; a phone the desk has
    no form for is kept as typed (the case is never refused for it)."""
    from db.ids import new_id

    staff = server.user_client("township_staff", "150422100")
    household, person = new_id(), new_id()
    registered = staff.push([
        staff.change("household", household, {"household_no": household_no(VILLAGE), "region_code": VILLAGE}),
        staff.change("person", person, {"household_id": household, "region_code": VILLAGE, "name": "赵桂芝",
                                        "id_type": "01", "id_number": "15042219650808009X"})])
    assert all(x["outcome"] == "accepted" for x in registered.json()["results"]), registered.text
    r = submit(server, hotline, channel_ref="GD-TYPED-1", reporter_phone="138 0476 1234",
               reporter_id_number=" 15042219650808009x")
    assert r.status_code == 200, r.text
    # valid and registered nowhere (the standard's sample number is: other tests of the shared server use it)
    unknown = submit(server, hotline, channel_ref="GD-TYPED-2", reporter_phone="+86 0476 8231234",
                     reporter_id_number=resident_id("110105").lower())  # the case, unlinked
    assert unknown.status_code == 200, unknown.text
    grouped = submit(server, hotline, channel_ref="GD-TYPED-3", reporter_phone="04768231234",
                     reporter_id_number="150422 19650808 009x")
    odd = submit(server, hotline, channel_ref="GD-TYPED-4", reporter_phone="+86 12345")
    assert grouped.status_code == odd.status_code == 200, (grouped.text, odd.text)
    with server.session() as s:
        assert s.get(Case, grouped.json()["case_id"]).reporter_phone == "0476-8231234"
        assert s.get(Case, grouped.json()["case_id"]).reporter_person_id == person
        assert s.get(Case, odd.json()["case_id"]).reporter_phone == "12345"
        case = s.get(Case, r.json()["case_id"])
        assert case.reporter_phone == "13804761234" and case.reporter_person_id == person
        other = s.get(Case, unknown.json()["case_id"])
        assert other.reporter_phone == "0476-8231234" and other.reporter_person_id is None
