"""乡镇管理员: a township administrator's day. The dashboard counts the whole township; a person found
by initials has the full ID number revealed for a stated reason (audited); a person registered a
second time (迁入 with the same ID number) comes back from the server as a duplicate in 待审 and is
merged in the merge view; after F5 the server holds one person and the bar says 已同步."""

from __future__ import annotations

import datetime as dt

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

    with pc.step("同步后只剩一人"):
        pc.sync()
        assert pc.status()["pending"] == "待上传 0 条" and pc.status()["connection"].startswith("● 已同步")
        with township.server.session() as s:
            live = s.scalars(select(Person).where(Person.id_number == person.id_number, Person.deleted.is_(False),
                                                  Person.merged_into.is_(None))).all()
        assert len(live) == 1
