"""任务 and 一表通 flows on a fresh demo township per test: a department issues a data-verification
task to a village (through the services, on the same local file), the clerk's inbox groups and flags
it, only the legal moves are offered, the clerk accepts, links households, answers the one form from
the register (a correction edits the register once) and completes it; the department's page then
shows the progress and the answer. Synchronous task runner, scripted dialogs."""
# Fixtures come from tests/ui_support.py by import, which ruff reads as redefinition.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import func, select

from app.client import Actor, ClientContext
from app.client.one_form import OneFormDesk
from app.client.request_catalogue import CatalogueChoice
from app.client.task_desk import TaskDesk
from app.services.context import beijing_now
from app.services.task_inbox import GROUPS
from db.client import OutboxChange
from db.engine import open_local
from db.models import AuditEntry, Person, TaskFeedback
from tests.ui_support import DEVICE, ScriptedDialogs, context, demo_template  # noqa: F401
from ui.taskdesk.issue_form import IssueTaskForm, check_items
from ui.taskdesk.page import TaskDeskPage
from ui.tasks import ImmediateTaskRunner

VILLAGE = "150422100201"  # 福山地村
DEPT_DEVICE = "0190f0a0-0000-7000-8000-0000000000d1"


class ScriptedTaskForms:
    def __init__(self, values=None) -> None:
        self.values = values
        self.offered = None

    def issue_input(self, parent, regions, departments, now, catalogue=()):
        self.offered = (regions, departments)
        return self.values


def _department(context) -> ClientContext:
    return ClientContext(open_local(context.engine.url.database),
                         Actor("mz.zhang", "department", "150422", DEPT_DEVICE, department_code="mz"))


def _page(qtbot, ctx, forms=None):
    dialogs, errors = ScriptedDialogs(), []
    page = TaskDeskPage(TaskDesk(ctx), OneFormDesk(ctx), ImmediateTaskRunner(), dialogs, errors.append, forms)
    qtbot.addWidget(page)
    page.resize(1234, 700)
    page.activate()
    return page, dialogs, errors


def _issue_verification(dept_ctx, due_in=dt.timedelta(hours=20)) -> str:
    targets = TaskDesk(dept_ctx).issue(
        title="低保对象联系方式核查", department_code="mz", due_at=beijing_now() + due_in, regions=[VILLAGE],
        kind="2", requested_fields=["phone", "residence_type"], description="请核对联系电话和人员类别。")
    return targets[0].id


def _titles(page) -> list[str]:
    """The titles listed in the page's current group (loaded rows), without the 待上传 badge every task
    made on this never-synced PC carries (tests/walkthroughs/test_task_badge.py checks the badge)."""
    return [page.model.index(r, 0).data().removeprefix("待上传 · ") for r in range(page.model.rowCount())]


def _show_group(page, group: str) -> None:
    page.group_tabs.setCurrentIndex(list(GROUPS).index(group))


def _buttons(page) -> list[str]:
    return [b.text() for b in page.detail.action_buttons.values()]


@pytest.fixture
def department(context):
    ctx = _department(context)
    yield ctx
    ctx.close()


def test_inbox_groups_flags_and_offers_only_legal_moves(qtbot, context, department):
    target_id = _issue_verification(department, dt.timedelta(minutes=30))
    page, _dialogs, errors = _page(qtbot, context)
    counts = TaskDesk(context).inbox_counts(page.query())
    assert [page.group_tabs.tabText(i) for i in range(4)] == [
        f"今日到期（{counts['due_today']}）", f"已超期（{counts['overdue']}）", f"进行中（{counts['open']}）",
        f"已完成（{counts['done']}）"]
    assert counts["due_today"] >= 1
    _show_group(page, "due_today")
    assert "低保对象联系方式核查" in _titles(page)
    assert page.select_target(target_id)
    assert _buttons(page) == ["接收", "退回"]  # not 完成 (not accepted yet), not 重新下发 (the department's)
    assert "即将到期" in page.detail.meta.text() and "联系电话、人员类别" in page.detail.meta.text()
    row = page.list.currentIndex().row()
    status = page.model.index(row, 3)
    assert status.data() == "即将到期" and status.data(Qt.ItemDataRole.ForegroundRole).name() == "#e65100"
    assert "低保对象联系方式核查" in page.model.index(row, 0).data(Qt.ItemDataRole.ToolTipRole)
    page.detail.action_buttons["accept"].click()
    assert _buttons(page) == ["完成", "退回"] and errors == []
    assert "进行中" in page.detail.meta.text() and page.current_target_id() == target_id


def test_overdue_tasks_are_red_in_their_own_group(qtbot, context, department):
    issued_last_week = beijing_now() - dt.timedelta(days=7)
    TaskDesk(department, clock=lambda: issued_last_week).issue(
        title="冬季取暖安全检查", department_code="mz", due_at=issued_last_week + dt.timedelta(days=3),
        regions=[VILLAGE], kind="1")
    page, _dialogs, _errors = _page(qtbot, context)
    _show_group(page, "overdue")
    assert page.counts["overdue"] == page.model.rowCount() >= 1
    row = _titles(page).index("冬季取暖安全检查")
    assert page.model.index(row, 3).data() == "已超期"
    assert page.model.index(row, 1).data(Qt.ItemDataRole.ForegroundRole).name() == "#c62828"


def test_search_and_filters_narrow_every_group(qtbot, context, department):
    target_id = _issue_verification(department, dt.timedelta(days=3))
    page, _dialogs, errors = _page(qtbot, context)
    task_no = TaskDesk(context).card(target_id).item.view.task_no
    for text in ("联系方式核查", task_no[-6:], "民政"):
        page.search.setText(text)
        page.reload()
        _show_group(page, "open")
        assert "低保对象联系方式核查" in _titles(page), text
    page.search.setText("没有这样的任务")
    page.reload()
    assert sum(page.counts[g] for g in GROUPS) == 0 and page.model.rowCount() == 0
    page.search.clear()
    kind = page.filters["kind"]
    kind.setCurrentIndex(kind.findData("3"))  # 指令下达: the verification task is not one
    _show_group(page, "open")
    assert "低保对象联系方式核查" not in _titles(page)
    kind.setCurrentIndex(kind.findData("2"))
    village = page.filters["village"]
    village.setCurrentIndex(village.findData(VILLAGE))
    assert "低保对象联系方式核查" in _titles(page) and errors == []


def test_one_form_round_trip_from_register_to_department(qtbot, context, department):
    target_id = _issue_verification(department, dt.timedelta(days=5))
    page, dialogs, errors = _page(qtbot, context)
    page.select_target(target_id)
    page.detail.action_buttons["accept"].click()
    for pick in (0, 1):  # link the first two households of the village found by number prefix
        page.detail.link_search.setText(VILLAGE)
        dialogs.choices.append(pick)
        page.detail.link()
    assert page.detail.households.rowCount() == 2 and errors == []
    assert page.detail.card.detail.target.progress.label == "0/2"

    form = page.detail.one_form
    assert page.detail.tabs.isTabEnabled(2) and form.table.rowCount() == 2
    headers = [form.table.horizontalHeaderItem(c).text() for c in range(form.table.columnCount())]
    assert headers == ["户编号", "核对人员", "状态", "联系电话", "人员类别"]
    shown_phone = form.table.item(0, 3).text()
    assert "****" in shown_phone  # masked, pre-filled from the register
    person_id = form.form.rows[0].person_id
    with context.sessions() as s:
        before = s.scalar(select(func.count()).select_from(OutboxChange).where(OutboxChange.entity == "person"))
    form.table.item(0, 3).setText("13912345678")
    form.table.selectAll()
    form.confirm_selected()
    assert errors == [] and form.progress.text() == "已核 2 户，共 2 户"
    with context.sessions() as s:
        assert s.get(Person, person_id).phone == "13912345678"
        after = s.scalar(select(func.count()).select_from(OutboxChange).where(OutboxChange.entity == "person"))
    assert after == before + 1  # one correction, one edit; the unchanged row wrote nothing
    assert page.detail.card.detail.target.progress.label == "2/2"

    dialogs.texts.append("")
    form.send_answer()
    with context.sessions() as s:
        entry = s.scalars(select(TaskFeedback).where(TaskFeedback.target_id == target_id)).all()[-1]
        audit = s.scalars(select(AuditEntry).where(AuditEntry.entity == "task_answer")).one()
    assert entry.text.startswith("一表通核对：已核 2 户") and entry.answers["fields"] == ["phone", "residence_type"]
    assert any(values["phone"] == "13912345678" for values in entry.answers["households"].values())
    assert person_id in audit.record_ids and audit.action == "export"

    page.detail.action_buttons["complete"].click()
    assert "已完成" in page.detail.meta.text() and _buttons(page) == []

    dept_page, _d, dept_errors = _page(qtbot, department)
    assert not dept_page.issue_button.isHidden()
    assert dept_page.select_target(target_id) and dept_page.group == "done"
    assert dept_page.current_item().view.progress.label == "2/2"
    assert _buttons(dept_page) == ["重新打开"]  # the department's own move only
    feedback = [dept_page.detail.feedback.item(i).text() for i in range(dept_page.detail.feedback.count())]
    assert any("一表通核对" in text for text in feedback) and dept_errors == []
    assert not dept_page.detail.tabs.isTabVisible(2) and dept_page.detail.tabs.isTabVisible(4)
    answers = dept_page.detail.answers.table
    assert answers.rowCount() == 2 and answers.horizontalHeaderItem(1).text() == "联系电话"
    phones = {answers.item(r, 1).text() for r in range(2)}
    assert "139****5678" in phones  # the corrected value, masked on the department's screen
    assert {answers.item(r, 2).text() for r in range(2)} <= {"户籍常住", "流动人口", "人户分离", "外出"}
    assert not page.detail.tabs.isTabVisible(4)


def test_assign_to_village_and_feedback(qtbot, context, department):
    targets = TaskDesk(department).issue(title="汛期安全隐患排查", department_code="mz",
                                         due_at=beijing_now() + dt.timedelta(days=3), regions=["150422100000"],
                                         kind="1")
    page, dialogs, errors = _page(qtbot, context)
    page.select_target(targets[0].id)
    assert page.detail.assign_button.isHidden()  # not before it is accepted
    page.detail.action_buttons["accept"].click()
    assert not page.detail.assign_button.isHidden()
    dialogs.choices.append(0)
    dialogs.texts.append("李村长")
    page.detail.assign()
    assert page.detail.card.detail.target.assigned_region_code == "150422100201"
    assert "福山地村" in page.detail.meta.text() and "李村长" in page.detail.meta.text()
    page.detail.feedback_text.setPlainText("已布置各组排查。")
    page.detail.send_feedback()
    assert page.detail.feedback.item(0).text().endswith("已布置各组排查。") and errors == []
    page.detail.action_buttons["return"].click()  # no reason given: nothing happens
    assert "进行中" in page.detail.meta.text()


def test_department_issues_a_task_from_the_form(qtbot, context, department):
    forms = ScriptedTaskForms()
    page, dialogs, errors = _page(qtbot, department, forms)
    due = (beijing_now() + dt.timedelta(days=10)).replace(second=0)
    form = IssueTaskForm(*_options(department), beijing_now())
    qtbot.addWidget(form)
    form.accept()  # nothing filled in: the dialog stays open and says why
    assert form.problem.text() == "请填写标题" and form.result() != form.DialogCode.Accepted
    form.title.setText("退役军人信息采集")
    form.accept()
    assert form.problem.text() == "请至少选择一个下发对象"
    form.kind.setCurrentIndex(form.kind.findData("2"))
    check_items(form.regions, [VILLAGE, "150422100202"])
    form.accept()  # a data request without an approved catalogue entry (offline here): refused
    assert form.problem.text() == "数据核采任务须按已批准的报表准入目录下发"
    entry = CatalogueChoice("e1", "退役军人信息采集", "优待证办理", ("phone", "current_address", "education"))
    form = IssueTaskForm(*_options(department), beijing_now(), catalogue=[entry])  # as the server lists it
    qtbot.addWidget(form)
    form.title.setText("退役军人信息采集")
    form.kind.setCurrentIndex(form.kind.findData("2"))
    check_items(form.regions, [VILLAGE, "150422100202"])
    assert [form.fields.item(i).text() for i in range(form.fields.count())] == ["联系电话", "现住址", "文化程度"]
    form.fields.item(2).setCheckState(Qt.CheckState.Unchecked)
    values = form.values()
    assert values["request_purpose"] == "退役军人信息采集：优待证办理"
    assert values["regions"] == [VILLAGE, "150422100202"] and values["requested_fields"] == ["phone", "current_address"]
    assert values["department_code"] == "mz"  # a department issues for itself only
    forms.values = {**values, "due_at": due}
    page.create_new()
    assert errors == [] and dialogs.shown[-1][0] == "info" and "2 个" in dialogs.shown[-1][2]
    assert [label for label, _code in [(d[1], d[0]) for d in forms.offered[1]]] == ["民政"]
    _show_group(page, "open")
    assert "退役军人信息采集" in _titles(page)


def _options(ctx):
    return TaskDesk(ctx).issue_options()


def test_clerks_do_not_see_the_issue_button(qtbot, context):
    page, _dialogs, _errors = _page(qtbot, context)
    assert page.issue_button.isHidden()
    page.create_new()  # Ctrl+N does nothing for a township clerk
    _show_group(page, "done")
    assert page.model.rowCount() >= 1
    assert page.model.headerData(2, Qt.Orientation.Horizontal) == "进度（户）"
    assert page.detail.households.horizontalHeaderItem(3).text() == "已处理"


def test_the_desks_work_on_the_threaded_runner(qtbot, context, department):
    from ui.tasks import TaskRunner

    target_id = _issue_verification(department)
    runner = TaskRunner()
    errors = []
    page = TaskDeskPage(TaskDesk(context), OneFormDesk(context), runner, ScriptedDialogs(), errors.append)
    qtbot.addWidget(page)
    try:
        page.activate()
        qtbot.waitUntil(lambda: bool(page.counts) and not page.model.loading, timeout=5000)
        page.select_target(target_id)
        qtbot.waitUntil(lambda: page.current_target_id() == target_id, timeout=5000)
        qtbot.waitUntil(lambda: "accept" in page.detail.action_buttons, timeout=5000)
        page.detail.action_buttons["accept"].click()
        qtbot.waitUntil(lambda: "complete" in page.detail.action_buttons and runner.pending == 0, timeout=5000)
        assert errors == [] and page.detail.card.detail.target.status == "20"
    finally:
        runner.shutdown()


def test_an_empty_coded_value_is_shown_empty_and_not_guessed(qtbot, context, department):
    target_id = TaskDesk(department).issue(
        title="党员信息核对", department_code="mz", due_at=beijing_now() + dt.timedelta(days=5), regions=[VILLAGE],
        kind="2", requested_fields=["political_status"])[0].id
    desk, form_desk = TaskDesk(context), OneFormDesk(context)
    desk.act(target_id, "accept")
    household = desk.find_households(target_id, VILLAGE, limit=1)[0]
    desk.link(target_id, [household.household_id])
    person_id = form_desk.load(target_id).rows[0].person_id
    with context.sessions.begin() as s:
        s.get(Person, person_id).political_status = None
    page, _dialogs, errors = _page(qtbot, context)
    page.select_target(target_id)
    table = page.detail.one_form.table
    assert table.cellWidget(0, 3).currentText() == "（未填）"
    table.selectRow(0)
    page.detail.one_form.confirm_selected()
    with context.sessions() as s:
        assert s.get(Person, person_id).political_status is None  # confirmed as it is, nothing invented
    assert page.detail.one_form.progress.text() == "已核 1 户，共 1 户" and errors == []


def test_a_sync_in_the_background_keeps_one_form_corrections_being_typed(qtbot, context, department):
    """A periodic sync reloads the desk (ui/app.py), but a correction typed into 一表通 and not yet
    confirmed stays on screen with a hint; an untouched form reloads."""
    target_id = _issue_verification(department)
    desk = TaskDesk(context)
    desk.act(target_id, "accept")
    household = desk.find_households(target_id, VILLAGE, limit=1)[0]
    desk.link(target_id, [household.household_id])
    page, _dialogs, errors = _page(qtbot, context)
    page.select_target(target_id)
    form = page.detail.one_form
    page.refresh_after_sync()  # nothing typed: reloads, nothing to keep
    assert not form.edited and page.detail.stale.isHidden()
    form.table.item(0, 3).setText("13912345678")
    assert form.edited
    page.refresh_after_sync()
    assert form.table.item(0, 3).text() == "13912345678" and not page.detail.stale.isHidden()
    form.table.selectRow(0)
    form.confirm_selected()  # saving shows the fresh card and form
    assert not form.edited and page.detail.stale.isHidden() and errors == []
