"""The main window as a whole: navigation, keyboard shortcuts, the sync status bar (counts,
progress, online/offline), the review page (rejected changes, conflicts), the settings page, the
English translation, and the screenshot script."""

# Fixtures come from tests/ui_support.py by import, which ruff reads as redefinition.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QImage
from sqlalchemy import select

from app.client.startup import ClientServices
from app.errors import UserFacingError
from app.sync_service import OutboxReview, SyncFinished, SyncProgress, SyncStarted
from db.client import OutboxChange
from db.models import AuditEntry, Case, Household, Person
from tests.ui_support import ScriptedDialogs, ScriptedForms, context, demo_template, settings  # noqa: F401
from ui import i18n
from ui import settings as opts
from ui.app import Shell, build_main_window
from ui.tasks import ImmediateTaskRunner

NAVIGATION = ["工作台", "户籍人口", "任务", "事件", "待审", "报表", "设置"]


class FakeSync:
    """A sync service that reports progress like the real one, succeeding or failing on demand."""

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.listeners = []
        self.calls = 0

    def subscribe(self, callback):
        self.listeners.append(callback)
        return lambda: self.listeners.remove(callback)

    def sync_now(self):
        self.calls += 1
        for event in (SyncStarted(manual=True), SyncProgress("push", 1, 2)):
            for listener in self.listeners:
                listener(event)
        if self.fail:
            raise UserFacingError("out_of_scope")
        return SyncFinished(pushed=1, pulled=0, conflicts=0)


def _window(qtbot, context, settings, sync=None, conflicts=None, enrolment=None):
    dialogs = ScriptedDialogs()
    services = ClientServices(context=context, sync=sync, outbox=OutboxReview(context.sessions, context.actor),
                              conflicts=conflicts, enrolment=enrolment)
    window = build_main_window(Shell(context, ImmediateTaskRunner(), settings, dialogs, ScriptedForms(), services))
    qtbot.addWidget(window)
    window.resize(1366, 740)
    return window, dialogs


def test_navigation_lists_every_feature_and_switches_pages(qtbot, context, settings):
    window, _ = _window(qtbot, context, settings)
    titles = [window.navigation.item(i).text() for i in range(window.navigation.count())]
    assert titles == NAVIGATION
    dashboard = window.current_page()
    assert dashboard.figures["households"].value.text() == "60"
    assert window.show_page("register") is window.current_page()
    assert window.current_page().persons.rowCount() > 0
    tasks = window.show_page("tasks")
    assert sum(tasks.counts.values()) > 0 and tasks.model.rowCount() > 0  # opens on a group with work in it
    assert len(window.show_page("cases").cases) > 0
    window.show_page("reports")
    assert window.current_page().values["open_cases"].text() != "…"


def test_pages_other_than_the_dashboard_are_built_when_first_shown(qtbot, context, settings):
    window, _ = _window(qtbot, context, settings)
    assert window.built_page("dashboard") is window.current_page()
    assert all(window.built_page(key) is None for key in ("register", "tasks", "cases", "review", "reports",
                                                           "settings"))
    cases = window.show_page("cases")
    assert window.built_page("cases") is cases is window.current_page() and len(cases.cases) > 0
    window.show_page("dashboard")
    assert window.show_page("cases") is cases  # built once
    assert window.stack.count() == len(NAVIGATION)


def test_a_cold_start_imports_no_feature_desk_nor_what_only_they_need():
    """Cold start: the window module brings in the dashboard only; each other page's
    package, reportlab/openpyxl/cryptography, and requests (with urllib3 and charset_normalizer's
    codecs, ~200 modules) load when first needed."""
    import subprocess
    import sys

    lazy = ("ui.register", "ui.taskdesk", "ui.casedesk", "ui.review", "ui.reports", "ui.preferences",
            "app.client.task_desk", "app.client.case_desk", "app.client.one_form", "app.reports", "reportlab",
            "openpyxl", "cryptography", "alembic", "pypinyin", "requests", "urllib3", "charset_normalizer")
    code = ("import sys; import ui.app, app.client.startup; "
            f"print(sorted(m for m in sys.modules if m.split('.')[0] in {lazy!r} or m.startswith({lazy!r})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_keyboard_shortcuts_reach_the_page_on_screen(qtbot, context, settings):
    window, _ = _window(qtbot, context, settings)
    _show_active(qtbot, window)
    register = window.show_page("register")
    window.search.box.setText("wm")
    qtbot.keyClick(register.person_view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.focusWidget() is window.search.box and window.search.box.selectedText() == "wm"
    register.filters.search.setText("wm")
    register.focus_search()
    assert register.filters.search.selectedText() == "wm"  # ready to type over
    qtbot.keyClick(register.person_view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert register.panel.title.text() == "新建户" and register.panel.detail is None
    assert window.trigger_page_action("save") is True
    window.show_page("dashboard")
    assert window.trigger_page_action("save") is False  # the dashboard has nothing to save


def _show_active(qtbot, window) -> None:
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)


def test_status_bar_counts_local_changes(qtbot, context, settings):
    window, _ = _window(qtbot, context, settings)
    bar = window.sync_bar
    assert bar.pending_label.text() == "待上传 0 条" and "从未" in bar.last_sync_label.text()
    with context.sessions() as s:
        household_id = s.scalars(select(Household.id)).first()
    register = window.show_page("register")
    register.panel.open_household(household_id)
    register.panel.address.setText("新址1号")
    register.save()
    qtbot.waitUntil(lambda: bar.pending_label.text() == "待上传 1 条", timeout=3000)


def test_f5_without_a_server_explains_what_to_do(qtbot, context, settings):
    window, _ = _window(qtbot, context, settings)
    window.sync_bar.request_sync()
    assert "设置" in window.sync_bar.notice.text()
    assert window.sync_bar.connection_label.text() == "● 未连接服务器"


def test_sync_shows_progress_and_online_state(qtbot, context, settings):
    sync = FakeSync()
    window, dialogs = _window(qtbot, context, settings, sync=sync)
    progress = []
    window.sync_bar.progress.valueChanged.connect(progress.append)
    _show_active(qtbot, window)
    qtbot.keyClick(window.navigation, Qt.Key.Key_F5)
    assert sync.calls == 1 and 1 in progress
    assert window.sync_bar.connection_label.text() == "● 在线"
    assert not window.sync_bar.progress.isVisible() and window.sync_bar.sync_button.isEnabled()
    sync.fail = True
    window.sync_bar.request_sync()
    assert window.sync_bar.connection_label.text() == "● 离线"
    assert dialogs.shown[-1][2] == UserFacingError("out_of_scope").message()


def _reject_one_change(context) -> OutboxChange:
    with context.sessions() as s:
        household_id = s.scalars(select(Household.id)).first()
    context.households.edit(household_id, address="被退回的地址")
    with context.sessions.begin() as s:
        row = s.scalars(select(OutboxChange)).one()
        row.state, row.reject_code, row.reject_message = "rejected", "forbidden_scope", "该记录不在您的辖区"
        return row


def test_rejected_changes_are_listed_and_can_be_discarded_with_a_reason(qtbot, context, settings):
    _reject_one_change(context)
    window, dialogs = _window(qtbot, context, settings)
    assert window.sync_bar.rejected_label.text() == "被退回 1 条"
    review = window.show_page("review")
    table = review.rejected.table
    assert table.rowCount() == 1 and table.item(0, 0).text() == "户" and table.item(0, 2).text() == "该记录不在您的辖区"
    table.selectRow(0)
    dialogs.texts.append("地址录错，已另行更正")
    review.rejected.discard()
    assert table.rowCount() == 0 and not review.rejected.empty.isHidden()
    with context.sessions() as s:
        audit = s.scalars(select(AuditEntry).where(AuditEntry.action == "discard")).one()
    assert "地址录错" in audit.reason
    assert window.sync_bar.rejected_label.text() == "被退回 0 条"


def test_a_rejected_change_opens_for_fixing_and_can_be_resubmitted(qtbot, context, settings):
    row = _reject_one_change(context)
    window, _ = _window(qtbot, context, settings)
    review = window.show_page("review")
    review.rejected.table.selectRow(0)
    review.rejected.open_selected()
    register = window.current_page()
    assert register is window.show_page("register") and register.panel.detail.household.id == row.record_id
    register.panel.address.setText("更正后的地址")
    register.save()
    review = window.show_page("review")
    review.rejected.table.selectRow(0)
    review.rejected.resubmit()
    with context.sessions() as s:
        states = s.scalars(select(OutboxChange.state)).all()
    assert sorted(states) == ["pending", "pending"] and review.rejected.table.rowCount() == 0


class FakeConflicts:
    def __init__(self) -> None:
        self.resolved = []
        self.items = [SimpleNamespace(
            id="r1", kind="conflict", entity="household", record_id="0190aaaa-bbbb", field="address",
            winner_value="兴隆地村1组5号", winner_user="li", winner_hlc="1764230000000-00000-d1",
            loser_value="兴隆地村1组6号", loser_user="wang", loser_hlc="1764229990000-00000-d2",
            created_at=dt.datetime(2026, 11, 27, 9, 30))]

    def open_items(self):
        return [item for item in self.items if item.id not in {r[0] for r in self.resolved}]

    def resolve(self, item_id, choice, value):
        self.resolved.append((item_id, choice, value))


def test_conflicts_show_both_values_and_send_the_decision(qtbot, context, settings):
    source = FakeConflicts()
    window, dialogs = _window(qtbot, context, settings, conflicts=source)
    review = window.show_page("review")
    table = review.conflicts.table
    assert table.rowCount() == 1 and table.item(0, 0).text() == "同时修改"
    assert "兴隆地村1组5号" in table.item(0, 3).text() and "li" in table.item(0, 3).text()
    assert "兴隆地村1组6号" in table.item(0, 4).text() and "wang" in table.item(0, 4).text()
    table.selectRow(0)
    dialogs.texts.append("兴隆地村1组7号")
    review.conflicts.resolve("edit")
    assert source.resolved == [("r1", "edit", "兴隆地村1组7号")]
    assert table.rowCount() == 0


def test_settings_page_saves_language_and_logs_in(qtbot, context, settings):
    calls = []
    enrolment = SimpleNamespace(current=lambda: None, enrol=lambda url, user, pw: calls.append((url, user, pw)) or SimpleNamespace(
        username=user, role="township_staff", scope="150422100"))
    window, dialogs = _window(qtbot, context, settings, enrolment=enrolment)
    page = window.show_page("settings")
    page.language.setCurrentIndex(page.language.findData("en"))
    assert settings.get(opts.LANGUAGE) == "en" and dialogs.shown[-1][0] == "info"
    page.server_url.setText("https://city.example")
    page.username.setText("li")
    page.password.setText("secret")
    page.log_in()
    assert calls == [("https://city.example", "li", "secret")]
    assert page.password.text() == "" and "li" in page.account.text()
    assert settings.get(opts.SERVER_URL) == "https://city.example"


def test_the_english_interface_is_complete(qtbot, context, settings, qapp):
    translators = i18n.install(qapp, "en")
    try:
        window, _ = _window(qtbot, context, settings)
        titles = [window.navigation.item(i).text() for i in range(window.navigation.count())]
        assert titles == ["Dashboard", "Register", "Tasks", "Cases", "Review", "Reports", "Settings"]
        assert window.sync_bar.sync_button.text() == "Sync now (F5)"
        assert window.sync_bar.pending_label.text() == "0 to upload"
    finally:
        for translator in translators:
            qapp.removeTranslator(translator)
    assert QCoreApplication.translate("MainWindow", "工作台") == "工作台"


def test_every_string_in_ui_is_in_the_catalogue_and_translated(tmp_path):
    import subprocess
    import xml.etree.ElementTree as ET

    fresh = tmp_path / "fresh.ts"
    sources = sorted(str(p) for p in i18n.UI_DIR.rglob("*.py"))
    subprocess.run([i18n._tool("pyside6-lupdate"), "-silent", *sources, "-ts", str(fresh)], check=True)

    def messages(path):
        root = ET.parse(path).getroot()
        return {(c.findtext("name"), m.findtext("source")): m.find("translation")
                for c in root.iter("context") for m in c.iter("message")}

    extracted, committed = messages(fresh), messages(i18n.ts_path("en"))
    assert len(extracted) > 150
    assert set(extracted) <= set(committed), "run: python -m ui.i18n update, then translate"
    unfinished = [key for key, tr in committed.items()
                  if tr.get("type") in ("unfinished", "vanished", "obsolete") or not (tr.text or list(tr))]
    assert unfinished == []


def test_translations_compile_on_the_fly_when_no_qm_is_shipped(tmp_path):
    qm = i18n.qm_for("en", tmp_path)
    assert qm is not None and qm.exists() and qm.stat().st_size > 1000
    assert i18n.qm_for("zh_CN", tmp_path) is None


@pytest.mark.slow
def test_screenshot_script_renders_every_main_screen(tmp_path):
    from ui.screenshots import PAGES, render_all

    saved = render_all(tmp_path, "zh_CN", households=40)
    assert len(saved) == len(PAGES) + 4 + 6  # + the task and case desk screens
    for path in saved:
        image = QImage(str(path))
        assert image.width() >= 400 and image.height() >= 300
        sample = {image.pixel(x, y) for x in range(0, image.width(), 23) for y in range(0, image.height(), 19)}
        assert len(sample) > 8, f"{path.name} looks blank"


def test_a_background_sync_failure_shows_its_reason_and_offline(qtbot, context, settings):
    from app.sync_service import SyncFailed

    sync = FakeSync()
    window, dialogs = _window(qtbot, context, settings, sync=sync)
    for listener in sync.listeners:  # a periodic sync on the service's own thread
        listener(SyncFailed(reason="无法连接城市服务器", code="offline", offline=True))
    qtbot.waitUntil(lambda: window.sync_bar.connection_label.text() == "● 离线", timeout=2000)
    assert window.sync_bar.notice.text() == "无法连接城市服务器" and dialogs.shown == []


def test_the_window_keeps_responding_during_a_long_sync(qtbot, context, settings):
    """A 1.5 s sync on the real task runner; a 50 ms timer keeps firing and the progress
    events reach the bar while it runs."""
    import threading
    import time

    from PySide6.QtCore import QTimer

    from ui.status_bar import SyncStatusBar
    from ui.tasks import TaskRunner

    class SlowSync(FakeSync):
        def sync_now(self):
            for listener in self.listeners:
                listener(SyncProgress("pull", 1, 3))
            threading.Event().wait(1.5)
            return super().sync_now()

    runner = TaskRunner()
    try:
        bar = SyncStatusBar(context.status, runner, SlowSync())
        qtbot.addWidget(bar)
        qtbot.waitUntil(lambda: bar.pending_label.text() != "", timeout=3000)
        ticks = []
        timer = QTimer()
        timer.timeout.connect(lambda: ticks.append(time.monotonic()))
        timer.start(50)
        bar.request_sync()
        qtbot.waitUntil(lambda: bar.progress.maximum() == 3, timeout=3000)
        assert bar.syncing and not bar.sync_button.isEnabled()
        qtbot.waitUntil(lambda: not bar.syncing, timeout=5000)
        timer.stop()
        assert bar.connection_label.text() == "● 在线"
        assert len(ticks) >= 15 and max(b - a for a, b in zip(ticks, ticks[1:], strict=False)) < 0.5
    finally:
        runner.shutdown()


def test_pending_count_follows_the_outbox_whoever_writes(qtbot, context, settings):
    """Writes from outside the register page (a case, a task, an import: here a service call on
    the database thread's context) update 待上传 too; the count comes from the outbox alone."""
    window, _ = _window(qtbot, context, settings)
    bar = window.sync_bar
    assert bar.pending_label.text() == "待上传 0 条"
    with context.sessions() as s:
        household_id = s.scalars(select(Household.id)).first()
    context.households.add_visit(household_id, dt.date(2026, 12, 1), findings="入户走访")
    context.households.edit(household_id, address="新址2号")
    # The visit, the household's last-visit date it sets, and the address.
    qtbot.waitUntil(lambda: bar.pending_label.text() == "待上传 3 条", timeout=3000)


def test_ctrl_f_searches_everything_from_any_page(qtbot, context, settings):
    """From the task desk, Ctrl+F then a person's initials: the hits list persons (with their
    village and masked ID), Enter opens the first on the register; a case number opens the case."""
    window, _ = _window(qtbot, context, settings)
    _show_active(qtbot, window)
    tasks = window.show_page("tasks")
    qtbot.keyClick(tasks, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    search = window.search
    assert window.focusWidget() is search.box
    with context.sessions() as s:
        person = s.scalars(select(Person).where(Person.search_initials != "").order_by(Person.id)).first()
        case = s.scalars(select(Case).order_by(Case.case_no)).first()
    search.box.setText(person.search_initials)
    search.flush()
    labels = [search.hits.item(i).text() for i in range(search.hits.count())]
    assert labels and all(label.startswith("[人员]") for label in labels[:1]) and "*" in labels[0]
    qtbot.keyClick(search.box, Qt.Key.Key_Return)
    register = window.current_page()
    assert register is window.built_page("register") and register.panel.detail is not None
    search.box.setText(case.case_no)
    qtbot.keyClick(search.box, Qt.Key.Key_Return)
    cases = window.current_page()
    assert cases is window.built_page("cases") and cases.detail.detail.case.id == case.id


def test_dashboard_tiles_open_the_list_behind_the_figure(qtbot, context, settings):
    window, _ = _window(qtbot, context, settings)
    dashboard = window.current_page()
    never = int(dashboard.figures["never_visited"].value.text())
    dashboard.figures["never_visited"].clicked.emit()
    register = window.current_page()
    assert register is window.built_page("register") and register.tabs.currentWidget() is register.household_view
    assert register.households.rowCount() == never > 0
    assert all(register.households.row_at(i).last_visit_on is None for i in range(never))
    assert register.filters.visit_chip.isVisible() or not register.isVisible()
    window.show_page("dashboard")
    tagged = int(dashboard.figures["tagged_persons"].value.text())
    dashboard.figures["tagged_persons"].clicked.emit()
    while register.persons.canFetchMore():
        register.persons.fetchMore()
    assert register.tabs.currentWidget() is register.person_view and register.persons.rowCount() == tagged
    window.show_page("dashboard")
    dashboard.figures["pending"].clicked.emit()
    assert window.current_page() is window.built_page("review")
    window.show_page("dashboard")
    dashboard.charts.today["visits"].clicked.emit()
    due = int(dashboard.charts.today["visits"].value.text().replace(",", ""))
    while register.households.canFetchMore():
        register.households.fetchMore()
    assert register.households.rowCount() == due


def test_cases_and_tasks_have_a_history_tab_too(qtbot, context, settings):
    """记录历史 is not only the register's: a case's and a task's detail list each change this PC
    holds — here the clerk's own moves, offline — field by field (codes read as their labels), with
    who made them."""
    import datetime as dt

    from app.client import Actor, ClientContext
    from app.client.case_desk import CaseDesk, NewCase
    from app.client.task_desk import TaskDesk
    from app.services.context import beijing_now
    from db.engine import open_local

    window, dialogs = _window(qtbot, context, settings)
    case_id = CaseDesk(context).register(NewCase(  # a case registered here this morning
        source="1", request_type="3", category_code="0301", title="路灯不亮", region_code="150422100201",
        place="福山地村1组", description="村口两盏路灯不亮。", reporter_name="周先生", reporter_phone="13800002222")).id
    department = ClientContext(open_local(context.engine.url.database),
                               Actor("mz.zhang", "department", "150422", "0190f0a0-0000-7000-8000-0000000000d1",
                                     department_code="mz"))
    target_id = TaskDesk(department).issue(title="冬季取暖安全排查", department_code="mz", kind="1",
                                           due_at=beijing_now() + dt.timedelta(days=3),
                                           regions=["150422100000"])[0].id
    department.close()
    cases = window.show_page("cases")
    cases.detail.open(case_id)
    cases.detail.bar.opinion.setPlainText("受理，转村处理。")
    cases.detail.action_buttons["accept"].click()
    history = cases.detail.history
    cases.detail.tabs.setCurrentWidget(history)
    status = [r for r in history.rows if r.field == "status"]
    assert [(r.old, r.new, r.username) for r in status][0] == ("登记", "受理", context.actor.username)  # labels
    assert history.table.item(history.rows.index(status[0]), 1).text() == "本事件"
    tasks = window.show_page("tasks")
    tasks.detail.open(target_id)
    tasks.detail.action_buttons["accept"].click()
    history = tasks.detail.history
    assert any(r.field == "status" and (r.old, r.new) == ("未接收", "进行中") for r in history.rows), history.rows
    assert not [m for m in dialogs.shown if m[0] == "error"], dialogs.shown


def test_the_dashboard_shows_what_a_sync_brought(qtbot, context, settings):
    """The demo's first window opens on the dashboard while the first sync is still bringing the
    township: its figures said 0 until the user went to another page and back. A finished sync now
    reloads the dashboard it finds on screen."""

    class BringingSync(FakeSync):
        def sync_now(self):
            result = super().sync_now()
            with context.sessions() as session:  # what a pull applies: here, one household gone
                session.scalars(select(Household).where(Household.deleted.is_(False)).limit(1)).one().deleted = True
                session.commit()
            return result

    window, _ = _window(qtbot, context, settings, sync=BringingSync())
    dashboard = window.current_page()
    before = int(dashboard.figures["households"].value.text().replace(",", ""))
    window.sync_bar.request_sync()
    assert int(dashboard.figures["households"].value.text().replace(",", "")) == before - 1
