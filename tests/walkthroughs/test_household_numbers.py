"""户编号重复: two village PCs, each offline, register a new household; the new-household form offers
each the village's next free number — the same one, since neither knows of the other's. Both sync:
both households land, the second PC's sync reports a conflict, and both households carry 冲突待审 on
the village PCs. The township clerk opens 待审, sees 户编号重复 with the number, picks the household
that reached the server second in the side-by-side view and gives it the village's next free number;
after the syncs the village PCs list two households with two numbers, no badge (decision 0041)."""

from __future__ import annotations

import re

from sqlalchemy import select

from db.models import Household
from server.store.tables import ReviewItem
from tests.walkthroughs.conftest import Desktop
from ui.review.renumber import RenumberDialog


def _new_household(pc: Desktop, address: str) -> str:
    register = pc.page("register")
    register.panel.new_button.click()
    pc.qtbot.waitUntil(lambda: len(register.panel.household_no.text()) == 18, timeout=3000)
    number = register.panel.household_no.text()
    grid = pc.township.grid  # the village has two grids: a new household is placed in one (decision 0046)
    pc.qtbot.waitUntil(lambda: register.panel.grid.findData(grid) >= 0, timeout=3000)
    register.panel.grid.setCurrentIndex(register.panel.grid.findData(grid))
    register.panel.address.setText(address)
    register.save()
    assert not [m for m in pc.dialogs.shown if m[0] == "error"], pc.dialogs.shown
    assert register.panel.detail is not None and register.panel.detail.household.household_no == number
    return number


def test_two_offline_pcs_give_one_number_and_the_clerk_renumbers_one(desktop, township):
    first: Desktop = desktop("village_cadre", township.village, name="pc-east")
    second: Desktop = desktop("village_cadre", township.village, name="pc-west")
    clerk: Desktop = desktop("township_staff", township.village[:9], name="clerk")
    for pc in (first, second, clerk):
        pc.sync()

    with first.step("东屋电脑离线新建户：建议下一个户编号"):
        number = _new_household(first, "福山地村3组新建1号")
        assert number.startswith(township.village + "00")
    with second.step("西屋电脑离线新建户：同一个建议编号"):
        assert _new_household(second, "福山地村5组新建2号") == number

    with second.step("两台电脑先后同步：都上传，后者提示冲突"):
        first.sync()
        second.sync()
        assert second.status()["pending"] == "待上传 0 条" and first.status()["pending"] == "待上传 0 条"
        first.sync()  # the review marks of the second PC's push
        assert first.household_cell(number).endswith("· 冲突待审")
        assert second.household_cell(number).endswith("· 冲突待审")
    with township.server.session() as s:
        holders = s.scalars(select(Household.id).where(Household.household_no == number)).all()
    assert len(holders) == 2

    with clerk.step("待审：户编号重复"):
        clerk.sync()
        review = clerk.page("review")
        review.activate()
        conflicts = review.conflicts
        conflicts.refresh()
        rows = [i for i, item in enumerate(conflicts.items) if item.kind == "duplicate_hh_no"
                and {item.record_id, item.related_record_id} == set(holders)]
        assert len(rows) == 1, [(i.kind, i.record_id) for i in conflicts.items]
        conflicts.table.selectRow(rows[0])
        shown = [conflicts.table.item(rows[0], c).text() for c in range(3)]
        assert shown[0] == "户编号重复" and shown[2] == "户编号", shown
        assert conflicts.message.text().startswith("两户使用了同一个户编号：点“重新编号…”"), conflicts.message.text()
        for column in (3, 4):  # the 18-digit number shows whole at 1366 px, not cut to "…"
            text = conflicts.table.item(rows[0], column).text()
            assert conflicts.table.columnWidth(column) > conflicts.table.fontMetrics().horizontalAdvance(text), text
        assert conflicts.renumber_button.isEnabled() and not conflicts.keep_button.isEnabled()

    with clerk.step("重新编号：后到的一户取本村下一个空闲编号"):
        seen = []

        def renumber_the_second(parent, one, other):
            dialog = RenumberDialog(one, other, parent)
            clerk.qtbot.addWidget(dialog)
            seen.append((one.household_no, other.household_no, one.address, other.address))
            dialog.show()
            dialog.grab().save(str(clerk.shots / "renumber-dialog.png"))
            proposed = other.proposed_no  # said before the click: which number, and that the other keeps its own
            assert proposed and proposed != number, proposed
            assert dialog.buttons.button(dialog.buttons.StandardButton.Ok).text() == f"改为 {proposed}"
            assert f"将改为新户编号 {proposed}" in dialog.outcome.text() and f"保留 {number}" in dialog.outcome.text()
            seen.append(proposed)
            return dialog.chosen().id  # the view proposes the one that reached the server second

        conflicts._ask_renumber = renumber_the_second
        conflicts.renumber()
        assert seen[0] == (number, number, "福山地村3组新建1号", "福山地村5组新建2号")
        assert not [m for m in clerk.dialogs.shown if m[0] == "error"], clerk.dialogs.shown
        assert conflicts.message.text().startswith("已改为新户编号 ")
        renumbered = re.match(r"已改为新户编号 (\d{18})，将随下次同步上传。", conflicts.message.text()).group(1)
        assert renumbered != number and renumbered.startswith(township.village + "00") and renumbered == seen[1]
        assert not [i for i in conflicts.items if i.kind == "duplicate_hh_no" and i.record_id in holders]
        clerk.sync()
        assert clerk.status()["pending"] == "待上传 0 条"

    with first.step("同步后两户两个编号，无冲突标记"):
        for pc in (first, second):
            pc.sync()
            listed = pc.households_listed()
            assert number in listed and renumbered in listed
            assert "冲突待审" not in pc.household_cell(number) and "冲突待审" not in pc.household_cell(renumbered)
    with township.server.session() as s:
        assert sorted(s.scalars(select(Household.household_no).where(Household.id.in_(holders)))) == \
            sorted([number, renumbered])
        item = s.scalars(select(ReviewItem).where(ReviewItem.kind == "duplicate_hh_no")).one()
        assert item.state == "resolved" and item.resolution.startswith("renumbered")
