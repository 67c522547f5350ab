"""A department-to-village task round trip through a real city server (uvicorn on loopback, the
real sync service over HTTP): a clerk's household reaches the server; the 民政 department issues a
data-verification task to the village from its task desk; after sync the clerk's inbox shows it, the
clerk accepts it, links the household, answers the 一表通 from the register (correcting the head's
phone once) and completes it; after the department's sync its task desk shows the target completed
1/1 with the answer in the feedback, and the register correction reached the server."""
# Fixtures come from tests/ui_support.py by import, which ruff reads as redefinition.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from app.client.one_form import OneFormDesk
from app.client.task_desk import TaskDesk
from app.services.context import beijing_now
from db.models import Person, Task, TaskFeedback
from tests.client_sync_support import enrolled_client
from tests.console_support import approved_catalogue_entry
from tests.server.live import live_server
from tests.ui_support import ScriptedDialogs
from ui.taskdesk.issue_form import IssueTaskForm, check_items
from ui.taskdesk.page import TaskDeskPage
from ui.tasks import ImmediateTaskRunner

TOWNSHIP, VILLAGE = "150422100", "150422100201"
HOUSEHOLD_NO = VILLAGE + "010777"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("taskdesk-live")
    with live_server(f"sqlite:///{tmp / 'city.db'}", tmp) as live:
        yield live


class Desk:
    def __init__(self, qtbot, services) -> None:
        self.services, self.context, self.dialogs, self.errors = services, services.context, ScriptedDialogs(), []
        self.page = TaskDeskPage(TaskDesk(self.context), OneFormDesk(self.context), ImmediateTaskRunner(),
                                 self.dialogs, self.errors.append, _Forms())
        qtbot.addWidget(self.page)
        self.page.activate()

    def sync(self) -> None:
        self.services.sync.sync_now()
        self.page.reload()


class _Forms:
    values = None

    def issue_input(self, parent, regions, departments, now, catalogue=()):
        return self.values


def test_department_to_village_task_round_trip_over_http(qtbot, server, tmp_path):
    clerk_services = enrolled_client(tmp_path / "clerk.db", server, server.add_user("township_staff", TOWNSHIP))
    ctx = clerk_services.context
    household = ctx.households.create(HOUSEHOLD_NO, VILLAGE, address="福山地村7组7号")
    head = ctx.persons.create(household.id, "𠮷祥", id_number="11010519491231002X", phone="13700000001",
                              relation_to_head="02", residence_type="1")
    clerk_services.sync.sync_now()

    dept_services = enrolled_client(tmp_path / "dept.db", server, server.add_user("department", "", "mz"))
    dept = Desk(qtbot, dept_services)
    offline = IssueTaskForm(*TaskDesk(dept.context).issue_options(), beijing_now())  # no catalogue read
    qtbot.addWidget(offline)
    offline.title.setText("低保对象联系方式核查")
    offline.kind.setCurrentIndex(offline.kind.findData("2"))
    check_items(offline.regions, [VILLAGE])
    offline.accept()
    assert offline.problem.text() == "数据核采任务须按已批准的报表准入目录下发" and offline.fields.count() == 0
    approved_catalogue_entry(server, "mz", "低保对象信息核对", ["phone", "residence_type"], "低保年度复核")
    catalogue = TaskDesk(dept.context, transport_of=dept_services.enrolment.transport).request_catalogue()
    form = IssueTaskForm(*TaskDesk(dept.context).issue_options(), beijing_now(), catalogue=catalogue)
    qtbot.addWidget(form)
    form.title.setText("低保对象联系方式核查")
    form.kind.setCurrentIndex(form.kind.findData("2"))
    check_items(form.regions, [VILLAGE])
    assert form.entry.currentText() == "低保对象信息核对" and "低保年度复核" in form.purpose.text()
    assert form.missing() == "" and form.values()["requested_fields"] == ["phone", "residence_type"]
    dept.page._forms.values = {**form.values(), "due_at": beijing_now() + dt.timedelta(days=5)}
    dept.page.create_new()
    assert dept.errors == [] and dept.dialogs.shown[-1][0] == "info"
    dept.sync()

    clerk = Desk(qtbot, clerk_services)
    clerk.sync()
    clerk.page.search.setText("低保对象联系方式核查")
    clerk.page.reload()
    clerk.page.group_tabs.setCurrentIndex(2)  # 进行中: due in five days
    [target_id] = [clerk.page.model.row_at(r).view.id for r in range(clerk.page.model.rowCount())]
    assert clerk.page.select_target(target_id)
    detail = clerk.page.detail
    assert set(detail.action_buttons) == {"accept", "return"}
    detail.action_buttons["accept"].click()
    detail.link_search.setText(HOUSEHOLD_NO)
    clerk.dialogs.choices.append(0)
    detail.link()
    one_form = detail.one_form
    assert one_form.table.rowCount() == 1 and one_form.member_box(0).currentText().startswith("𠮷祥")
    one_form.table.item(0, 3).setText("13700000002")
    one_form.table.selectRow(0)
    one_form.confirm_selected()
    clerk.dialogs.texts.append("已入户核对，电话已更正。")
    one_form.send_answer()
    detail.action_buttons["complete"].click()
    assert clerk.errors == [] and "已完成" in detail.meta.text()
    clerk.sync()
    assert clerk.services.context.status.outbox_counts().pending == 0

    dept.sync()
    assert dept.page.select_target(target_id) and dept.page.group == "done"
    row = dept.page.list.currentIndex().row()
    assert dept.page.model.index(row, 2).data() == "1/1" and dept.page.model.index(row, 3).data() == "已完成"
    feedback = [dept.page.detail.feedback.item(i).text() for i in range(dept.page.detail.feedback.count())]
    assert any("已入户核对，电话已更正。" in text for text in feedback), feedback
    with dept.context.sessions() as s:
        answer = s.scalars(select(TaskFeedback).where(TaskFeedback.target_id == target_id,
                                                      TaskFeedback.text == "已入户核对，电话已更正。")).one()
        assert answer.answers["households"][HOUSEHOLD_NO]["phone"] == "13700000002"
        assert s.get(Person, head.id) is None  # a department never receives the register itself
    with server.session() as s:
        assert s.get(Person, head.id).phone == "13700000002"
    assert dept.errors == [] and clerk.errors == []


def test_the_city_admin_issues_a_data_request_for_a_department_from_the_desktop(qtbot, server, tmp_path):
    """The city admin's desktop reads every department's approved catalogue; the issue form offers the
    entries of the department chosen (none for a department without one) and the server accepts the
    data request it issues."""
    approved_catalogue_entry(server, "ga", "流动人口居住信息核对", ["current_address", "residence_type"], "居住证核发")
    approved_catalogue_entry(server, "wj", "老年人健康档案核对", ["phone"], "家庭医生签约")
    admin_services = enrolled_client(tmp_path / "admin.db", server, server.add_user("city_admin"))
    ctx = admin_services.context
    desk = TaskDesk(ctx, transport_of=admin_services.enrolment.transport)
    seen = {}

    class FillIn:
        """What the city admin does in the dialog the page opens with the catalogue it read."""

        def issue_input(self, parent, regions, departments, now, catalogue=()):
            form = IssueTaskForm(regions, departments, now, parent, catalogue)
            qtbot.addWidget(form)
            form.title.setText("流动人口居住信息核对")
            form.kind.setCurrentIndex(form.kind.findData("2"))
            check_items(form.regions, [VILLAGE])
            form.department.setCurrentIndex(form.department.findData("wj"))
            seen["wj"] = [form.entry.itemText(i) for i in range(form.entry.count())]
            form.department.setCurrentIndex(form.department.findData("sl"))  # 水利: nothing approved
            seen["sl"] = (form.entry.count(), form.missing())
            form.department.setCurrentIndex(form.department.findData("ga"))
            seen["ga"] = (form.entry.currentText(), form.purpose.text(), form.missing())
            return {**form.values(), "due_at": beijing_now() + dt.timedelta(days=5)}

    admin = Desk(qtbot, admin_services)
    admin.page = TaskDeskPage(desk, OneFormDesk(ctx), ImmediateTaskRunner(), admin.dialogs, admin.errors.append,
                              FillIn())
    qtbot.addWidget(admin.page)
    admin.page.activate()
    assert {(e.department_code, e.name) for e in desk.request_catalogue()} >= {
        ("ga", "流动人口居住信息核对"), ("wj", "老年人健康档案核对")}  # every department's
    admin.page.create_new()
    assert admin.errors == [] and admin.dialogs.shown[-1][0] == "info"
    assert seen["wj"] == ["老年人健康档案核对"]
    assert seen["sl"] == (0, "数据核采任务须按已批准的报表准入目录下发")
    assert seen["ga"][0] == "流动人口居住信息核对" and "居住证核发" in seen["ga"][1] and seen["ga"][2] == ""
    admin.sync()
    assert admin.services.context.status.outbox_counts().pending == 0
    with server.session() as s:
        task = s.scalars(select(Task).where(Task.title == "流动人口居住信息核对")).one()
        assert (task.department_code, task.requested_fields) == ("ga", ["current_address", "residence_type"])
        assert task.request_purpose == "流动人口居住信息核对：居住证核发"
