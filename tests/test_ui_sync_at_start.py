"""The sync as the window opens, and what a sync the user did not start shows. A PC that synced
yesterday opened on yesterday's register, tasks and cases and brought nothing until the first
periodic sync 15 minutes later (seen on the demo: reopened, its bar still said 已同步 05:27 in
grey); and a periodic sync's results reached the status bar's counts only, not the dashboard on
screen."""
# Fixtures come from tests/ui_support.py by import, which ruff reads as redefinition.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt

from app.client.startup import ClientServices
from app.client.status import LAST_SYNC_KEY
from app.sync_service import OutboxReview, SyncFinished, SyncStarted
from db.client import SyncState
from tests.ui_support import ScriptedDialogs, ScriptedForms, context, demo_template, settings  # noqa: F401
from ui.app import Shell, build_main_window
from ui.tasks import ImmediateTaskRunner


class BackgroundSync:
    """A sync service whose cycles run 'in the background': each one is recorded and its events are
    delivered when the test says so."""

    def __init__(self) -> None:
        self.listeners, self.background, self.manual = [], [], 0

    def subscribe(self, callback):
        self.listeners.append(callback)
        return lambda: self.listeners.remove(callback)

    def run_in_background(self, manual: bool = True) -> None:
        self.background.append(manual)

    def sync_now(self):
        self.manual += 1
        return SyncFinished(pushed=0, pulled=0, conflicts=0)

    def finish(self, pulled: int) -> None:
        for event in (SyncStarted(manual=False), SyncFinished(pushed=0, pulled=pulled, conflicts=0)):
            for listener in self.listeners:
                listener(event)


def _window(qtbot, context, settings, sync):
    dialogs = ScriptedDialogs()
    services = ClientServices(context=context, sync=sync, outbox=OutboxReview(context.sessions, context.actor))
    window = build_main_window(Shell(context, ImmediateTaskRunner(), settings, dialogs, ScriptedForms(), services))
    qtbot.addWidget(window)
    window.resize(1366, 740)
    window.show()
    return window, dialogs


def test_a_pc_that_synced_before_syncs_in_the_background_as_the_window_opens(qtbot, context, settings):
    with context.sessions.begin() as session:
        session.merge(SyncState(key=LAST_SYNC_KEY, value=dt.datetime(2026, 12, 6, 17, 30).isoformat()))
    sync = BackgroundSync()
    window, dialogs = _window(qtbot, context, settings, sync)
    window.sync_bar.sync_at_start()
    assert sync.background == [False] and sync.manual == 0  # quiet: offline at start shows no dialog
    assert "首次同步" not in window.sync_bar.notice.text() and dialogs.shown == []


def test_a_pc_never_synced_fetches_its_scope_with_a_notice(qtbot, context, settings):
    sync = BackgroundSync()
    window, _dialogs = _window(qtbot, context, settings, sync)
    window.sync_bar.sync_at_start()
    assert sync.manual == 1 and sync.background == []


def test_the_dashboard_on_screen_shows_what_a_background_sync_brought(qtbot, context, settings, monkeypatch):
    sync = BackgroundSync()
    window, _dialogs = _window(qtbot, context, settings, sync)
    dashboard = window.show_page("dashboard")
    shown = []
    monkeypatch.setattr(dashboard, "activate", lambda: shown.append(True))
    register = window.show_page("register")
    reloads, refreshes = [], []
    monkeypatch.setattr(register.persons, "reload", lambda: reloads.append(True))
    monkeypatch.setattr(register, "refresh_lists", lambda: refreshes.append(True))
    sync.finish(pulled=3)  # on the register: read again in place, where the clerk scrolled it (decision 0042)
    qtbot.waitUntil(lambda: window.sync_bar.connection_label.text().startswith("●"), timeout=2000)
    window.sync_bar._bridge.drain()
    assert reloads == [] and refreshes == [True] and shown == []
    window.show_page("dashboard")
    shown.clear()
    sync.finish(pulled=3)
    window.sync_bar._bridge.drain()
    assert shown == [True] and refreshes == [True, True] and reloads == []  # the dashboard on screen too


def test_f5_while_the_start_sync_runs_says_so_without_an_error_box(qtbot, context, settings):
    from app.errors import UserFacingError

    class Busy(BackgroundSync):
        def sync_now(self):
            raise UserFacingError("sync_running")

    window, dialogs = _window(qtbot, context, settings, Busy())
    window.sync_bar.request_sync()
    assert dialogs.shown == [] and "后台同步" in window.sync_bar.notice.text()
    assert not window.sync_bar.syncing and window.sync_bar.sync_button.isEnabled()


def test_the_dashboard_names_the_township_once_a_sync_brought_the_regions(qtbot, context, settings):
    """The demo's first window opened on “150422100 · 户籍人口概况” while the first sync was bringing
    the regions, and kept the code after the sync had brought 林东镇 (seen at 1366×768 under Xvfb)."""
    from sqlalchemy import select

    from db.models import Region

    scope = context.actor.scope
    with context.sessions.begin() as session:
        region = session.scalar(select(Region).where(Region.code.in_({scope, scope.ljust(12, "0")})))
        name, region.name = region.name, ""  # as before the first sync: no name known locally
    window, _dialogs = _window(qtbot, context, settings, BackgroundSync())
    dashboard = window.show_page("dashboard")
    assert dashboard.greeting.text().startswith(scope)
    with context.sessions.begin() as session:
        session.scalar(select(Region).where(Region.code.in_({scope, scope.ljust(12, "0")}))).name = name
    dashboard.activate()  # as a finished sync does with the dashboard on screen
    assert dashboard.greeting.text().startswith(name), dashboard.greeting.text()


def test_f5_on_the_case_desk_lists_the_case_it_brought(qtbot, context, settings):
    """F5 on the case desk brought a 12345 case, yet the queues still counted 登记（1） and the list
    lacked it until the clerk went to another page and back (seen on the demo)."""
    from app.client.case_desk import CaseDesk, NewCase

    desk = CaseDesk(context)

    class Bringing(BackgroundSync):
        def sync_now(self):  # the pull brings a case registered elsewhere
            desk.register(NewCase(source="1", request_type="3", category_code="0301", title="福山地村路灯损坏",
                                  region_code=context.register.villages()[0].code, description="路灯坏了三个月"))
            return SyncFinished(pushed=0, pulled=1, conflicts=0)

    window, _dialogs = _window(qtbot, context, settings, Bringing())
    cases = window.show_page("cases")
    before = cases.queues.item(0).text()
    window.sync_bar.request_sync()
    assert cases.queues.item(0).text() != before
    assert any(c.title == "福山地村路灯损坏" for c in cases.cases)
