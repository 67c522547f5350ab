"""网格员: a grid worker's day. The first sync brings exactly the grid's households; the dashboard
and the register count them (not 0, not the whole village); a person is found by pinyin initials
and by ID tail; the household's phone is corrected, a newborn added, a visit recorded, a member
moves out; the status
bar counts each change as it is made and says 已同步 after F5; the household card prints."""

from __future__ import annotations

from db.models import Household, Person
from tests.walkthroughs.conftest import Desktop


def test_grid_worker_daily_round(desktop, township):
    pc: Desktop = desktop("grid_worker", township.grid)
    mine = township.households_in(township.grid)
    others = township.households_in(township.other_grid)
    assert mine and others

    with pc.step("首次同步"):
        pc.sync()
        assert pc.status()["connection"].startswith("● 已同步"), pc.status()
        assert pc.status()["pending"] == "待上传 0 条"
        assert "网格员" in pc.window.windowTitle() and "grid_worker" not in pc.window.windowTitle()

    with pc.step("工作台"):
        dashboard = pc.page("dashboard")
        dashboard.activate()
        assert dashboard.figures["households"].value.text() == str(len(mine))
        assert dashboard.figures["persons"].value.text() != "0"

    with pc.step("户列表只有本网格"):
        shown = pc.households_listed()
        assert shown == mine and not set(shown) & set(others)

    person = township.person(grid_code=township.grid)
    with pc.step("拼音首字母查人"):
        register = pc.search_register(person.search_initials)
        names = [register.persons.row_at(i).name for i in range(register.persons.rowCount())]
        assert person.name in names

    with pc.step("身份证尾号查人并打开其户"):
        register = pc.search_register(person.id_number[-6:])
        qtbot_keys(pc, register)
        panel = register.panel
        assert panel.detail is not None and panel.detail.household.id == person.household_id
        assert person.id_number not in panel.members.table.item(0, 4).text()  # masked

    with pc.step("改户联系电话"):
        panel.phone.setText("13912345678")
        register.save()
        pc.wait_pending("待上传 1 条")
        number = panel.detail.household.household_no
        assert pc.household_cell(number) == f"{number} · 待上传"
        register.open_record("household", person.household_id)

    with pc.step("添加新生儿"):
        before = len(panel.members.members)
        pc.forms.person.append({"name": "新宝宝", "relation_to_head": "30", "gender": "1",
                                "birth_date": pc.context.households.today(), "residence_type": "1"})
        panel.members.add_member()
        assert len(panel.members.members) == before + 1
        assert "新宝宝" in [m.name for m in panel.members.members]
        pc.wait_pending("待上传 2 条")

    with pc.step("走访"):
        panel.tabs.setCurrentIndex(2)
        pc.forms.visit.append({"visited_on": pc.context.households.today(), "kind": "1", "findings": "家中一切正常"})
        panel.visits.add_visit()
        assert panel.visits.table.rowCount() >= 1
        pc.wait_pending("待上传 4 条")  # the visit and the household's last-visit date

    with pc.step("成员迁出"):
        panel.tabs.setCurrentIndex(0)
        members = panel.members.members
        leaver = next((m for m in members if not m.is_head and m.name != "新宝宝"), None) or \
            next(m for m in members if m.name == "新宝宝")
        panel.members.table.selectRow(list(members).index(leaver))
        pc.forms.person.append({"status": "3", "moved_out_on": pc.context.households.today(),
                                "moved_out_to": "赤峰市松山区"})
        panel.members.edit_member()
        row = [m.id for m in panel.members.members].index(leaver.id)
        assert panel.members.table.item(row, 6).text().startswith("迁出") and "赤峰市松山区" in \
            panel.members.table.item(row, 6).text()
        assert panel.members.table.item(row, 0).text().endswith(" · 待上传")  # the member's badge
        pc.wait_pending("待上传 5 条")

    with pc.step("同步"):
        pc.sync()
        assert pc.status()["pending"] == "待上传 0 条" and pc.status()["rejected"] == "被退回 0 条"
        assert pc.status()["connection"].startswith("● 已同步")
        assert pc.household_cell(number) == number  # the badge is gone once the server has it
        register.open_record("household", person.household_id)
        with township.server.session() as s:
            assert s.get(Household, person.household_id).phone == "13912345678"
            assert s.get(Person, leaver.id).moved_out_to == "赤峰市松山区"

    with pc.step("打印户情登记表"):
        pdf = pc.shots.parent / "household.pdf"
        pc.dialogs.texts.append("入户走访核对")
        pc.dialogs.paths.append(str(pdf))
        panel.print_card()
        assert pc.dialogs.shown[-1][0] == "info" and str(pdf) in pc.dialogs.shown[-1][2], pc.dialogs.shown
        assert pdf.read_bytes().startswith(b"%PDF")


def qtbot_keys(pc: Desktop, register) -> None:
    """Enter in the search box opens the first hit, as the user would press it."""
    from PySide6.QtCore import Qt

    pc.qtbot.keyClick(register.filters.search, Qt.Key.Key_Return)


class FilledCaseForm:
    """The real new-case form as a grid worker fills it on patrol (title and what was seen; every other
    field as the form offers it), answered without a modal exec."""

    def new_case(self, parent, desk, runner, on_error, choices):
        from ui.casedesk.case_form import NewCaseForm

        form = NewCaseForm(desk, runner, on_error, choices, parent)
        form.title.setText("3号楼楼道堆放纸箱（巡查）")
        form.description.setPlainText("巡查发现楼道堆放纸箱，影响通行。")
        self.offered_grids = [form.grid.itemData(i) for i in range(form.grid.count())]
        self.source = form.source.currentText()
        assert form.missing() == "", form.missing()
        return form.values()


def test_a_grid_worker_reports_what_they_saw_on_patrol(desktop, township):
    """On the demo a grid worker's new case, left on the form's “(不指定网格)”, was refused with
    “该记录不在您负责的区域内” and what they had typed was gone: a case outside their grid leaves
    their reach. The form now offers only their grid, and starts on 网格巡查."""
    pc: Desktop = desktop("grid_worker", township.grid, name="grid-patrol")
    with pc.step("网格员登记巡查发现的事件"):
        pc.sync()
        page = pc.page("cases")
        page.activate()
        page._forms = filled = FilledCaseForm()
        page.new_button.click()
        assert pc.dialogs.shown == [], pc.dialogs.shown
        assert filled.offered_grids == [township.grid] and filled.source == "网格巡查"
        case = page.detail.detail.case
        assert case.title == "3号楼楼道堆放纸箱（巡查）" and case.grid_code == township.grid
        assert case.id in {c.id for c in page.cases}
