"""Push, pull and snapshot over real HTTP with scope on every read and write: village cadres see
and write only their village, a household moved away reaches the old village as an eviction,
batches are idempotent, snapshots stream gzip in chunks consistent with a cursor, the review queue
lists and resolves conflicts, and township-local code entries reach only that township."""

from __future__ import annotations

import gzip
import json

import requests

from db.ids import new_id
from db.models import Household
from tests.server.fixtures import server_fixture  # noqa: F401
from tests.server.numbers import household_no

TOWNSHIP = "150422100"            # 林东镇
VILLAGE_A = "150422100201"        # 福山地村
VILLAGE_B = "150422100202"        # 大新庄村
OTHER_TOWNSHIP = "150422101"      # 隆昌镇


def household(region: str, **extra) -> dict:
    return {"household_no": household_no(region), "region_code": region, "address": "幸福路 8 号", **extra}


def pulled(client, cursor: int = 0) -> tuple[dict, int]:
    """Every record (entity, id) → fields a client pulls from `cursor` to the end, and evictions."""
    records, evictions = {}, set()
    while True:
        r = client.pull(cursor, 200)
        assert r.status_code == 200, r.text
        page = r.json()
        for rec in page["records"]:
            records[(rec["entity"], rec["record_id"])] = rec["fields"]
        evictions |= {tuple(e) for e in page["evictions"]}
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return {"records": records, "evictions": evictions}, cursor


def test_township_writes_and_village_cadres_see_only_their_village(server):
    staff = server.user_client("township_staff", TOWNSHIP)
    cadre_a = server.user_client("village_cadre", VILLAGE_A)
    cadre_b = server.user_client("village_cadre", VILLAGE_B)
    outsider = server.user_client("township_staff", OTHER_TOWNSHIP)
    ha, hb = new_id(), new_id()
    r = staff.push([staff.change("household", ha, household(VILLAGE_A)),
                    staff.change("household", hb, household(VILLAGE_B))])
    assert r.status_code == 200, r.text
    assert [x["outcome"] for x in r.json()["results"]] == ["accepted", "accepted"]
    seen_a = pulled(cadre_a)[0]["records"]
    assert ("household", ha) in seen_a and ("household", hb) not in seen_a
    assert ("household", hb) in pulled(cadre_b)[0]["records"]
    outsider_seen = pulled(outsider)[0]["records"]
    assert ("household", ha) not in outsider_seen and ("household", hb) not in outsider_seen


def test_writes_outside_scope_are_rejected_and_change_nothing(server):
    cadre = server.user_client("village_cadre", VILLAGE_A)
    staff = server.user_client("township_staff", TOWNSHIP)
    foreign, own = new_id(), new_id()
    staff.push([staff.change("household", foreign, household(VILLAGE_B))])
    r = cadre.push([
        cadre.change("household", foreign, {"address": "改到别的村"}),       # someone else's village
        cadre.change("household", new_id(), household(VILLAGE_B)),        # create in another village
        cadre.change("household", own, household(VILLAGE_A)),             # own village: fine
    ])
    results = r.json()["results"]
    assert [x["outcome"] for x in results] == ["rejected", "rejected", "accepted"]
    assert results[0]["code"] == results[1]["code"] == "forbidden_scope"
    with server.session() as s:
        assert s.get(Household, foreign).address == "幸福路 8 号"
    # Nor may a cadre move its own household into another village.
    moved = cadre.push([cadre.change("household", own, {"region_code": VILLAGE_B})]).json()["results"][0]
    assert moved["outcome"] == "rejected" and moved["code"] == "forbidden_scope"


def test_a_household_moved_to_another_village_is_evicted_from_the_old_one(server):
    staff = server.user_client("township_staff", TOWNSHIP)
    cadre_a = server.user_client("village_cadre", VILLAGE_A)
    hid = new_id()
    staff.push([staff.change("household", hid, household(VILLAGE_A))])
    first, cursor = pulled(cadre_a)
    assert ("household", hid) in first["records"]
    staff.push([staff.change("household", hid, {"region_code": VILLAGE_B})])
    after, _ = pulled(cadre_a, cursor)
    assert ("household", hid) in after["evictions"]
    assert ("household", hid) not in after["records"]


def test_a_retried_batch_gets_the_same_answers(server):
    staff = server.user_client("township_staff", TOWNSHIP)
    batch = [staff.change("household", new_id(), household(VILLAGE_A)) for _ in range(3)]
    first = staff.push(batch).json()
    second = staff.push(batch).json()
    assert first == second
    assert all(x["outcome"] == "accepted" for x in first["results"])


def test_snapshot_streams_gzip_chunks_of_in_scope_records_with_a_cursor(server):
    staff = server.user_client("township_staff", TOWNSHIP)
    ids = [new_id() for _ in range(5)]
    staff.push([staff.change("household", i, household(VILLAGE_A)) for i in ids])
    cadre = server.user_client("village_cadre", VILLAGE_A)
    r = requests.get(server.api + "/sync/snapshot", headers={**cadre.headers(), "Accept-Encoding": "gzip"},
                     stream=True)
    assert r.status_code == 200 and r.headers["Content-Encoding"] == "gzip"
    raw = r.raw.read()  # undecoded bytes: prove they really are gzip
    lines = [json.loads(line) for line in gzip.decompress(raw).splitlines()]
    assert lines[-1]["last"] is True
    cursors = {line["cursor"] for line in lines}
    assert len(cursors) == 1
    records = {(rec["entity"], rec["record_id"]): rec for line in lines for rec in line["records"]}
    assert {("household", i) for i in ids} <= set(records)
    # Everything is inside the village, or a wider record above it (a task aimed at the township).
    regions = {rec["fields"]["region_code"] for rec in records.values() if rec["entity"] != "code_entry"}
    assert all(r.startswith(VILLAGE_A) or VILLAGE_A.startswith(r) for r in regions)
    assert any(rec["entity"] == "code_entry" for rec in records.values())  # city code tables included
    # Nothing after the snapshot's cursor is missing from an incremental pull.
    assert cadre.pull(cursors.pop()).status_code == 200
    # A broken-off stream resumes just after the last record received.
    order = sorted(records)
    resume_at = [k for k in order if k[0] == "household"][1]
    r = requests.get(server.api + "/sync/snapshot", headers=cadre.headers(),
                     params={"after": f"{resume_at[0]}:{resume_at[1]}"})
    rest = [(rec["entity"], rec["record_id"]) for line in r.text.split("\n") if line
            for rec in json.loads(line)["records"]]
    assert sorted(rest) == sorted([k for k in order if k[0] == "household" and k > resume_at]
                                  + [k for k in order if k[0] not in ("household", "code_entry")])
    bad = requests.get(server.api + "/sync/snapshot", headers=cadre.headers(), params={"after": "nonsense"})
    assert bad.status_code == 422


def test_concurrent_edits_reach_the_review_queue_and_are_resolved_once(server):
    a = server.user_client("township_staff", TOWNSHIP)
    b = server.user_client("township_staff", TOWNSHIP)
    hid = new_id()
    created = a.push([a.change("household", hid, household(VILLAGE_A))]).json()["results"][0]
    base = {"address": created["server_seq"]}
    a.push([a.change("household", hid, {"address": "甲的地址"}, base=base)])
    outcome = b.push([b.change("household", hid, {"address": "乙的地址"}, base=base)]).json()["results"][0]
    assert outcome["outcome"] == "merged_with_conflict"
    items = [i for i in a.get("/review").json() if i["record_id"] == hid]
    assert len(items) == 1 and {items[0]["winner_value"], items[0]["loser_value"]} == {"甲的地址", "乙的地址"}
    # 冲突待审 marks: every PC role of the area sees that the record waits, none of its values
    cadre = server.user_client("village_cadre", VILLAGE_A)
    marks = [m for m in cadre.get("/review/marks").json() if m["record_id"] == hid]
    assert marks == [{"id": items[0]["id"], "kind": "conflict", "entity": "household", "record_id": hid,
                      "related_record_id": None}]
    assert hid not in {m["record_id"] for m in server.user_client("village_cadre", VILLAGE_B).get("/review/marks").json()}
    r = a.post(f"/review/{items[0]['id']}/resolve", json={"decision": "keep_winner"})
    assert r.status_code == 200 and r.json()["state"] == "resolved"
    again = a.post(f"/review/{items[0]['id']}/resolve", json={"decision": "take_loser"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "review_closed"
    assert hid not in {m["record_id"] for m in cadre.get("/review/marks").json()}  # resolved: no mark
    assert cadre.get("/review").status_code == 403
    outsider = server.user_client("township_staff", OTHER_TOWNSHIP)
    assert hid not in {i["record_id"] for i in outsider.get("/review").json()}


def test_local_code_entries_reach_only_their_township(server):
    admin = server.user_client("township_admin", TOWNSHIP)
    staff = server.user_client("township_staff", TOWNSHIP)
    outsider = server.user_client("township_staff", OTHER_TOWNSHIP)
    entry = {"table": "case_category", "code": "0199", "label_zh": "草场边界纠纷", "parent_code": "01",
             "scope_prefix": TOWNSHIP, "attrs": {}, "sort_order": 10000, "active": True}
    eid = new_id()
    denied = staff.push([staff.change("code_entry", eid, entry)]).json()["results"][0]
    assert denied["code"] == "forbidden_scope"
    assert admin.push([admin.change("code_entry", eid, entry)]).json()["results"][0]["outcome"] == "accepted"
    city_wide = {**entry, "scope_prefix": "", "code": "0198"}
    assert admin.push([admin.change("code_entry", new_id(), city_wide)]).json()["results"][0]["code"] == \
        "forbidden_scope"
    assert ("code_entry", eid) in pulled(staff)[0]["records"]
    assert ("code_entry", eid) not in pulled(outsider)[0]["records"]
    assert "草场边界纠纷" in {c["label_zh"] for c in staff.get("/codes", params={"table": "case_category"}).json()}
    assert "草场边界纠纷" not in {c["label_zh"] for c in outsider.get("/codes").json()}


def test_region_tree_is_limited_to_the_callers_jurisdiction(server):
    cadre = server.user_client("village_cadre", VILLAGE_A)
    tree = cadre.get("/regions").json()
    codes = [r["code"] for r in tree]
    assert codes[-1] == VILLAGE_A and VILLAGE_B not in codes
    assert {"150000000000", "150400000000", "150422000000", "150422100000"} <= set(codes)
    staff = server.user_client("township_staff", TOWNSHIP)
    villages = staff.get("/regions", params={"parent": "150422100000"}).json()
    assert VILLAGE_A in {r["code"] for r in villages} and all(r["level"] == 5 for r in villages)
    assert staff.get("/regions", params={"parent": "999999999999"}).status_code == 404


def test_a_device_clock_far_ahead_is_clamped_and_shown_to_the_admin(server):
    admin = server.user_client("township_admin", TOWNSHIP)
    staff = server.user_client("township_staff", TOWNSHIP)
    change = staff.change("household", new_id(), household(VILLAGE_A))
    days_ahead = int(change["hlc"][:13]) + 3 * 86_400_000
    change["hlc"] = f"{days_ahead:013d}" + change["hlc"][13:]
    assert staff.push([change]).json()["results"][0]["outcome"] == "accepted"
    [device] = [d for d in admin.get("/devices").json() if d["id"] == staff.device_id]
    assert device["clock_flagged_at"] is not None
