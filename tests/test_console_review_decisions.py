"""待审 decisions at the console beyond renumbering (server.console.review_decisions): two edits of
one phone number settled by taking the other value, two persons with one ID number settled as not
the same person. Each is confirmed on a page naming the field and both values (masked; shown in full
only after a reason, which the audit keeps), in Chinese and English; the item is closed through the
one resolve function, so a PC's incremental marks drop it; another township's admin can do nothing
with it. On SQLite and PostgreSQL."""

from __future__ import annotations

import time
import uuid

from sqlalchemy import select

from db.ids import new_id
from db.models import AuditEntry, Household, Person, Region
from server.review_marks import marks_since
from server.store.tables import ReviewItem
from tests.console_support import signed_in
from tests.server.fixtures import server_fixture  # noqa: F401
from tests.server.numbers import household_no
from tests.test_server_hostile import resident_id

TOWNSHIP, OTHER = "150422402", "150422401"  # 凤凰山、南塔工业集中区: no other test writes there
VILLAGE = TOWNSHIP + "001"


def _person(server, **fields) -> tuple[object, str]:
    """A village PC registers a household and a person in it; (the PC, the person's id)."""
    with server.session() as s:
        if s.get(Region, VILLAGE) is None:
            s.add(Region(code=VILLAGE, name="凤凰山社区", level=5, parent_code=TOWNSHIP + "000"))
            s.commit()
    pc = server.user_client("village_cadre", VILLAGE)
    hid, pid = new_id(), new_id()
    r = pc.push([pc.change("household", hid, {"household_no": household_no(VILLAGE), "region_code": VILLAGE}),
                 pc.change("person", pid, {"household_id": hid, "region_code": VILLAGE, "name": "王秀兰",
                                           "id_type": "01", **fields})])
    assert r.status_code == 200 and {x["outcome"] for x in r.json()["results"]} <= {"accepted", "merged_with_conflict"}, r.text
    return pc, pid


def _item(server, kind: str, record_id: str) -> ReviewItem:
    with server.session() as s:
        return s.scalars(select(ReviewItem).where(ReviewItem.kind == kind, ReviewItem.record_id == record_id)).one()


def _pulled_persons(pc) -> dict[str, dict]:
    """Every person a PC pulls from the start, by id: its synced fields."""
    pulled, cursor = {}, 0
    while True:
        page = pc.pull(cursor, 500).json()
        pulled.update({x["record_id"]: x["fields"] for x in page["records"] if x["entity"] == "person"})
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return pulled


def test_a_phone_edited_twice_is_settled_by_taking_the_other_value(server):
    pc, pid = _person(server, phone="13700000001")
    time.sleep(0.01)
    other_pc = server.user_client("village_cadre", VILLAGE)  # edited offline, not having seen the first value
    r = other_pc.push([other_pc.change("person", pid, {"phone": "13900000009"}, base={"phone": 0})])
    assert r.json()["results"][0]["outcome"] == "merged_with_conflict", r.text
    item = _item(server, "conflict", pid)
    assert (item.winner_value, item.loser_value) == ("13900000009", "13700000001")

    admin = signed_in(server, "township_admin", TOWNSHIP)
    listed = admin.get(f"/admin/review?kind=conflict&region={VILLAGE}").text
    assert "139****0009" in listed and "另一值：137****0001" in listed and "13900000009" not in listed
    assert "王秀兰 · " + VILLAGE in listed  # whose phone: the person's name and household number
    decide = f"/admin/review/{item.id}/decide?kind=conflict&region={VILLAGE}&decision=take_loser"
    assert f"/admin/review/{item.id}/decide?kind=conflict&amp;region={VILLAGE}&amp;decision=take_loser" in listed
    page = admin.get(decide)
    assert page.status_code == 200
    assert "联系电话由“139****0009”改为“137****0001”，各电脑同步后即更新。" in page.text, page.text[-3000:]
    assert "该待审项将关闭" in page.text and "13700000001" not in page.text

    outsider = signed_in(server, "township_admin", OTHER)
    assert outsider.get(decide).status_code == 404
    outsider.get("/admin/review")
    assert outsider.post(f"/admin/review/{item.id}/resolve", {"decision": "take_loser"}).status_code == 404

    admin.get(decide)
    refused = admin.post(f"/admin/review/{item.id}/reveal", {"decision": "take_loser", "reason": " "})
    assert refused.status_code == 422 and "请填写事由" in refused.text and "13700000001" not in refused.text
    reason = f"核对户籍{uuid.uuid4().hex[:4]}"
    shown = admin.post(f"/admin/review/{item.id}/reveal", {"decision": "take_loser", "reason": reason})
    assert "由“13900000009”改为“13700000001”" in shown.text and "已记入审计" in shown.text
    with server.session() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.reason.contains(reason))).one()
        assert entry.action == "reveal" and pid in entry.record_ids and entry.username.startswith("townsh")
    admin.http.cookies.set("td_lang", "en")
    assert "Phone changes from “139****0009” to “137****0001”" in admin.get(decide).text
    admin.http.cookies.set("td_lang", "zh")

    with server.session() as s:
        before = s.scalar(select(ReviewItem.server_seq).where(ReviewItem.id == item.id))
    admin.get(decide)
    done = admin.post(f"/admin/review/{item.id}/resolve", {"decision": "take_loser", "kind": "conflict",
                                                          "region": VILLAGE})
    assert done.status_code == 200 and "已采用另一值" in done.text and item.id[-8:] not in done.text
    with server.session() as s:
        assert s.get(Person, pid).phone == "13700000001"
        closed = s.get(ReviewItem, item.id)
        assert closed.state == "resolved" and closed.resolution == "take_loser" and closed.resolved_seq
        marks = marks_since(s, VILLAGE, before, VILLAGE, closed.resolved_seq)
    assert item.id in marks["closed"] and not marks["full"]  # a PC's incremental marks drop it
    pulled = _pulled_persons(pc)
    assert pulled[pid]["phone"] == "13700000001"  # the village's PCs get the value taken by pull
    again = admin.post(f"/admin/review/{item.id}/resolve", {"decision": "keep_winner"})
    assert again.status_code == 200 and "该待审项已处理" in again.text


def test_two_persons_with_one_id_number_are_not_the_same_person(server):
    number = resident_id()
    _pc, first = _person(server, id_number=number)
    _pc2, second = _person(server, id_number=number)
    item = _item(server, "duplicate_id", second)
    admin = signed_in(server, "city_admin")
    listed = admin.get(f"/admin/review?kind=duplicate_id&township={TOWNSHIP}").text
    assert "不是同一人（都保留）" in listed and "同一人：合并，保留先登记的" in listed
    page = admin.get(f"/admin/review/{item.id}/decide?decision=not_duplicate&kind=duplicate_id").text
    assert "两个人员记录都保留，今后不再作为重复提示。" in page and page.count("<td>王秀兰</td>") == 2
    assert number not in page and f"{number[:6]}********{number[-4:]}" in page
    assert admin.get(f"/admin/review/{item.id}/decide?decision=take_loser").status_code == 404  # not for this kind
    admin.get(f"/admin/review/{item.id}/decide?decision=not_duplicate")
    done = admin.post(f"/admin/review/{item.id}/resolve", {"decision": "not_duplicate", "kind": "duplicate_id"})
    assert "已标记为不是同一人，两条记录都保留" in done.text
    with server.session() as s:
        assert s.get(ReviewItem, item.id).resolution == "not_duplicate"
        assert not s.get(Person, first).deleted and not s.get(Person, second).deleted


def test_a_value_edited_again_since_is_what_the_confirmation_names(server):
    """An address edited twice at once, then once more by a PC that saw both: 保留当前值 keeps what the
    household holds now, and the page says so rather than naming the value of the conflict."""
    pc, _pid = _person(server)
    hid = new_id()
    assert pc.push([pc.change("household", hid, {"household_no": household_no(VILLAGE), "region_code": VILLAGE,
                                                  "address": "凤凰山1号"})]).status_code == 200
    time.sleep(0.01)
    other_pc = server.user_client("village_cadre", VILLAGE)
    r = other_pc.push([other_pc.change("household", hid, {"address": "凤凰山2号"}, base={"address": 0})])
    seq = r.json()["results"][0]["server_seq"]
    r = pc.push([pc.change("household", hid, {"address": "凤凰山3号"}, base={"address": seq})])
    assert r.json()["results"][0]["outcome"] == "accepted", r.text
    item = _item(server, "conflict", hid)
    admin = signed_in(server, "township_admin", TOWNSHIP)
    page = admin.get(f"/admin/review/{item.id}/decide?decision=keep_winner").text
    assert "住址在发现冲突后又改过，现在是“凤凰山3号”" in page, page[-3000:]
    assert "住址保留“凤凰山3号”，不采用“凤凰山1号”。" in page
    admin.post(f"/admin/review/{item.id}/resolve", {"decision": "keep_winner"})
    with server.session() as s:
        assert s.get(Household, hid).address == "凤凰山3号" and s.get(ReviewItem, item.id).state == "resolved"


def test_a_late_return_is_settled_by_keeping_the_status_in_words(server):
    """A status conflict names the statuses in words, and only keeping the further one is offered."""
    import datetime as dt

    case_id = new_id()
    staff = server.user_client("township_staff", TOWNSHIP)
    _person(server)  # the village's region row
    r = staff.push([staff.change("case", case_id, {
        "case_no": "ZT" + case_id[-10:], "source": "1", "request_type": "1", "category_code": "01", "title": "井盖缺失",
        "registered_at": "2026-11-02T09:00:00", "region_code": VILLAGE, "status": 70})])
    assert r.json()["results"][0]["outcome"] == "accepted", r.text
    with server.session() as s:
        item_id = new_id()
        s.add(ReviewItem(id=item_id, kind="status_conflict", entity="case", record_id=case_id, field="status",
                         region_code=VILLAGE, change_id=new_id(), winner_value=70, loser_value=45,
                         created_at=dt.datetime(2026, 11, 3)))
        s.commit()
    admin = signed_in(server, "township_admin", TOWNSHIP)
    assert "保留当前状态" in admin.get(f"/admin/review?kind=status_conflict&region={VILLAGE}").text
    assert admin.get(f"/admin/review/{item_id}/decide?decision=take_loser").status_code == 404
    page = admin.get(f"/admin/review/{item_id}/decide?decision=keep_winner").text
    assert "保留“办结”，不采用“退单”。" in page, page[-2500:]
    assert "ZT" + case_id[-10:] in page  # the case by its number
    admin.post(f"/admin/review/{item_id}/resolve", {"decision": "keep_winner"})
    with server.session() as s:
        assert s.get(ReviewItem, item_id).resolution == "keep_winner"


def test_two_records_of_one_person_are_merged_at_the_console(server):
    """证件号码重复 settled as one person at the console: the confirmation names both persons (masked,
    with who registered each), the admin keeps the later record, and the earlier one's tag and
    headship move over as the desktop's merge moves them; the item closes through resolve_review."""
    from db.ids import tag_assignment_id
    from db.models import TagAssignment

    number = resident_id()
    pc, first = _person(server, id_number=number)
    with server.session() as s:
        home = s.get(Person, first).household_id
    tag = tag_assignment_id(first, "dbh")
    r = pc.push([pc.change("tag_assignment", tag, {"subject_type": "person", "subject_id": first, "tag_code": "dbh",
                                                   "region_code": VILLAGE}),
                 pc.change("household", home, {"head_person_id": first})])
    assert {x["outcome"] for x in r.json()["results"]} == {"accepted"}, r.text
    _pc2, second = _person(server, id_number=number)
    item = _item(server, "duplicate_id", second)

    admin = signed_in(server, "township_admin", TOWNSHIP)
    listed = admin.get(f"/admin/review?kind=duplicate_id&region={VILLAGE}").text
    assert "同一人：合并，保留先登记的" in listed and "同一人：合并，保留后登记的" in listed
    assert "合并两人请在工作台客户端" not in listed
    page = admin.get(f"/admin/review/{item.id}/decide?decision=merge_second&kind=duplicate_id").text
    assert "其标签、案件当事人和反映的案件都移过去" in page, page[-3000:]
    assert number not in page and page.count(f"{number[:6]}********{number[-4:]}") == 2
    with server.session() as s:
        from server.store.tables import ChangeLogEntry
        makers = [s.scalars(select(ChangeLogEntry.username).where(ChangeLogEntry.record_id == p)
                            .order_by(ChangeLogEntry.server_seq)).first() for p in (first, second)]
    assert makers[0] != makers[1] and all(f"<td>{m} <span" in page for m in makers)  # who registered each
    assert "<td>先登记 · <strong>删除，并入保留的记录</strong></td>" in page and "<td>后登记 · <strong>保留</strong></td>" in page
    assert "合并为一人：保留后登记的王秀兰（" in page and "；先登记的王秀兰（" in page
    admin.http.cookies.set("td_lang", "en")
    assert "One person: the later registered record, 王秀兰" in admin.get(
        f"/admin/review/{item.id}/decide?decision=merge_second").text
    admin.http.cookies.set("td_lang", "zh")

    admin.get(f"/admin/review/{item.id}/decide?decision=merge_second")
    done = admin.post(f"/admin/review/{item.id}/resolve", {"decision": "merge_second", "kind": "duplicate_id"})
    assert done.status_code == 200 and "已合并为一人" in done.text, done.text[-2000:]
    with server.session() as s:
        gone, kept = s.get(Person, first), s.get(Person, second)
        assert gone.deleted and gone.merged_into == second and not kept.deleted
        assert s.get(TagAssignment, tag).deleted
        moved = s.get(TagAssignment, tag_assignment_id(second, "dbh"))
        assert moved is not None and not moved.deleted and moved.subject_id == second
        assert s.get(Household, home).head_person_id is None  # the kept person lives in another household
        closed = s.get(ReviewItem, item.id)
        assert closed.state == "resolved" and closed.resolution == f"merged: survivor {second}"
    again = admin.post(f"/admin/review/{item.id}/resolve", {"decision": "merge_first"})
    assert again.status_code == 200 and "该待审项已处理" in again.text


def test_a_delete_that_met_an_edit_is_restored_at_the_console(server):
    """删除与修改冲突 at the console: one PC deleted a person while another, not having seen it,
    edited the phone. The confirmation says the record is deleted by whom and what the edit was
    (the phone masked, in full after an audited reason); restoring it brings the person back with
    the edited phone, as a change PCs pull."""
    pc, pid = _person(server, phone="13700000001")
    with server.session() as s:
        from server.store.tables import RecordVersion
        seq = s.get(RecordVersion, ("person", pid)).server_seq
    r = pc.push([pc.change("person", pid, {"deleted": True, "deletion_gen": 0}, base={"deleted": seq}, op="delete")])
    assert r.json()["results"][0]["outcome"] == "accepted", r.text
    other_pc = server.user_client("village_cadre", VILLAGE)
    r = other_pc.push([other_pc.change("person", pid, {"phone": "13900000009"}, base={"phone": seq})])
    assert r.json()["results"][0]["outcome"] == "merged_with_conflict", r.text
    item = _item(server, "delete_conflict", pid)

    admin = signed_in(server, "township_admin", TOWNSHIP)
    listed = admin.get(f"/admin/review?kind=delete_conflict&region={VILLAGE}").text
    assert "保持删除" in listed and "恢复记录（含修改）" in listed and "请在工作台客户端处理" not in listed
    assert "已删除<br><span class=\"muted\">另一方：修改：联系电话 139****0009</span>" in listed  # not "True"
    decide = f"/admin/review/{item.id}/decide?decision=take_loser&kind=delete_conflict"
    page = admin.get(decide).text
    assert "人员“王秀兰 · " in page and "恢复，带上另一方的修改（修改：联系电话 139****0009）" in page, page[-3000:]
    assert "13900000009" not in page and "已删除" in page
    assert f"· {item.winner_user}" in page and f"· {item.loser_user}" in page  # who made each side
    reason = f"核对{uuid.uuid4().hex[:4]}"
    shown = admin.post(f"/admin/review/{item.id}/reveal", {"decision": "take_loser", "reason": reason}).text
    assert "修改：联系电话 13900000009" in shown and "已记入审计" in shown
    with server.session() as s:
        assert s.scalars(select(AuditEntry).where(AuditEntry.reason.contains(reason))).one().action == "reveal"
    admin.http.cookies.set("td_lang", "en")
    assert "is restored with the other side (Edited: Phone 139****0009)" in admin.get(decide).text
    admin.http.cookies.set("td_lang", "zh")

    admin.get(decide)
    done = admin.post(f"/admin/review/{item.id}/resolve", {"decision": "take_loser", "kind": "delete_conflict"})
    assert done.status_code == 200 and "记录已恢复" in done.text, done.text[-2000:]
    with server.session() as s:
        person = s.get(Person, pid)
        assert not person.deleted and person.deletion_gen == 1 and person.phone == "13900000009"
        assert s.get(ReviewItem, item.id).resolution == "take_loser"
    pulled = _pulled_persons(pc)
    assert pulled[pid]["deleted"] is False  # the deleting PC gets the person back by pull


def test_a_duplicate_whose_one_person_is_gone_since_is_closed_without_a_merge(server):
    """Two persons with one ID number, then one deleted on its PC (or merged elsewhere): nothing is
    left to merge or to tell apart, so the list offers only closing the item, and says why; closing
    a pair whose records both live is refused in words."""
    number = resident_id()
    pc, first = _person(server, id_number=number)
    _pc2, second = _person(server, id_number=number)
    item = _item(server, "duplicate_id", second)
    admin = signed_in(server, "township_admin", TOWNSHIP)
    admin.get(f"/admin/review/{item.id}/decide?decision=merge_first")
    both = admin.post(f"/admin/review/{item.id}/resolve", {"decision": "close_gone"})
    assert both.status_code == 409 and "两人的记录都还在" in both.text
    with server.session() as s:
        from server.store.tables import RecordVersion
        seq = s.get(RecordVersion, ("person", first)).server_seq
    r = pc.push([pc.change("person", first, {"deleted": True, "deletion_gen": 0}, base={"deleted": seq}, op="delete")])
    assert r.json()["results"][0]["outcome"] == "accepted", r.text

    row = admin.get(f"/admin/review?kind=duplicate_id&region={VILLAGE}").text.split(item.id)[1].split("</tr>")[0]
    assert "关闭（其中一人已删除）" in row and "合并" not in row and "不是同一人" not in row, row
    page = admin.get(f"/admin/review/{item.id}/decide?decision=close_gone").text
    assert "其中一人的记录已删除或已并入他人，不再是重复" in page and "（已删除）" in page
    done = admin.post(f"/admin/review/{item.id}/resolve", {"decision": "close_gone", "kind": "duplicate_id"})
    assert done.status_code == 200 and "已关闭（其中一人已删除）。" in done.text
    with server.session() as s:
        assert s.get(ReviewItem, item.id).resolution == "close_gone" and not s.get(Person, second).deleted


def test_a_township_admin_is_told_before_merging_a_person_of_another_township(server):
    """A city-wide PC registered the person in two townships (a duplicate the writer sees both sides
    of is raised where the record lies): the township admin of the second sees the item, but the
    first record lives in another township and merging would change it — the confirmation says so
    and offers no Confirm; the city admin merges them."""
    number = resident_id()
    there = OTHER + "001"
    with server.session() as s:
        if s.get(Region, there) is None:
            s.add(Region(code=there, name="南塔社区", level=5, parent_code=OTHER + "000"))
            s.commit()
    _person(server)  # the village's region row
    city_pc = server.user_client("city_admin")
    first, second = new_id(), new_id()
    changes = []
    for person, village in ((first, there), (second, VILLAGE)):
        home = new_id()
        changes += [city_pc.change("household", home, {"household_no": household_no(village), "region_code": village}),
                     city_pc.change("person", person, {"household_id": home, "region_code": village, "name": "王秀兰",
                                                       "id_type": "01", "id_number": number})]
    r = city_pc.push(changes)
    assert {x["outcome"] for x in r.json()["results"]} <= {"accepted", "merged_with_conflict"}, r.text
    item = _item(server, "duplicate_id", second)
    admin = signed_in(server, "township_admin", TOWNSHIP)
    page = admin.get(f"/admin/review/{item.id}/decide?decision=merge_second").text
    assert "两人中有一人不在本辖区（另一乡镇）" in page and 'id="confirm-decision"' not in page
    refused = admin.post(f"/admin/review/{item.id}/resolve", {"decision": "merge_second"})
    assert refused.status_code == 409 and "请由市级管理员合并" in refused.text
    with server.session() as s:
        assert not s.get(Person, first).deleted and s.get(ReviewItem, item.id).state == "open"
    city = signed_in(server, "city_admin")
    assert 'id="confirm-decision"' in city.get(f"/admin/review/{item.id}/decide?decision=merge_second").text
    assert "已合并为一人" in city.post(f"/admin/review/{item.id}/resolve", {"decision": "merge_second"}).text
    with server.session() as s:
        assert s.get(Person, first).merged_into == second
