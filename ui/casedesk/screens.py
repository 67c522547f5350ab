"""Screens of the case desk for `python -m ui.screenshots DIR`: a case in handling with its workflow
buttons, its 吹哨报到 record and its handling log, and the new-case form with a reporter found in the
register. The demo township's cases are mostly finished, so one complaint is registered and taken to
处置中 with two departments summoned on the throwaway screenshot database first, through the same
services the buttons use."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QDialog, QWidget

from app.client import ClientContext
from app.client.case_desk import CaseDesk, NewCase
from ui.casedesk.case_form import NewCaseForm
from ui.tasks import ImmediateTaskRunner

Save = Callable[[QWidget, str], Path]


def _prepare_case(context: ClientContext) -> str:
    desk = CaseDesk(context)
    village = context.register.villages()[0]
    view = desk.register(NewCase(
        source="1", request_type="3", category_code="0201", title=f"{village.name}沿街商铺占用消防通道",
        region_code=village.code, place=f"{village.name}2组主街", reporter_name="赵女士", reporter_phone="13800001111",
        description="主街两侧商铺长期在消防通道堆放货物，夜间车辆无法通行，存在安全隐患。",
        parties=(("钱某", "商铺经营者"),)))
    for action, text in (("accept", "属实，受理"), ("dispatch", "请村委会牵头处置"), ("sign", ""),
                         ("handle", "已上门告知限期清理")):
        desk.act(view.id, action, text)
    whistles = desk.whistle(view.id, ["yj", "scjg"], "召集应急管理、市场监管联合执法")
    desk.arrive(whistles[0].id)
    desk.evaluate(whistles[0].id, "1", "接到通知40分钟内到场")
    return view.id


def case_screens(window, context: ClientContext, save: Save) -> list[Path]:
    case_id = _prepare_case(context)
    page = window.show_page("cases")
    page.select_queue(50)  # 处置中
    page.select_case(case_id)
    saved = [save(window, "33_case_detail")]
    page.detail.tabs.setCurrentIndex(1)
    saved.append(save(window, "34_case_whistle"))
    form = NewCaseForm(CaseDesk(context), ImmediateTaskRunner(), print, page.choices, window)
    form.reporter_search.setText("wj")
    form.find_reporter()
    form.reporter_hits.setCurrentRow(0)
    form.title.setText("邻居装修噪音扰民")
    form.show()
    saved.append(save(form, "35_case_form"))
    form.done(QDialog.DialogCode.Rejected)
    return saved
