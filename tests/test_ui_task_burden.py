"""千条线: a department that issues the same work in batches shows up as one line, and the township's
task page shows, per village and week, how many tasks landed and on how many lines — clicked
through the real page on a demo township (its own tasks are the inputs this test did not make),
then the line opened lists exactly its tasks in the inbox."""
# Fixtures come from tests/ui_support.py by import, which ruff reads as redefinition.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt

import pytest

from app.client import Actor, ClientContext
from app.client.one_form import OneFormDesk
from app.client.task_desk import TaskDesk
from app.rules.task_threads import thread_topic
from app.services.context import beijing_now
from db.engine import open_local
from tests.ui_support import ScriptedDialogs, context, demo_template  # noqa: F401
from ui.taskdesk.page import TaskDeskPage
from ui.tasks import ImmediateTaskRunner

VILLAGE, OTHER = "150422100201", "150422100202"
TOPIC = "农村危房改造安全鉴定"
BATCHES = [f"关于开展{TOPIC}工作的通知", f"2026年12月{TOPIC}（第二批）", f"{TOPIC}第3期"]


@pytest.mark.parametrize(("title", "topic"), [
    ("关于开展低保对象家庭情况核查工作的通知", "低保对象家庭情况核查"),
    ("2026年12月低保对象家庭情况核查（第二批）", "低保对象家庭情况核查"),
    ("关于做好2026年度退役军人信息采集工作的通知", "退役军人信息采集"),
    ("关于开展65岁以上老人健康档案核对工作的通知", "65岁以上老人健康档案核对"),
    ("冬季取暖安全检查【紧急】", "冬季取暖安全检查"),
    ("工作的通知", "工作的通知"),  # nothing left once the frame goes: the title itself
])
def test_a_title_keeps_its_topic_and_drops_what_varies_between_batches(title, topic):
    assert thread_topic(title) == topic


def _department(context) -> ClientContext:
    return ClientContext(open_local(context.engine.url.database),
                         Actor("mz.li", "department", "150422", "0190f0a0-0000-7000-8000-0000000000d7",
                               department_code="mz"))


def test_batches_of_one_department_are_one_line_in_the_burden_view(qtbot, context):
    department = _department(context)
    desk = TaskDesk(department)
    due = beijing_now() + dt.timedelta(days=6)
    for title in BATCHES:
        desk.issue(title=title, department_code="mz", due_at=due, regions=[VILLAGE], kind="1")
    desk.issue(title=BATCHES[0], department_code="mz", due_at=due, regions=[OTHER], kind="1")
    department.close()

    dialogs, errors = ScriptedDialogs(), []
    page = TaskDeskPage(TaskDesk(context), OneFormDesk(context), ImmediateTaskRunner(), dialogs, errors.append)
    qtbot.addWidget(page)
    page.resize(1300, 720)
    page.activate()
    page.burden_button.click()
    assert page.left.currentWidget() is page.burden and errors == []
    burden = page.burden.burden
    line = next(t for t in burden.threads if t.topic == TOPIC)
    assert (line.department_code, line.tasks, line.targets, line.open_targets) == ("mz", 4, 4, 4)
    assert sum(1 for t in burden.threads if t.topic == TOPIC) == 1  # four issues, one line

    table = page.burden.villages
    names = [table.item(r, 0).text() for r in range(table.rowCount())]
    row = next(r for r in burden.rows if r.region_code == VILLAGE)
    this_week = len(burden.weeks)  # the last week column
    cell = table.item(names.index(row.name), this_week).text()
    counted, lines = row.tasks[-1], row.threads[-1]
    assert counted >= 3 and lines <= counted - 2  # three batches this week, counted on one line
    assert cell == f"{counted}/{lines}"
    assert table.horizontalHeaderItem(this_week).text() == f"{burden.weeks[-1]:%m-%d}"

    lines_table = page.burden.threads
    lines_table.setCurrentCell([t.topic for t in burden.threads].index(TOPIC), 1)
    page.burden.open_button.click()
    assert page.left.currentIndex() == 0 and not page.burden_button.isChecked()
    assert page.search.text() == TOPIC and page.filters["department"].currentData() == "mz"
    titles = sorted(page.model.index(r, 0).data().removeprefix("待上传 · ") for r in range(page.model.rowCount()))
    assert titles == sorted([*BATCHES, BATCHES[0]]) and errors == []
