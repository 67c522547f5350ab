"""待审 decisions in Chromium at 1366×768 (the harness of tests/test_console_browser.py): a township
admin filters to a village, opens 采用另一值 on a phone edited twice at once, reads the confirmation
(masked), shows the full numbers after giving a reason, confirms and is told what was done; the same
list in English; a person registered twice merged into the record registered first."""

from __future__ import annotations

import time

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select
from sqlalchemy import select

from db.models import AuditEntry, Person
from tests.server.fixtures import server_fixture  # noqa: F401
from tests.test_console_browser import browser, shots  # noqa: F401
from tests.test_console_region_choice import person_fixture  # noqa: F401
from tests.test_console_review_decisions import TOWNSHIP, VILLAGE, _item, _person


def test_a_township_admin_takes_the_other_phone_number_after_a_confirmation(person, server):
    _pc, pid = _person(server, phone="13700000021")
    time.sleep(0.01)
    other_pc = server.user_client("village_cadre", VILLAGE)
    other_pc.push([other_pc.change("person", pid, {"phone": "13900000029"}, base={"phone": 0})])
    item = _item(server, "conflict", pid)
    person.login(server.add_user("township_admin", TOWNSHIP))
    person.open("/admin/review")
    Select(person.chrome.find_element(By.ID, "f-kind")).select_by_value("conflict")
    Select(person.chrome.find_element(By.ID, "f-village")).select_by_value(VILLAGE)
    person.go("form.filters button[type=submit]")
    row = f"//tr[td//a[contains(@href, '{item.id}')]]"
    assert "139****0029" in person.chrome.find_element(By.XPATH, row).text
    person.shot("review-conflicts")
    person.go(xpath=f"{row}//a[normalize-space()='采用另一值']")
    page = person.text()
    assert "联系电话由“139****0029”改为“137****0021”" in page and "13700000021" not in page, page
    assert "人员 王秀兰 · " + VILLAGE in page  # whose number it is
    person.shot("review-confirm-masked")
    person.chrome.find_element(By.ID, "reveal-reason").send_keys("核对本人联系方式")
    person.go(xpath="//button[normalize-space()='查看完整号码']")
    assert "联系电话由“13900000029”改为“13700000021”" in person.text()
    person.shot("review-confirm-revealed")
    person.go("#confirm-decision")
    assert "已采用另一值，各电脑同步后即更新；该项已关闭。" in person.text()
    assert not person.chrome.find_elements(By.XPATH, row)
    with server.session() as s:
        assert s.get(Person, pid).phone == "13700000021"
    village = Select(person.chrome.find_element(By.ID, "f-village")).first_selected_option
    assert village.get_attribute("value") == VILLAGE  # the list is still the village's, and says so
    assert "0–0" not in person.chrome.find_element(By.ID, "review-pager").text
    person.go("header a.lang")
    assert "Review: conflicts and duplicates" in person.text() and "Nothing here yet." in person.text()
    person.shot("review-english")
    person.go("header a.lang")


def test_a_township_admin_merges_a_person_registered_twice_after_a_confirmation(person, server):
    """In Chromium: 证件号码重复 settled as one person — the admin chooses which record stays, reads
    both persons (ID numbers masked, who registered each, which is kept), confirms, and the list
    says it is merged; the same confirmation in English."""
    from tests.test_server_hostile import resident_id

    number = resident_id()
    _pc, first = _person(server, id_number=number)
    _pc2, second = _person(server, id_number=number)
    item = _item(server, "duplicate_id", second)
    person.login(server.add_user("township_admin", TOWNSHIP))
    person.open("/admin/review")
    Select(person.chrome.find_element(By.ID, "f-kind")).select_by_value("duplicate_id")
    person.go("form.filters button[type=submit]")
    row = f"//tr[td//a[contains(@href, '{item.id}')]]"
    person.go(xpath=f"{row}//a[normalize-space()='同一人：合并，保留先登记的']")
    page = person.text()
    assert "合并为一人：保留先登记的王秀兰（" in page and number not in page, page
    assert "先登记 · 保留" in page and "后登记 · 删除，并入保留的记录" in page
    person.shot("review-merge-confirm")
    person.chrome.find_element(By.ID, "reveal-reason").send_keys("核对是否同一人")
    person.go(xpath="//button[normalize-space()='查看完整号码']")
    assert person.text().count(number) == 2 and "已显示完整号码（已记入审计）" in person.text()
    with server.session() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.reason.contains(f"待审 {item.id}：核对是否同一人"))).one()
        assert entry.action == "reveal" and set(entry.record_ids) == {first, second}
    person.go("header a.lang")  # from the page answering the reason: back to the confirmation, masked again
    assert f"/admin/review/{item.id}/decide?" in person.chrome.current_url, person.chrome.current_url
    assert number not in person.text()
    assert "One person: the first registered record, 王秀兰 (" in person.text()
    person.shot("review-merge-confirm-english")
    person.go("header a.lang")
    person.go("#confirm-decision")
    assert "已合并为一人，各电脑同步后即更新；该项已关闭。" in person.text()
    assert not person.chrome.find_elements(By.XPATH, row)
    with server.session() as s:
        assert s.get(Person, second).merged_into == first and s.get(Person, second).deleted
