"""待审 as a village cadre or grid worker opens it. Seen as demo_cadre under Xvfb: the page asked the
city server for its review items, which it lists to the township only (403), and the cadre got
“出错了 — 操作未能完成，发生了意外错误…请联系技术支持” on opening a page of their own menu. The
conflicts tab now says who reviews and where the cadre's own records show their state; the rejected
changes tab (this PC's) still works. The township clerk's tab is unchanged."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.services.context import REVIEW_ROLES
from demo import DEMO_TOWNSHIP
from server.routers.review import REVIEWERS
from tests.walkthroughs.conftest import Desktop


def test_the_desktop_and_the_server_agree_on_who_reviews():
    assert frozenset(REVIEWERS) == REVIEW_ROLES


@pytest.mark.parametrize("role", ["village_cadre", "grid_worker"])
def test_a_village_account_opens_the_review_page_without_an_error(desktop, township, role):
    scope = township.village if role == "village_cadre" else township.grid
    pc: Desktop = desktop(role, scope, name=f"{role}-review")
    with pc.step("打开待审：说明由乡镇审核，不报错"):
        pc.sync()
        page = pc.page("review")
        page.activate()
        pc.qtbot.wait(200)
        assert pc.dialogs.shown == [], pc.dialogs.shown
        text = page.conflicts.message.text()
        assert "由乡镇（街道）审核" in text and "冲突待审" in text, text
        assert not page.conflicts.table.isVisibleTo(page)
        # alone on the tab, the words stay at its top (they floated to mid-page, seen under Xvfb)
        assert page.conflicts.message.alignment() & Qt.AlignmentFlag.AlignTop
        assert not page.rejected.empty.isHidden()  # 没有被服务器退回的修改。
        # no review items are listed to a village account: no 导出 of them (it showed, exporting nothing)
        assert not page.tabs.cornerWidget().isVisibleTo(page)


def test_the_township_clerk_still_lists_the_review_items(desktop, township):
    clerk: Desktop = desktop("township_staff", DEMO_TOWNSHIP, name="clerk-review")
    with clerk.step("乡镇干部打开待审：列出冲突"):
        clerk.sync()
        page = clerk.page("review")
        page.activate()
        clerk.qtbot.wait(200)
        assert clerk.dialogs.shown == [], clerk.dialogs.shown
        assert page.conflicts.table.isVisibleTo(page)
        assert page.conflicts.message.text() == "没有待审核的冲突。"
        corner = page.tabs.cornerWidget()
        assert corner.isVisibleTo(page) and corner.text().startswith("导出")
