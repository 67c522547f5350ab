"""An outside client written from the published contract only (docs/ARCHITECTURE.md "The sync
contract", docs/SECURITY.md, docs/SERVER.md "API", the shared DESIGN.md "Round 2 additions"), not from
the server's code: it makes its own UUIDv7 ids and clock stamps, speaks HTTP to a real server on
SQLite and on PostgreSQL, and judges only what the API answers (push answers, pull, snapshot,
review, history). The operator's `create-user` is the one thing done beside the API.

What it tries, as a village cadre of village A:
- every declared reference of every synced entity pointed at village B, at another township, at an
  unknown id and at a record of the wrong entity: refused on its own (`bad_reference` and the field),
  never visible to anyone after, and the same change pointed at village A's own record is accepted
  right after (so the refusal is the reference's, and the device's sequence goes on);
- the ID-number existence oracle: the answers, the pulled record, the review badges and the record
  history of a person whose number is held in another village, another township or nowhere must be
  alike;
- hostile values (integers past 64 bits, lone surrogates, NUL, NaN/Infinity/1e400, 5,000-character
  clock stamps, nested objects, wrong types, unknown regions, bad 户编号, UUIDv4 ids, a forged clock
  device): no 5xx, a per-change rejection with the field, the batch's other changes accepted, a
  retried batch answered alike, snapshots still strict JSON;
- per-change messages in the request's language (Accept-Language zh_CN / zh-CN / en / en-US)."""

from __future__ import annotations

import json
import os
import time
import uuid

import pytest
import requests

from sync.wire import SCHEMA_VERSION  # the version a client of this release sends (X-Schema-Version)
from tests.server.fixtures import server_fixture  # noqa: F401
from tests.server.live import PASSWORD
from tests.server.numbers import household_no

TOWNSHIP, OTHER_TOWNSHIP = "150422104", "150422105"  # townships no other test writes in
A, B, C = "150422104201", "150422104202", "150422105201"  # C: a village of the other township
NOW = "2026-03-02T10:00:00"
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def uuid7() -> str:
    """RFC 9562 UUIDv7: 48-bit Unix milliseconds, version 7, 74 random bits, variant 10."""
    value = (time.time_ns() // 1_000_000) << 80 | 0x7 << 76 | int.from_bytes(os.urandom(10), "big") & ((1 << 76) - 1)
    value = value & ~(0b11 << 62) | 0b10 << 62
    return str(uuid.UUID(int=value))


def resident_id(place: str = "150422") -> str:
    """A valid resident ID number (GLOSSARY: MOD 11-2 check character), random enough to be unused."""
    # each part drawn on its own: taken from one number modulo 50, 12, 28 and 1000, the parts repeated
    # together every 21,000 numbers, and a batch of ten met a number the shared server already held
    # one run in a few (a visible duplicate answers merged_with_conflict)
    n = int.from_bytes(os.urandom(8), "big")
    year, n = 1950 + n % 50, n // 50
    month, n = 1 + n % 12, n // 12
    day, n = 1 + n % 28, n // 28
    body = f"{place}{year}{month:02d}{day:02d}{n % 1000:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]


class Device:
    """One enrolled PC: a token from POST /login, its own device_seq and clock stamps."""

    def __init__(self, server, role: str, scope: str = "", department: str | None = None) -> None:
        self.api = server.api
        self.device_id = uuid7()
        r = requests.post(self.api + "/login", timeout=60, json={
            "username": server.add_user(role, scope, department), "password": PASSWORD, "device_id": self.device_id,
            "device_name": "外部客户端"})
        assert r.status_code == 200, r.text
        self.token, self.seq = r.json()["token"], 0

    def headers(self, lang: str | None = None) -> dict:
        extra = {"Accept-Language": lang} if lang else {}
        return {"Authorization": f"Bearer {self.token}", "X-Schema-Version": str(SCHEMA_VERSION),
                "Content-Type": "application/json", **extra}

    def change(self, entity: str, record_id: str, fields: dict, base: dict | None = None) -> dict:
        self.seq += 1
        return {"change_id": uuid7(), "device_id": self.device_id, "device_seq": self.seq, "entity": entity,
                "record_id": record_id, "op": "upsert", "fields": fields, "base": base or {},
                "hlc": f"{int(time.time() * 1000):013d}-00000-{self.device_id}", "schema_version": SCHEMA_VERSION}

    def push_body(self, body: bytes, lang: str | None = None) -> list[dict]:
        r = requests.post(self.api + "/sync/push", data=body, headers=self.headers(lang), timeout=60)
        assert r.status_code == 200, (r.status_code, r.text[:300])
        return r.json()["results"]

    def push(self, changes: list[dict], lang: str | None = None, literals: dict | None = None) -> list[dict]:
        """Push `changes`; `literals` replace JSON strings by raw text (NaN, Infinity, 1e400)."""
        body = json.dumps({"changes": changes})
        for placeholder, literal in (literals or {}).items():
            body = body.replace(json.dumps(placeholder), literal)
        return self.push_body(body.encode(), lang)

    def get(self, path: str, **params) -> requests.Response:
        return requests.get(self.api + path, headers=self.headers(), params=params, timeout=120)

    def pull_all(self) -> dict[tuple[str, str], dict]:
        found, cursor = {}, 0
        while True:
            page = self.get("/sync/pull", cursor=cursor, limit=2000).json()
            found.update({(r["entity"], r["record_id"]): r["fields"] for r in page["records"]})
            if not page["has_more"]:
                return found
            cursor = page["next_cursor"]


def accepted(answers: list[dict]) -> bool:
    return all(a["outcome"] in ("accepted", "merged_with_conflict") for a in answers)


def _case(village: str, **extra) -> dict:
    return {"case_no": f"SJ{uuid.uuid4().int % 10**10:010d}", "source": "1", "request_type": "1",
            "category_code": "01", "title": "路灯不亮", "region_code": village, "registered_at": NOW, **extra}


@pytest.fixture(scope="module")
def world(server):
    """In A, B and C (made by the city admin): a household with two persons, a case, a township task
    with a target per village, a print snapshot of the household. `wrong` names records of another
    entity, `unknown` ids nobody made."""
    city = Device(server, "city_admin")
    made, changes = {}, []
    for village in (A, B, C):
        ids = {k: uuid7() for k in ("household", "person", "person2", "case", "task", "target", "print")}
        ids["id_number"] = resident_id()
        changes += [
            city.change("household", ids["household"], {"household_no": household_no(village), "region_code": village}),
            city.change("person", ids["person"], {"household_id": ids["household"], "region_code": village,
                                                  "name": "王五", "id_type": "01", "id_number": ids["id_number"]}),
            city.change("person", ids["person2"], {"household_id": ids["household"], "region_code": village,
                                                   "name": "赵六", "id_type": "99"}),
            city.change("case", ids["case"], _case(village)),
            city.change("task", ids["task"], {"task_no": "RW-" + village, "title": "核查", "department_code": "mz",
                                              "issued_at": NOW, "due_at": "2026-03-31T18:00:00",
                                              "region_code": village[:9] + "000"}),
            city.change("task_target", ids["target"], {"task_id": ids["task"], "region_code": village}),
            city.change("print_snapshot", ids["print"], {"entity": "household", "record_id": ids["household"],
                                                         "printed_at": NOW, "fields": {"户主": "王五"},
                                                         "region_code": village}),
            city.change("tag_assignment", uuid7(), {"subject_type": "person", "subject_id": ids["person"],
                                                    "tag_code": "dbh", "region_code": village})]
        made[village] = ids
    answers = city.push(changes)
    assert {a["outcome"] for a in answers} == {"accepted"}, answers
    made["wrong"] = {"household": made[A]["case"], "person": made[A]["household"], "person2": made[A]["case"],
                     "case": made[A]["person"], "target": made[A]["person"], "print": made[A]["household"]}
    made["unknown"] = {k: uuid7() for k in made["wrong"]}
    return made


@pytest.fixture(scope="module")
def cadre(server, world):
    return Device(server, "village_cadre", A)


def _attachment(owner_entity: str, owner_id: str, **extra) -> dict:
    return {"owner_entity": owner_entity, "owner_id": owner_id, "sha256": "ab" * 32, "size": 2048,
            "mime": "image/jpeg", "added_at": NOW, "region_code": A, **extra}


def _distinction_id(first: str, second: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "distinct:" + ":".join(sorted((first, second)))))


# name -> (field, builder(own records of A, the records pointed at) -> (entity, record id, fields))
REFERENCES = {
    "visit → household": ("household_id", lambda a, p: ("visit", uuid7(), {
        "household_id": p["household"], "region_code": A, "visited_on": "2026-03-02", "visitor": "张三"})),
    "case_log → case": ("case_id", lambda a, p: ("case_log", uuid7(), {
        "case_id": p["case"], "region_code": A, "at": NOW, "actor": "张三", "action": "note"})),
    "case_party → case": ("case_id", lambda a, p: ("case_party", uuid7(), {
        "case_id": p["case"], "region_code": A, "name": "当事人"})),
    "case_party → person": ("person_id", lambda a, p: ("case_party", uuid7(), {
        "case_id": a["case"], "person_id": p["person"], "region_code": A, "name": "当事人"})),
    "case_whistle → case": ("case_id", lambda a, p: ("case_whistle", uuid7(), {
        "case_id": p["case"], "region_code": A, "department_code": "mz", "summoned_at": NOW})),
    "case → reporter person": ("reporter_person_id", lambda a, p: ("case", uuid7(), _case(
        A, reporter_person_id=p["person"]))),
    "case → repeat of case": ("repeat_of", lambda a, p: ("case", uuid7(), _case(A, repeat_of=p["case"]))),
    "tag → person": ("subject_id", lambda a, p: ("tag_assignment", uuid7(), {
        "subject_type": "person", "subject_id": p["person"], "tag_code": "dbh", "region_code": A})),
    "tag → household": ("subject_id", lambda a, p: ("tag_assignment", uuid7(), {
        "subject_type": "household", "subject_id": p["household"], "tag_code": "dbh", "region_code": A})),
    "own person moved into household": ("household_id", lambda a, p: ("person", a["person2"], {
        "household_id": p["household"]})),
    "new person in household": ("household_id", lambda a, p: ("person", uuid7(), {
        "household_id": p["household"], "region_code": A, "name": "新人", "id_type": "99"})),
    "person merged into person": ("merged_into", lambda a, p: ("person", uuid7(), {
        "household_id": a["household"], "region_code": A, "name": "重复", "id_type": "99",
        "merged_into": p["person"]})),
    "household merged into household": ("merged_into", lambda a, p: ("household", uuid7(), {
        "household_no": household_no(A), "region_code": A, "merged_into": p["household"]})),
    "household head": ("head_person_id", lambda a, p: ("household", uuid7(), {
        "household_no": household_no(A), "region_code": A, "head_person_id": p["person"]})),
    "task link → household": ("household_id", lambda a, p: ("task_link", uuid7(), {
        "target_id": a["target"], "household_id": p["household"], "region_code": A})),
    "task link → person": ("person_id", lambda a, p: ("task_link", uuid7(), {
        "target_id": a["target"], "household_id": a["household"], "person_id": p["person"], "region_code": A})),
    "task link → target": ("target_id", lambda a, p: ("task_link", uuid7(), {
        "target_id": p["target"], "household_id": a["household"], "region_code": A})),
    "task feedback → target": ("target_id", lambda a, p: ("task_feedback", uuid7(), {
        "target_id": p["target"], "region_code": A, "at": NOW, "author": "李四"})),
    "attachment → household": ("owner_id", lambda a, p: ("attachment", uuid7(), _attachment(
        "household", p["household"]))),
    "attachment → person": ("owner_id", lambda a, p: ("attachment", uuid7(), _attachment("person", p["person"]))),
    "attachment → case": ("owner_id", lambda a, p: ("attachment", uuid7(), _attachment("case", p["case"]))),
    "attachment → print": ("printed_version", lambda a, p: ("attachment", uuid7(), _attachment(
        "household", a["household"], printed_version=p["print"]))),
    "print snapshot → household": ("record_id", lambda a, p: ("print_snapshot", uuid7(), {
        "entity": "household", "record_id": p["household"], "printed_at": NOW, "fields": {"户主": "x"},
        "region_code": A})),
    "not-the-same-person pair": ("first_person_id", lambda a, p: (
        "person_distinction", _distinction_id(p["person"], a["person"]),
        {"first_person_id": p["person"], "second_person_id": a["person"], "region_code": A})),
}
REFUSED: dict[str, list[tuple[str, str]]] = {}  # per server: (entity, id) of every refused new record


@pytest.mark.parametrize("pointed_at", ["village B", "other township", "unknown id", "wrong entity"])
@pytest.mark.parametrize("name", REFERENCES)
def test_every_reference_outside_scope_is_refused_alone(server, world, cadre, name, pointed_at):
    field, build = REFERENCES[name]
    target = {"village B": world[B], "other township": world[C], "unknown id": world["unknown"],
              "wrong entity": world["wrong"]}[pointed_at]
    if (name, pointed_at) == ("household head", "unknown id"):
        pytest.skip("a household's head is declared forward: it may name a person arriving later (SECURITY.md)")
    entity, record_id, fields = build(world[A], target)
    [answer] = cadre.push([cadre.change(entity, record_id, fields)])
    assert (answer["outcome"], answer.get("code"), answer.get("field")) == ("rejected", "bad_reference", field), answer
    assert answer["message"], answer
    if record_id not in world[A].values():
        REFUSED.setdefault(server.url, []).append((entity, record_id))
    # the same change pointing at village A's own record goes through: the device's sequence goes on
    entity, record_id, fields = build(world[A], {**world[A], "person": world[A]["person2"]})
    [own] = cadre.push([cadre.change(entity, record_id, fields)])
    assert own["outcome"] in ("accepted", "merged_with_conflict"), (name, own)


def test_nothing_refused_reached_anyone(server, world):
    """After the reference attacks: no refused record in the township's or the city's pull or
    snapshot, and A's person still lives in A's household."""
    refused = REFUSED.get(server.url)
    assert refused, "run with the reference attacks"
    for reader in (Device(server, "township_staff", TOWNSHIP), Device(server, "city_admin")):
        pulled = reader.pull_all()
        assert not set(refused) & pulled.keys()
        assert pulled[("person", world[A]["person2"])]["household_id"] == world[A]["household"]
        r = reader.get("/sync/snapshot", format="records")
        assert r.status_code == 200
        snapshot = {(rec["entity"], rec["record_id"]) for line in r.text.split("\n") if line
                    for rec in json.loads(line)["records"]}
        assert not set(refused) & snapshot and ("household", world[A]["household"]) in snapshot


CHILDREN = [name for name in REFERENCES if REFERENCES[name][0] in ("household_id", "case_id", "subject_id", "owner_id")
            and not name.startswith(("task link", "own person", "new person", "case_party → person"))]
CHILDREN += ["task feedback → target"]


@pytest.mark.parametrize("name", CHILDREN)
def test_a_child_lives_in_its_parents_village(server, world, name):
    """A township clerk may write villages A and B, but a visit, log entry, party, summons, tag,
    attachment or feedback entry of A's record filed under B would reach B's cadre: refused
    (`not_parent_region`); the same under A is accepted."""
    clerk = Device(server, "township_staff", TOWNSHIP)
    entity, record_id, fields = REFERENCES[name][1](world[A], world[A])
    [answer] = clerk.push([clerk.change(entity, record_id, {**fields, "region_code": B})], lang="en")
    assert (answer["outcome"], answer.get("code"), answer.get("field")) == \
        ("rejected", "not_parent_region", "region_code"), answer
    assert answer["message"].startswith("Field region_code must be the region of its") and A in answer["message"]
    assert accepted(clerk.push([clerk.change(entity, record_id, fields)]))
    assert (entity, record_id) not in Device(server, "village_cadre", B).pull_all()


def test_a_department_files_under_its_cases_village_only(server, world):
    """A case summoned to 民政 is on its desk; a log entry of it goes under the case's village only."""
    clerk = Device(server, "township_staff", TOWNSHIP)
    assert accepted(clerk.push([clerk.change("case_whistle", uuid7(), {
        "case_id": world[A]["case"], "region_code": A, "department_code": "mz", "summoned_at": NOW})]))
    department = Device(server, "department", "150422", "mz")
    entry = {"case_id": world[A]["case"], "at": NOW, "actor": "民政", "action": "note", "text": "已到场"}
    [elsewhere] = department.push([department.change("case_log", uuid7(), {**entry, "region_code": C})])
    assert (elsewhere["outcome"], elsewhere.get("code")) == ("rejected", "not_parent_region"), elsewhere
    assert accepted(department.push([department.change("case_log", uuid7(), {**entry, "region_code": A})]))


def test_an_id_number_held_elsewhere_tells_the_writer_nothing(server, world):
    """The answer, the pulled record, the review badges and the record history of a new person look
    the same whether its number is held in village B, in another township, or nowhere."""
    cadre = Device(server, "village_cadre", A)
    hid = uuid7()
    numbers = {"village B": world[B]["id_number"], "other township": world[C]["id_number"], "unused": resident_id()}
    persons = {k: uuid7() for k in numbers}
    answers = cadre.push([cadre.change("household", hid, {"household_no": household_no(A), "region_code": A})] + [
        cadre.change("person", persons[k], {"household_id": hid, "region_code": A, "name": "探查", "id_type": "01",
                                            "id_number": number}) for k, number in numbers.items()])[1:]
    assert [(a["outcome"], sorted(a)) for a in answers] == [("accepted", ["change_id", "outcome", "server_seq"])] * 3
    reader = Device(server, "village_cadre", A)  # a second PC of the village sees what the first wrote
    pulled = reader.pull_all()
    shapes = {k: sorted((f, v) for f, v in pulled[("person", pid)].items() if f not in ("id_number", "search_id_rev"))
              for k, pid in persons.items()}
    assert shapes["village B"] == shapes["other township"] == shapes["unused"]
    assert ("person", world[B]["person"]) not in pulled and ("person", world[C]["person"]) not in pulled
    marks = {m["record_id"] for m in cadre.get("/review/marks").json()}
    assert not marks & set(persons.values())
    histories = {k: [(e["op"], e["origin"], sorted(c["field"] for c in e["changes"]))
                     for e in cadre.get(f"/history/person/{pid}").json()] for k, pid in persons.items()}
    assert histories["village B"] == histories["other township"] == histories["unused"], histories
    feed = [e for e in cadre.get("/history/feed", after=answers[0]["server_seq"] - 1).json()["entries"]
            if e["record_id"] in persons.values()]
    assert len(feed) == 3 and {e["origin"] for e in feed} == {"edit"}, feed
    # raised where both persons are seen: the township for village B, the city for the other township
    staff, city = Device(server, "township_staff", TOWNSHIP), Device(server, "city_admin")
    township_items = {i["record_id"]: i for i in staff.get("/review").json() if i["kind"] == "duplicate_id"}
    city_items = {i["record_id"]: i for i in city.get("/review", limit=1000).json() if i["kind"] == "duplicate_id"}
    assert township_items[persons["village B"]]["related_record_id"] == world[B]["person"]
    assert city_items[persons["other township"]]["related_record_id"] == world[C]["person"]
    assert persons["other township"] not in township_items and persons["unused"] not in city_items
    hidden = {*persons.values(), *(i["id"] for i in (*township_items.values(), *city_items.values()))}
    for scope in (None, A, "", TOWNSHIP, "1504", "9" * 15):  # the feed's marks, whole and since before the push
        base = {} if scope is None else {"marks_after": answers[0]["server_seq"] - 1, "marks_scope": scope}
        marks = cadre.get("/history/feed", after=answers[0]["server_seq"], marks="true", **base).json()["marks"]
        shown = {m[k] for m in marks["open"] for k in ("id", "record_id", "related_record_id")} | set(marks["closed"])
        assert not shown & hidden and marks["scope"] == A, (scope, marks)


def test_an_id_number_given_later_tells_the_writer_nothing_either(server, world):
    """The same when the number is added to a person the cadre made without one."""
    city, cadre = Device(server, "city_admin"), Device(server, "village_cadre", A)
    held = resident_id()  # held in village B only
    assert accepted(city.push([city.change("person", uuid7(), {"household_id": world[B]["household"], "region_code": B,
                                                               "name": "乙", "id_type": "01", "id_number": held})]))
    persons = [uuid7(), uuid7()]
    assert accepted(cadre.push([cadre.change("person", p, {"household_id": world[A]["household"], "region_code": A,
                                                           "name": "后补", "id_type": "01"}) for p in persons]))
    answers = cadre.push([cadre.change("person", p, {"id_number": n})
                          for p, n in zip(persons, (held, resident_id()), strict=True)])
    assert [(a["outcome"], sorted(a)) for a in answers] == [("accepted", ["change_id", "outcome", "server_seq"])] * 2
    histories = [[(e["origin"], [c["field"] for c in e["changes"]]) for e in cadre.get(f"/history/person/{p}").json()]
                 for p in persons]
    assert histories[0] == histories[1], histories
    assert not {m["record_id"] for m in cadre.get("/review/marks").json()} & set(persons)


def test_a_device_making_many_hidden_duplicates_raises_one_alarm(server, world):
    """SECURITY.md: `duplicate_alarm_per_day` (default 10) hidden duplicates from one device in a day
    leave one `duplicate_alarm` audit entry for the city admin; nine leave none; the prober's answers
    stay plain `accepted`."""
    city = Device(server, "city_admin")
    hid, numbers = uuid7(), [resident_id() for _ in range(10)]
    assert accepted(city.push([city.change("household", hid, {"household_no": household_no(C), "region_code": C})] + [
        city.change("person", uuid7(), {"household_id": hid, "region_code": C, "name": "外乡", "id_type": "01",
                                        "id_number": n}) for n in numbers]))
    prober = Device(server, "village_cadre", A)

    def probe(batch: list[str]) -> None:
        answers = prober.push([prober.change("person", uuid7(), {
            "household_id": world[A]["household"], "region_code": A, "name": "探查", "id_type": "01",
            "id_number": n}) for n in batch])
        assert {a["outcome"] for a in answers} == {"accepted"}, answers

    def alarms() -> list[dict]:
        r = city.get("/audit", action="duplicate_alarm")
        assert r.status_code == 200, r.text
        return [e for e in r.json() if e["device_id"] == prober.device_id]

    probe(numbers[:9])
    assert alarms() == []
    probe(numbers[9:])
    assert len(alarms()) == 1


def _household(**extra) -> dict:
    return {"household_no": household_no(A), "region_code": A,
            **extra}


# name -> (entity, fields, field, code); "@x@" stands for a raw JSON literal given in LITERALS
HOSTILE = {
    "int beyond 64 bits": ("household", _household(deletion_gen=10**30), "deletion_gen", "out_of_range"),
    "-2^63-1": ("household", _household(deletion_gen=-(2**63) - 1), "deletion_gen", "out_of_range"),
    "negative deletion generation": ("household", _household(deletion_gen=-1), "deletion_gen", "out_of_range"),
    "lone surrogate": ("household", _household(address="李\ud800四"), "address", "bad_chars"),
    "NUL in text": ("household", _household(notes="a\x00b"), "notes", "bad_chars"),
    "NUL inside JSON": ("print_snapshot", {"entity": "household", "record_id": "@A household@", "printed_at": NOW,
                                           "fields": {"户主": "a\x00b"}, "region_code": A}, "fields", "bad_chars"),
    "NaN": ("case", _case(A, latitude="@nan@"), "latitude", "not_finite"),
    "Infinity": ("case", _case(A, longitude="@inf@"), "longitude", "not_finite"),
    "1e400": ("case", _case(A, latitude="@big@"), "latitude", "not_finite"),
    "nested object": ("household", _household(address={"街": ["幸福路", {"号": 1}]}), "address", "bad_type"),
    "number for text": ("household", _household(address=12), "address", "bad_type"),
    "text for integer": ("household", _household(deletion_gen="1"), "deletion_gen", "bad_type"),
    "text for boolean": ("household", _household(deleted="false"), "deleted", "bad_type"),
    "float for integer": ("household", _household(deletion_gen=1.5), "deletion_gen", "bad_type"),
    "unknown village": ("household", {**_household(), "region_code": TOWNSHIP + "999"}, "region_code",
                        "unknown_region"),
    "unknown village 150422100999": ("household", {**_household(), "region_code": "150422100999"}, "region_code",
                                     "unknown_region"),
    "户编号 ABC": ("household", {**_household(), "household_no": "ABC"}, "household_no", "bad_format"),
    "UUIDv4 record id": ("household", _household(), "record_id", "bad_id"),
    # a township's own tag whose attrs readers cannot compute with (every pull filters tags by it)
    "code attrs not an object": ("code_entry", {"table": "tag", "code": "bad1", "label_zh": "坏", "scope_prefix": TOWNSHIP,
                                                "attrs": 7}, "attrs", "bad_type"),
    "sensitivity as text": ("code_entry", {"table": "tag", "code": "bad2", "label_zh": "坏", "scope_prefix": TOWNSHIP,
                                           "attrs": {"sensitivity": "高"}}, "attrs", "bad_type"),
    "audit ids not strings": ("audit_entry", {"at": NOW, "username": "u", "action": "reveal", "region_code": A,
                                              "record_ids": [1, {"a": 2}]}, "record_ids", "bad_type"),
    "print fields a list": ("print_snapshot", {"entity": "household", "record_id": "@A household@", "printed_at": NOW,
                                               "fields": ["户主"], "region_code": A}, "fields", "bad_type"),
    "5,000-character clock": ("household", _household(), "hlc", "bad_hlc"),
    "clock of another device": ("household", _household(), "hlc", "bad_hlc"),
}
LITERALS = {"@nan@": "NaN", "@inf@": "Infinity", "@big@": "1e400"}
# who pushes (a region must be inside the writer's scope to be judged unknown rather than out of scope)
WRITERS = {"unknown village 150422100999": ("city_admin", ""), "code attrs not an object": ("township_admin", TOWNSHIP),
           "sensitivity as text": ("township_admin", TOWNSHIP)}


def _hostile_change(device: Device, world: dict, name: str) -> tuple[dict, str, str]:
    entity, fields, field, code = HOSTILE[name]
    fields = {k: (world[A]["household"] if v == "@A household@" else v) for k, v in fields.items()}
    change = device.change(entity, uuid7(), fields)
    if name == "UUIDv4 record id":
        change["record_id"] = str(uuid.uuid4())
    elif name == "5,000-character clock":
        change["hlc"] += "0" * 5000
    elif name == "clock of another device":
        change["hlc"] = change["hlc"][:20] + uuid7()
    return change, field, code


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_value_rejects_only_its_change(server, world, name):
    """[valid, hostile, valid] in one batch: the middle one refused with its field, the others written;
    the same batch again gets the same answers; the device's next change is accepted; the server
    stays up."""
    device = Device(server, *WRITERS.get(name, ("township_staff", TOWNSHIP)))
    first = device.change("household", uuid7(), _household())
    bad, field, code = _hostile_change(device, world, name)
    last = device.change("household", uuid7(), _household())
    body = json.dumps({"changes": [first, bad, last]})
    for placeholder, literal in LITERALS.items():
        body = body.replace(json.dumps(placeholder), literal)
    answers = device.push_body(body.encode())
    assert [a["outcome"] for a in answers] == ["accepted", "rejected", "accepted"], answers
    assert (answers[1]["code"], answers[1].get("field")) == (code, field), answers[1]
    again = device.push_body(body.encode())
    assert [(a["outcome"], a.get("code"), a.get("server_seq")) for a in again] == \
        [(a["outcome"], a.get("code"), a.get("server_seq")) for a in answers]
    assert accepted(device.push([device.change("household", uuid7(), _household())]))
    assert requests.get(server.api + "/health", timeout=10).status_code == 200
    pulled = Device(server, "township_staff", TOWNSHIP).pull_all()
    assert ("household", first["record_id"]) in pulled and ("household", last["record_id"]) in pulled
    assert (bad["entity"], bad["record_id"]) not in pulled


def test_snapshots_and_pulls_stay_strict_json(server, world):
    """Whatever the hostile pushes did, every answer the city admin's audit query, the township and a
    village read (their pulls hold tags, filtered by the tag code table) is there and strict JSON."""

    def strict(text: str) -> None:
        json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} is not JSON"))

    r = Device(server, "city_admin").get("/audit", action="reveal")  # the city admin's audit query reads them all
    assert r.status_code == 200, r.text[:200]
    strict(r.text)
    for reader in (Device(server, "township_staff", TOWNSHIP), Device(server, "village_cadre", A)):
        r = reader.get("/sync/pull", cursor=0, limit=5000)
        assert r.status_code == 200, r.text[:200]
        strict(r.text)
        assert any(rec["entity"] == "tag_assignment" for rec in r.json()["records"])
        for form in ("records", "rows"):
            r = reader.get("/sync/snapshot", format=form)
            assert r.status_code == 200
            for line in r.text.split("\n"):
                if line:
                    strict(line)


LANGUAGES = {"zh_CN": "zh", "zh-CN,zh;q=0.9": "zh", None: "zh", "en": "en", "en-US,en;q=0.8": "en", "en_US": "en"}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_per_change_messages_follow_accept_language(server, world, lang):
    device = Device(server, "township_staff", TOWNSHIP)
    changes = [_hostile_change(device, world, name)[0] for name in ("户编号 ABC", "unknown village", "NaN",
                                                                     "clock of another device")]
    _entity, record_id, fields = REFERENCES["visit → household"][1](world[A], world[C])
    changes.append(device.change("visit", record_id, fields))
    body = json.dumps({"changes": changes}).replace('"@nan@"', "NaN").encode()
    for answers in (device.push_body(body, lang), device.push_body(body, lang)):  # the retry is answered alike
        assert [a["code"] for a in answers] == ["bad_format", "unknown_region", "not_finite", "bad_hlc",
                                                "bad_reference"], answers
        for answer in answers:
            chinese = any("\u4e00" <= ch <= "\u9fff" for ch in answer["message"])
            assert chinese == (LANGUAGES[lang] == "zh"), (lang, answer)
