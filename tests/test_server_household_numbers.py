"""A client written from the sync contract (docs/ARCHITECTURE.md, sync/__init__.py): two PCs of one
village, offline, give two new households the same household number (户编号). Both pushes land (offline
work is never refused); the second is answered `merged_with_conflict` and a `duplicate_hh_no` review
item names both households, for the reviewers of the village's township and as a 冲突待审 mark on
the village's PCs. A reviewer renumbers one household (an ordinary change) and closes the item.
Two pushes at once with the same number still raise it. On SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import threading

from db.ids import new_id
from tests.server.fixtures import server_fixture  # noqa: F401

TOWNSHIP = "150422200"  # 查干哈达苏木: no other test writes there
VILLAGE, OTHER_VILLAGE = "150422200201", "150422200202"
_numbers = itertools.count(1)


def _number(village: str = VILLAGE) -> str:
    return f"{village}00{next(_numbers):04d}"


def _household(client, number: str, village: str = VILLAGE, **extra) -> tuple[str, dict]:
    hid = new_id()
    return hid, client.change("household", hid, {"household_no": number, "region_code": village,
                                                  "address": "前召路 1 号", **extra})


def _outcomes(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [r["outcome"] for r in response.json()["results"]]


def _items(reviewer, *record_ids: str) -> list[dict]:
    return [i for i in reviewer.get("/review").json()
            if i["kind"] == "duplicate_hh_no" and {i["record_id"], i["related_record_id"]} & set(record_ids)]


def test_two_offline_pcs_picking_one_number_land_both_and_raise_a_review(server):
    pc1, pc2 = (server.user_client("village_cadre", VILLAGE) for _ in range(2))
    staff = server.user_client("township_staff", TOWNSHIP)
    number = _number()
    first, change1 = _household(pc1, number)
    second, change2 = _household(pc2, number)
    assert _outcomes(pc1.push([change1])) == ["accepted"]
    answer = pc2.push([change2])
    assert _outcomes(answer) == ["merged_with_conflict"]  # kept, never refused
    numbered_at = answer.json()["results"][0]["server_seq"]
    (item,) = _items(staff, first, second)
    assert (item["entity"], item["record_id"], item["related_record_id"]) == ("household", second, first)
    assert (item["field"], item["winner_value"], item["region_code"]) == ("household_no", number, VILLAGE)
    marks = {m["record_id"]: m for m in pc1.get("/review/marks").json() if m["kind"] == "duplicate_hh_no"}
    assert marks[second]["related_record_id"] == first  # the 冲突待审 badge on both PCs of the village
    # the same pair is raised once: editing the second household again raises nothing new
    assert _outcomes(pc2.push([pc2.change("household", second, {"address": "前召路 2 号"})])) == ["accepted"]
    assert len(_items(staff, first, second)) == 1
    # renumbered with a free number: an ordinary change, no new item; the item is closed
    renumber = staff.change("household", second, {"household_no": _number()}, base={"household_no": numbered_at})
    assert _outcomes(staff.push([renumber])) == ["accepted"]
    r = staff.post(f"/review/{item['id']}/resolve", json={"decision": "renumbered", "note": "second"})
    assert r.status_code == 200 and r.json()["resolution"] == "renumbered: second", r.text
    assert _items(staff, first, second) == []
    assert second not in {m["record_id"] for m in pc1.get("/review/marks").json()}


def test_only_active_households_of_the_same_village_count(server):
    pc = server.user_client("township_staff", TOWNSHIP)
    number = _number()
    gone, change = _household(pc, number)
    assert _outcomes(pc.push([change, pc.change("household", gone, {"deleted": True, "deletion_gen": 1})])) \
        == ["accepted", "accepted"]
    kept, change = _household(pc, number)
    assert _outcomes(pc.push([change])) == ["accepted"]  # the deleted household held it: no review
    elsewhere, change = _household(pc, number, OTHER_VILLAGE)  # another village's register
    assert _outcomes(pc.push([change])) == ["accepted"]
    assert _items(pc, gone, kept, elsewhere) == []
    # moving the other village's household into this village, number unchanged, raises it
    assert _outcomes(pc.push([pc.change("household", elsewhere, {"region_code": VILLAGE})])) == ["merged_with_conflict"]
    (item,) = _items(pc, kept, elsewhere)
    assert (item["record_id"], item["related_record_id"]) == (elsewhere, kept)


def test_one_batch_holding_a_number_twice_raises_it_once(server):
    pc = server.user_client("village_cadre", VILLAGE)
    number = _number()
    (a, first), (b, second) = _household(pc, number), _household(pc, number)
    assert _outcomes(pc.push([first, second])) == ["accepted", "merged_with_conflict"]
    (item,) = _items(server.user_client("township_staff", TOWNSHIP), a, b)
    assert (item["record_id"], item["related_record_id"]) == (b, a)


def test_two_pushes_at_once_with_one_number_still_raise_a_review(server):
    """Each round, two PCs push a household with the same number at the same moment (a barrier):
    whichever commits second must see the first's household — never two silent acceptances."""
    pcs = [server.user_client("village_cadre", VILLAGE) for _ in range(2)]
    staff = server.user_client("township_staff", TOWNSHIP)
    for _ in range(6):
        number = _number()
        changes = [_household(pc, number) for pc in pcs]
        barrier, answers = threading.Barrier(2), {}
        threads = [threading.Thread(target=_push_at_once, args=(barrier, pc, change, answers))
                   for pc, (_, change) in zip(pcs, changes, strict=True)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert sorted(answers.values()) == ["accepted", "merged_with_conflict"], answers
        assert len(_items(staff, *(hid for hid, _ in changes))) == 1


def _push_at_once(barrier: threading.Barrier, pc, change: dict, answers: dict) -> None:
    barrier.wait()
    answers[pc.device_id] = _outcomes(pc.push([change]))[0]
