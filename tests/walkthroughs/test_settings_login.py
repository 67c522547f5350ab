"""The settings page of an enrolled PC, as a clerk opens it to log in as a colleague or to check
where the PC syncs. Seen before: the server address and user name fields were empty on a PC bound
with `township-desk login` (or by the demo) — they showed only what a login from this very page had
saved — so changing one field meant finding and retyping the city server's address. They now show
the server and the account the PC is bound to. A PC on a real city server names no demo accounts."""

from __future__ import annotations

from db.models import Region
from demo import DEMO_TOWNSHIP
from tests.server.live import PASSWORD
from tests.walkthroughs.conftest import Desktop


def test_the_settings_page_shows_the_server_and_account_the_pc_is_bound_to(desktop, township):
    clerk: Desktop = desktop("township_staff", DEMO_TOWNSHIP, name="clerk-settings")
    with clerk.step("乡镇干部打开设置：服务器地址和用户名已填好，只差密码"):
        page = clerk.page("settings")
        assert page.server_url.text() == township.server.url
        assert page.username.text() == clerk.username
        assert page.password.text() == ""
        assert page.demo_accounts is None  # a real city server: no demo accounts named


def test_changing_account_with_changes_not_yet_uploaded_asks_for_a_sync_first(desktop, township):
    """Seen on the demo: the clerk ticked a task's household (待上传 2 条), clicked demo_cadre on the
    settings page and logged in; the clerk's changes went up under the cadre's account, outside the
    cadre's village, and came back 被退回 2 条 — the clerk's work lost to the clerk. The login now
    says how many changes are waiting and whose, and asks for a sync first; after F5 it goes ahead."""
    clerk: Desktop = desktop("township_staff", DEMO_TOWNSHIP, name="clerk-switch")
    clerk.sync()
    colleague = township.server.add_user("village_cadre", township.village)
    with clerk.step("乡镇干部记录任务进度后，未同步就换村干部账号登录：先提示同步"):
        register = clerk.page("register")
        register.open_record("household", township.person(grid_code=township.grid, head=True).household_id)
        register.panel.address.setText("福山地村1组门牌改为9号")
        register.save()
        clerk.qtbot.waitUntil(lambda: clerk.status()["pending"] != "待上传 0 条", timeout=3000)
        page = clerk.page("settings")
        page.username.setText(colleague)
        page.password.setText(PASSWORD)
        page.login_button.click()
        errors = [text for kind, _title, text in clerk.dialogs.shown if kind == "error"]
        assert errors and "未上传" in errors[-1] and clerk.username in errors[-1], clerk.dialogs.shown
        assert clerk.services.enrolment.current().username == clerk.username
        # what was typed stays for the second try: the password never left the PC
        assert (page.server_url.text(), page.username.text()) == (township.server.url, colleague)
        assert page.password.text() == PASSWORD
    with clerk.step("同步后再按登录（不用重输）：换成村干部"):
        clerk.sync()
        assert clerk.status()["pending"] == "待上传 0 条"
        page.login_button.click()
        assert clerk.services.enrolment.current().username == colleague
        assert page.password.text() == ""


def test_a_wrong_password_is_cleared_and_the_user_name_kept(desktop, township):
    """The server refused the password: the field is emptied for retyping, the name and server stay."""
    clerk: Desktop = desktop("township_staff", DEMO_TOWNSHIP, name="clerk-wrong")
    with clerk.step("密码错误：清空密码，保留服务器地址和用户名"):
        page = clerk.page("settings")
        page.password.setText("not-the-password")
        page.login_button.click()
        errors = [text for kind, _title, text in clerk.dialogs.shown if kind == "error"]
        assert errors, clerk.dialogs.shown
        assert (page.server_url.text(), page.username.text(), page.password.text()) == (
            township.server.url, clerk.username, "")
        assert clerk.services.enrolment.current().username == clerk.username


def test_a_new_pc_names_its_village_once_the_first_sync_brought_it(desktop, township):
    """Seen as demo_cadre under Xvfb: the window title and the settings page read “demo_cadre（村（社区）
    干部，150422100201）” for the whole session — the account text was made when the window opened,
    before the first sync brought the regions — while the dashboard already said 福山地村. Both now
    name the village after that sync."""
    cadre: Desktop = desktop("village_cadre", township.village, name="cadre-title")
    with township.server.session() as s:
        village_name = s.get(Region, township.village).name
    with cadre.step("新电脑首次同步后：标题和设置页写村名，不写代码"):
        page = cadre.page("settings")
        assert township.village in cadre.window.windowTitle()  # nothing local yet to name it by
        cadre.sync()
        cadre.qtbot.waitUntil(lambda: village_name in cadre.window.windowTitle(), timeout=3000)
        assert township.village not in cadre.window.windowTitle()
        assert village_name in page.account.text() and township.village not in page.account.text()
