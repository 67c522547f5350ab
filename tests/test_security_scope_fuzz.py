"""Scope fuzz (issue 9): hypothesis draws users of every role in two townships and their villages,
and records in random villages, and tries reads and writes through the real API — pull, snapshot,
push (creating and editing households, persons and tags), the review queue, department views, the
audit query and key release. Whatever is drawn, nobody reads or changes anything outside their
jurisdiction or role, and sensitive tags reach only city and township admins. One server process for
the module; HYPOTHESIS_PROFILE=ci fixes the seed."""

from __future__ import annotations

import itertools
import json

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from db.ids import new_id
from db.models import Household
from tests.server.live import live_server

TOWNSHIPS = ("150422100", "150422101")
VILLAGES = ("150422100201", "150422100202", "150422101201", "150422101202")
ROLES = ("city_admin", "department", "township_admin", "township_staff", "village_cadre", "grid_worker")
SENSITIVE = {"sqjz", "xd", "zdry"}
REGION_ENTITIES = {"household", "person", "tag_assignment", "visit"}
_numbers = itertools.count(1)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The server, a cache of logged-in users, and seeded households (one per village) with a
    sensitive and an ordinary tag on a member."""
    tmp = tmp_path_factory.mktemp("scope-fuzz")
    with live_server(f"sqlite:///{tmp / 'city.db'}", tmp) as server:
        city = server.user_client("city_admin")
        seeded = {}
        for village in VILLAGES:
            hid, pid = new_id(), new_id()
            changes = [city.change("household", hid, _household(village)),
                       city.change("person", pid, {"household_id": hid, "region_code": village, "name": "测试",
                                                   "id_type": "01"})]
            changes += [city.change("tag_assignment", new_id(), {"subject_type": "person", "subject_id": pid,
                                                                 "tag_code": tag, "region_code": village})
                        for tag in ("sqjz", "nclb")]
            r = city.push(changes)
            assert {x["outcome"] for x in r.json()["results"]} == {"accepted"}, r.text
            seeded[village] = hid
        yield {"server": server, "users": {}, "households": seeded}


def _household(village: str) -> dict:
    return {"household_no": f"{village}03{next(_numbers):04d}", "region_code": village, "address": "幸福路"}


def _scope(role: str, township: int, village: int) -> str:
    if role in ("city_admin", "department"):
        return ""
    if role in ("township_admin", "township_staff"):
        return TOWNSHIPS[township]
    place = VILLAGES[2 * township + village]
    return place + "001" if role == "grid_worker" else place


def _user(world, role: str, scope: str):
    key = (role, scope)
    if key not in world["users"]:
        world["users"][key] = world["server"].user_client(role, scope, "mz" if role == "department" else None)
    return world["users"][key]


def _read_prefix(role: str, scope: str) -> str | None:
    if role == "department":
        return None
    return scope[:12] if role == "grid_worker" else scope


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
        assert (rec["fields"].get("region_code") or "").startswith(prefix), (role, scope, rec["entity"])
        if rec["entity"] == "tag_assignment" and role not in ("city_admin", "township_admin"):
            assert rec["fields"].get("tag_code") not in SENSITIVE, (role, rec["fields"].get("tag_code"))


def _may_write(role: str, scope: str, region: str) -> bool:
    prefix = _read_prefix(role, scope)
    return prefix is not None and region.startswith(prefix)


ACTIONS = ("pull", "snapshot", "create", "edit", "review", "department", "audit", "release")


@settings(max_examples=40)
@given(role=st.sampled_from(ROLES), township=st.integers(0, 1), village=st.integers(0, 1),
       target=st.sampled_from(VILLAGES), action=st.sampled_from(ACTIONS))
def test_no_access_outside_jurisdiction_or_role(world, role, township, village, target, action):
    scope = _scope(role, township, village)
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
    elif action == "department":
        r = client.get("/department/tasks")
        assert r.status_code == (200 if role == "department" else 403)
    elif action == "audit":
        assert client.get("/audit").status_code == (200 if role == "city_admin" else 403)
    else:
        victim = _user(world, "village_cadre", target)
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
