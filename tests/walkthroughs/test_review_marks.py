"""冲突待审 as a village cadre sees it: two township PCs edit one of the village's households at
once; after F5 the cadre's register shows the household with 冲突待审; a reviewer elsewhere resolves
the item, and after the cadre's next F5 the badge is gone — the marks came with the history feed,
whole the first time and then only what changed (decision 0038), and the cadre's PC never asked
the whole list again."""

from __future__ import annotations

from db.ids import new_id
from demo import DEMO_TOWNSHIP
from tests.client_sync_support import count_requests


def test_the_conflict_badge_comes_and_goes_with_the_cadres_syncs(desktop, township, monkeypatch):
    server = township.server
    pc = desktop("village_cadre", township.village, name="marks-cadre")
    with pc.step("first sync"):
        pc.sync()
    a, b = (server.user_client("township_staff", DEMO_TOWNSHIP) for _ in range(2))
    hid, number = new_id(), township.village + "019901"
    created = a.push([a.change("household", hid, {"household_no": number, "region_code": township.village,
                                                  "grid_code": township.grid, "address": "福山路 1 号"})])
    base = {"address": created.json()["results"][0]["server_seq"]}
    a.push([a.change("household", hid, {"address": "福山路 2 号"}, base=base)])
    assert b.push([b.change("household", hid, {"address": "福山路 3 号"}, base=base)]).json()["results"][0][
        "outcome"] == "merged_with_conflict"
    asked = count_requests(monkeypatch)

    with pc.step("F5 after the conflict: the household waits for review"):
        pc.sync()
        assert pc.household_cell(number) == f"{number} · 冲突待审"
    [item] = [i["id"] for i in a.get("/review", params={"limit": 1000}).json()
              if i["record_id"] == hid and i["kind"] == "conflict"]
    assert a.post(f"/review/{item}/resolve", json={"decision": "keep_winner"}).status_code == 200

    with pc.step("F5 after the reviewer decided: the badge is gone"):
        pc.sync()
        assert pc.household_cell(number) == number
    assert "GET /review/marks" not in asked and asked.count("GET /history/feed") == 2, asked
