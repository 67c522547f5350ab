"""A department clerk finds a task it sent down in its list (found by title or number, each task's
targets counted) and follows it (server.console.dept_pages.task_page): per
township how many targets are done, in progress, not started, returned, overdue and have sent
feedback; per village of the township chosen, each target with its progress and latest feedback;
exported to Excel (the console's one exporter, audited). Another department sees nothing of it."""

from __future__ import annotations

import html
import io
import re
import time
import uuid
from pathlib import Path

from openpyxl import load_workbook
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import select, update

from db.ids import new_id
from db.models import AuditEntry, Task, TaskFeedback, TaskTarget
from tests.console_support import signed_in
from tests.server.fixtures import server_fixture  # noqa: F401
from tests.test_console_browser import browser, shots  # noqa: F401
from tests.test_console_pages import approved_entry, dept_code
from tests.test_console_region_choice import person_fixture  # noqa: F401

TOWNSHIP, OTHER = "150422102", "150422103"  # 十三敖包镇, 碧流台镇
DONE_VILLAGE, BUSY_VILLAGE, IDLE_VILLAGE = TOWNSHIP + "201", TOWNSHIP + "202", OTHER + "201"


def cells(page: str, heading: str) -> list[str]:
    """The cells of the table row whose first cell holds `heading`, as text."""
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", page, re.S):
        found = [html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        if found and heading in found[0]:
            return found
    raise AssertionError(f"no row {heading!r} in the page")


def _feedback(server, target: TaskTarget, status: str, handled: int, total: int) -> None:
    from server.store.tables import RecordVersion

    with server.session() as s:  # the PC has pulled the target: its edit is based on the versions held
        versions = s.get(RecordVersion, ("task_target", target.id)).field_versions
    base = {name: versions[name][0] for name in ("status", "handled_count", "total_count") if name in versions}
    cadre = server.user_client("village_cadre", target.region_code)
    r = cadre.push([cadre.change("task_feedback", new_id(), {
        "target_id": target.id, "region_code": target.region_code, "at": "2026-12-06T10:00:00", "author": "村干部",
        "text": f"已走访 {handled} 户", "handled_count": handled, "total_count": total}),
        cadre.change("task_target", target.id, {"status": status, "handled_count": handled, "total_count": total}, base=base)])
    assert {x["outcome"] for x in r.json()["results"]} == {"accepted"}, r.text


def test_a_clerk_reads_one_tasks_progress_by_township_and_village_and_exports_it(server):
    dept = dept_code()
    clerk = signed_in(server, "department", "150422", dept)
    clerk.get("/dept/issue")
    title = f"独居老人走访{uuid.uuid4().hex[:4]}"
    r = clerk.post("/dept/issue", {"title": title, "description": "", "kind": "1", "priority": "2", "workdays": "5",
                                   "regions[]": [f"rg-{c}" for c in (DONE_VILLAGE, BUSY_VILLAGE, IDLE_VILLAGE)]})
    assert r.status_code == 200 and "任务已下发：3 个对象" in r.text
    assert "按乡镇、村汇总" in r.text  # where issuing lands, the way to the summary
    with server.session() as s:
        task = s.scalars(select(Task).where(Task.title == title)).one()
        targets = {t.region_code: t for t in s.scalars(select(TaskTarget).where(TaskTarget.task_id == task.id))}
    _feedback(server, targets[DONE_VILLAGE], "30", 12, 12)
    _feedback(server, targets[BUSY_VILLAGE], "20", 3, 20)
    with server.session() as s:  # a week later: the deadline has passed
        s.execute(update(Task).where(Task.id == task.id).values(due_at=task.due_at.replace(year=2020)))
        s.commit()

    page = clerk.get(f"/dept/tasks/{task.id}").text
    assert f"任务汇总：{task.task_no}《{title}》" in page
    # township, targets, 未接收, 进行中, 已完成, 已退回, overdue, with feedback, households handled
    assert cells(page, "十三敖包镇") == ["十三敖包镇", "2", "0", "1", "1", "0", "1", "2", "15/32"]
    assert cells(page, "碧流台镇") == ["碧流台镇", "1", "1", "0", "0", "0", "1", "0", "0/0"]
    assert cells(page, "合计") == ["合计", "3", "1", "1", "1", "0", "2", "2", "15/32"]
    assert "点乡镇名称查看其各村（社区）" in page

    page = clerk.get(f"/dept/tasks/{task.id}?township={TOWNSHIP}").text
    assert "十三敖包镇：各村（社区）" in page
    busy = cells(page, BUSY_VILLAGE)
    assert busy[1:5] == ["进行中 · 逾期", "3/20", "1", "2026-12-06 10:00"], busy
    assert f'href="/console/dept/targets/{targets[BUSY_VILLAGE].id}"' in page
    assert cells(page, DONE_VILLAGE)[1] == "已完成"
    assert IDLE_VILLAGE not in page.split("各村（社区）")[1]

    r = clerk.get(f"/dept/tasks/{task.id}/summary.xlsx")
    book = load_workbook(io.BytesIO(r.content))
    assert book.sheetnames == ["按乡镇合计", "任务汇总"]
    totals = list(book.active.iter_rows(values_only=True))  # the first sheet: the page's counts per township
    assert totals[0] == ("乡镇", "区划", "下发对象", "未接收", "进行中", "已完成", "已退回", "逾期", "已反馈",
                         "办理进度（户）"), totals[0]
    assert totals[1:] == [("十三敖包镇", TOWNSHIP, 2, 0, 1, 1, 0, 1, 2, "15/32"),
                          ("碧流台镇", OTHER, 1, 1, 0, 0, 0, 1, 0, "0/0"),
                          ("合计", None, 3, 1, 1, 1, 0, 2, 2, "15/32")], totals
    rows = list(book["任务汇总"].iter_rows(values_only=True))
    assert rows[0] == ("乡镇", "村（社区）", "区划", "状态", "办理进度（户）", "逾期", "反馈次数", "最近反馈"), rows[0]
    assert sorted(row[2] for row in rows[1:]) == sorted([DONE_VILLAGE, BUSY_VILLAGE, IDLE_VILLAGE])
    assert tuple(
        row[i] for row in rows if row[2] == BUSY_VILLAGE for i in (0, 3, 4, 5, 6)) == ("十三敖包镇", "进行中", "3/20", "逾期", 1)
    with server.session() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "export",
                                                   AuditEntry.reason == f"控制台导出任务汇总 {task.task_no}")).one()
        assert set(entry.record_ids) == {t.id for t in targets.values()}

    # 催办 the two unfinished targets at once; a reminder is the department's own entry, not feedback
    page = clerk.get(f"/dept/tasks/{task.id}").text
    assert "催办未完成的 2 个对象" in page
    empty = clerk.post(f"/dept/tasks/{task.id}/remind", {"text": " "})
    assert empty.status_code == 422 and "必填" in empty.text
    clerk.get(f"/dept/tasks/{task.id}")
    done = clerk.post(f"/dept/tasks/{task.id}/remind", {"text": "请于周五前走访完毕"})
    assert done.status_code == 200 and "已催办 2 个对象。" in done.text
    with server.session() as s:
        reminded = {fb.target_id for fb in s.scalars(select(TaskFeedback).where(
            TaskFeedback.text == "催办：请于周五前走访完毕"))}
    assert reminded == {targets[BUSY_VILLAGE].id, targets[IDLE_VILLAGE].id}
    assert cells(done.text, "碧流台镇")[7] == "0" and cells(done.text, "十三敖包镇")[7] == "2"  # feedback received
    clerk.get("/dept/issue")
    clerk.post("/dept/issue", {"title": f"秋季防火检查{uuid.uuid4().hex[:4]}", "description": "", "kind": "1",
                               "priority": "2", "workdays": "5", "regions[]": [f"rg-{DONE_VILLAGE}"]})
    assert "秋季防火检查" in clerk.get("/dept/tasks").text
    overdue = clerk.get("/dept/tasks?overdue=1").text
    assert "秋季防火检查" not in overdue.split("<tbody>")[1] and title in overdue and "第 1–1 个，共 1 个任务" in overdue
    # the whole task's deadline moved from its summary, back where the clerk was
    extended = clerk.post(f"/dept/tasks/{task.id}/extend", {"due": "2099-12-31", "back": f"/console/dept/tasks/{task.id}"})
    assert extended.status_code == 200 and extended.url.endswith(f"/dept/tasks/{task.id}?saved=1")
    assert "截止 2099-12-31" in extended.text and "已保存" in extended.text
    assert cells(extended.text, "合计")[6] == "0"  # nothing overdue any more
    listed = clerk.get(f"/dept/tasks?q={task.task_no.lower()}").text  # typed in lower case
    assert cells(listed, task.task_no)[-1] == "2"  # in the task list too
    assert "没有逾期的任务。" in clerk.get("/dept/tasks?overdue=1").text  # extended: none any more

    clerk.http.cookies.set("td_lang", "en")
    page = clerk.get(f"/dept/tasks/{task.id}").text
    assert f"Task summary: {task.task_no}" in page and "Feedback received" in page
    english = load_workbook(io.BytesIO(clerk.get(f"/dept/tasks/{task.id}/summary.xlsx").content))
    assert english.sheetnames == ["By township", "Task summary"]
    assert next(english.active.iter_rows(values_only=True))[:3] == ("Township", "Region", "Targets")
    assert next(english["Task summary"].iter_rows(values_only=True))[:2] == ("Township", "Village")
    assert [row[0] for row in english.active.iter_rows(values_only=True)][-1] == "Total"
    other = signed_in(server, "department", "150422", dept_code())
    assert other.get(f"/dept/tasks/{task.id}").status_code == 404
    assert other.get(f"/dept/tasks/{task.id}/summary.xlsx").status_code == 404


def test_the_clerk_finds_a_task_in_its_list_and_opens_its_summary(person, server):
    """In Chromium: 本部门任务 in the menu lists the department's tasks with their targets counted;
    typing part of a title finds one, its title opens the summary, a township its villages; a title
    no task has says so."""
    dept = dept_code()
    clerk = signed_in(server, "department", "150422", dept)
    word = uuid.uuid4().hex[:4]
    for title, regions in ((f"秸秆禁烧巡查{word}", [DONE_VILLAGE, IDLE_VILLAGE]), (f"防汛检查{word}", [BUSY_VILLAGE])):
        clerk.get("/dept/issue")
        assert clerk.post("/dept/issue", {"title": title, "description": "", "kind": "1", "priority": "2",
                                          "workdays": "5", "regions[]": [f"rg-{c}" for c in regions]}).status_code == 200
    username = re.search(r"当前用户：([^（]+)（", clerk.get("/dept/progress").text).group(1)
    person.login(username)
    person.go(xpath="//nav//a[normalize-space()='本部门任务']")
    listed = person.chrome.find_element(By.ID, "tasks").text
    assert f"秸秆禁烧巡查{word}" in listed and f"防汛检查{word}" in listed
    person.chrome.find_element(By.ID, "t-q").send_keys(f"禁烧巡查{word}", Keys.ENTER)
    WebDriverWait(person.chrome, 20).until(lambda c: "q=" in c.current_url)
    rows = person.chrome.find_elements(By.CSS_SELECTOR, "#tasks tbody tr")
    assert len(rows) == 1 and rows[0].text.split()[-5:] == ["2", "0", "2", "0", "0"], rows[0].text
    person.shot("dept-tasks-found")
    person.go(xpath=f"//a[normalize-space()='秸秆禁烧巡查{word}']")
    assert "任务汇总" in person.chrome.find_element(By.TAG_NAME, "h1").text
    person.go(xpath="//table[@id='summary']//a[normalize-space()='十三敖包镇']")
    assert "十三敖包镇：各村（社区）" in person.text() and DONE_VILLAGE in person.text()
    person.shot("dept-task-summary")
    person.go("#back-to-tasks")  # back to the list it came from
    assert person.chrome.find_element(By.TAG_NAME, "h1").text == "本部门下发的任务"
    person.open("/dept/tasks?q=没有这个任务")
    assert person.chrome.find_element(By.ID, "tasks-pager").text == "没有标题或编号含“没有这个任务”的任务。"


def _answer(server, target_id: str, village: str, at: str, households: dict,
            fields: tuple[str, ...] = ("phone", "id_number")) -> None:
    cadre = server.user_client("village_cadre", village)
    r = cadre.push([cadre.change("task_feedback", new_id(), {
        "target_id": target_id, "region_code": village, "at": at, "author": "村干部王芳",
        "text": "一表通核对", "handled_count": len(households), "total_count": 3,
        "answers": {"fields": list(fields), "households": households}})])
    assert r.json()["results"][0]["outcome"] == "accepted", r.text


def _issue_request(server, clerk, admin, title: str, regions: list[str],
                   fields: tuple[str, ...] = ("phone", "id_number")) -> Task:
    entry = approved_entry(server, clerk, admin, f"联系方式核查{uuid.uuid4().hex[:4]}", list(fields))
    clerk.get("/dept/issue")
    r = clerk.post("/dept/issue", {"title": title, "description": "", "kind": "2", "priority": "2", "workdays": "5",
                                   "catalogue_id": entry, "fields[]": list(fields),
                                   "regions[]": [f"rg-{c}" for c in regions]})
    assert r.status_code == 200 and f"任务已下发：{len(regions)} 个对象" in r.text, r.text[:300]
    with server.session() as s:
        return s.scalars(select(Task).where(Task.title == title)).one()


def test_a_clerk_exports_a_tasks_one_form_answers_masked_and_in_full_with_a_reason(server):
    """一表通 answers of every target as one spreadsheet, a row per person answered (the latest answer
    of each household: a village re-sends every household it confirmed), ID numbers and phones
    masked; in full only with a reason; both audited. Another department gets nothing, and another
    task's export holds none of this task's answers."""
    dept = dept_code()
    admin = signed_in(server, "city_admin")
    clerk = signed_in(server, "department", "150422", dept)
    title = f"低保户联系方式核查{uuid.uuid4().hex[:4]}"
    task = _issue_request(server, clerk, admin, title, [DONE_VILLAGE, BUSY_VILLAGE, IDLE_VILLAGE])
    with server.session() as s:
        targets = {t.region_code: t.id for t in s.scalars(select(TaskTarget).where(TaskTarget.task_id == task.id))}
    first, second = DONE_VILLAGE + "010001", DONE_VILLAGE + "010002"
    _answer(server, targets[DONE_VILLAGE], DONE_VILLAGE, "2026-12-05T09:00:00",
            {first: {"phone": "13800000000", "id_number": "150422196001011234"}})
    _answer(server, targets[DONE_VILLAGE], DONE_VILLAGE, "2026-12-06T10:30:00", {  # re-sent, corrected
        first: {"phone": "13812345678", "id_number": "150422196001011234"},
        second: [{"phone": "15900001111", "id_number": "15042219851212002X"}, {"phone": "", "id_number": ""}]})
    _answer(server, targets[IDLE_VILLAGE], IDLE_VILLAGE, "2026-12-06T11:00:00",
            {IDLE_VILLAGE + "010007": {"phone": "=HYPERLINK(\"x\")", "id_number": ""}})

    page = clerk.get(f"/dept/tasks/{task.id}").text
    assert "导出一表通答复（号码脱敏）" in page and "导出完整号码" in page
    r = clerk.get(f"/dept/tasks/{task.id}/answers.xlsx")
    assert r.status_code == 200 and f"answers-{task.task_no}" in r.headers["content-disposition"]
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert rows[0] == ("乡镇", "村（社区）", "区划", "户编号", "联系电话", "证件号码", "答复人", "答复时间"), rows[0]
    assert rows[1:] == [
        ("十三敖包镇", "乌登村", DONE_VILLAGE, first, "138****5678", "150422********1234", "村干部王芳",
         "2026-12-06 10:30"),
        ("十三敖包镇", "乌登村", DONE_VILLAGE, second, "159****1111", "150422********002X", "村干部王芳",
         "2026-12-06 10:30"),
        ("十三敖包镇", "乌登村", DONE_VILLAGE, second, None, None, "村干部王芳", "2026-12-06 10:30"),
        ("碧流台镇", "二八地村", IDLE_VILLAGE, IDLE_VILLAGE + "010007", "***********\"x\")", None, "村干部王芳",
         "2026-12-06 11:00")], rows
    assert b"13812345678" not in r.content and b"13800000000" not in r.content
    with server.session() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "export", AuditEntry.entity == "task_answer",
                                                   AuditEntry.reason.contains(task.task_no))).one()
        assert entry.reason == f"控制台导出一表通答复 {task.task_no}（4 人，已脱敏）"
        assert set(entry.record_ids) == {targets[DONE_VILLAGE], targets[IDLE_VILLAGE]}

    clerk.get(f"/dept/tasks/{task.id}")
    refused = clerk.post(f"/dept/tasks/{task.id}/answers.xlsx", {"reason": "  "})
    assert refused.status_code == 422 and "请填写事由。" in refused.text
    clerk.get(f"/dept/tasks/{task.id}")
    full = clerk.post(f"/dept/tasks/{task.id}/answers.xlsx", {"reason": "民政局复核低保资格"})
    assert full.status_code == 200
    sheet = load_workbook(io.BytesIO(full.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert sheet.cell(5, 5).data_type == "s"
    assert [row[4:6] for row in rows[1:]] == [("13812345678", "150422196001011234"),
                                              ("15900001111", "15042219851212002X"), (None, None),
                                              ("=HYPERLINK(\"x\")", None)]  # kept as text, never a formula
    with server.session() as s:
        logged = s.scalars(select(AuditEntry).where(AuditEntry.entity == "task_answer",
                                                    AuditEntry.reason.contains(task.task_no))
                           .order_by(AuditEntry.at, AuditEntry.action)).all()
        assert sorted((e.action, e.reason) for e in logged) == [
            ("export", f"控制台导出一表通答复 {task.task_no}（4 人，完整号码）"),
            ("export", f"控制台导出一表通答复 {task.task_no}（4 人，已脱敏）"),
            ("reveal", f"控制台导出一表通答复完整号码 {task.task_no}：民政局复核低保资格")]

    clerk.http.cookies.set("td_lang", "en")
    assert "Export the one-form answers (numbers masked)" in clerk.get(f"/dept/tasks/{task.id}").text
    english = list(load_workbook(io.BytesIO(clerk.get(f"/dept/tasks/{task.id}/answers.xlsx").content))
                   .active.iter_rows(values_only=True))
    assert english[0] == ("Township", "Village", "Region", "Household no.", "Phone", "ID number", "Answered by",
                          "Answered at"), english[0]

    stranger = signed_in(server, "department", "150422", dept_code())
    assert stranger.get(f"/dept/tasks/{task.id}/answers.xlsx").status_code == 404
    stranger.get("/dept/tasks")
    assert stranger.post(f"/dept/tasks/{task.id}/answers.xlsx", {"reason": "看看"}).status_code == 404
    # a colleague's own task of the same department: its export holds its answers only
    colleague = signed_in(server, "department", "150422", dept)
    own = _issue_request(server, colleague, admin, f"独居老人居住情况核查{uuid.uuid4().hex[:4]}", [BUSY_VILLAGE],
                         ("phone", "residence_type"))
    with server.session() as s:
        own_target_id = s.scalars(select(TaskTarget.id).where(TaskTarget.task_id == own.id)).one()
    _answer(server, own_target_id, BUSY_VILLAGE, "2026-12-06T12:00:00",
            {BUSY_VILLAGE + "010003": {"phone": "13699998888", "residence_type": "1"}}, ("phone", "residence_type"))
    rows = list(load_workbook(io.BytesIO(colleague.get(f"/dept/tasks/{own.id}/answers.xlsx").content))
                .active.iter_rows(values_only=True))
    assert [row[3:6] for row in rows[1:]] == [(BUSY_VILLAGE + "010003", "136****8888", "户籍常住")]  # a code in words
    page = colleague.get(f"/dept/targets/{own_target_id}").text  # and so on the target's page
    assert cells(page, BUSY_VILLAGE + "010003") == [BUSY_VILLAGE + "010003", "136****8888", "户籍常住"]
    with server.session() as s:
        audited = s.scalars(select(AuditEntry).where(AuditEntry.entity == "task_answer",
                                                     AuditEntry.reason.contains(own.task_no))).one()
        assert audited.record_ids == [own_target_id]


def _downloaded(folder: Path, before: set, timeout: float = 60) -> Path:
    """The .xlsx file that appeared in the download folder (Chromium writes .crdownload meanwhile)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        found = [p for p in folder.glob("*.xlsx") if p.name not in before]
        if found:
            return found[0]
        time.sleep(0.2)
    raise AssertionError(f"nothing downloaded: {list(folder.iterdir())}")


def test_the_clerk_downloads_the_answers_masked_and_in_full_after_a_reason(person, server, tmp_path):
    """In Chromium: the task's summary offers the 一表通 answers; the masked file is a click away, the
    full one asks for a reason first (the button does nothing without one) and is audited."""
    dept = dept_code()
    admin = signed_in(server, "city_admin")
    clerk = signed_in(server, "department", "150422", dept)
    task = _issue_request(server, clerk, admin, f"困难家庭电话核查{uuid.uuid4().hex[:4]}", [DONE_VILLAGE])
    with server.session() as s:
        target_id = s.scalars(select(TaskTarget.id).where(TaskTarget.task_id == task.id)).one()
    _answer(server, target_id, DONE_VILLAGE, "2026-12-06T10:30:00",
            {DONE_VILLAGE + "010001": {"phone": "13812345678", "id_number": "150422196001011234"}})
    person.chrome.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)})
    person.login(re.search(r"当前用户：([^（]+)（", clerk.get("/dept/progress").text).group(1))
    person.open(f"/dept/tasks/{task.id}")
    form = person.chrome.find_element(By.ID, "answers-export")
    assert "身份证号、电话默认脱敏；导出完整号码须填写原因，并记入审计。" in form.text
    person.shot("dept-task-answers")
    person.chrome.find_element(By.ID, "answers-masked").click()
    masked = _downloaded(tmp_path, set())
    row = list(load_workbook(masked).active.iter_rows(values_only=True))[1]
    assert row[:6] == ("十三敖包镇", "乌登村", DONE_VILLAGE, DONE_VILLAGE + "010001", "138****5678", "150422********1234")

    person.open(f"/dept/tasks/{task.id}")  # (Chromium asks before a page's second download)
    form = person.chrome.find_element(By.ID, "answers-export")
    form.find_element(By.TAG_NAME, "button").click()  # no reason: the browser asks for one, nothing is sent
    assert person.chrome.execute_script("return document.getElementById('answers-reason').validity.valueMissing")
    person.chrome.find_element(By.ID, "answers-reason").send_keys("民政局复核低保资格")
    form.find_element(By.TAG_NAME, "button").click()
    full = _downloaded(tmp_path, {masked.name})
    assert full.name.endswith("-full.xlsx")
    assert list(load_workbook(full).active.iter_rows(values_only=True))[1][4:6] == ("13812345678", "150422196001011234")
    assert "任务汇总" in person.chrome.find_element(By.TAG_NAME, "h1").text  # still on the summary
    with server.session() as s:
        assert sorted(e.action for e in s.scalars(select(AuditEntry).where(
            AuditEntry.entity == "task_answer", AuditEntry.reason.contains(task.task_no)))) == ["export", "export", "reveal"]
