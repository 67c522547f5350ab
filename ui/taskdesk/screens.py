"""Screens of the task desk for `python -m ui.screenshots DIR`: a target opened with its linked
households, the 一表通 tab of a data-verification task, and the department user's view of its tasks
across the township. The demo township rarely has a verification task in progress with households
linked, so one is issued by a demo department user and accepted and linked by the clerk on the
throwaway screenshot database first, through the same services the buttons use."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QWidget

from app.client import Actor, ClientContext
from app.client.one_form import OneFormDesk
from app.client.task_desk import TaskDesk
from app.services.context import beijing_now
from ui.taskdesk.page import TaskDeskPage
from ui.tasks import ImmediateTaskRunner

Save = Callable[[QWidget, str], Path]


def _prepare_verification(context: ClientContext, department: ClientContext) -> str:
    village = context.register.villages()[0].code
    target = TaskDesk(department).issue(
        title="低保对象家庭情况核查", department_code="mz", due_at=beijing_now() + dt.timedelta(hours=20),
        regions=[village], kind="2", requested_fields=["phone", "residence_type", "current_address"],
        description="请核对低保对象户主的联系电话、人员类别和现住址，12月1日前反馈。")[0]
    desk = TaskDesk(context)
    desk.act(target.id, "accept")
    households = desk.find_households(target.id, village, limit=6)
    desk.link(target.id, [h.household_id for h in households])
    form = OneFormDesk(context)
    for row in form.load(target.id).rows[:2]:
        form.confirm(target.id, row.household_id, {})
    form.send_answer(target.id, "已核对前两户，其余户本周内完成。")
    return target.id


def task_screens(window, context: ClientContext, save: Save) -> list[Path]:
    # The department user shares the demo database (and its engine, which the caller disposes).
    department = ClientContext(context.engine, Actor("mz.zhang", "department", context.actor.scope[:6],
                                                     "device-screens-department", department_code="mz"))
    target_id = _prepare_verification(context, department)
    page = window.show_page("tasks")
    page.reload()
    page.select_target(target_id)
    saved = [save(window, "30_task_detail")]
    page.detail.tabs.setCurrentWidget(page.detail.one_form)
    saved.append(save(window, "31_task_one_form"))
    view = TaskDeskPage(TaskDesk(department), OneFormDesk(department), ImmediateTaskRunner(), None, print)
    view.resize(window.stack.size())
    view.activate()
    view.select_target(target_id)
    view.detail.tabs.setCurrentWidget(view.detail.answers)
    view.show()
    saved.append(save(view, "32_tasks_department"))
    view.close()
    return saved

