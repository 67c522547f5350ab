"""乡镇管理员: a township administrator's day. The dashboard counts the whole township; a person found
by initials has the full ID number revealed for a stated reason (audited); a head found by ID tail
with Ctrl+F from the dashboard gets a corrected phone and a visit, and the household card prints;
a person registered a
second time (迁入 with the same ID number) is proposed by the duplicate scan and comes back from
the server as a duplicate in 待审, and is merged in the merge view; after F5 the server holds one person and the bar says 已同步."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from sqlalchemy import func, select

from db.models import AuditEntry, Household, Person
from tests.walkthroughs.conftest import Desktop
from ui.review.merge import MergeDialog


def test_township_admin_daily_round(desktop, township):
    pc: Desktop = desktop("township_admin", township.village[:9])
    with township.server.session() as s:
        households = s.scalar(select(func.count()).select_from(Household).where(
            Household.deleted.is_(False), Household.merged_into.is_(None)))

    with pc.step("首次同步与工作台"):
        pc.sync()
        dashboard = pc.page("dashboard")
        dashboard.activate()
        assert dashboard.figures["households"].value.text() == f"{households:,}"
        assert "乡镇管理员" in pc.window.windowTitle()

    person = township.person(grid_code=township.other_grid)
    with pc.step("拼音首字母查人并查看完整号码"):
        register = pc.search_register(person.search_initials)
        rows = [register.persons.row_at(i).id for i in range(register.persons.rowCount())]
        register.person_view.selectRow(rows.index(person.id))
        panel = register.panel
        assert panel.members.selected().id == person.id
        pc.dialogs.texts.append("核对低保申请材料")
        panel.members.reveal()
        assert person.id_number in pc.dialogs.shown[-1][2]
        with pc.context.sessions() as s:
            audit = s.scalars(select(AuditEntry).where(AuditEntry.action == "reveal")).one()
        assert audit.reason == "核对低保申请材料" and audit.record_ids == [person.id]
        pc.wait_pending("待上传 1 条")

    head = township.person(grid_code=township.grid, head=True)
    with pc.step("工作台 Ctrl+F 身份证尾号，改户联系电话"):
        pc.page("dashboard")
        pc.qtbot.keyClick(pc.window.navigation, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
        pc.window.search.box.setText(head.id_number[-6:])
        pc.window.search.flush()
        hits = [pc.window.search.hits.item(i).text() for i in range(pc.window.search.hits.count())]
        assert any(head.name in hit and head.id_number not in hit for hit in hits), hits
        pc.window.search.hits.setCurrentRow(next(i for i, hit in enumerate(hits) if head.name in hit))
        pc.qtbot.keyClick(pc.window.search.hits, Qt.Key.Key_Return)
        register = pc.window.current_page()
        panel = register.panel
        assert panel.detail.household.id == head.household_id
        panel.phone.setText("13800471234")
        register.save()
        pc.wait_pending("待上传 2 条")  # the reveal's audit entry travels to the city too
        assert panel.badge.text() == "待上传"

    with pc.step("走访"):
        panel.tabs.setCurrentIndex(2)
        pc.forms.visit.append({"visited_on": pc.context.households.today(), "kind": "1",
                               "findings": "低保户年度核查"})
        panel.visits.add_visit()
        assert panel.visits.table.rowCount() >= 1
        pc.wait_pending("待上传 4 条")  # the visit and the household's last-visit date
        panel.tabs.setCurrentIndex(0)

    with pc.step("打印户情登记表"):
        pdf = pc.shots.parent / "admin-card.pdf"
        pc.dialogs.texts.append("低保年审")
        pc.dialogs.paths.append(str(pdf))
        panel.print_card()
        assert pdf.read_bytes().startswith(b"%PDF")

    other_household = township.households_in(township.grid)[-1]
    with pc.step("迁入登记（同一身份证号）"):
        pc.window.search.box.setText(other_household)
        pc.window.search.flush()
        pc.window.search.hits.setCurrentRow(0)
        pc.window.search._open_item(pc.window.search.hits.item(0))
        assert panel.detail.household.household_no == other_household
        pc.forms.person.append({"name": person.name, "id_type": "01", "id_number": person.id_number,
                                "relation_to_head": "99", "residence_type": "1", "moved_in_on": dt.date(2026, 11, 20),
                                "moved_in_from": "福山地村第二网格"})
        panel.members.add_member()
        assert person.name in [m.name for m in panel.members.members]
        pc.sync()
        with township.server.session() as s:
            assert s.get(Household, head.household_id).phone == "13800471234"

    with pc.step("疑似重复人员：扫描本辖区"):
        review = pc.page("review")
        review.activate()
        duplicates = review.duplicates
        review.tabs.setCurrentWidget(duplicates)
        duplicates.scan_button.click()
        pair = next(c for c in duplicates.candidates if person.id in (c.first_id, c.second_id)
                    and c.first_name == c.second_name == person.name)
        assert "证件号码相同" in pair.reasons and duplicates.message.text().startswith("上次扫描：")

    with pc.step("待审：合并重复人员"):
        review = pc.page("review")
        review.activate()
        conflicts = review.conflicts
        rows = [i for i, item in enumerate(conflicts.items) if item.kind == "duplicate_id"
                and person.id in (item.record_id, item.related_record_id)]
        assert rows, [(i.kind, i.record_id) for i in conflicts.items]
        conflicts.table.selectRow(rows[0])
        assert conflicts.merge_button.isEnabled()
        seen = []

        def keep_the_first(parent, first, second):
            dialog = MergeDialog(first, second, None, parent)
            pc.qtbot.addWidget(dialog)
            seen.append((first.person.name, second.person.name))
            return dialog.survivor().person.id

        conflicts._ask_survivor = keep_the_first
        conflicts.merge()
        assert seen == [(person.name, person.name)]
        assert not [m for m in pc.dialogs.shown if m[0] == "error"], pc.dialogs.shown
        duplicates.activate()  # merged: the scan's pair is settled too, without a new scan
        assert all({c.first_id, c.second_id} != {pair.first_id, pair.second_id} for c in duplicates.candidates)

    with pc.step("同步后只剩一人"):
        pc.sync()
        assert pc.status()["pending"] == "待上传 0 条" and pc.status()["connection"].startswith("● 已同步")
        with township.server.session() as s:
            live = s.scalars(select(Person).where(Person.id_number == person.id_number, Person.deleted.is_(False),
                                                  Person.merged_into.is_(None))).all()
        assert len(live) == 1
