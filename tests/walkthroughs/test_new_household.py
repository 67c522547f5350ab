"""乡镇工作人员 registers a household that came to live in the township, by the buttons, as a new
clerk does: 新建户, the address and phone, then 添加成员 — before ever pressing 保存户信息. The
household is saved first and the member form opens (it did nothing before: the new household had no
record to add to); on a household already saved the button opens the form empty (its click's
`checked` once reached the form as a retry and raised). The first person is proposed as 户主 (the
printed card's 户主 was left blank). A visit on a new household saves it too."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from db.models import Household, Region
from tests.walkthroughs.conftest import Desktop

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(body: str) -> str:
    """An 18-digit 公民身份号码 with its GB 11643 check digit."""
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]


def _village_of_one_grid(township) -> tuple[str, str]:
    with township.server.session() as s:
        grids = s.execute(select(Region.parent_code, func.min(Region.code)).where(Region.level == 6)
                          .group_by(Region.parent_code).having(func.count() == 1)
                          .order_by(Region.parent_code)).first()
    return grids[0], grids[1]


def choose_grid(pc: Desktop, panel, grid: str) -> None:
    pc.qtbot.waitUntil(lambda: panel.grid.findData(grid) >= 0, timeout=3000)
    panel.grid.setCurrentIndex(panel.grid.findData(grid))


def test_new_household_members_by_the_buttons(desktop, township):
    pc: Desktop = desktop("township_staff", township.village[:9])
    pc.sync()
    register = pc.page("register")
    panel = register.panel

    with pc.step("新建户，选网格，填地址电话"):
        panel.new_button.click()
        assert panel.detail is None
        choose_grid(pc, panel, township.grid)
        panel.address.setText("福山地村3组18号")
        panel.phone.setText("13904721234")

    with pc.step("未保存就点添加成员：先保存户，再开成员表"):
        pc.forms.person.append({"name": "乌兰其其格", "relation_to_head": "02", "gender": "2",
                                "birth_date": dt.date(1986, 4, 12), "id_number": id_number("15042219860412002"),
                                "residence_type": "1"})
        panel.members.add_button.click()
        pc.qtbot.waitUntil(lambda: [m.name for m in panel.members.members] == ["乌兰其其格"], timeout=3000)
        assert panel.detail is not None and panel.detail.household.address == "福山地村3组18号"
        assert pc.forms.retries == [None] and pc.forms.heads == [True]  # 户主 proposed for the first person
        assert not [m for m in pc.dialogs.shown if m[0] == "error"], pc.dialogs.shown

    with pc.step("已保存的户再点添加成员"):
        pc.forms.person.append({"name": "包金山", "relation_to_head": "10", "gender": "1",
                                "birth_date": dt.date(1984, 9, 3), "id_number": id_number("15042219840903003"),
                                "residence_type": "1"})
        panel.members.add_button.click()
        pc.qtbot.waitUntil(lambda: len(panel.members.members) == 2, timeout=3000)
        assert pc.forms.retries == [None, None] and pc.forms.heads == [True, False]
        assert [m.name for m in panel.members.members if m.is_head] == ["乌兰其其格"]

    with pc.step("新建户先记走访"):
        panel.new_button.click()
        choose_grid(pc, panel, township.grid)
        panel.address.setText("福山地村3组20号")
        pc.forms.visit.append({"visited_on": pc.context.households.today(), "kind": "1", "findings": "新迁入，已登记"})
        panel.visits.add_button.click()
        pc.qtbot.waitUntil(lambda: panel.detail is not None and panel.visits.table.rowCount() == 1, timeout=3000)
        assert panel.detail.household.address == "福山地村3组20号"
        assert not [m for m in pc.dialogs.shown if m[0] == "error"], pc.dialogs.shown


def test_a_grid_worker_registers_a_household_in_their_own_grid(desktop, township):
    """Seen as demo_grid: 新建户 offered 网格 （未划分网格） first; 保存 then said 超出您的管辖范围 —
    a grid worker can only register in their grid, so the form now offers just that grid."""
    pc: Desktop = desktop("grid_worker", township.grid, name="grid-new")
    pc.sync()
    panel = pc.page("register").panel
    with pc.step("网格员新建户：网格已是本网格"):
        panel.new_button.click()
        pc.qtbot.waitUntil(lambda: panel.grid.currentData() == township.grid, timeout=3000)
        assert panel.grid.findData(None) == -1
        panel.address.setText("福山地村1组200号")
        panel.save_button.click()
        pc.qtbot.waitUntil(lambda: panel.detail is not None, timeout=3000)
        assert panel.detail.household.grid_code == township.grid
        assert not [m for m in pc.dialogs.shown if m[0] == "error"], pc.dialogs.shown


def test_a_township_clerk_places_a_new_household_in_a_grid(desktop, township):
    """Seen as demo_staff: 新建户 opened on 网格 （未划分网格） and saved so — a household no grid
    worker sees or visits, in a township run by grids (decision 0046). In a village of several grids
    the form now asks for one (（请选择网格）), and 保存 without it says so beside 网格 and saves
    nothing; a village of one grid gets that grid."""
    pc: Desktop = desktop("township_staff", township.village[:9], name="clerk-grid")
    pc.sync()
    register = pc.page("register")
    panel = register.panel
    before = len(pc.households_listed())
    with pc.step("新建户：本村有两个网格，网格须选"):
        panel.new_button.click()
        panel._select(panel.village, township.village)
        pc.qtbot.waitUntil(lambda: panel.grid.findData(township.other_grid) >= 0, timeout=3000)
        assert panel.grid.currentText() == "（请选择网格）" and panel.grid.currentData() is None
        panel.address.setText("福山地村2组7号")
        panel.save_button.click()
        error = panel.errors["grid_code"]
        assert error.isVisibleTo(panel) and error.text().startswith("请选择网格"), error.text()
        assert panel.detail is None and len(pc.households_listed()) == before  # nothing saved
        assert not pc.dialogs.shown, pc.dialogs.shown
    with pc.step("选了第二网格再保存"):
        panel.grid.setCurrentIndex(panel.grid.findData(township.other_grid))
        assert not error.isVisibleTo(panel) and panel.save_button.isEnabled()
        panel.save_button.click()
        pc.qtbot.waitUntil(lambda: panel.detail is not None, timeout=3000)
        assert panel.detail.household.grid_code == township.other_grid
    village, grid = _village_of_one_grid(township)
    with pc.step("只有一个网格的村：网格已选好"):
        panel.new_button.click()
        panel._select(panel.village, village)
        pc.qtbot.waitUntil(lambda: panel.grid.currentData() == grid, timeout=3000)
        assert panel.grid.count() == 1


class _HeldRunner:
    """The panel's database jobs held until released, in order, through the window's own runner:
    a slow grid list still loading when the clerk presses 保存."""

    def __init__(self, runner) -> None:
        self.runner, self.held = runner, []

    def run_db(self, job, on_done) -> None:
        self.held.append((job, on_done))

    def release_all(self) -> None:
        while self.held:
            self.runner.run_db(*self.held.pop(0))


def test_a_household_saved_before_the_grids_load_still_needs_a_grid(desktop, township):
    """保存 pressed the moment a village is picked, before its grids arrive: the form still showed the
    previous village's grid, so the household was saved in the grid of another village (decision
    0046's check saw a grid chosen). The save now waits for the village's grids and applies the rule."""
    pc: Desktop = desktop("township_staff", township.village[:9], name="clerk-grid-race")
    pc.sync()
    panel = pc.page("register").panel
    one_village, one_grid = _village_of_one_grid(township)
    with pc.step("新建户：先选只有一个网格的村，再改选有两个网格的村并立即保存"):
        panel.new_button.click()
        panel._select(panel.village, one_village)
        pc.qtbot.waitUntil(lambda: panel.grid.currentData() == one_grid, timeout=3000)
        runner = panel.runner
        panel.runner = held = _HeldRunner(runner)
        try:
            panel._select(panel.village, township.village)
            panel.household_no.setText(township.village + "090777")
            panel.address.setText("福山地村3组9号")
            panel.save_button.click()  # the grid list of the new village has not arrived yet
            held.release_all()
        finally:
            panel.runner = runner
        pc.qtbot.wait(100)
        error = panel.errors["grid_code"]
        assert error.isVisibleTo(panel) and error.text().startswith("请选择网格"), error.text()
        assert panel.detail is None and panel.grid.currentText() == "（请选择网格）"
        assert township.other_grid in [panel.grid.itemData(i) for i in range(panel.grid.count())]
        assert not pc.dialogs.shown, pc.dialogs.shown
    with pc.context.sessions() as s:
        saved = s.scalars(select(Household).where(Household.address == "福山地村3组9号")).all()
        assert saved == [], [(h.household_no, h.grid_code) for h in saved]


def test_a_household_saved_before_any_grid_list_arrived_is_not_saved_outside_a_grid(desktop, township):
    """The first 新建户 of the day: 网格 still empty when 保存 is pressed, and the household was saved
    in no grid. The save waits for the village's grids, so decision 0046's rule applies."""
    pc: Desktop = desktop("township_staff", township.village[:9], name="clerk-grid-race-2")
    pc.sync()
    panel = pc.page("register").panel
    with pc.step("新建户：网格列表未到即保存"):
        runner = panel.runner
        panel.runner = held = _HeldRunner(runner)
        try:
            panel.new_button.click()
            panel._select(panel.village, township.village)
            panel.household_no.setText(township.village + "090778")
            panel.address.setText("福山地村3组10号")
            panel.save_button.click()
            held.release_all()
        finally:
            panel.runner = runner
        error = panel.errors["grid_code"]
        assert error.isVisibleTo(panel) and error.text().startswith("请选择网格"), error.text()
        assert panel.detail is None and not pc.dialogs.shown, pc.dialogs.shown
    with pc.context.sessions() as s:
        saved = s.scalars(select(Household).where(Household.address == "福山地村3组10号")).all()
        assert saved == [], [(h.household_no, h.grid_code) for h in saved]
