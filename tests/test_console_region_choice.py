"""Choosing a township and a village at the console, in Chromium at 1366×768 (the harness of
tests/test_console_browser.py): every page that offers a village offers a township first, and then
only that township's villages — 待审's area filter, the new user's scope, a task's targets. A city
has thousands of villages; none of these is one list of them."""

from __future__ import annotations

import uuid

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select
from sqlalchemy import select

from db.models import Region
from server.models import User
from tests.server.fixtures import server_fixture  # noqa: F401
from tests.test_console_browser import TOWNSHIP, VILLAGE, Person, browser, shots  # noqa: F401
from tests.test_console_review import _backlog

WEST, EAST = "150422403", "150422404"  # 林东西城街道, 林东东城街道: no other test writes there
@pytest.fixture(name="person")
def person_fixture(browser, server, shots, request):  # noqa: F811
    return Person(browser, server, shots, request.node.callspec.params.get("server", "sqlite"))



COMMUNITIES = {WEST + "001": "西城第一社区", WEST + "002": "西城第二社区", EAST + "001": "东城第一社区"}


def _communities(server) -> None:
    with server.session() as s:
        for code, name in COMMUNITIES.items():
            if s.get(Region, code) is None:
                s.add(Region(code=code, name=name, level=5, parent_code=code[:9] + "000"))
        s.commit()


def _villages(chrome, select_id: str) -> list[str]:
    """The village codes a select offers now (the empty 'whole township' choice left out)."""
    return [o.get_attribute("value") for o in Select(chrome.find_element(By.ID, select_id)).options
            if o.get_attribute("value")]


def test_the_city_admin_picks_a_township_first_then_one_of_its_villages(person, server):
    _communities(server)
    _backlog(server, (WEST + "001", WEST + "002"), 2)
    _backlog(server, (EAST + "001",), 1)
    person.login(server.add_user("city_admin"))
    person.open("/admin/review")
    assert _villages(person.chrome, "f-village") == []  # no township chosen: no list of every village
    assert not person.chrome.find_element(By.ID, "f-village").is_enabled()
    township = Select(person.chrome.find_element(By.ID, "f-township"))
    labels = [o.text for o in township.options]
    assert "林东西城街道办事处 (5)" in labels and "林东东城街道办事处 (2)" in labels, labels
    township.select_by_value(WEST)
    assert _villages(person.chrome, "f-village") == [WEST + "001", WEST + "002"]
    Select(person.chrome.find_element(By.ID, "f-village")).select_by_value(WEST + "002")
    person.shot("region-choice-review")
    person.go("form.filters button[type=submit]")
    assert person.chrome.find_element(By.ID, "review-pager").text.startswith("第 1–2 条，共 2 条")
    assert Select(person.chrome.find_element(By.ID, "f-village")).first_selected_option.text.startswith("西城第二社区")

    person.open("/admin/users")
    assert _villages(person.chrome, "nu-village") == []
    Select(person.chrome.find_element(By.ID, "nu-township")).select_by_value(TOWNSHIP)
    offered = _villages(person.chrome, "nu-village")
    assert VILLAGE in offered and all(code.startswith(TOWNSHIP) for code in offered), offered
    username = "cadre_" + uuid.uuid4().hex[:6]
    person.chrome.find_element(By.ID, "nu-username").send_keys(username)
    person.chrome.find_element(By.ID, "nu-password").send_keys("correct horse 9")
    Select(person.chrome.find_element(By.ID, "nu-role")).select_by_value("village_cadre")
    Select(person.chrome.find_element(By.ID, "nu-village")).select_by_value(VILLAGE)
    person.shot("region-choice-new-user")
    person.go("main form.card button[type=submit]")
    assert "已保存" in person.text(), person.text()[:500]
    with server.session() as s:
        assert s.scalars(select(User.scope_prefix).where(User.username == username)).one() == VILLAGE


def test_a_department_narrows_the_target_tree_to_one_township(person, server):
    person.login(server.add_user("department", "150422", "zj"))
    person.open("/dept/issue")
    Select(person.chrome.find_element(By.ID, "target-township")).select_by_value(TOWNSHIP)
    shown = [b.get_attribute("data-township") for b in person.chrome.find_elements(By.CSS_SELECTOR, "#target-tree > details")
             if b.is_displayed()]
    assert shown == [TOWNSHIP], shown
    village = person.chrome.find_element(By.CSS_SELECTOR, f"input[value='rg-{VILLAGE}']")
    assert village.is_displayed()  # the township's branch is open
    village.click()
    person.shot("region-choice-targets")
    Select(person.chrome.find_element(By.ID, "target-township")).select_by_value("")
    assert person.chrome.find_element(By.CSS_SELECTOR, f"input[value='rg-{VILLAGE}']").is_selected()


def test_the_city_admin_finds_a_lost_pc_by_place_and_wipes_it_after_a_confirmation(person, server):
    """Devices at city scale: filtered by township and village (the same picker) or a name, each with
    its user's place; a remote wipe — it erases changes not yet synced — is confirmed first."""
    _communities(server)
    west = server.add_user("village_cadre", WEST + "001")
    east = server.add_user("village_cadre", EAST + "001")
    for username in (west, east):
        server.login(username)
    person.login(server.add_user("city_admin"))
    person.open("/admin/devices")
    Select(person.chrome.find_element(By.ID, "d-township")).select_by_value(WEST)
    Select(person.chrome.find_element(By.ID, "d-village")).select_by_value(WEST + "001")
    person.go("form.filters button[type=submit]")
    table = person.chrome.find_element(By.CSS_SELECTOR, "main table").text
    assert west in table and east not in table and "西城第一社区" in table, table
    person.shot("devices-by-place")
    person.go(xpath=f"//tr[td[contains(., '{west}')]]//a[contains(@class, 'wipe')]")
    page = person.text()
    assert "尚未同步上传的修改将一并丢失" in page and west in page and "西城第一社区" in page, page
    person.shot("devices-wipe-confirm")
    person.go("#confirm-wipe")
    assert "已停用 · 待远程清除" in person.chrome.find_element(By.XPATH, f"//tr[td[contains(., '{west}')]]").text
    assert east not in person.chrome.find_element(By.CSS_SELECTOR, "main table").text  # the filter is kept
    person.chrome.find_element(By.ID, "d-q").send_keys(east)
    Select(person.chrome.find_element(By.ID, "d-township")).select_by_value("")
    person.go("form.filters button[type=submit]")
    assert east in person.chrome.find_element(By.CSS_SELECTOR, "main table").text


def test_the_targets_ticked_in_other_townships_are_said_above_the_tree(person, server):
    person.login(server.add_user("department", "150422", "zj"))
    person.open("/dept/issue")
    summary = person.chrome.find_element(By.ID, "target-summary")
    assert summary.text == "尚未勾选下发对象。"
    Select(person.chrome.find_element(By.ID, "target-township")).select_by_value(TOWNSHIP)
    person.click(f"input[value='rg-{VILLAGE}']")
    Select(person.chrome.find_element(By.ID, "target-township")).select_by_value("150422103")
    person.click("input[value='rg-150422103201']")
    assert not person.chrome.find_element(By.CSS_SELECTOR, f"input[value='rg-{VILLAGE}']").is_displayed()
    assert summary.text == "已勾选 2 个：十三敖包镇 乌登村、碧流台镇 二八地村", summary.text
    person.shot("region-choice-targets-summary")


def test_the_city_admin_finds_a_village_by_its_name_or_its_pinyin_initials(person, server):
    """Hundreds of villages: the city admin types part of a name, or its pinyin initials, and picks
    the village from what is found — township and village are then both chosen; a name no village
    has says so, and the next search works."""
    _communities(server)
    person.login(server.add_user("city_admin"))
    person.open("/admin/users")
    find = person.chrome.find_element(By.ID, "uf-find")
    assert find.is_displayed()
    find.send_keys("第二社")
    found = person.chrome.find_element(By.ID, "uf-found")
    assert found.text == "西城第二社区 林东西城街道办事处", found.text
    find.clear()
    find.send_keys("xcd")  # 西城第一社区, 西城第二社区
    assert found.text.splitlines() == ["西城第一社区 林东西城街道办事处", "西城第二社区 林东西城街道办事处"], found.text
    person.shot("region-find-initials")
    found.find_elements(By.TAG_NAME, "button")[1].click()
    assert Select(person.chrome.find_element(By.ID, "uf-township")).first_selected_option.get_attribute("value") == WEST
    assert Select(person.chrome.find_element(By.ID, "uf-village")).first_selected_option.get_attribute("value") \
        == WEST + "002"
    assert found.text == "" and find.get_attribute("value") == "西城第二社区"
    find.clear()
    find.send_keys("没有这个村")
    assert found.text == "没有名称含“没有这个村”的村（社区）。"
    find.clear()
    find.send_keys("dcd", Keys.ENTER)  # Enter picks the one found, and does not send the form
    assert "/admin/users" in person.chrome.current_url and "township=" not in person.chrome.current_url
    assert Select(person.chrome.find_element(By.ID, "uf-village")).first_selected_option.get_attribute("value") \
        == EAST + "001"
    person.go("form.filters button[type=submit]")
    assert f"village={EAST}001" in person.chrome.current_url

    person.chrome.add_cookie({"name": "td_lang", "value": "en"})
    person.open("/admin/review")
    find = person.chrome.find_element(By.ID, "f-find")
    find.send_keys("zzzz")
    # 待审 offers the villages with open items only, and says so when none of them matches
    assert person.chrome.find_element(By.ID, "f-found").text == "No village with open items has “zzzz” in its name."
    assert person.chrome.find_element(By.CSS_SELECTOR, "label[for='f-find']").text == "Find a village by name"
    person.shot("region-find-en")


def test_a_department_finds_a_village_of_the_target_tree_by_name_and_ticks_it(person, server):
    """The department's target tree holds every village of the county: typing a name (or its
    initials) finds the village, choosing it opens its township's branch and ticks it, and the
    summary above the tree says so; a grid is found by its village's name too."""
    person.login(server.add_user("department", "150422", "zj"))
    person.open("/dept/issue")
    find = person.chrome.find_element(By.ID, "target-find")
    find.send_keys("乌登")
    found = person.chrome.find_element(By.ID, "target-found")
    assert found.text.splitlines()[0] == "乌登村 十三敖包镇", found.text
    person.shot("region-find-target")
    found.find_element(By.TAG_NAME, "button").click()
    box = person.chrome.find_element(By.CSS_SELECTOR, f"input[value='rg-{VILLAGE}']")
    assert box.is_selected() and box.is_displayed()
    assert Select(person.chrome.find_element(By.ID, "target-township")).first_selected_option.get_attribute("value") \
        == TOWNSHIP
    assert person.chrome.find_element(By.ID, "target-summary").text == "已勾选 1 个：十三敖包镇 乌登村"
    find.send_keys("eb", Keys.ENTER)  # 二八地村 of 碧流台镇, by its initials; Enter ticks it, sends nothing
    assert "/dept/issue" in person.chrome.current_url
    assert person.chrome.find_element(By.CSS_SELECTOR, "input[value='rg-150422103201']").is_selected()
    assert person.chrome.find_element(By.ID, "target-summary").text == "已勾选 2 个：十三敖包镇 乌登村、碧流台镇 二八地村"
    find.send_keys("不存在的村")
    assert found.text == "没有名称含“不存在的村”的村（社区）。"
