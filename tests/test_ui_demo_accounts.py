"""The one-command demo names its accounts on the settings page's login form (one of every role,
the demo password), so whoever tries the demo can log in as a village cadre or a grid worker
without reading the terminal; a click fills the form. Only the embedded demo hands them over: a PC
pointed at a real city server names none (tests/walkthroughs/test_settings_login.py)."""

from __future__ import annotations

from argparse import Namespace

from app.client.startup import ClientServices
from demo import cli as demo_cli
from demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD
from tests.ui_support import ScriptedDialogs, ScriptedForms, context, demo_template, settings  # noqa: F401
from ui.app import Shell, build_main_window
from ui.tasks import ImmediateTaskRunner


def test_the_demo_hands_its_desktop_accounts_to_the_window(tmp_path, monkeypatch):
    opened = {}

    class Server:
        def terminate(self):
            pass

        def wait(self, timeout=None):
            pass

    monkeypatch.setattr(demo_cli, "prepare_server", lambda folder, households, fresh: None)
    monkeypatch.setattr(demo_cli, "start_server", lambda folder: (Server(), "http://127.0.0.1:1"))
    monkeypatch.setattr(demo_cli, "enrol_and_sync", lambda folder, url, secrets, sync_now: folder / "client.db")
    args = Namespace(no_window=False, display_problem=lambda: None, folder=str(tmp_path), households=40, fresh=False,
                     open_window=lambda **kwargs: opened.update(kwargs) or 0)
    assert demo_cli._cmd_demo(args) == 0
    names = [name for name, _role in opened["demo_accounts"]]
    assert {"demo_staff", "demo_cadre", "demo_grid"} <= set(names) and "demo_leader" not in names  # console only
    assert opened["demo_password"] == DEMO_PASSWORD


def test_the_settings_page_lists_the_demo_accounts_and_a_click_fills_the_form(qtbot, context, settings):  # noqa: F811
    accounts = tuple((name, role) for name, role in DEMO_ACCOUNTS if role != "leader")
    services = ClientServices(context=context)
    window = build_main_window(Shell(context, ImmediateTaskRunner(), settings, ScriptedDialogs(), ScriptedForms(),
                                     services, demo_accounts=accounts, demo_password=DEMO_PASSWORD))
    qtbot.addWidget(window)
    page = window.show_page("settings")
    text = page.demo_accounts.text()
    assert "demo_cadre" in text and "村（社区）干部" in text and "网格员" in text and DEMO_PASSWORD in text
    page.demo_accounts.linkActivated.emit("demo_grid")
    assert page.username.text() == "demo_grid" and page.password.text() == DEMO_PASSWORD
