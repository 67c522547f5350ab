"""Launching the desktop client: `run(argv)` creates the QApplication, installs the chosen
language, opens the local database (in the platformdirs user data directory unless configured),
learns who this device belongs to from its enrolment, and shows the main window.
`build_main_window` wires every page to the application context and the one task runner; the
screenshot script and the tests build the same window with their own context and runner."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtGui import QFont, QFontDatabase, QIcon
from PySide6.QtWidgets import QApplication, QWidget

from app import paths
from app.client import ClientContext
from app.client.startup import ClientServices, open_client
from app.client.work_charts import WorkChartsDesk
from app.codes import set_display_language
from app.errors import UserFacingError
from app.logs import configure_client_logging
from resources import RESOURCES_DIR
from ui import gui_gc, i18n
from ui import settings as opts
from ui.dashboard.charts import WorkChartsPanel
from ui.dashboard.page import DashboardPage
from ui.dialogs import Dialogs
from ui.duplicate_schedule import DuplicateSchedule
from ui.errors import install_excepthook, show_error
from ui.global_search import GlobalSearch
from ui.main_window import MainWindow, PageEntry
from ui.printing import Printer
from ui.roles import account_text
from ui.status_bar import SyncStatusBar
from ui.tasks import TaskRunner

if TYPE_CHECKING:
    from ui.register.small_forms import RegisterForms

log = logging.getLogger(__name__)
translate = QCoreApplication.translate
_CJK_FAMILIES = ("Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", "WenQuanYi Micro Hei")


@dataclass
class Shell:
    """Everything one window is built from; optional parts are absent before enrolment."""

    context: ClientContext
    runner: object
    settings: opts.Settings
    dialogs: Dialogs = field(default_factory=Dialogs)
    forms: RegisterForms | None = None  # the register's small forms; None: the real ones
    services: ClientServices | None = None
    documents_dir: Path = field(default_factory=Path.home)
    on_logged_in: Callable[[], None] | None = None  # after a login from the settings page: reopen as that account
    demo_accounts: tuple[tuple[str, str], ...] = ()  # (username, role) on the embedded demo only
    demo_password: str = ""


def build_main_window(shell: Shell) -> MainWindow:
    """The window with its dashboard built and loading; every other page is built (and its package
    imported) the first time it is shown — see ui/main_window.py."""
    language = shell.settings.get(opts.LANGUAGE)
    ctx, runner, dialogs = shell.context, shell.runner, shell.dialogs
    services = shell.services or ClientServices()
    window_ref: list[MainWindow] = []

    def on_error(error: BaseException) -> None:
        show_error(dialogs, window_ref[0] if window_ref else None, error, language)

    status_bar = SyncStatusBar(ctx.status, runner, services.sync, on_error)
    ctx.on_outbox_changed(status_bar.outbox_listener)
    printer = Printer(runner, dialogs, on_error, shell.documents_dir)
    account = _account_text(ctx)
    pages = [
        PageEntry("dashboard", translate("MainWindow", "工作台"),
                  DashboardPage(ctx.register, ctx.status, runner, on_error, lambda: _greeting(ctx),
                                charts=WorkChartsPanel(WorkChartsDesk(ctx), runner, on_error),
                                open_list=lambda key: open_list(key))),
        PageEntry("register", translate("MainWindow", "户籍人口"),
                  lambda: _register_page(shell, status_bar, printer, on_error, language)),
        PageEntry("tasks", translate("MainWindow", "任务"), lambda: _task_page(shell, printer, on_error, language)),
        PageEntry("cases", translate("MainWindow", "事件"), lambda: _case_page(shell, printer, on_error, language)),
        PageEntry("review", translate("MainWindow", "待审"),
                  lambda: _review_page(shell, services, status_bar, on_error,
                                       lambda entity, record_id: open_record(entity, record_id))),
        PageEntry("reports", translate("MainWindow", "报表"), lambda: _reports_page(shell, printer, on_error)),
        PageEntry("settings", translate("MainWindow", "设置"),
                  lambda: _settings_page(shell, _account_text(ctx), services, on_error)),
    ]
    app_name = translate("MainWindow", "基层治理工作台")
    title = f"{app_name} — {account}"
    search = GlobalSearch(ctx.register.search_everything, lambda kind, record_id: open_hit(kind, record_id),
                          runner, on_error, shell.settings.get(opts.SEARCH_DEBOUNCE_MS))
    window = MainWindow(pages, status_bar, title, search)
    window_ref.append(window)

    def open_list(key: str) -> None:
        """A dashboard tile: the list behind its figure."""
        if key == "pending":
            window.show_page("review")
        elif key in ("due_today", "overdue"):
            window.show_page("tasks")
        else:
            window.show_page("register").show_list(key)

    def open_hit(kind: str, record_id: str) -> None:
        """A global search hit on its own page."""
        if kind in ("household", "person"):
            open_record(kind, record_id)
        else:
            window.show_page("cases" if kind == "case" else "tasks").detail.open(record_id)

    def open_record(entity: str, record_id: str) -> bool:
        """Show a household or person (e.g. a rejected change) in the register for fixing."""
        if entity not in ("household", "person"):
            return False
        window.show_page("register").open_record(entity, record_id)
        return True

    def reload_register(_result) -> None:  # a register never shown has nothing to reload
        register = window.built_page("register")
        if register is not None:  # badges (待上传) and records the sync brought or evicted, in place
            register.refresh_lists()

    def reload_dashboard(_result) -> None:  # its figures move with a sync: the first one brings the whole scope
        dashboard = window.built_page("dashboard")
        if dashboard is not None and window.current_page() is dashboard:
            dashboard.activate()

    def reload_attachments(_result) -> None:  # attachment states move with a sync (待上传 → 已上传, previews)
        for key in ("cases", "tasks"):
            page = window.built_page(key)
            strip = getattr(getattr(page, "detail", None), "attachments", None)
            if strip is not None:
                strip.reload()
        register = window.built_page("register")
        strip = getattr(getattr(register, "panel", None), "attachments", None)
        if strip is not None:
            strip.reload()

    def reload_duplicates() -> None:  # the daily scan found pairs: an open review tab shows them
        review = window.built_page("review")
        if review is not None and review.duplicates is not None:
            review.duplicates.activate()

    window.duplicate_schedule = DuplicateSchedule(lambda: _daily_duplicate_scan(ctx), runner, reload_duplicates, window)
    def reload_desk(_result) -> None:  # F5 on the case or task desk: what it brought (a 12345 case, a new task)
        page = window.current_page()
        if page in (window.built_page("cases"), window.built_page("tasks")):
            page.refresh_after_sync()  # in place, the open case or target kept (typing spared, as in the background)

    def refresh_desks(_result) -> None:  # a sync the user did not start: the desks show what it brought
        for key in ("cases", "tasks"):
            page = window.built_page(key)
            if page is not None:
                page.refresh_after_sync()  # keeps the open case or target, and whatever is being typed

    def name_the_place(_result) -> None:  # a new PC learns its region's name with its first sync
        if ctx.actor.scope and account == _account_text_as(ctx, ""):
            runner.run_db(lambda: ctx.scope_name, show_place)

    def show_place(name, error) -> None:
        """150422100201 → 福山地村 in the title and on the settings page, once the regions are here."""
        if error is not None or not name:
            return
        text = _account_text_as(ctx, name)
        window.setWindowTitle(f"{app_name} — {text}")
        settings_page = window.built_page("settings")
        if settings_page is not None:
            settings_page.account.setText(text)

    status_bar.sync_finished.connect(name_the_place)
    status_bar.background_synced.connect(name_the_place)
    status_bar.sync_finished.connect(reload_register)
    status_bar.sync_finished.connect(reload_dashboard)
    status_bar.sync_finished.connect(reload_attachments)
    status_bar.sync_finished.connect(reload_desk)
    status_bar.background_synced.connect(reload_register)  # in place: no list jumps under the clerk
    status_bar.background_synced.connect(reload_dashboard)
    status_bar.background_synced.connect(reload_attachments)
    status_bar.background_synced.connect(refresh_desks)
    return window


# Each page's package is imported by its builder, when the page is first shown.


def _register_page(shell: Shell, status_bar: SyncStatusBar, printer: Printer, on_error: Callable,
                   language: str) -> QWidget:
    from ui.register.household_panel import HouseholdPanel
    from ui.register.page import RegisterPage
    from ui.register.small_forms import RegisterForms

    ctx, runner = shell.context, shell.runner
    from app.client.history import HistoryDesk

    transport = shell.services.enrolment.transport if shell.services and shell.services.enrolled else None
    panel = HouseholdPanel(ctx, runner, shell.dialogs, shell.forms or RegisterForms(), on_error, language, printer,
                           history=HistoryDesk(ctx, transport))
    roster = _roster_tools(shell, on_error, lambda _result: status_bar.refresh(), language)
    register = RegisterPage(ctx.register, panel, runner, on_error, shell.settings.get(opts.SEARCH_DEBOUNCE_MS),
                            settings=shell.settings, roster=roster)
    return register


def _roster_tools(shell: Shell, on_error: Callable, on_imported: Callable | None = None, language: str = "zh_CN"):
    from ui.roster.tools import RosterTools

    return RosterTools(shell.context, shell.runner, shell.dialogs, on_error, shell.documents_dir, on_imported,
                       language)


def _task_page(shell: Shell, printer: Printer, on_error: Callable, language: str = "zh_CN") -> QWidget:
    from app.client.one_form import OneFormDesk
    from app.client.task_desk import TaskDesk
    from ui.taskdesk.page import TaskDeskPage

    ctx = shell.context
    online = shell.services is not None and shell.services.enrolled  # the request catalogue is the server's
    desk = TaskDesk(ctx, transport_of=shell.services.enrolment.transport if online else None)
    return TaskDeskPage(desk, OneFormDesk(ctx), shell.runner, shell.dialogs, on_error,
                        printer=printer, reports=lambda: ctx.reports,
                        exporter=_roster_tools(shell, on_error).exporter, language=language,
                        history=_history_desk(shell))


def _case_page(shell: Shell, printer: Printer, on_error: Callable, language: str = "zh_CN") -> QWidget:
    from app.client.case_desk import CaseDesk
    from ui.casedesk.page import CaseDeskPage

    ctx = shell.context
    return CaseDeskPage(CaseDesk(ctx), shell.runner, shell.dialogs, on_error, printer=printer,
                        reports=lambda: ctx.reports, exporter=_roster_tools(shell, on_error).exporter,
                        language=language, history=_history_desk(shell))


def _history_desk(shell: Shell):
    """Record history for a page: what this PC holds, and the server's on request once enrolled."""
    from app.client.history import HistoryDesk

    enrolled = shell.services is not None and shell.services.enrolled
    return HistoryDesk(shell.context, shell.services.enrolment.transport if enrolled else None)


def _daily_duplicate_scan(ctx: ClientContext):
    """On the background worker: the desk (and pypinyin) load there, not at start."""
    from app.client.duplicates import DuplicateDesk

    return DuplicateDesk(ctx).scan_if_due()


def _review_page(shell: Shell, services: ClientServices, status_bar: SyncStatusBar, on_error: Callable,
                 open_record: Callable[[str, str], bool]) -> QWidget:
    from app.client.duplicates import DuplicateDesk
    from ui.review.page import ReviewPage

    return ReviewPage(services.outbox, services.conflicts, shell.runner, shell.dialogs, on_error,
                      status_bar.refresh, open_record, exporter=_roster_tools(shell, on_error).exporter,
                      duplicates=DuplicateDesk(shell.context))


def _reports_page(shell: Shell, printer: Printer, on_error: Callable) -> QWidget:
    from ui.reports.page import ReportsPage

    return ReportsPage(shell.context, printer, shell.runner, on_error)


def _settings_page(shell: Shell, account: str, services: ClientServices, on_error: Callable) -> QWidget:
    from ui.preferences.page import SettingsPage

    return SettingsPage(shell.settings, account, shell.runner, shell.dialogs, on_error, services.enrolment,
                        on_logged_in=shell.on_logged_in, demo=(shell.demo_accounts, shell.demo_password))


def _account_text(ctx: ClientContext) -> str:
    return _account_text_as(ctx, ctx.scope_name)


def _account_text_as(ctx: ClientContext, place: str) -> str:
    return account_text(ctx.actor.username, ctx.actor.role, ctx.actor.scope, place)


def _greeting(ctx: ClientContext) -> str:
    name = ctx.scope_name or ctx.actor.scope
    return translate("MainWindow", "%1 · 户籍人口概况").replace("%1", name)


def use_cjk_font(app: QApplication) -> None:
    """Prefer a proper CJK UI font over whatever the platform falls back to."""
    families = set(QFontDatabase.families())
    for family in _CJK_FAMILIES:
        if family in families:
            font = QFont(family)
            font.setPointSize(10)
            app.setFont(font)
            return


def create_application(argv: list[str], settings: opts.Settings | None = None) -> tuple[QApplication, opts.Settings]:
    app = QApplication.instance() or QApplication(argv)
    gui_gc.install(app)  # cyclic garbage (Qt objects among it) freed in the GUI thread only
    app.setOrganizationName(opts.ORGANISATION)
    app.setApplicationName(opts.APPLICATION)
    settings = settings or opts.Settings()
    app._translators = i18n.install(app, settings.get(opts.LANGUAGE), paths.cache_dir() / "i18n")
    set_display_language(settings.get(opts.LANGUAGE))  # code-table labels follow the interface language
    use_cjk_font(app)
    icon = RESOURCES_DIR / "icons" / "township-desk.png"  # drawn by scripts/make_icon.py
    if icon.exists():  # a bundle without icons still starts
        app.setWindowIcon(QIcon(str(icon)))
    return app, settings


def _update_offer(services: ClientServices, runner, dialogs: Dialogs, window: QWidget, language: str):
    """The window's update offer, on the app's UpdateService (app/updates.py)."""
    from app.updates import client_update_service
    from ui.update_offer import UpdateOffer

    def make_service(online: bool):
        return client_update_service(services.context, services.enrolment if online else None)

    return UpdateOffer(make_service, runner, dialogs, window,
                       lambda error: show_error(dialogs, window, error, language))


def quit_on_signals(app: QApplication) -> QTimer:
    """SIGTERM and SIGINT (Ctrl+C in the terminal) close the client as the window's close button does,
    so `run`'s callers still clean up (the demo stops its server). Python runs signal handlers only when
    it gets control, which Qt's event loop does not give it: a short idle timer does."""
    import signal

    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: app.quit())
    timer = QTimer()
    timer.start(300)
    timer.timeout.connect(lambda: None)
    return timer


REOPEN = 0x5245  # the event loop's exit code for "open the window again as the account just logged in"


def run(argv: list[str], database_path: Path | None = None, secrets=None, demo_accounts: tuple = (),
        demo_password: str = "") -> int:
    """Open the client; returns the process exit code. `database_path` and `secrets` (a SecretStore)
    override the configured database and the OS keyring (the one-command demo uses both, and names
    its accounts on the login form with `demo_accounts`). A login from
    the settings page reopens the window as that account at once — and a village role's database is
    encrypted in between, before its first sync brings any data down (app/protection.py)."""
    configure_client_logging()
    app, settings = create_application(argv)
    dialogs = Dialogs()
    install_excepthook(dialogs, settings.get(opts.LANGUAGE))
    path = Path(database_path or settings.get(opts.DATABASE_PATH) or paths.local_db_path())
    while True:
        code = _open_window(app, settings, dialogs, path, secrets, (demo_accounts, demo_password))
        if code != REOPEN:
            return code


def _open_window(app: QApplication, settings: opts.Settings, dialogs: Dialogs, path: Path, secrets,
                 demo: tuple = ((), "")) -> int:
    try:
        services = open_client(path, allow_unenrolled=True, secrets=secrets)
    except UserFacingError as exc:  # the database key is missing or wrong, or a remote wipe just finished
        show_error(dialogs, None, exc, settings.get(opts.LANGUAGE))
        return 2
    runner = TaskRunner()
    reopen = lambda: QTimer.singleShot(0, lambda: app.exit(REOPEN))  # noqa: E731 - after the login dialog closes
    window = build_main_window(Shell(services.context, runner, settings, dialogs, services=services,
                                     on_logged_in=reopen, demo_accounts=demo[0], demo_password=demo[1]))
    window.resize(1366, 740)
    window.show()
    if services.enrolled is False:
        # First run: straight to the login form, with the reason in the status bar (no modal box).
        window.show_page("settings")
        window.sync_bar.show_notice(translate(
            "MainWindow", "本机尚未绑定账号。请在此登录城市服务器，或运行演示（township-desk demo）。"), 600_000)
    offer = _update_offer(services, runner, dialogs, window, settings.get(opts.LANGUAGE))
    offer.offer_waiting()
    if services.sync is not None and services.enrolled:
        window.sync_bar.sync_finished.connect(offer.after_sync)
        window.sync_bar.sync_at_start()  # the scope (just enrolled) or what changed since the last sync
        minutes = settings.get(opts.AUTO_SYNC_MINUTES)
        if minutes > 0:
            services.sync.start_periodic(minutes * 60)
    signal_timer = quit_on_signals(app)
    code = app.exec()
    signal_timer.stop()
    if services.sync is not None:
        services.sync.stop()
    runner.shutdown()
    services.context.close()
    if code == REOPEN:
        window.close()
        window.deleteLater()
    return code


if __name__ == "__main__":
    sys.exit(run(sys.argv))
