"""一表通 for any household member and any field the request names, end to end against a live city
server (uvicorn on loopback, real sync over HTTP): a department proposes a request catalogue entry
at the city console, the city admin approves it, the department issues a data request under it for
three of its fields; after sync the clerk's 一表通 shows the entry's purpose and exactly those fields
with their declared labels, picks the spouse rather than the head, is refused a bad phone at the
field with nothing written (not even the good correction typed beside it), then confirms the
corrected values in one go; the printed task sheet shows whose data was checked, the values now in
the register and which were corrected; the department receives only the requested fields, and
sending them is audited with the purpose."""
# Fixtures come from tests/ui_support.py by import, which ruff reads as redefinition.
# ruff: noqa: F811

from __future__ import annotations

import subprocess

import pytest
from sqlalchemy import select

from app.client.one_form import OneFormDesk
from app.client.task_desk import TaskDesk
from app.services.tasks import find_person_link
from db.models import AuditEntry, Person, TaskFeedback, TaskLink
from db.request_fields import label
from server.models import RequestCatalogueEntry
from tests.client_sync_support import enrolled_client
from tests.console_support import signed_in
from tests.server.live import live_server
from tests.ui_support import ScriptedDialogs
from ui.taskdesk.page import TaskDeskPage
from ui.tasks import ImmediateTaskRunner

TOWNSHIP, VILLAGE = "150422100", "150422100201"
HOUSEHOLD_NO = VILLAGE + "010888"
FIELDS = ["education", "ethnicity", "phone"]  # three of the entry's four, in the order asked


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("one-form-live")
    with live_server(f"sqlite:///{tmp / 'city.db'}", tmp) as live:
        yield live


def _issue_under_catalogue(server, name: str = "困难家庭成员信息核查", fields: list[str] = FIELDS) -> None:
    admin = signed_in(server, "city_admin")
    clerk = signed_in(server, "department", "150422", "mz")
    clerk.get("/dept/catalogue")
    r = clerk.post("/dept/catalogue", {"name": name, "purpose": "核定临时救助对象",
                                       "fields[]": ["phone", "education", "ethnicity", "id_number"]})
    assert r.status_code == 200, r.text[:300]
    with server.session() as s:
        entry_id = s.scalars(select(RequestCatalogueEntry.id).where(RequestCatalogueEntry.name == name)).one()
    admin.get("/admin/catalogue")
    assert admin.post(f"/admin/catalogue/{entry_id}", {"decision": "approve", "note": ""}).status_code == 200
    clerk.get("/dept/issue")
    r = clerk.post("/dept/issue", {"title": name, "kind": "2", "priority": "2", "workdays": "5",
                                   "catalogue_id": entry_id, "fields[]": fields, "regions[]": [f"rg-{VILLAGE}"]})
    assert r.status_code == 200 and "任务已下发" in r.text, r.text[:400]


def _open_task(qtbot, services, title: str):
    dialogs, errors = ScriptedDialogs(), []
    page = TaskDeskPage(TaskDesk(services.context), OneFormDesk(services.context), ImmediateTaskRunner(), dialogs,
                        errors.append)
    qtbot.addWidget(page)
    page.activate()
    page.search.setText(title)
    page.reload()
    page.group_tabs.setCurrentIndex(2)  # 进行中: due in five working days
    [target_id] = [page.model.row_at(r).view.id for r in range(page.model.rowCount())]
    assert page.select_target(target_id)
    return page, dialogs, errors, target_id


def test_one_form_for_any_member_and_the_catalogue_fields_over_http(qtbot, server, tmp_path):
    services = enrolled_client(tmp_path / "clerk.db", server, server.add_user("township_staff", TOWNSHIP))
    ctx = services.context
    household = ctx.households.create(HOUSEHOLD_NO, VILLAGE, address="福山地村8组8号")
    head = ctx.persons.create(household.id, "包金山", id_number="150422195803150017", phone="13700000011",
                              relation_to_head="02", education="70", ethnicity="11")
    spouse = ctx.persons.create(household.id, "乌云其其格", id_number="150422196105060027", phone="13700000012",
                                relation_to_head="10", education="80", ethnicity="11")
    services.sync.sync_now()
    _issue_under_catalogue(server)
    services.sync.sync_now()

    dialogs, errors = ScriptedDialogs(), []
    page = TaskDeskPage(TaskDesk(ctx), OneFormDesk(ctx), ImmediateTaskRunner(), dialogs, errors.append)
    qtbot.addWidget(page)
    page.activate()
    page.search.setText("困难家庭成员信息核查")
    page.reload()
    page.group_tabs.setCurrentIndex(2)  # 进行中: due in five working days
    [target_id] = [page.model.row_at(r).view.id for r in range(page.model.rowCount())]
    assert page.select_target(target_id)
    detail = page.detail
    detail.action_buttons["accept"].click()
    detail.link_search.setText(HOUSEHOLD_NO)
    dialogs.choices.append(0)
    detail.link()
    assert errors == []

    form = detail.one_form
    headers = [form.table.horizontalHeaderItem(c).text() for c in range(form.table.columnCount())]
    assert headers == ["户编号", "核对人员", "状态", "文化程度", "民族", "联系电话"]
    assert headers[3:] == [label(f) for f in FIELDS]  # the labels declared on the register's columns
    assert "核定临时救助对象" in form.purpose.text() and not form.purpose.isHidden()
    members = form.member_box(0)
    assert members.count() == 2 and members.currentData() == head.id  # the head by default
    members.setCurrentIndex(members.findData(spouse.id))  # the clerk checks the spouse instead
    assert form.table.item(0, 5).text() == "137****0012"  # the spouse's own phone, masked
    education = form.table.cellWidget(0, 3)
    assert education.currentData() == "80"

    # A bad phone beside a good education correction: refused at the field, nothing written.
    education.setCurrentIndex(education.findData("90"))
    form.table.item(0, 5).setText("12ab")
    form.table.selectRow(0)
    form.confirm_selected()
    assert errors == [] and not form.problem.isHidden()  # said at the field, not in a box
    assert form.problem.text().startswith(HOUSEHOLD_NO + " 联系电话：") and "电话" in form.table.item(0, 5).toolTip()
    assert form.table.currentColumn() == 5 and form.table.item(0, 5).text() == "12ab"  # kept to be put right
    assert form.member_box(0).currentData() == spouse.id and form.table.cellWidget(0, 3).currentData() == "90"
    with ctx.sessions() as s:
        assert (s.get(Person, spouse.id).education, s.get(Person, spouse.id).phone) == ("80", "13700000012")
        assert not s.scalars(select(TaskLink).where(TaskLink.household_id == household.id)).one().handled
    assert form.table.item(0, 2).text() == "待核"

    form.table.item(0, 5).setText("13700000099")  # put right; the education correction still typed
    form.table.selectRow(0)
    form.confirm_selected()
    assert errors == [] and form.table.item(0, 2).text() == "已核" and form.progress.text() == "已核 1 户，共 1 户"
    assert form.problem.isHidden()
    assert form.member_box(0).currentData() == spouse.id and form.table.item(0, 5).font().bold()
    with ctx.sessions() as s:
        assert (s.get(Person, spouse.id).education, s.get(Person, spouse.id).phone) == ("90", "13700000099")
        assert s.get(Person, head.id).phone == "13700000011"
        link = s.scalars(select(TaskLink).where(TaskLink.household_id == household.id)).one()
        assert link.handled and link.person_id == spouse.id and sorted(link.corrected) == ["education", "phone"]

    # The printed sheet: the person checked, the values now in the register, the corrections marked.
    pdf = tmp_path / "sheet.pdf"
    ctx.reports.print_task_sheet(detail.card.detail.target.task_id, VILLAGE, pdf, "核对留档")
    text = "".join(subprocess.run(["pdftotext", "-raw", str(pdf), "-"], check=True, capture_output=True,
                                  text=True).stdout.split())
    assert "三、一表通核对结果" in text and "四、反馈记录" in text and "核定临时救助对象" in text and "乌云其其格" in text
    assert "137****0099（已改正）" in text and "联系电话" in text and "文化程度" in text

    dialogs.texts.append("")
    form.send_answer()
    assert errors == []
    services.sync.sync_now()
    with server.session() as s:
        answer = s.scalars(select(TaskFeedback).where(TaskFeedback.text.like("一表通核对%"))).one()
        assert answer.answers["fields"] == FIELDS
        assert answer.answers["households"] == {HOUSEHOLD_NO: {"education": "90", "ethnicity": "11",
                                                               "phone": "13700000099"}}  # no ID number, no name
        assert s.get(Person, spouse.id).phone == "13700000099"
    with ctx.sessions() as s:
        audit = s.scalars(select(AuditEntry).where(AuditEntry.entity == "task_answer")).one()
        assert audit.record_ids == [spouse.id] and "核定临时救助对象" in audit.reason


def test_a_task_targets_a_person_found_by_task_and_person_on_every_device(qtbot, server, tmp_path):
    services = enrolled_client(tmp_path / "clerk.db", server, server.add_user("township_staff", TOWNSHIP))
    ctx = services.context
    household = ctx.households.create(VILLAGE + "010889", VILLAGE, address="福山地村8组9号")
    head = ctx.persons.create(household.id, "包金海", relation_to_head="02", phone="13700000021")
    child = ctx.persons.create(household.id, "包其木格", relation_to_head="20", phone="13700000022")
    services.sync.sync_now()
    _issue_under_catalogue(server, "残疾人子女就学情况核查", ["phone"])
    services.sync.sync_now()

    page, dialogs, errors, target_id = _open_task(qtbot, services, "残疾人子女就学情况核查")
    detail = page.detail
    detail.action_buttons["accept"].click()
    detail.link_search.setText("包其木格")
    dialogs.choices.append(0)
    detail.link_person_button.click()
    assert errors == [] and detail.households.rowCount() == 1
    assert detail.households.item(0, 1).text() == "包金海（核对：包其木格）"
    with ctx.sessions() as s:
        link = find_person_link(s, target_id, child.id)
        assert link is not None and link.household_id == household.id
        assert find_person_link(s, target_id, head.id) is None
    assert detail.one_form.member_box(0).currentData() == child.id  # the form opens on the person linked

    # A second member of the same household on the same task: a link of their own, found by (task,
    # person); the card and 一表通 show one row each, each fixed to its member; progress counts both.
    detail.link_search.setText("包金海")
    dialogs.choices.append(0)
    detail.link_person_button.click()
    assert errors == [] and detail.households.rowCount() == 2
    assert sorted(detail.households.item(r, 1).text() for r in range(2)) == ["包金海", "包金海（核对：包其木格）"]
    with ctx.sessions() as s:
        assert find_person_link(s, target_id, head.id).id != find_person_link(s, target_id, child.id).id
    assert detail.card.detail.target.progress.total == 2
    form = detail.one_form
    assert form.table.rowCount() == 2
    rows = {form.member_box(r).currentData(): r for r in range(2)}
    assert set(rows) == {head.id, child.id}
    assert all(form.member_box(r).count() == 1 and not form.member_box(r).isEnabled() for r in range(2))
    detail.link_search.setText("包金海")  # linking him again changes nothing
    dialogs.choices.append(0)
    detail.link_person_button.click()
    assert errors == [] and detail.households.rowCount() == 2

    # 一表通 for both: the child's phone corrected, the head's confirmed as it is.
    form.table.item(rows[child.id], 3).setText("13700000029")
    form.table.selectRow(rows[child.id])
    form.confirm_selected()
    assert errors == [] and form.progress.text().startswith("已核 1")
    detail.action_buttons["complete"].click()  # one of two still open: refused
    assert len(errors) == 1 and errors.pop().code == "task_incomplete"
    form.table.selectRow(rows[head.id])
    form.confirm_selected()
    assert errors == [] and [form.table.item(r, 2).text() for r in range(2)] == ["已核", "已核"]
    with ctx.sessions() as s:
        assert s.get(Person, child.id).phone == "13700000029" and s.get(Person, head.id).phone == "13700000021"
        child_link, head_link = find_person_link(s, target_id, child.id), find_person_link(s, target_id, head.id)
        assert child_link.handled and child_link.corrected == ["phone"]
        assert head_link.handled and head_link.corrected == []
    dialogs.texts.append("")
    form.send_answer()
    assert errors == []
    detail.action_buttons["complete"].click()
    assert errors == [] and detail.card.detail.target.status == "30"

    services.sync.sync_now()
    with server.session() as s:
        on_server = s.scalars(select(TaskLink).where(TaskLink.target_id == target_id, ~TaskLink.deleted)).all()
        assert sorted((k.person_id, k.handled) for k in on_server) == sorted([(child.id, True), (head.id, True)])
        answer = s.scalars(select(TaskFeedback).where(TaskFeedback.target_id == target_id,
                                                      TaskFeedback.text.like("一表通核对%"))).one()
        assert answer.answers["households"] == {VILLAGE + "010889": [{"phone": "13700000021"},
                                                                      {"phone": "13700000029"}]}
    cadre = enrolled_client(tmp_path / "cadre.db", server, server.add_user("village_cadre", VILLAGE))
    with cadre.context.sessions() as s:
        assert find_person_link(s, target_id, child.id).household_id == household.id
        assert find_person_link(s, target_id, head.id).household_id == household.id
    form = OneFormDesk(cadre.context).load(target_id)
    assert sorted((r.person_name, r.handled) for r in form.rows) == [("包其木格", True), ("包金海", True)]
    assert TaskDesk(cadre.context).latest_answer(target_id).rows == (
        (VILLAGE + "010889", ("137****0021",)), (VILLAGE + "010889", ("137****0029",)))
