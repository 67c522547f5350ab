"""A department clerk's progress list in Chromium at 1366×768 (the harness of
tests/test_console_browser.py): the list of one task — after issuing it, back from one of its
targets, or its number clicked — says which task it is and gives the way back to every task; before,
it was filtered silently and a clerk took it for the whole list."""

from __future__ import annotations

import uuid

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import select

from db.models import Task
from tests.console_support import ConsoleClient
from tests.server.fixtures import server_fixture  # noqa: F401
from tests.test_console_browser import TOWNSHIP, VILLAGE, browser, shots  # noqa: F401
from tests.test_console_region_choice import person_fixture  # noqa: F401


def _issue(server, clerk: str, title: str, regions: list[str]) -> Task:
    http = ConsoleClient(server)
    http.login(clerk)
    http.get("/dept/issue")
    r = http.post("/dept/issue", {"title": title, "description": "", "kind": "1", "priority": "2", "workdays": "5",
                                  "regions[]": [f"rg-{code}" for code in regions]})
    assert r.status_code == 200 and "任务已下发" in r.text, r.text[-1500:]
    with server.session() as s:
        return s.scalars(select(Task).where(Task.title == title)).one()


def test_the_list_of_one_task_says_so_and_leads_back_to_every_task(person, server):
    clerk = server.add_user("department", "150422", "tj")
    first = _issue(server, clerk, f"人口抽样调查{uuid.uuid4().hex[:4]}", [VILLAGE, TOWNSHIP + "202"])
    second = _issue(server, clerk, f"经济普查{uuid.uuid4().hex[:4]}", [VILLAGE])
    person.login(clerk)
    person.open("/dept/progress")
    assert not person.chrome.find_elements(By.ID, "task-filter")
    assert first.title in person.text() and second.title in person.text()
    person.chrome.find_element(By.XPATH, f"//a[normalize-space()='{first.task_no}']").click()
    WebDriverWait(person.chrome, 20).until(lambda c: c.find_elements(By.ID, "task-filter"))
    notice = person.chrome.find_element(By.ID, "task-filter").text
    assert first.task_no in notice and first.title in notice, notice
    listed = person.chrome.find_element(By.ID, "targets").text
    assert first.title in listed and second.title not in listed
    person.shot("dept-one-task")
    person.chrome.find_element(By.XPATH, "//p[@id='task-filter']/a").click()
    WebDriverWait(person.chrome, 20).until(lambda c: not c.find_elements(By.ID, "task-filter"))
    assert second.title in person.chrome.find_element(By.ID, "targets").text
    person.open(f"/dept/progress?task={second.id}&issued=1")  # where issuing a task lands
    assert second.task_no in person.chrome.find_element(By.ID, "task-filter").text
    person.go("header a.lang")
    assert "Only the targets of task" in person.chrome.find_element(By.ID, "task-filter").text
    person.shot("dept-one-task-english")
    person.go("header a.lang")


def test_a_target_across_townships_names_its_township(server):
    """Village names repeat across a city's townships (东风村): the list of every township's targets
    names the township too."""
    from tests.console_support import signed_in

    clerk = signed_in(server, "department", "150422", "cl")
    clerk.get("/dept/issue")
    title = f"残疾人两项补贴核对{uuid.uuid4().hex[:4]}"
    r = clerk.post("/dept/issue", {"title": title, "description": "", "kind": "1", "priority": "2", "workdays": "5",
                                   "regions[]": [f"rg-{VILLAGE}"]})
    assert r.status_code == 200
    row = clerk.get("/dept/progress").text.split(title)[1].split("</tr>")[0]
    assert "十三敖包镇" in row and "乌登村" in row, row
