"""The city console in a real browser: Debian's Chromium driven by Selenium (chromium-driver), at
1366×768, against a live city server (uvicorn on loopback; SQLite, and PostgreSQL when configured),
with desktop clients enrolled over real HTTP sync in-process. The four scenarios of the console:

- a department issues a 一表通 task → a township desktop client receives it → a village cadre answers
  from the register → the department sees the progress and the answer fields (masked);
- a township whistles (吹哨) a department → the department accepts, arrives and reports in the
  console → the township evaluates → the department sees the evaluation;
- the city admin revokes a device in the console → that desktop client's sync locks;
- a leader drills from a township's on-time rate down to its overdue cases;
- and the forms changed since: a task sent to one grid with a file (which the township's desktop
  receives), a client build uploaded with a signature no trusted key made (refused at its field).

Every page visited is saved as a PNG (TD_CONSOLE_SHOTS names the folder; a temporary one otherwise)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from pathlib import Path

import pytest
from PIL import Image
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait
from sqlalchemy import select

from app.client.case_desk import CaseDesk
from app.client.one_form import OneFormDesk
from app.client.startup import open_client
from app.client.task_desk import TaskDesk
from app.enrolment import SecretStore
from app.services.task_inbox import InboxQuery
from app.sync_service import DeviceLocked, client_sync
from db.engine import open_local, session_factory
from db.ids import new_id
from db.models import Region, Task, TaskTarget
from server.models import RequestCatalogueEntry
from tests.attachment_support import pdf_of
from tests.client_sync_support import MemoryKeyring
from tests.console_support import ConsoleClient, signed_in
from tests.server.fixtures import server_fixture  # noqa: F401
from tests.server.live import PASSWORD

TOWNSHIP, VILLAGE = "150422102", "150422102201"


@pytest.fixture(scope="module")
def browser():
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not driver:
        pytest.fail("the console's browser tests need Debian's chromium and chromium-driver (see .ci/run)")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1366,768",
                "--lang=zh-CN", "--disable-gpu"):
        options.add_argument(arg)
    chrome = webdriver.Chrome(options=options, service=Service(driver))
    chrome.set_window_size(1366, 768)
    yield chrome
    chrome.quit()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("TD_CONSOLE_SHOTS") or tmp_path_factory.mktemp("console-shots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Person:
    """One person at the browser: signs in through the form with the keyboard, opens pages, clicks."""

    def __init__(self, chrome, server, shots: Path, backend: str):
        self.chrome, self.server, self.shots, self.backend = chrome, server, shots, backend

    def login(self, username: str) -> None:
        self.chrome.delete_all_cookies()
        self.chrome.get(self.server.url + "/console/login")
        self.chrome.find_element(By.ID, "username").send_keys(username)
        self.chrome.find_element(By.ID, "password").send_keys(PASSWORD, Keys.ENTER)
        WebDriverWait(self.chrome, 20).until(lambda c: "/login" not in c.current_url)

    def open(self, path: str) -> None:
        self.chrome.get(self.server.url + "/console" + path)

    def shot(self, name: str) -> None:
        width = self.chrome.execute_script("return document.documentElement.scrollWidth")
        assert width <= 1366, f"{name}: the page is {width}px wide at 1366×768"
        self.chrome.save_screenshot(str(self.shots / f"{self.backend}-{name}.png"))

    def text(self) -> str:
        return self.chrome.find_element(By.TAG_NAME, "main").text

    def click(self, css: str) -> None:
        """Click something that stays on the page (a checkbox)."""
        self.chrome.find_element(By.CSS_SELECTOR, css).click()

    def go(self, css: str = "", xpath: str = "") -> None:
        """Click a link or button that loads a new page, and wait until it has."""
        old = self.chrome.find_element(By.TAG_NAME, "html")
        self.chrome.find_element(By.XPATH, xpath).click() if xpath else \
            self.chrome.find_element(By.CSS_SELECTOR, css).click()
        WebDriverWait(self.chrome, 20).until(_left(old))


def _left(old):
    """Selenium's `staleness_of`, also taking Chromium's answer while the old page is torn down:
    asked about a node the new document no longer holds, it can answer "unhandled inspector error …
    Node with given id does not belong to the document" instead of a stale-element error (a CI run
    failed so, the page having loaded)."""
    def gone(_driver) -> bool:
        try:
            old.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as error:
            if "does not belong to the document" in str(error):
                return True
            raise
        return False
    return gone


@pytest.fixture
def person(browser, server, shots, request):
    return Person(browser, server, shots, request.node.callspec.params.get("server", "sqlite"))


def enrolled_client(path: Path, server, username: str):
    """A desktop client's database enrolled with the server over HTTP, opened as the app opens it."""
    store = SecretStore(MemoryKeyring())
    engine = open_local(path)
    enrolment, _sync = client_sync(engine, session_factory(engine), store)
    enrolment.enrol(server.url, username, PASSWORD, device_name="乡镇电脑")
    engine.dispose()
    services = open_client(path, secrets=store)
    services.sync.sync_now()
    return services


def test_department_one_form_task_reaches_the_village_and_the_answer_comes_back(person, server, tmp_path):
    dept = "mz"
    clerk_name = server.add_user("department", "150422", dept)
    cadre = enrolled_client(tmp_path / "cadre.db", server, server.add_user("village_cadre", VILLAGE))
    household_no = VILLAGE + "0" + uuid.uuid4().hex[:5].translate(str.maketrans("abcdef", "123456"))
    household = cadre.context.households.create(household_no, VILLAGE, address="十三敖包镇1组")
    cadre.context.persons.create(household.id, "李桂兰", id_number="11010519491231002X", phone="13700000001",
                                 relation_to_head="02", residence_type="1")
    cadre.sync.sync_now()

    entry_name = f"低保户联系电话核查{uuid.uuid4().hex[:4]}"
    person.login(clerk_name)
    person.open("/dept/catalogue")
    person.chrome.find_element(By.ID, "name").send_keys(entry_name)
    person.click("input[name='fields[]'][value='phone']")
    person.chrome.find_element(By.ID, "purpose").send_keys("低保动态管理")
    person.go("main form.card button[type=submit]")
    assert "已保存" in person.text() and entry_name in person.text()
    person.shot("dept-catalogue")
    admin = signed_in(server, "city_admin")
    with server.session() as s:
        entry_id = s.scalars(select(RequestCatalogueEntry.id).where(RequestCatalogueEntry.name == entry_name)).one()
    admin.get("/admin/catalogue")
    assert admin.post(f"/admin/catalogue/{entry_id}", {"decision": "approve", "note": ""}).status_code == 200

    title = f"低保户电话核对{uuid.uuid4().hex[:4]}"
    person.open("/dept/issue")
    person.chrome.find_element(By.ID, "title").send_keys(title)
    Select(person.chrome.find_element(By.ID, "kind")).select_by_value("2")
    Select(person.chrome.find_element(By.ID, "catalogue_id")).select_by_value(entry_id)
    person.click(f"input[name='fields[]'][value='phone'][data-entry='{entry_id}']")
    workdays = person.chrome.find_element(By.ID, "workdays")
    workdays.clear()
    workdays.send_keys("3")
    person.chrome.find_element(By.XPATH, f"//input[@value='rg-{TOWNSHIP}']/ancestor::summary").send_keys(Keys.ENTER)
    person.click(f"input[value='rg-{VILLAGE}']")
    person.shot("dept-issue")
    person.go("main form.card > p > button[type=submit]")
    assert "任务已下发：1 个对象" in person.text(), person.text()[:500]
    person.shot("dept-progress-issued")

    township = enrolled_client(tmp_path / "township.db", server, server.add_user("township_staff", TOWNSHIP))
    assert title in {item.view.title for item in TaskDesk(township.context).inbox_page(InboxQuery(text=title), 0, 50)}

    cadre.sync.sync_now()
    desk = TaskDesk(cadre.context)
    target_id = next(item.view.id for item in desk.inbox_page(InboxQuery(text=title), 0, 50))
    desk.act(target_id, "accept")
    desk.link(target_id, [household.id])
    one_form = OneFormDesk(cadre.context)
    one_form.confirm(target_id, household.id, {"phone": "13700000002"})
    one_form.send_answer(target_id, "已入户核对，电话已更正。")
    desk.act(target_id, "complete")
    cadre.sync.sync_now()

    person.open("/dept/progress")
    assert "已完成" in person.text()
    person.shot("dept-progress")
    page = person.chrome.find_element(By.TAG_NAME, "html")
    person.chrome.find_element(By.CSS_SELECTOR, f"#main table a[href='?township={TOWNSHIP}&status=30']").click()
    WebDriverWait(person.chrome, 20).until(lambda c: f"township={TOWNSHIP}" in c.current_url)
    WebDriverWait(person.chrome, 20).until(lambda c: "十三敖包镇" in Select(c.find_element(By.ID, "f-township"))
                                           .first_selected_option.text)
    assert page.is_displayed()  # the list was swapped in place by htmx, the page itself was not reloaded
    person.go(xpath=f"//a[normalize-space()='{title}']")
    page = person.text()
    assert "已入户核对，电话已更正。" in page and household_no in page
    assert "137****0002" in page and "13700000002" not in page and "110105" not in page
    person.shot("dept-target-answers")


def test_township_whistle_department_responds_and_sees_the_evaluation(person, server, tmp_path):
    dept = "yj"
    township = enrolled_client(tmp_path / "township.db", server, server.add_user("township_staff", TOWNSHIP))
    cases = CaseDesk(township.context).cases
    title = f"沟渠塌方影响通行{uuid.uuid4().hex[:4]}"
    case = cases.create(source="3", request_type="2", category_code="02", title=title, region_code=VILLAGE)
    [whistle] = cases.whistle(case.id, [dept], "请应急管理局到场处置")
    township.sync.sync_now()

    person.login(server.add_user("department", "150422", dept))
    person.open("/dept/whistles")
    row = f"//tr[td[contains(., '{title}')]]"
    assert title in person.text()
    person.go(xpath=f"{row}//button[normalize-space()='签收']")
    person.go(xpath=f"{row}//button[normalize-space()='报到']")
    person.chrome.find_element(By.XPATH, f"{row}//input[@name='text']").send_keys("已到场，道路已临时封闭")
    person.go(xpath=f"{row}//button[normalize-space()='报告处置情况']")
    assert "已记录" in person.text()
    person.shot("dept-whistles-responded")

    township.sync.sync_now()
    detail = cases.get(case.id)
    assert next(w for w in detail.whistles if w.id == whistle.id).arrived_at is not None
    cases.evaluate_whistle(whistle.id, "1", "到场及时")
    township.sync.sync_now()

    person.open("/dept/whistles")
    assert "好：到场及时" in person.chrome.find_element(By.XPATH, row).text
    person.shot("dept-whistles-evaluated")


def test_city_admin_revokes_a_device_and_the_client_locks(person, server, tmp_path):
    username = server.add_user("village_cadre", VILLAGE)
    client = enrolled_client(tmp_path / "cadre.db", server, username)
    person.login(server.add_user("city_admin"))
    person.open("/admin/devices")
    row = f"//tr[td[contains(., '{username}')]]"
    assert username in person.text()
    person.shot("admin-devices")
    person.go(xpath=f"{row}//button[normalize-space()='停用设备']")
    assert "已停用" in person.chrome.find_element(By.XPATH, row).text
    person.shot("admin-devices-revoked")
    with pytest.raises(DeviceLocked):
        client.sync.sync_now()
    assert client.sync.is_locked()


def test_leader_drills_from_on_time_rate_to_overdue_cases(person, server):
    staff = server.user_client("township_staff", TOWNSHIP)
    today = dt.date.today()
    titles = {}
    for kind, deadline, status, closed in (("按期", 5, 70, 6), ("超期未办", 2, 50, None), ("超期办结", 9, 70, 3)):
        case_id = new_id()
        titles[kind] = f"{kind}事件{case_id[-5:]}"
        fields = {"case_no": "LD" + case_id[-10:], "source": "1", "request_type": "1", "category_code": "01",
                  "title": titles[kind], "registered_at": f"{today - dt.timedelta(days=20)}T09:00:00",
                  "region_code": VILLAGE, "status": status,
                  "deadline_on": (today - dt.timedelta(days=deadline)).isoformat(),
                  "closed_at": f"{today - dt.timedelta(days=closed)}T12:00:00" if closed else None}
        assert staff.push([staff.change("case", case_id, fields)]).json()["results"][0]["outcome"] == "accepted"
    person.login(server.add_user("leader"))
    person.open("/leader")
    assert "十三敖包镇" in person.text()
    person.shot("leader-overview")
    person.go(f"a[href$='township={TOWNSHIP}&which=overdue']")
    page = person.text()
    assert titles["超期未办"] in page and titles["超期办结"] in page and titles["按期"] not in page
    person.shot("leader-overdue-cases")
    person.open("/leader/burden")
    person.shot("leader-burden")


def test_department_sends_a_file_to_one_grid_and_the_admin_uploads_a_build(person, server, tmp_path):
    """The changed forms at the browser: a task to one grid with a PDF attached (the township's
    desktop client receives the file with its target), and a client build whose signature no trusted
    release key made, refused at its field."""
    grid = VILLAGE + "901"
    with server.session() as s:
        if s.get(Region, grid) is None:
            s.add(Region(code=grid, name="乌登村第一网格", level=6, parent_code=VILLAGE))
            s.commit()
    notice = tmp_path / "防汛通知.pdf"
    notice.write_bytes(pdf_of(Image.new("RGB", (300, 420), (250, 250, 250))))
    person.login(server.add_user("department", "150422", "sl"))
    person.open("/dept/issue")
    title = f"汛前网格巡查{uuid.uuid4().hex[:4]}"
    person.chrome.find_element(By.ID, "title").send_keys(title)
    person.chrome.find_element(By.XPATH, f"//input[@value='rg-{TOWNSHIP}']/ancestor::summary").send_keys(Keys.ENTER)
    person.chrome.find_element(By.XPATH, f"//input[@value='rg-{VILLAGE}']/ancestor::summary").send_keys(Keys.ENTER)
    person.click(f"input[value='rg-{grid}']")
    person.chrome.find_element(By.ID, "attachments").send_keys(str(notice))
    person.shot("dept-issue-grid-file")
    person.chrome.execute_script("document.getElementById('attachments').scrollIntoView({block: 'center'})")
    person.shot("dept-issue-file-field")
    person.go("main form.card > p > button[type=submit]")
    assert "任务已下发：1 个对象" in person.text(), person.text()[:500]
    person.go(xpath=f"//a[normalize-space()='{title}']")
    assert "防汛通知.pdf" in person.text() and "乌登村第一网格" in person.text()
    person.shot("dept-target-grid-file")
    with server.session() as s:
        target_id = s.scalars(select(TaskTarget.id).join(Task, Task.id == TaskTarget.task_id)
                              .where(Task.title == title)).one()
    township = enrolled_client(tmp_path / "township.db", server, server.add_user("township_staff", TOWNSHIP))
    assert [v.filename for v in township.context.attachments.list_for("task_target", target_id)] == ["防汛通知.pdf"]

    build = tmp_path / "township-desk-0.9.0.zip"
    build.write_bytes(os.urandom(64 * 1024))
    person.login(server.add_user("city_admin"))
    person.open("/admin/builds")
    person.chrome.find_element(By.ID, "b-file").send_keys(str(build))
    person.chrome.find_element(By.ID, "b-version").send_keys("0.9.0")
    person.chrome.find_element(By.ID, "b-platform").send_keys("windows-amd64")
    person.chrome.find_element(By.ID, "b-signature").send_keys("bm90IGEgc2lnbmF0dXJl")
    person.go("main form.card button[type=submit]")
    assert "签名无效：不是客户端信任的发布密钥对该文件、版本和平台的签名。" in person.text()
    assert person.chrome.find_element(By.ID, "b-version").get_attribute("value") == "0.9.0"
    person.shot("admin-builds-refused")


def test_every_console_page_fits_1366_and_switches_to_english(person, server):
    for address in ("同号户甲", "同号户乙"):  # two PCs gave one number (one tests.server.numbers never gives): 待审 lists it
        pc = server.user_client("village_cadre", VILLAGE)
        assert pc.push([pc.change("household", new_id(), {"household_no": VILLAGE + "999999", "region_code": VILLAGE,
                                                          "address": address})]).status_code == 200
    for role, scope, dept, pages in (
            ("city_admin", "", None, ["/admin/users", "/admin/devices", "/admin/catalogue", "/admin/codes", "/admin/code-tables",
                                      "/admin/audit", "/admin/channels", "/admin/builds", "/admin/review"]),
            ("township_admin", TOWNSHIP, None, ["/admin/users", "/admin/review", "/leader"]),
            ("department", "150422", "mz", ["/dept/issue", "/dept/catalogue"])):
        person.login(server.add_user(role, scope, dept))
        for path in pages:
            person.open(path)
            # names such as <script>…</script> (made by the other tests) show as text, never as elements
            assert not person.chrome.find_elements(By.CSS_SELECTOR, "main script, main b")
            person.shot(f"{role}{path.replace('/', '-')}")
    person.go("header a.lang")
    assert "Issue a task" in person.chrome.find_element(By.TAG_NAME, "nav").text
    person.shot("department-english")
    person.go("header a.lang")
    person.chrome.delete_all_cookies()
    person.open("/login")
    person.shot("login")
    assert ConsoleClient(server).get("/static/htmx.min.js").status_code == 200


def test_a_township_admin_pages_through_a_review_backlog_at_1366(person, server):
    """待审 with more than a page of open items: the filters and the pager fit 1366 px, the next page and
    a village filter are a click away, in Chinese and in English."""
    from tests.test_console_review import _backlog

    township = "150422203"  # no other test writes there: the counts below are this test's
    villages = (township + "211", township + "212")
    _backlog(server, villages, 110)
    person.login(server.add_user("township_admin", township))
    person.open("/admin/review")
    pager = person.chrome.find_element(By.ID, "review-pager").text
    assert pager.startswith("第 1–100 条，共 221 条"), pager
    person.shot("review-backlog")
    person.go("#review-pager a[rel=next]")
    assert person.chrome.find_element(By.ID, "review-pager").text.startswith("第 101–200 条，共 221 条")
    Select(person.chrome.find_element(By.ID, "f-village")).select_by_value(villages[1])  # its township is chosen
    person.go("form.filters button[type=submit]")
    assert person.chrome.find_element(By.ID, "review-pager").text.startswith("第 1–100 条，共 110 条")
    person.shot("review-backlog-village")
    person.go("header a.lang")
    assert person.chrome.find_element(By.ID, "review-pager").text.startswith("1–100 of 110")
    person.shot("review-backlog-english")
    person.go("header a.lang")
