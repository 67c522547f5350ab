"""A client written from the sync contract, pushing what a forged or broken client might: references
to records outside the writer's village, ID numbers held elsewhere (an existence oracle), values no
database column holds, and malformed identifiers. On SQLite and PostgreSQL every such change is
answered on its own (a rejection with a code and the field, or an answer that says nothing about
other villages), nothing of it is written, and the device's next change goes through."""

from __future__ import annotations

import json
import uuid

import pytest
import requests
from sqlalchemy import func, select

from db.ids import new_id, tag_assignment_id
from db.models import CaseLogEntry, Person, TagAssignment, Visit
from server.store.tables import ChangeLogEntry
from tests.server.fixtures import server_fixture  # noqa: F401
from tests.server.numbers import household_no

TOWNSHIP = "150422102"  # townships no other test writes in
VILLAGE_A, VILLAGE_B = "150422102201", "150422102202"
OTHER_VILLAGE = "150422103201"  # another township
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_serial = iter(range(1, 10**6))


def resident_id(place: str = "150422") -> str:
    """A valid resident ID number (GB 11643: ISO 7064 MOD 11-2 check character), never the same twice."""
    # the serial spelled out in the birth date and the sequence digits, one to one (16.8 million of
    # them): a random part added to it made two numbers alike now and then (a merged_with_conflict)
    n = next(_serial)
    rest = n // 1000
    body = f"{place}{1950 + rest // 336 % 50}{1 + rest // 28 % 12:02d}{1 + rest % 28:02d}{n % 1000:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]


def results(r) -> list[dict]:
    assert r.status_code == 200, r.text
    return r.json()["results"]


def log_size(server) -> int:
    with server.session() as s:
        return s.scalar(select(func.count()).select_from(ChangeLogEntry))


def new_household(client, village: str) -> tuple[str, dict]:
    hid = new_id()
    return hid, client.change("household", hid, {"household_no": household_no(village), "region_code": village})


def new_person(client, hid: str, village: str, id_number: str | None = None) -> tuple[str, dict]:
    pid = new_id()
    fields = {"household_id": hid, "region_code": village, "name": "王五", "id_type": "01"}
    if id_number:
        fields["id_number"] = id_number
    return pid, client.change("person", pid, fields)


@pytest.fixture(scope="module")
def world(server):
    """Households, persons and a case in villages A and B and in another township, made by the city."""
    city = server.user_client("city_admin")
    made, changes = {}, []
    for village in (VILLAGE_A, VILLAGE_B, OTHER_VILLAGE):
        hid, household = new_household(city, village)
        number = resident_id()
        pid, person = new_person(city, hid, village, number)
        cid = new_id()
        case = city.change("case", cid, {"case_no": f"SJ{next(_serial):08d}", "source": "1", "request_type": "1",
                                          "category_code": "01", "title": "路灯不亮", "region_code": village,
                                          "registered_at": "2026-03-01T09:30:00"})
        changes += [household, person, case]
        made[village] = {"household": hid, "person": pid, "case": cid, "id_number": number}
    assert {x["outcome"] for x in results(city.push(changes))} == {"accepted"}
    return made


@pytest.fixture
def cadre(server):
    return server.user_client("village_cadre", VILLAGE_A)


def _log_entry(case_id: str) -> dict:
    return {"case_id": case_id, "region_code": VILLAGE_A, "at": "2026-03-02T10:00:00", "actor": "张三",
            "action": "note", "text": "已处理"}


def _visit(household_id: str) -> dict:
    return {"household_id": household_id, "region_code": VILLAGE_A, "visited_on": "2026-03-02", "visitor": "张三"}


FOREIGN = {
    "case_log into village B's case": lambda w: ("case_log", new_id(), _log_entry(w[VILLAGE_B]["case"]), "case_id"),
    "visit to village B's household": lambda w: ("visit", new_id(), _visit(w[VILLAGE_B]["household"]), "household_id"),
    "tag on village B's person": lambda w: (
        "tag_assignment", tag_assignment_id(w[VILLAGE_B]["person"], "nclb"),
        {"subject_type": "person", "subject_id": w[VILLAGE_B]["person"], "tag_code": "nclb",
         "region_code": VILLAGE_A}, "subject_id"),
    "own person moved into village B's household": lambda w: (
        "person", w[VILLAGE_A]["person"], {"household_id": w[VILLAGE_B]["household"]}, "household_id"),
    "visit to an unknown household": lambda w: ("visit", new_id(), _visit(new_id()), "household_id"),
    "visit naming a person as household": lambda w: ("visit", new_id(), _visit(w[VILLAGE_A]["person"]),
                                                      "household_id"),
    "tag on another township's household": lambda w: (
        "tag_assignment", tag_assignment_id(w[OTHER_VILLAGE]["household"], "nclb"),
        {"subject_type": "household", "subject_id": w[OTHER_VILLAGE]["household"], "tag_code": "nclb",
         "region_code": VILLAGE_A}, "subject_id"),
}


@pytest.mark.parametrize("case", FOREIGN)
def test_a_reference_outside_the_writers_scope_is_refused(server, world, cadre, case):
    entity, record_id, fields, field = FOREIGN[case](world)
    before = log_size(server)
    [answer] = results(cadre.push([cadre.change(entity, record_id, fields)]))
    assert (answer["outcome"], answer["code"], answer["field"]) == ("rejected", "bad_reference", field), answer
    assert answer["message"] and log_size(server) == before
    with server.session() as s:
        if entity == "person":
            assert s.get(Person, record_id).household_id == world[VILLAGE_A]["household"]
        else:
            assert s.get({"case_log": CaseLogEntry, "visit": Visit, "tag_assignment": TagAssignment}[entity],
                         record_id) is None
    staff = server.user_client("township_staff", TOWNSHIP)
    assert record_id not in {r["record_id"] for r in staff.pull(0, 100000).json()["records"]
                             if r["entity"] == entity and entity != "person"}
    # the device goes on: its next change is accepted, no sequence gap
    [after] = results(cadre.push([cadre.change("visit", new_id(), _visit(world[VILLAGE_A]["household"]))]))
    assert after["outcome"] == "accepted", after


def test_references_inside_the_writers_scope_are_accepted(server, world, cadre):
    own = world[VILLAGE_A]
    hid, household = new_household(cadre, VILLAGE_A)
    changes = [household, cadre.change("visit", new_id(), _visit(own["household"])),
               cadre.change("case_log", new_id(), _log_entry(own["case"])),
               cadre.change("tag_assignment", tag_assignment_id(own["person"], "dbh"),
                            {"subject_type": "person", "subject_id": own["person"], "tag_code": "dbh",
                             "region_code": VILLAGE_A}),
               cadre.change("person", own["person"], {"household_id": hid})]
    answers = results(cadre.push(changes))
    # the move edits a field the city wrote without the cadre having seen it: a conflict, still written
    assert [a["outcome"] for a in answers] == ["accepted"] * 4 + ["merged_with_conflict"], answers
    with server.session() as s:
        assert s.get(Person, own["person"]).household_id == hid
    moved = cadre.change("person", own["person"], {"household_id": own["household"]},
                         base={"household_id": answers[4]["server_seq"]})
    assert results(cadre.push([moved]))[0]["outcome"] == "accepted"


def test_an_id_number_held_elsewhere_is_answered_like_a_new_one(server, world, cadre):
    """No oracle: the answer is the same for a number registered in another village, in another
    township, or nowhere; the duplicate goes to review at the level that sees both persons."""
    hid, household = new_household(cadre, VILLAGE_A)
    numbers = [world[VILLAGE_B]["id_number"], world[OTHER_VILLAGE]["id_number"], resident_id()]
    persons = [new_person(cadre, hid, VILLAGE_A, number) for number in numbers]
    answers = results(cadre.push([household] + [change for _, change in persons]))[1:]
    assert [(a["outcome"], set(a) - {"server_seq"}) for a in answers] == [("accepted", {"change_id", "outcome"})] * 3
    staff = server.user_client("township_staff", TOWNSHIP)
    city = server.user_client("city_admin")
    every = {"limit": 1000}  # the shared server holds other tests' items too, listed oldest first
    township_items = {i["record_id"]: i for i in staff.get("/review", params=every).json() if i["kind"] == "duplicate_id"}
    city_items = {i["record_id"]: i for i in city.get("/review", params=every).json() if i["kind"] == "duplicate_id"}
    same_township, other_township, fresh = (pid for pid, _ in persons)
    assert township_items[same_township]["related_record_id"] == world[VILLAGE_B]["person"]
    assert township_items[same_township]["region_code"] == TOWNSHIP
    assert other_township not in township_items  # the other township's person is not this township's to see
    assert city_items[other_township]["related_record_id"] == world[OTHER_VILLAGE]["person"]
    assert city_items[other_township]["region_code"] == ""
    assert fresh not in city_items


def test_a_duplicate_inside_the_writers_scope_is_still_reported_to_it(server, world, cadre):
    hid, household = new_household(cadre, VILLAGE_A)
    _, person = new_person(cadre, hid, VILLAGE_A, world[VILLAGE_A]["id_number"])
    assert [a["outcome"] for a in results(cadre.push([household, person]))] == ["accepted", "merged_with_conflict"]


def test_a_device_creating_many_hidden_duplicates_raises_an_alarm(server, world):
    prober = server.user_client("village_cadre", VILLAGE_A)
    city = server.user_client("city_admin")
    elsewhere = [resident_id() for _ in range(server.settings.duplicate_alarm_per_day)]
    hid, household = new_household(city, OTHER_VILLAGE)
    assert {a["outcome"] for a in results(city.push(
        [household] + [new_person(city, hid, OTHER_VILLAGE, number)[1] for number in elsewhere]))} == {"accepted"}
    hid, household = new_household(prober, VILLAGE_A)
    probes = [new_person(prober, hid, VILLAGE_A, number)[1] for number in elsewhere]
    assert {a["outcome"] for a in results(prober.push([household] + probes))} == {"accepted"}
    alarms = [e for e in city.get("/audit", params={"action": "duplicate_alarm"}).json()
              if e["device_id"] == prober.device_id]
    assert len(alarms) == 1 and alarms[0]["username"], alarms


def _raw_push(client, changes: list[dict], replace: dict[str, str] | None = None, **headers: str):
    body = json.dumps({"changes": changes}, ensure_ascii=True)  # NaN/Infinity as the literals JSON lacks
    for placeholder, literal in (replace or {}).items():
        body = body.replace(json.dumps(placeholder), literal)
    return requests.post(client.server.api + "/sync/push", data=body.encode(), timeout=60,
                         headers=client.headers(**{"Content-Type": "application/json", **headers}))


def _case(village: str) -> dict:
    return {"case_no": f"SJ{next(_serial):08d}", "source": "1", "request_type": "1", "category_code": "01",
            "title": "井盖缺失", "region_code": village, "registered_at": "2026-03-01T09:30:00"}


def _hostile(client, name: str) -> tuple[dict, dict, str, str]:
    """(change, raw replacements, expected code, expected field) for one hostile value."""
    household = {"household_no": household_no(VILLAGE_A), "region_code": VILLAGE_A}
    replace: dict[str, str] = {}
    if name in ("nan", "infinity", "1e400"):
        change = client.change("case", new_id(), {**_case(VILLAGE_A), "latitude": "@number@"})
        replace["@number@"] = {"nan": "NaN", "infinity": "-Infinity", "1e400": "1e400"}[name]
        return change, replace, "not_finite", "latitude"
    edits = {
        "huge int": ({"deletion_gen": 10**30}, "out_of_range", "deletion_gen"),
        "below int64": ({"deletion_gen": -(2**63) - 1}, "out_of_range", "deletion_gen"),
        "lone surrogate": ({"address": "李\ud800四"}, "bad_chars", "address"),
        "NUL": ({"notes": "a\x00b"}, "bad_chars", "notes"),
        "unknown village": ({"region_code": "150422102999"}, "unknown_region", "region_code"),
        "household number ABC": ({"household_no": "ABC"}, "bad_format", "household_no"),
        "nested object": ({"address": {"street": ["幸福路"]}}, "bad_type", "address"),
        "huge JSON int": (None, "out_of_range", "attrs"),
    }
    if name in edits:
        fields, code, field = edits[name]
        change = client.change("household", new_id(), {**household, **(fields or {})})
        if fields is None:  # a city admin's code entry with an integer beyond 64 bits inside its JSON
            client.device_seq -= 1
            change = client.change("code_entry", new_id(), {"table": "tags", "code": "zz", "label_zh": "测试",
                                                              "attrs": {"sensitivity": 10**20}})
        return change, replace, code, field
    change = client.change("household", new_id(), household)
    if name == "UUIDv4 record id":
        change["record_id"] = str(uuid.uuid4())
        return change, replace, "bad_id", "record_id"
    if name == "change id not a UUID":
        change["change_id"] = "not-a-uuid"
        return change, replace, "bad_id", "change_id"
    device = client.device_id if name == "5,000-character clock" else str(uuid.uuid4())
    change["hlc"] = change["hlc"][:13] + "-00000-" + (device * 140 if name.startswith("5,000") else device)
    return change, replace, "bad_hlc", "hlc"


HOSTILE = ("huge int", "below int64", "lone surrogate", "NUL", "nan", "infinity", "1e400", "unknown village",
           "household number ABC", "nested object", "huge JSON int", "UUIDv4 record id", "change id not a UUID", "5,000-character clock",
           "forged clock device")


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_value_rejects_only_its_change(server, world, name):
    client = server.user_client("city_admin")
    change, replace, code, field = _hostile(client, name)
    before = log_size(server)
    r = _raw_push(client, [change], replace)
    assert r.status_code == 200, r.text
    [answer] = r.json()["results"]
    assert (answer["outcome"], answer["code"], answer.get("field")) == ("rejected", code, field), answer
    assert log_size(server) == before
    # the rejected change used its device_seq: the next valid change is accepted, not a sequence gap
    hid, household = new_household(client, VILLAGE_A)
    [after] = results(client.push([household]))
    assert after["outcome"] == "accepted", after
    assert requests.get(server.api + "/health", timeout=10).status_code == 200


def test_rejections_follow_accept_language(server, cadre):
    change = cadre.change("household", new_id(), {"household_no": "ABC", "region_code": VILLAGE_A})
    [zh] = _raw_push(cadre, [change]).json()["results"]
    [en] = _raw_push(cadre, [change], **{"Accept-Language": "en-US,en;q=0.9"}).json()["results"]
    assert zh["code"] == en["code"] == "bad_format"
    assert "household_no" in zh["message"] and "格式" in zh["message"]
    assert en["message"].startswith("Field household_no has the wrong format"), en
    foreign = cadre.change("household", new_id(), {"household_no": household_no(VILLAGE_B), "region_code": VILLAGE_B})
    [en] = _raw_push(cadre, [foreign], **{"Accept-Language": "en"}).json()["results"]
    assert (en["code"], en["message"]) == ("forbidden_scope", f"You may not change household data of region {VILLAGE_B}")
    mine = cadre.change("household", new_id(), {"household_no": household_no(VILLAGE_A), "region_code": VILLAGE_A})
    person = cadre.change("person", new_id(), {"household_id": mine["record_id"], "region_code": VILLAGE_A,
                                                "name": "赵六", "id_type": "01", "id_number": "110105194912310021"})
    [_, en] = _raw_push(cadre, [mine, person], **{"Accept-Language": "en"}).json()["results"]
    assert (en["code"], en["message"]) == ("invalid_id_number", "Invalid resident ID number (check digit or birth date)")


def test_snapshots_stay_valid_json_after_hostile_pushes(server, world):
    """Nothing non-finite got stored, so every snapshot format parses as strict JSON."""
    city = server.user_client("city_admin")
    for name in ("nan", "infinity", "1e400"):
        change, replace, _code, _field = _hostile(city, name)
        _raw_push(city, [change], replace)

    def strict(text: str) -> None:
        json.loads(text, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c} in a snapshot"))

    for form in ("records", "rows"):
        r = requests.get(server.api + "/sync/snapshot", headers=city.headers(), params={"format": form}, timeout=120)
        assert r.status_code == 200
        for line in r.text.split("\n"):  # NDJSON lines end with \n only; str.splitlines() would also cut
            if line:                       # at U+2028, U+0085 … that JSON strings may hold unescaped
                strict(line)
