"""A sync the user did not start keeps the clerk's place in the long lists. Seen before: after the
periodic sync the case desk, the task inbox and the register read their lists afresh from the first
page — a clerk working down the cases at row 120 was thrown back to the top, the rows below the
first page gone, and had to scroll and find their place again. Now the rows loaded are read again
in place: the record at the top of the list stays at the top, the chosen one stays chosen, and a
case that came in meanwhile appears above them without pushing them away."""

from __future__ import annotations

import datetime as dt

import pytest
import requests
from PySide6.QtCore import QCoreApplication, QPoint
from PySide6.QtWidgets import QAbstractItemView

from demo import DEMO_TOWNSHIP
from server.adopt import adopt_unversioned
from server.intake_keys import create_channel_key
from tests.walkthroughs.conftest import Desktop, township_task
from tests.walkthroughs.test_background_sync import background_sync


def _post_case(township, key: str, n: int) -> None:
    answer = requests.post(township.server.api + "/intake/cases", headers={"X-Api-Key": key}, json={
        "channel_ref": f"GD20261207-P{n:03d}", "request_type": "3", "category_code": "0201",
        "title": f"楼道堆物第{n}号（长列表）", "description": "热线转来", "region_code": township.village,
        "reporter_name": "孙女士", "reporter_phone": "13800003333"})
    assert answer.status_code == 200, answer.text


@pytest.fixture(scope="module")
def busy(township):
    """The township with a case list and a task inbox longer than a page (100 rows)."""
    with township.server.session() as s:
        key = create_channel_key(s, township.server.settings, "12345", "12345热线平台", "1")
        for n in range(130):
            township_task(s, f"RW20261207{n:05d}", f"长列表核查任务{n}", dt.datetime(2026, 12, 30, 17))
        s.commit()
        adopt_unversioned(s)
        s.commit()
    for n in range(130):
        _post_case(township, key, n)
    return key


def _top(view) -> int:
    """The row at the top of the list as the clerk sees it (after the view has laid itself out)."""
    for _ in range(3):
        QCoreApplication.processEvents()
    return view.indexAt(QPoint(0, 0)).row()


def _read_down_to(view, model, row: int) -> None:
    """The clerk scrolls down, pages loading as they go, and puts `row` at the top of the list."""
    while model.rowCount() <= row + 5 and model.canFetchMore():
        model.fetchMore()
    view.scrollTo(model.index(row, 0), QAbstractItemView.ScrollHint.PositionAtTop)


def _in_place(view, model, top, chosen) -> None:
    """The record `top` still at the top of the view and `chosen` still the chosen row."""
    assert model.row_at(_top(view)).id == top, (_top(view), model.rowCount())
    rows = view.selectionModel().selectedRows()
    assert rows and model.row_at(rows[0].row()).id == chosen


def test_the_case_list_keeps_its_place_and_choice_through_a_background_sync(desktop, township, busy):
    clerk: Desktop = desktop("township_staff", DEMO_TOWNSHIP, name="clerk-place")
    with clerk.step("乡镇干部往下翻到第120行，打开一件事件"):
        clerk.sync()
        page = clerk.page("cases")
        page.activate()
        view, model = page.table, page.list.model
        _read_down_to(view, model, 110)
        assert model.rowCount() > 120, model.rowCount()
        chosen = model.row_at(120).id
        view.selectRow(120)
        assert page.detail.detail.case.id == chosen
        view.scrollTo(model.index(110, 0), QAbstractItemView.ScrollHint.PositionAtTop)
        assert _top(view) == 110
        top_case = model.row_at(110).id

    _post_case(township, busy, 900)
    with clerk.step("后台同步带来一件新事件：列表仍停在原处，仍选中那件事件"):
        background_sync(clerk)
        assert model.rowCount() > 120, model.rowCount()
        _in_place(view, model, top_case, chosen)
        assert page.detail.detail.case.id == chosen
        assert model.row_at(0).channel_ref == "GD20261207-P900"  # the new case came in above

    with clerk.step("受理这件事件：列表仍停在原处，仍选中它"):
        page.detail.bar.opinion.setPlainText("已受理。")
        page.detail.bar.run_default()
        assert page.detail.detail.case.status == 20
        _in_place(view, model, top_case, chosen)


def test_the_task_inbox_keeps_its_place_and_choice_through_a_background_sync(desktop, township, busy):
    clerk: Desktop = desktop("township_staff", DEMO_TOWNSHIP, name="clerk-task-place")
    with clerk.step("乡镇干部在进行中的任务里往下翻，打开一项"):
        clerk.sync()
        page = clerk.page("tasks")
        page.activate()
        page.group_tabs.setCurrentIndex(2)  # 进行中
        view, model = page.list, page.model
        _read_down_to(view, model, 110)
        assert model.rowCount() > 120, model.rowCount()
        page._set_current_row(115)
        chosen = page.current_target_id()
        view.scrollTo(model.index(110, 0), QAbstractItemView.ScrollHint.PositionAtTop)
        top_target = model.row_at(_top(view)).view.id
        assert _top(view) == 110

    with clerk.step("后台同步后：列表仍停在原处，任务仍打开"):
        background_sync(clerk)
        assert model.row_at(_top(view)).view.id == top_target, _top(view)
        assert page.current_target_id() == chosen
        assert page.detail_target_id() == chosen

    with clerk.step("反馈进展：列表仍停在原处，任务仍选中"):
        page.detail.feedback_text.setPlainText("已走访3户。")
        page.detail.send_feedback()
        assert model.row_at(_top(view)).view.id == top_target, _top(view)
        assert page.current_target_id() == chosen


def test_the_register_keeps_its_place_through_a_sync(desktop, township, busy):
    clerk: Desktop = desktop("township_staff", DEMO_TOWNSHIP, name="clerk-register-place")
    with clerk.step("乡镇干部在人员列表里往下翻"):
        clerk.sync()
        register = clerk.page("register")
        view, model = register.person_view, register.persons
        _read_down_to(view, model, 150)
        assert model.rowCount() > 160, model.rowCount()
        view.selectRow(155)
        chosen = model.row_at(155).id
        view.scrollTo(model.index(150, 0), QAbstractItemView.ScrollHint.PositionAtTop)
        assert _top(view) == 150
        top_person = model.row_at(150).id

    with clerk.step("按F5同步后：人员列表仍停在原处，仍选中那个人"):
        clerk.sync()
        assert model.rowCount() > 160, model.rowCount()
        _in_place(view, model, top_person, chosen)


def test_a_visit_recorded_keeps_the_clerks_place_in_the_register(desktop, township, busy):
    """Seen on the demo as a village cadre: recording a visit (or any save in the household panel)
    read the person list afresh from its first page — the row just worked on gone from view, the
    list back at the top, for a grid worker going down the list household by household."""
    clerk: Desktop = desktop("township_staff", DEMO_TOWNSHIP, name="clerk-visit-place")
    with clerk.step("乡镇干部在人员列表里往下翻，打开第155行的人所在的户"):
        clerk.sync()
        register = clerk.page("register")
        view, model = register.person_view, register.persons
        _read_down_to(view, model, 150)
        view.selectRow(155)
        chosen = model.row_at(155).id
        view.scrollTo(model.index(150, 0), QAbstractItemView.ScrollHint.PositionAtTop)
        assert _top(view) == 150
        top_person = model.row_at(150).id
        assert register.panel.detail is not None

    with clerk.step("记一次走访：列表仍停在原处，仍选中那个人"):
        panel = register.panel
        panel.tabs.setCurrentIndex(2)
        clerk.forms.visit.append({"visited_on": clerk.context.households.today(), "kind": "1", "findings": "一切正常"})
        panel.visits.add_visit()
        assert panel.visits.table.rowCount() >= 1
        assert model.rowCount() > 155, model.rowCount()
        _in_place(view, model, top_person, chosen)
