"""村（社区）干部: a village cadre's day, once in Chinese and once in the English interface. The
register holds the whole village (both grids); a person found by initials moves out with the date
and destination; a head found by ID tail (Enter) gains a member who moved in, and the household
gets a visit; a household is moved to the other grid, after which the first grid's worker no
longer has it (evicted on its next sync) and the second grid's worker does; the status bar counts
each change and says synced after F5."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from sqlalchemy import select

from db.models import Person
from tests.walkthroughs.conftest import Desktop

TEXTS = {
    "zh_CN": {"pending": "待上传 {n} 条", "synced": "● 已同步", "role": "村（社区）干部", "moved_out": "迁出",
              "register": "户籍人口"},
    "en": {"pending": "{n} to upload", "synced": "● Synced", "role": "Village cadre", "moved_out": "Moved out",
           "register": "Register"},
}


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_village_cadre_daily_round(desktop, township, language):
    text = TEXTS[language]
    worker = desktop("grid_worker", township.grid, name="grid1")
    worker.sync()
    before = worker.households_listed()
    pc: Desktop = desktop("village_cadre", township.village, language=language)
    village_households = len(township.households_in(township.grid)) + len(township.households_in(township.other_grid))

    with pc.step("first sync"):
        pc.sync()
        assert pc.status()["connection"].startswith(text["synced"]), pc.status()
        assert text["role"] in pc.window.windowTitle()
        assert pc.window.navigation.item(1).text() == text["register"]

    with pc.step("dashboard: the whole village"):
        dashboard = pc.page("dashboard")
        dashboard.activate()
        assert int(dashboard.figures["households"].value.text()) >= village_households

    leaver = township.person(grid_code=township.grid, head=False, status="1")
    with pc.step("find by initials"):
        register = pc.search_register(leaver.search_initials)
        rows = [register.persons.row_at(i) for i in range(register.persons.rowCount())]
        row = next(r for r in rows if r.id == leaver.id)
        register.person_view.selectRow(rows.index(row))
        panel = register.panel
        assert panel.members.selected().id == leaver.id
        assert row.household_no and register.persons.index(rows.index(row), 4).data().endswith(("网格", "grid"))

    with pc.step("move out with date and destination"):
        pc.forms.person.append({"status": "3", "moved_out_on": dt.date(2026, 12, 1), "moved_out_to": "赤峰市红山区"})
        panel.members.edit_member()
        member = next(m for m in panel.members.members if m.id == leaver.id)
        assert member.status == "3" and member.moved_out_to == "赤峰市红山区"
        shown = panel.members.table.item([m.id for m in panel.members.members].index(leaver.id), 6).text()
        assert shown == f"{text['moved_out']} 2026-12-01 → 赤峰市红山区"
        pc.wait_pending(text["pending"].format(n=1))

    found = township.person(grid_code=township.other_grid, head=True)
    with pc.step("find by ID tail, Enter opens the household"):
        register = pc.search_register(found.id_number[-6:])
        pc.qtbot.keyClick(register.filters.search, Qt.Key.Key_Return)
        assert panel.detail.household.id == found.household_id
        assert all(found.id_number not in panel.members.table.item(r, 4).text()
                   for r in range(panel.members.table.rowCount()))  # masked

    with pc.step("add a member"):
        pc.forms.person.append({"name": "新媳妇", "relation_to_head": "12", "gender": "2",
                                "birth_date": dt.date(1998, 5, 4), "residence_type": "1",
                                "moved_in_on": dt.date(2026, 11, 28), "moved_in_from": "巴林右旗大板镇"})
        panel.members.add_member()
        names = [panel.members.table.item(r, 0).text() for r in range(panel.members.table.rowCount())]
        assert any(name.startswith("新媳妇") for name in names), names
        pc.wait_pending(text["pending"].format(n=2))

    with pc.step("visit"):
        panel.tabs.setCurrentIndex(2)
        pc.forms.visit.append({"visited_on": dt.date(2026, 12, 5), "kind": "1", "findings": "新成员已入户登记"})
        panel.visits.add_visit()
        assert panel.visits.table.rowCount() >= 1
        pc.wait_pending(text["pending"].format(n=4))  # the visit and the household's last-visit date
        panel.tabs.setCurrentIndex(0)

    moving = township.households_in(township.grid)[0]
    with pc.step("move a household to the other grid"):
        search = pc.window.search  # Ctrl+F, the household number, Enter
        pc.qtbot.keyClick(pc.window.navigation, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
        search.box.setText(moving)
        pc.qtbot.keyClick(search.box, Qt.Key.Key_Return)
        register = pc.window.current_page()
        assert panel.detail.household.household_no == moving
        panel.grid.setCurrentIndex(panel.grid.findData(township.other_grid))
        register.save()
        # the household and each member carry the grid: more than one change
        pc.qtbot.waitUntil(lambda: int(re.search(r"\d+", pc.status()["pending"]).group()) > 4)

    with pc.step("sync"):
        pc.sync()
        assert pc.status()["pending"] == text["pending"].format(n=0)
        with township.server.session() as s:
            assert s.get(Person, leaver.id).moved_out_to == "赤峰市红山区"
            assert s.scalar(select(Person.moved_in_from).where(Person.name == "新媳妇",
                                                               Person.household_id == found.household_id)) == "巴林右旗大板镇"

    with worker.step("the first grid's worker loses the moved household"):
        worker.sync()
        after = worker.households_listed()
        assert moving in before and moving not in after and len(after) == len(before) - 1

    other = desktop("grid_worker", township.other_grid, name="grid2")
    with other.step("the second grid's worker has it"):
        other.sync()
        shown = set(other.households_listed())
        assert moving in shown and not shown & set(after)

    with pc.step("print the household card"):
        register = pc.page("register")
        pdf = pc.shots.parent / f"card-{language}.pdf"
        pc.dialogs.texts.append("迁出证明")
        pc.dialogs.paths.append(str(pdf))
        panel.print_card()
        assert pdf.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_the_register_filters_stay_apart_with_a_dashboard_tiles_chip(desktop, township, language):
    """Opened from a dashboard tile (应走访未走访的户), the register's filter row also shows the tile's
    chip; at 1366 px the row no longer fit and Qt laid the search box under the village label
    (“…电话尾号C(社区)” on the demo)."""
    pc: Desktop = desktop("village_cadre", township.village, language=language, name=f"cadre-chip-{language}")
    with pc.step("从工作台的数字打开户列表"):
        pc.sync()
        register = pc.page("register")
        register.show_list("never_visited")
        assert register.filters.visit_chip.isVisible()
        row = register.filters
        widgets = sorted((w for w in row.findChildren(QWidget) if w.parent() is row and w.isVisible()),
                         key=lambda w: w.geometry().left())
        overlapping = [(a.objectName() or type(a).__name__, b.objectName() or type(b).__name__)
                       for a, b in zip(widgets, widgets[1:], strict=False) if a.geometry().right() >= b.geometry().left()]
        assert overlapping == [], overlapping
        assert row.geometry().right() < register.import_button.geometry().left()
