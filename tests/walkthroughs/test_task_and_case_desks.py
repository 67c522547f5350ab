"""乡镇干部 and 村干部 finish what reaches them, in real main windows synced with a live city server.

A 民政 data-verification task from arrival to 完成 through 一表通: the department issues it to the
township; the township clerk finds it in the inbox by its title, accepts it and hands it to the
village; the village cadre links two households, corrects one head's phone in the one form,
confirms both, sends the answer and completes it; the department then sees the target 完成 2/2
with the corrected phone (masked) among only the fields it asked for.

A 12345 hotline case from intake to archive: the hotline platform posts it through the channel API;
the clerk finds it by its ticket number, accepts it with the 意见 typed inline (Ctrl+Enter runs the
highlighted next step), dispatches it to a named grid and person, summons 应急管理 (吹哨) and records
its arrival and evaluation; the village cadre signs, handles and reports back; the clerk approves,
records the revisit and archives; the hotline's own status query then reads 归档. The resident is
not satisfied: the hotline reopens it through the channel API and the clerk finds it back at 受理
with every earlier log entry kept."""

from __future__ import annotations

import datetime as dt

import requests
from PySide6.QtCore import Qt

from app.client.task_desk import TaskDesk
from app.services.context import beijing_now
from db.models import Person
from demo import DEMO_TOWNSHIP
from server.intake_keys import create_channel_key
from tests.console_support import approved_catalogue_entry
from tests.walkthroughs.conftest import Desktop
from ui.casedesk.dispatch import DispatchForm
from ui.taskdesk.issue_form import IssueTaskForm, check_items

TITLE = "低保对象联系方式核查（走查）"


class IssueValues:
    """The department's issue form as filled in (the real form's values, no modal exec)."""

    def __init__(self, values: dict) -> None:
        self.values = values

    def issue_input(self, parent, regions, departments, now, catalogue=()):
        self.catalogue = catalogue
        return self.values


def _tasks_matching(page, text: str) -> list:
    page.search.setText(text)
    page.reload()
    return [page.model.row_at(r) for r in range(page.model.rowCount())]


def test_a_department_task_reaches_completed_through_one_form(desktop, township, qtbot):
    dept: Desktop = desktop("department", "150422", name="mz", department="mz")
    staff: Desktop = desktop("township_staff", DEMO_TOWNSHIP, name="staff")
    cadre: Desktop = desktop("village_cadre", township.village, name="cadre")

    with dept.step("部门下发数据核采任务（按已批准的报表准入目录）"):
        approved_catalogue_entry(township.server, "mz", "低保对象联系方式核查", ["phone", "residence_type", "education"],
                                 "低保年度复核")
        dept.sync()
        page = dept.page("tasks")
        catalogue = TaskDesk(dept.context, transport_of=dept.services.enrolment.transport).request_catalogue()
        form = IssueTaskForm(*TaskDesk(dept.context).issue_options(), beijing_now(), catalogue=catalogue)
        qtbot.addWidget(form)
        form.title.setText(TITLE)
        form.kind.setCurrentIndex(form.kind.findData("2"))
        form.entry.setCurrentIndex(form.entry.findText("低保对象联系方式核查"))
        check_items(form.regions, [DEMO_TOWNSHIP + "000"])
        form.fields.item(2).setCheckState(Qt.CheckState.Unchecked)  # this task needs no 文化程度
        assert form.missing() == "" and form.values()["requested_fields"] == ["phone", "residence_type"]
        page._forms = IssueValues({**form.values(), "due_at": beijing_now() + dt.timedelta(days=5)})
        page.create_new()
        assert dept.dialogs.shown[-1][0] == "info", dept.dialogs.shown
        assert [e.name for e in page._forms.catalogue] == ["低保对象联系方式核查"]  # read from the city server
        dept.sync()

    with staff.step("乡镇收件箱搜到任务并接收、指派到村"):
        staff.sync()
        page = staff.page("tasks")
        page.activate()
        assert page.counts["open"] >= 1, page.counts
        [item] = _tasks_matching(page, "联系方式核查（走查")
        target_id = item.view.id
        assert page.select_target(target_id) and page.group == "open"
        page.detail.action_buttons["accept"].click()
        villages = TaskDesk(staff.context).villages_of(target_id)
        staff.dialogs.choices.append([v.code for v in villages].index(township.village))
        staff.dialogs.texts.append("李村长")
        page.detail.assign()
        assert page.detail.card.detail.target.assigned_region_code == township.village
        staff.sync()

    households = township.households_in(township.grid)[:2]
    with cadre.step("村干部关联两户并在一表通中更正电话"):
        cadre.sync()
        page = cadre.page("tasks")
        page.activate()
        assert page.select_target(target_id)
        detail = page.detail
        for number in households:
            detail.link_search.setText(number)
            cadre.dialogs.choices.append(0)
            detail.link()
        assert detail.card.detail.target.progress.label == "0/2"
        one_form = detail.one_form
        detail.tabs.setCurrentWidget(one_form)
        assert one_form.table.rowCount() == 2
        shown = [one_form.table.item(r, 3).text() for r in range(2)]
        assert not any(len(text) == 11 and text.isdigit() for text in shown), shown  # phones masked
        corrected_head = one_form.form.rows[0].person_id
        one_form.table.item(0, 3).setText("13912340000")
        one_form.table.selectAll()
        one_form.confirm_selected()
        assert one_form.progress.text() == "已核 2 户，共 2 户", one_form.progress.text()

    with cadre.step("村干部反馈并完成"):
        cadre.dialogs.texts.append("两户已入户核对，一户电话已更正。")
        one_form.send_answer()
        detail.action_buttons["complete"].click()
        assert "已完成" in detail.meta.text() and cadre.dialogs.shown == []
        cadre.sync()
        assert cadre.status()["pending"] == "待上传 0 条"

    with dept.step("部门看到完成和所要的字段"):
        dept.sync()
        page = dept.page("tasks")
        page.activate()
        assert page.select_target(target_id) and page.group == "done"
        row = page.list.currentIndex().row()
        assert page.model.index(row, 2).data() == "2/2" and page.model.index(row, 3).data() == "已完成"
        answers = page.detail.answers.table
        headers = [answers.horizontalHeaderItem(c).text() for c in range(answers.columnCount())]
        assert headers[1:] == ["联系电话", "人员类别"]  # only the requested fields
        assert "139****0000" in {answers.item(r, 1).text() for r in range(answers.rowCount())}
    with township.server.session() as s:
        assert s.get(Person, corrected_head).phone == "13912340000"


def _dispatch_to(grid: str, person: str):
    """The dispatch dialog filled in as a clerk would (the real form, answered without exec)."""

    def answer(parent, options):
        form = DispatchForm(options, parent)
        form.place.setCurrentIndex(form.place.findData(grid))
        form.assignee.setCurrentText(person)
        return form.values()

    return answer


def test_a_hotline_case_goes_from_intake_through_dispatch_and_whistle_to_archive(desktop, township):
    staff: Desktop = desktop("township_staff", DEMO_TOWNSHIP, name="staff-case")
    cadre: Desktop = desktop("village_cadre", township.village, name="cadre-case")
    server = township.server
    with server.session() as s:
        key = create_channel_key(s, server.settings, "12345", "12345热线平台", "1")
        s.commit()
    ticket = "GD20261206-0042"
    answer = requests.post(server.api + "/intake/cases", headers={"X-Api-Key": key}, json={
        "channel_ref": ticket, "request_type": "3", "category_code": "0201", "title": "沿街商铺占用消防通道",
        "description": "主街两侧商铺长期在消防通道堆放货物", "region_code": township.village,
        "reporter_name": "赵女士", "reporter_phone": "13800001111"})
    assert answer.status_code == 200, answer.text

    with staff.step("按工单号找到热线事件"):
        staff.sync()
        page = staff.page("cases")
        page.activate()
        page.list.search.setText("0042")
        page.list.flush()
        [case] = page.cases
        assert case.channel_ref == ticket and page.list.model.index(0, 4).data() == ticket
        assert page.list.model.index(0, 5).data() == "赵女士 138****1111"  # masked in the list
        page.select_case(case.id)
        detail = page.detail
        assert ticket in detail.meta.text()

    with staff.step("受理：意见直接写在面板里，Ctrl+Enter 执行默认的下一步"):
        assert detail.bar.default == "accept"
        detail.bar.opinion.setPlainText("属实，受理。")
        detail.bar.run_default()
        assert detail.detail.case.status == 20 and detail.bar.default == "dispatch"
        assert staff.dialogs.shown == []  # no dialog for a plain step

    with staff.step("分派到具名网格和责任人"):
        detail._dispatch_input = _dispatch_to(township.grid, "刘网格员")
        detail.bar.opinion.setPlainText("请网格员与村委会上门处置。")
        detail.bar.buttons["dispatch"].click()
        case = detail.detail.case
        assert (case.status, case.dispatched_to, case.assignee) == (30, township.grid, "刘网格员")
        assert "刘网格员" in detail.meta.text()

    with staff.step("吹哨：召集应急管理，记录报到并评价"):
        detail.tabs.setCurrentIndex(1)
        for i in range(detail.summon_list.count()):
            if detail.summon_list.item(i).text() == "应急管理":
                detail.summon_list.item(i).setCheckState(Qt.CheckState.Checked)
        detail.whistle()
        detail.whistles.selectRow(0)
        detail.record_arrival()
        detail.whistles.selectRow(0)
        staff.dialogs.choices.append(0)
        staff.dialogs.texts.append("40分钟内到场")
        detail.evaluate()
        assert detail.whistles.item(0, 3).text() == "好（40分钟内到场）"
        staff.sync()

    with cadre.step("村干部签收、处置并回单"):
        cadre.sync()
        page = cadre.page("cases")
        page.activate()
        page.list.search.setText(ticket)
        page.list.flush()
        assert page.select_case(case.id)
        bar = page.detail.bar
        for action, text in (("sign", "已签收"), ("handle", "已约谈商户"), ("submit", "通道已清理，商户承诺不再占用")):
            assert bar.default == action, (bar.default, action)
            bar.opinion.setPlainText(text)
            bar.run_default()
        assert page.detail.detail.case.status == 60 and cadre.dialogs.shown == []
        cadre.sync()

    with staff.step("审核办结、回访、归档"):
        staff.sync()
        page = staff.page("cases")
        page.detail.open(case.id)
        bar = page.detail.bar
        bar.opinion.setPlainText("处置到位，同意办结。")
        bar.buttons["approve"].click()
        assert page.detail.detail.case.status == 70
        bar.opinion.setPlainText("电话回访，居民满意。")
        staff.dialogs.choices.append(0)
        bar.buttons["revisit"].click()
        bar.buttons["archive"].click()
        assert page.detail.detail.case.status == 90 and staff.dialogs.shown == []
        log = [page.detail.log.item(r, 4).text() for r in range(page.detail.log.rowCount())]
        assert "分派至" in " ".join(log) and "刘网格员" in " ".join(log)
        staff.sync()

    state = requests.get(server.api + f"/intake/cases/{ticket}", headers={"X-Api-Key": key}).json()
    assert state["status"] == 90 and state["satisfaction"] == "1"

    with staff.step("居民通过热线要求重新办理：事件回到受理，办理记录保留"):
        again = requests.post(server.api + f"/intake/cases/{ticket}/reopen", headers={"X-Api-Key": key},
                              json={"reason": "商户又把货物堆回通道"})
        assert again.status_code == 200 and again.json()["status"] == 20, again.text
        before = len(log)
        staff.sync()
        page.detail.open(case.id)
        reopened = page.detail.detail
        assert reopened.case.status == 20 and reopened.case.closed_at is None
        actions = [page.detail.log.item(r, 2).text() for r in range(page.detail.log.rowCount())]
        assert len(actions) == before + 1 and actions[-1] == "重新办理" and "归档" in actions
        assert page.detail.bar.default == "dispatch"  # the clerk dispatches it again
    refused = requests.post(server.api + f"/intake/cases/{ticket}/reopen", headers={"X-Api-Key": key},
                            json={"reason": "再次"})
    assert refused.status_code == 409  # not closed: nothing to reopen
