"""待审 at the city console (decision 0041): a township admin sees the open review items of the
township — two households of a village with one household number among them, in Chinese and in
English — and gives one of the two the village's next free number; the change reaches the village's
PCs by pull and the item is closed. Another township's admin neither sees nor settles it. On SQLite
and PostgreSQL."""

from __future__ import annotations

import itertools

from sqlalchemy import select

from db.ids import new_id
from db.models import Household
from server.store.tables import ReviewItem
from tests.console_support import signed_in
from tests.server.fixtures import server_fixture  # noqa: F401

TOWNSHIP, OTHER_TOWNSHIP = "150422201", "150422200"  # 乌兰达坝苏木: no other test writes there
VILLAGE = "150422201203"
_serial = itertools.count(1)


def _clash(server) -> tuple[str, str, str]:
    """Two PCs of the village push a household each with the same number; (number, first, second)."""
    number = f"{VILLAGE}00{next(_serial) * 10:04d}"
    ids = []
    for address in ("浩尔吐1号", "浩尔吐2号"):
        pc = server.user_client("village_cadre", VILLAGE)
        hid = new_id()
        r = pc.push([pc.change("household", hid, {"household_no": number, "region_code": VILLAGE, "address": address})])
        assert r.status_code == 200, r.text
        ids.append(hid)
    return number, ids[0], ids[1]


def test_a_township_admin_renumbers_one_of_two_households_sharing_a_number(server):
    number, first, second = _clash(server)
    admin = signed_in(server, "township_admin", TOWNSHIP)
    page = admin.get("/admin/review")
    assert page.status_code == 200 and "户编号重复" in page.text and number in page.text
    assert "浩尔吐1号" in page.text and "浩尔吐2号" in page.text
    admin.http.cookies.set("td_lang", "en")
    assert "Duplicate household number" in admin.get("/admin/review").text
    admin.http.cookies.set("td_lang", "zh")
    with server.session() as s:
        item_id = s.scalars(select(ReviewItem.id).where(ReviewItem.kind == "duplicate_hh_no",
                                                        ReviewItem.record_id == second)).one()
        highest = max(s.scalars(select(Household.household_no).where(Household.household_no.startswith(VILLAGE + "00"))))

    outsider = signed_in(server, "township_admin", OTHER_TOWNSHIP)
    assert number not in outsider.get("/admin/review").text
    assert outsider.post(f"/admin/review/{item_id}/renumber", {"household": second}).status_code == 404

    admin.get("/admin/review")
    r = admin.post(f"/admin/review/{item_id}/renumber", {"household": second})
    renumbered = f"{highest[:14]}{int(highest[14:]) + 1:04d}"
    assert r.status_code == 200 and f"已改为新户编号 {renumbered}" in r.text, r.text[-2000:]
    assert number not in r.text  # the item is settled: no longer listed
    with server.session() as s:
        assert s.get(Household, second).household_no == renumbered
        assert s.get(Household, first).household_no == number
        item = s.get(ReviewItem, item_id)
        assert item.state == "resolved" and item.resolution == f"renumbered: {second} → {renumbered}"
    reader = server.user_client("village_cadre", VILLAGE)  # the village's PCs get the new number by pull
    pulled, cursor = {}, 0
    while True:
        page = reader.pull(cursor, 500).json()
        pulled.update({r["record_id"]: r["fields"] for r in page["records"] if r["entity"] == "household"})
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    assert pulled[second]["household_no"] == renumbered and pulled[first]["household_no"] == number
    again = admin.post(f"/admin/review/{item_id}/renumber", {"household": first})
    assert again.status_code == 409 and "已处理" in again.text
