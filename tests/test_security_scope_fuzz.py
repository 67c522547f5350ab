"""Scope fuzz: hypothesis draws users of every role in two townships, their villages and the
villages' grids, and records in random grids, and tries reads and writes through the real API — pull, snapshot,
push (creating and editing households, persons and tags; child records — visits, case log entries,
case parties, tags, a person's household, 吹哨 summons, attachments, a case's reporter — pointing at records anywhere in the city), the review
queue, department views, the audit query and key release. Whatever is drawn, nobody reads or changes anything outside their
jurisdiction or role (a grid worker: its grid), and sensitive tags reach only city and township
admins. One server process per database (SQLite, and PostgreSQL when TD_TEST_PG_URL is set);
HYPOTHESIS_PROFILE=ci fixes the seed."""

from __future__ import annotations

import itertools
import json

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from db.ids import new_id, tag_assignment_id
from db.models import (
    Attachment,
    Case,
    CaseLogEntry,
    CaseParty,
    CaseWhistle,
    Household,
    Person,
    TagAssignment,
    Visit,
)
from tests.server.databases import BACKENDS, fresh_database
from tests.server.live import live_server

TOWNSHIPS = ("150422100", "150422101")
VILLAGES = ("150422100201", "150422100202", "150422101201", "150422101202")
GRIDS = tuple(village + grid for village in VILLAGES for grid in ("001", "002"))
ROLES = ("city_admin", "department", "township_admin", "township_staff", "village_cadre", "grid_worker")
SENSITIVE = {"sqjz", "xd", "zdry"}
REGION_ENTITIES = {"household", "person", "tag_assignment", "visit"}
_numbers = itertools.count(1)


@pytest.fixture(scope="module", params=BACKENDS)
def world(request, tmp_path_factory):
    """The server, a cache of logged-in users, and seeded households (one per grid) with a
    sensitive and an ordinary tag on a member."""
    tmp = tmp_path_factory.mktemp("scope-fuzz")
    with fresh_database(request.param, tmp) as url, live_server(url, tmp) as server:
        city = server.user_client("city_admin")
        seeded, persons, cases = {}, {}, {}
        for grid in GRIDS:
            village = grid[:12]
            hid, pid = new_id(), new_id()
            changes = [city.change("household", hid, _household(grid)),
                       city.change("person", pid, {"household_id": hid, "region_code": village, "grid_code": grid,
                                                   "name": "测试", "id_type": "01"})]
            changes += [city.change("tag_assignment", new_id(), {"subject_type": "person", "subject_id": pid,
                                                                 "tag_code": tag, "region_code": village})
                        for tag in ("sqjz", "nclb")]
            cid = new_id()
            changes.append(city.change("case", cid, {
                "case_no": f"SJ{next(_numbers):06d}", "source": "1", "request_type": "1", "category_code": "01",
                "title": "路灯不亮", "region_code": village, "grid_code": grid, "registered_at": "2026-03-01T09:30:00"}))
            r = city.push(changes)
            assert {x["outcome"] for x in r.json()["results"]} == {"accepted"}, r.text
            seeded[grid] = hid
            persons[grid], cases[grid] = pid, cid
        yield {"server": server, "users": {}, "households": seeded, "persons": persons, "cases": cases}


def _household(grid: str) -> dict:
    return {"household_no": f"{grid[:12]}03{next(_numbers):04d}", "region_code": grid[:12], "grid_code": grid,
            "address": "幸福路"}


def _scope(role: str, township: int, village: int, grid: int = 0) -> str:
    if role in ("city_admin", "department"):
        return ""
    if role in ("township_admin", "township_staff"):
        return TOWNSHIPS[township]
    place = VILLAGES[2 * township + village]
    return place + ("001", "002")[grid] if role == "grid_worker" else place


def _user(world, role: str, scope: str):
    key = (role, scope)
    if key not in world["users"]:
        world["users"][key] = world["server"].user_client(role, scope, "mz" if role == "department" else None)
    return world["users"][key]


def _read_prefix(role: str, scope: str) -> str | None:
    return None if role == "department" else scope


def _scope_code(fields: dict) -> str:
    """What a record is scoped by: its grid when it has one, else its region."""
    return fields.get("grid_code") or fields.get("region_code") or ""


def _all_pulled(client) -> list[dict]:
    records, cursor = [], 0
    while True:
        page = client.pull(cursor, 2000).json()
        records += page["records"]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return records


def _snapshot(client, rows: bool = False) -> list[dict]:
    """The user's snapshot as records ({"entity", "record_id", "fields"}), in either format (requests
    undoes the gzip of the stream itself)."""
    params = {"format": "rows"} if rows else None
    r = requests.get(client.server.api + "/sync/snapshot", headers=client.headers(), params=params, timeout=60)
    assert r.status_code == 200, r.text
    out = []
    for line in r.content.splitlines():
        chunk = json.loads(line)
        out += chunk["records"]
        if rows and chunk.get("rows"):
            out += [{"entity": chunk["entity"], "record_id": row[0], "fields": dict(zip(chunk["columns"], row, strict=True))}
                    for row in chunk["rows"]]
    return out


def _check_reads(role: str, scope: str, records: list[dict]) -> None:
    prefix = _read_prefix(role, scope)
    for rec in records:
        if rec["entity"] not in REGION_ENTITIES:
            continue
        assert prefix is not None, f"a department user received {rec['entity']}"
        code = _scope_code(rec["fields"])
        # A grid worker also reads the records of its village that belong to no grid (tags, visits).
        village_level = role == "grid_worker" and code == prefix[:12] and not rec["fields"].get("grid_code")
        assert code.startswith(prefix) or village_level, (role, scope, rec["entity"], code)
        if rec["entity"] == "tag_assignment" and role not in ("city_admin", "township_admin"):
            assert rec["fields"].get("tag_code") not in SENSITIVE, (role, rec["fields"].get("tag_code"))


def _may_write(role: str, scope: str, region: str) -> bool:
    prefix = _read_prefix(role, scope)
    return prefix is not None and region.startswith(prefix)


ACTIONS = ("pull", "snapshot", "create", "edit", "review", "department", "audit", "release")


@settings(max_examples=40)
@given(role=st.sampled_from(ROLES), township=st.integers(0, 1), village=st.integers(0, 1),
       grid=st.integers(0, 1), target=st.sampled_from(GRIDS), action=st.sampled_from(ACTIONS))
def test_no_access_outside_jurisdiction_or_role(world, role, township, village, grid, target, action):
    scope = _scope(role, township, village, grid)
    client = _user(world, role, scope)
    if action == "pull":
        _check_reads(role, scope, _all_pulled(client))
    elif action == "snapshot":
        _check_reads(role, scope, _snapshot(client))
    elif action in ("create", "edit"):
        _check_write(world, client, role, scope, target, action)
    elif action == "review":
        r = client.get("/review")
        allowed = role in ("city_admin", "township_admin", "township_staff")
        assert r.status_code == (200 if allowed else 403)
        assert all(item["region_code"].startswith(scope) for item in (r.json() if allowed else []))
        marks = client.get("/review/marks")  # the 冲突待审 badge: any role holding register records
        assert marks.status_code == (200 if allowed or role in ("village_cadre", "grid_worker") else 403)
        if allowed:  # only items of the caller's own listing, never values
            listed = client.get("/review", params={"limit": 1000}).json()
            assert {m["id"] for m in marks.json()} <= {item["id"] for item in listed}
            assert all(set(m) == {"id", "kind", "entity", "record_id", "related_record_id"} for m in marks.json())
    elif action == "department":
        r = client.get("/department/tasks")
        assert r.status_code == (200 if role == "department" else 403)
    elif action == "audit":
        assert client.get("/audit").status_code == (200 if role == "city_admin" else 403)
    else:
        victim = _user(world, "village_cadre", target[:12])
        r = client.post(f"/escrow/{victim.device_id}/release", json={"reason": "模糊测试"})
        if role not in ("city_admin", "township_admin"):
            assert r.status_code == 403
        else:  # nothing was escrowed: never a key, and outside one's township not even "exists"
            assert r.status_code == 404 and "key" not in r.json()


def _check_write(world, client, role: str, scope: str, target: str, action: str) -> None:
    server = world["server"]
    if action == "create":
        hid = new_id()
        result = client.push([client.change("household", hid, _household(target))]).json()["results"][0]
        allowed = _may_write(role, scope, target)
        assert result["outcome"] == ("accepted" if allowed else "rejected"), (role, scope, target, result)
        with server.session() as s:
            assert (s.get(Household, hid) is not None) == allowed
        if allowed:
            world["households"][target] = hid
        return
    hid = world["households"][target]
    with server.session() as s:
        before = s.get(Household, hid).address
    address = f"改写{next(_numbers)}"
    result = client.push([client.change("household", hid, {"address": address})]).json()["results"][0]
    allowed = _may_write(role, scope, target)
    # An allowed edit may meet another user's concurrent one (merged, or a conflict for review).
    assert (result["outcome"] != "rejected") == allowed, (role, scope, target, result)
    with server.session() as s:
        if not allowed:
            assert s.get(Household, hid).address == before
        elif result["outcome"] == "accepted":
            assert s.get(Household, hid).address == address


@pytest.mark.parametrize("role", ROLES)
def test_snapshot_in_both_formats_stays_in_scope(world, role):
    """Every role's snapshot, per-field records and table rows alike, holds only its jurisdiction (no
    sensitive tags below township admins), and the two formats carry the same records."""
    for township, village in ((0, 0), (1, 1)):
        scope = _scope(role, township, village)
        client = _user(world, role, scope)
        records, rows = _snapshot(client), _snapshot(client, rows=True)
        _check_reads(role, scope, records)
        _check_reads(role, scope, rows)
        assert sorted((r["entity"], r["record_id"]) for r in records) == \
            sorted((r["entity"], r["record_id"]) for r in rows)
        assert records, (role, scope)


def test_a_household_moved_to_another_grid_leaves_the_first_grid_worker(world):
    """Moving a household between grids is an ordinary edit by the village: the grid worker who
    loses it is told to evict it (with its members), the other one receives it; neither grid worker
    may move a household out of, or write into, a grid that is not theirs."""
    village = VILLAGES[0]
    first, second = (_user(world, "grid_worker", village + g) for g in ("001", "002"))
    cadre = _user(world, "village_cadre", village)
    hid, pid = new_id(), new_id()
    r = cadre.push([cadre.change("household", hid, _household(village + "001")),
                    cadre.change("person", pid, {"household_id": hid, "region_code": village,
                                                 "grid_code": village + "001", "name": "搬家", "id_type": "01"})])
    assert {x["outcome"] for x in r.json()["results"]} == {"accepted"}, r.text
    cursor = first.pull(0, 5000).json()["next_cursor"]
    assert hid in {rec["record_id"] for rec in _all_pulled(first)}
    assert hid not in {rec["record_id"] for rec in _all_pulled(second)}

    moved = first.push([first.change("household", hid, {"grid_code": village + "002"})]).json()["results"][0]
    assert (moved["outcome"], moved["code"]) == ("rejected", "forbidden_scope")
    foreign = first.push([first.change("household", world["households"][village + "002"],
                                       {"address": "越界"})]).json()["results"][0]
    assert foreign["outcome"] == "rejected"
    astray = cadre.push([cadre.change("household", hid, {"grid_code": VILLAGES[1] + "001"})]).json()["results"][0]
    assert (astray["outcome"], astray["code"]) == ("rejected", "grid_outside_region")

    r = cadre.push([cadre.change("household", hid, {"grid_code": village + "002"}),
                    cadre.change("person", pid, {"grid_code": village + "002"})])
    assert {x["outcome"] for x in r.json()["results"]} == {"accepted"}, r.text
    page = first.pull(cursor, 5000).json()
    assert {("household", hid), ("person", pid)} <= {tuple(e) for e in page["evictions"]}
    assert hid in {rec["record_id"] for rec in _all_pulled(second)}
    assert hid not in {rec["record_id"] for rec in _snapshot(first)}


CHILDREN = ("visit", "case_log", "case_party", "tag", "move", "whistle", "attachment", "reporter")


def _writable(role: str, scope: str, code: str) -> bool:
    """A region role writes records scoped under its prefix; a grid worker also its village's records
    that belong to no grid (visits, tags, case log entries carry the village's code)."""
    prefix = _read_prefix(role, scope)
    return prefix is not None and (code.startswith(prefix) or (role == "grid_worker" and code == prefix[:12]))


def _child(world, child: str, own: str, parent: str) -> tuple[str, str, dict]:
    """(entity, record id, fields) of a record in `own`'s village pointing at `parent`'s records."""
    village = own[:12]
    if child == "visit":
        return "visit", new_id(), {"household_id": world["households"][parent], "region_code": village,
                                   "visited_on": "2026-03-02", "visitor": "走访人"}
    if child == "case_log":
        return "case_log", new_id(), {"case_id": world["cases"][parent], "region_code": village,
                                      "at": "2026-03-02T10:00:00", "actor": "处置人", "action": "note"}
    if child == "case_party":
        return "case_party", new_id(), {"case_id": world["cases"][parent], "region_code": village, "name": "当事人",
                                        "person_id": world["persons"][parent]}
    if child == "tag":
        subject, tag = world["persons"][parent], f"t{next(_numbers)}"
        return "tag_assignment", tag_assignment_id(subject, tag), {
            "subject_type": "person", "subject_id": subject, "tag_code": tag, "region_code": village}
    if child == "whistle":
        return "case_whistle", new_id(), {"case_id": world["cases"][parent], "region_code": village,
                                          "department_code": "ga", "summoned_at": "2026-03-02T10:00:00"}
        # 公安, not the drawn department's 民政: a case whistled to 民政 would rightly be its to write
    if child == "attachment":
        return "attachment", new_id(), {"owner_entity": "household", "owner_id": world["households"][parent],
                                        "sha256": "cd" * 32, "size": 1024, "mime": "image/png",
                                        "added_at": "2026-03-02T10:00:00", "region_code": village}
    if child == "reporter":
        return "case", new_id(), {"case_no": f"SJ{next(_numbers):06d}", "source": "1", "request_type": "1",
                                  "category_code": "01", "title": "反映人", "region_code": village,
                                  "registered_at": "2026-03-01T09:30:00", "reporter_person_id": world["persons"][parent]}
    return "person", world["persons"][own], {"household_id": world["households"][parent]}


@settings(max_examples=80)
@given(role=st.sampled_from(ROLES), township=st.integers(0, 1), village=st.integers(0, 1), grid=st.integers(0, 1),
       child=st.sampled_from(CHILDREN), own=st.sampled_from(GRIDS), parent=st.sampled_from(GRIDS))
def test_references_never_reach_outside_the_writers_scope(world, role, township, village, grid, child, own, parent):
    """Every role pushes child records whose own place is `own` and which point at records of
    `parent` anywhere in the city: accepted exactly when the writer may write both the child and the
    record it points at and a child (not a moved person, not a case's reporter) is in its parent's
    village; a refusal writes nothing."""
    scope = _scope(role, township, village, grid)
    client = _user(world, role, scope)
    entity, record_id, fields = _child(world, child, own, parent)
    child_code = own if child == "move" else own[:12]
    allowed = (role != "department" and _writable(role, scope, child_code) and _writable(role, scope, parent)
               and (child in ("move", "reporter") or own[:12] == parent[:12]))  # a child lives in its parent's village
    with world["server"].session() as s:
        household_before = s.get(Person, record_id).household_id if child == "move" else None
    [result] = client.push([client.change(entity, record_id, fields)]).json()["results"]
    assert (result["outcome"] != "rejected") == allowed, (role, scope, child, own, parent, result)
    if allowed:
        return
    assert result["code"] in ("bad_reference", "forbidden_scope", "not_parent_region"), result
    with world["server"].session() as s:
        if child == "move":
            assert s.get(Person, record_id).household_id == household_before
        else:
            model = {"visit": Visit, "case_log": CaseLogEntry, "case_party": CaseParty, "case_whistle": CaseWhistle,
                     "attachment": Attachment, "case": Case, "tag_assignment": TagAssignment}[entity]
            assert s.get(model, record_id) is None


def test_record_history_is_read_within_jurisdiction_and_masked(world):
    """The history of a household answers its own village's cadre and its grid's worker with the
    edits (old → new, who), masks a phone, and reads as unknown to anyone outside."""
    grid = GRIDS[0]
    hid = world["households"][grid]
    cadre = _user(world, "village_cadre", grid[:12])
    r = cadre.push([cadre.change("household", hid, {"phone": "13912345678", "address": "历史路1号"})])
    assert r.json()["results"][0]["outcome"] != "rejected", r.text
    for reader in (cadre, _user(world, "grid_worker", grid), _user(world, "township_staff", grid[:9])):
        answer = reader.get(f"/history/household/{hid}")
        assert answer.status_code == 200, answer.text
        changes = {c["field"]: c for entry in answer.json() for c in entry["changes"]}
        assert changes["address"]["new"] == "历史路1号" and changes["phone"]["new"] == "139****5678"
        assert answer.json()[-1]["username"].startswith("villag") and answer.json()[-1]["origin"] in ("edit", "conflict")
    for outsider in (_user(world, "village_cadre", VILLAGES[1]), _user(world, "grid_worker", GRIDS[1]),
                     _user(world, "township_staff", TOWNSHIPS[1])):
        assert outsider.get(f"/history/household/{hid}").status_code == 404
    assert _user(world, "department", "").get(f"/history/household/{hid}").status_code == 403
    # The feed a PC follows after each sync: the same change, masked, only inside the jurisdiction.
    seq = answer.json()[-1]["server_seq"]
    for reader in (cadre, _user(world, "grid_worker", grid)):
        feed = reader.get("/history/feed", params={"after": seq - 1}).json()
        mine = [e for e in feed["entries"] if e["record_id"] == hid and e["server_seq"] == seq]
        assert mine and {c["field"]: c["new"] for c in mine[0]["changes"]}["phone"] == "139****5678", feed
        assert feed["next"] >= seq and all(e["entity"] in ("household", "person", "task", "task_target", "case")
                                           for e in feed["entries"])
    for outsider in (_user(world, "village_cadre", VILLAGES[1]), _user(world, "grid_worker", GRIDS[1]),
                     _user(world, "township_staff", TOWNSHIPS[1])):
        assert hid not in {e["record_id"] for e in outsider.get("/history/feed", params={"after": seq - 1})
                           .json()["entries"]}
    assert _user(world, "department", "").get("/history/feed").status_code == 403
    older = cadre.get(f"/history/household/{hid}", params={"before": seq}).json()  # paging back
    assert all(e["server_seq"] < seq for e in older) and len(older) == len(answer.json()) - 1


def test_not_the_same_person_is_synced_within_scope(world):
    """不是同一人 is an ordinary synced record: a cadre records it for two persons of its village, the
    township reads it; naming a person of another village is refused and writes nothing."""
    from db.ids import person_distinction_id
    from db.models import PersonDistinction

    village_grids = [g for g in GRIDS if g.startswith(VILLAGES[0])]
    own = [world["persons"][g] for g in village_grids]
    cadre = _user(world, "village_cadre", VILLAGES[0])
    low, high = sorted(own)
    record_id = person_distinction_id(low, high)
    fields = {"first_person_id": low, "second_person_id": high, "region_code": VILLAGES[0], "decided_by": "cadre"}
    [result] = cadre.push([cadre.change("person_distinction", record_id, fields)]).json()["results"]
    assert result["outcome"] == "accepted", result
    staff = _user(world, "township_staff", TOWNSHIPS[0])
    assert record_id in {r["record_id"] for r in _all_pulled(staff) if r["entity"] == "person_distinction"}
    foreign = world["persons"][GRIDS[-1]]
    low, high = sorted((own[0], foreign))
    stray = person_distinction_id(low, high)
    [result] = cadre.push([cadre.change("person_distinction", stray, {
        "first_person_id": low, "second_person_id": high, "region_code": VILLAGES[0]})]).json()["results"]
    assert result["outcome"] == "rejected", result
    with world["server"].session() as s:
        assert s.get(PersonDistinction, stray) is None
