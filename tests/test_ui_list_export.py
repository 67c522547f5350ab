"""导出 on every list of the real main window runs on the threaded task runner with a progress
window: the click returns at once, the window stays usable (no modal dialog, pages switch) while
the database worker reads and writes, the progress window counts the rows read and written and
closes when the workbook is saved; 取消 leaves no file and no audit entry."""
# Fixtures come from tests/ui_support.py by import, which ruff reads as redefinition.
# ruff: noqa: F811

from __future__ import annotations

import threading

from openpyxl import load_workbook
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QProgressDialog, QPushButton
from sqlalchemy import func, select

from db.models import AuditEntry
from tests.test_ui_roster import open_window, village_of
from tests.ui_support import context, demo_template, settings  # noqa: F401
from ui.tasks import TaskRunner


def _hold_worker(runner: TaskRunner) -> threading.Event:
    """Keep the single database worker busy until the returned event is set, so what the window
    does meanwhile is seen while an export waits or runs."""
    release = threading.Event()
    runner.run_db(lambda: release.wait(10), lambda _result, _error: None)
    return release


def _progress_windows(window) -> list[QProgressDialog]:
    return [w for w in window.findChildren(QProgressDialog, "export_progress") if w.isVisible()]


def _click_export(qtbot, page, dialogs, path) -> None:
    dialogs.texts.append("年度核对")
    dialogs.paths.append(str(path))
    button = next(b for b in page.findChildren(QPushButton) if b.objectName() == "export_button"
                  and b.isVisibleTo(page))
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _settle(qtbot, runner: TaskRunner) -> None:
    """Let the status bar's recount (150 ms after a commit) run before the runner stops."""
    qtbot.wait(300)
    qtbot.waitUntil(lambda: runner.pending == 0, timeout=10_000)
    runner.shutdown()


def _exports(context) -> int:
    with context.sessions() as session:
        return session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "export"))


def test_every_list_exports_on_the_worker_with_progress(qtbot, context, settings, tmp_path):
    runner = TaskRunner()
    try:
        window, dialogs = open_window(qtbot, context, settings, tmp_path, runner)
        register = window.show_page("register")
        qtbot.waitUntil(lambda: runner.pending == 0, timeout=10_000)
        village = village_of(context)
        register.filters.village.setCurrentIndex(register.filters.village.findData(village))
        register.filters.flush()
        qtbot.waitUntil(lambda: runner.pending == 0, timeout=10_000)

        def households():
            register.tabs.setCurrentWidget(register.household_view)
            return register

        lists = [("persons", lambda: register), ("households", households),
                 ("tasks", lambda: window.show_page("tasks")), ("cases", lambda: window.show_page("cases")),
                 ("review", lambda: window.show_page("review"))]
        for number, (name, show) in enumerate(lists, start=1):
            page = show()
            qtbot.waitUntil(lambda: runner.pending == 0, timeout=10_000)
            release = _hold_worker(runner)
            path = tmp_path / f"{name}.xlsx"
            _click_export(qtbot, page, dialogs, path)
            # The click has returned while the worker is still held: the export waits on it, its
            # progress window is up, not modal, and the window is usable.
            shown = _progress_windows(window)
            assert len(shown) == 1, name
            window_progress = shown[0]
            assert window_progress.windowModality() == Qt.WindowModality.NonModal
            assert QApplication.activeModalWidget() is None and window.isEnabled()
            assert runner.pending == 2 and not path.exists()
            assert window.show_page("register") is register  # the window answers while the export waits
            release.set()
            qtbot.waitUntil(lambda: runner.pending == 0, timeout=20_000)
            assert dialogs.shown[-1][0] == "info", dialogs.shown
            assert not window_progress.isVisible()
            rows = list(load_workbook(path).active.iter_rows(values_only=True))
            seen = window_progress.progress
            assert (seen.phase, seen.done, seen.total) == ("write", len(rows) - 1, len(rows) - 1), name
            assert window_progress.maximum() == len(rows) - 1 and window_progress.value() == len(rows) - 1
            assert str(len(rows) - 1) in window_progress.labelText()
            assert _exports(context) == number
            show()
    finally:
        _settle(qtbot, runner)


def test_cancel_leaves_no_file_and_no_audit_entry(qtbot, context, settings, tmp_path):
    runner = TaskRunner()
    try:
        window, dialogs = open_window(qtbot, context, settings, tmp_path, runner)
        register = window.show_page("register")
        qtbot.waitUntil(lambda: runner.pending == 0, timeout=10_000)
        release = _hold_worker(runner)
        path = tmp_path / "persons.xlsx"
        _click_export(qtbot, register, dialogs, path)
        progress = _progress_windows(window)
        assert len(progress) == 1
        cancel = progress[0].findChild(QPushButton)
        qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
        release.set()
        qtbot.waitUntil(lambda: runner.pending == 0, timeout=10_000)
        assert not progress[0].isVisible()
        assert not path.exists() and not list(tmp_path.glob("*.part"))
        assert _exports(context) == 0
        assert not [kind for kind, *_ in dialogs.shown if kind in ("info", "error")], dialogs.shown
    finally:
        _settle(qtbot, runner)
