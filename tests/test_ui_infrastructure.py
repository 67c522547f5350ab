"""The desktop client's plumbing: the task runner (results on the GUI thread, one database thread,
the event loop keeps turning during long work), typed settings, the one error path, and the import
rule that keeps SQL, HTTP and keyring out of ui/."""
# Fixtures come from tests/ui_support.py by import, which ruff reads as redefinition.
# ruff: noqa: F811

from __future__ import annotations

import ast
import logging
import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer

from app.errors import UserFacingError, ValidationError
from tests.ui_support import ScriptedDialogs, settings  # noqa: F401
from ui import settings as opts
from ui.errors import show_error, user_text
from ui.tasks import ImmediateTaskRunner, TaskRunner

UI_DIR = Path(__file__).resolve().parent.parent / "ui"
FORBIDDEN = ("sqlalchemy", "requests", "keyring")


def _imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_no_ui_module_imports_sqlalchemy_requests_or_keyring():
    offenders = {}
    files = sorted(UI_DIR.rglob("*.py"))
    assert len(files) > 10
    for path in files:
        bad = {name for name in _imported_modules(path) if name.split(".")[0] in FORBIDDEN}
        if bad:
            offenders[str(path.relative_to(UI_DIR))] = sorted(bad)
    assert offenders == {}


@pytest.fixture
def runner(qtbot):
    runner = TaskRunner()
    yield runner
    runner.shutdown()


def test_results_come_back_on_the_gui_thread(qtbot, runner):
    seen = []
    gui = threading.get_ident()
    runner.run_db(lambda: threading.get_ident(), lambda result, error: seen.append((result, error, threading.get_ident())))
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    worker, error, handler_thread = seen[0]
    assert error is None and worker != gui and handler_thread == gui
    assert runner.pending == 0


def test_errors_are_handed_to_the_handler_not_raised(qtbot, runner):
    seen = []
    runner.run_network(lambda: 1 / 0, lambda result, error: seen.append((result, error)))
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    assert seen[0][0] is None and isinstance(seen[0][1], ZeroDivisionError)


def test_database_jobs_run_one_at_a_time_in_order(qtbot, runner):
    active, overlaps, order = [0], [], []

    def job(n):
        active[0] += 1
        overlaps.append(active[0])
        time.sleep(0.01)
        active[0] -= 1
        return n

    for n in range(6):
        runner.run_db(lambda n=n: job(n), lambda result, error: order.append(result))
    qtbot.waitUntil(lambda: len(order) == 6, timeout=5000)
    assert order == list(range(6)) and max(overlaps) == 1


def test_event_loop_keeps_turning_during_a_long_background_job(qtbot, runner):
    """A 1.2 s job (a simulated sync) must not freeze the window: a 50 ms timer keeps firing."""
    ticks, done = [], []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start(50)
    release = threading.Event()
    runner.run_network(lambda: release.wait(1.2) or "synced", lambda result, error: done.append(result))
    qtbot.waitUntil(lambda: bool(done), timeout=5000)
    timer.stop()
    assert done == ["synced"]
    assert len(ticks) >= 12
    assert max(b - a for a, b in zip(ticks, ticks[1:], strict=False)) < 0.5


def test_immediate_runner_runs_at_once_and_reports_errors():
    seen = []
    runner = ImmediateTaskRunner()
    runner.run_db(lambda: 42, lambda result, error: seen.append((result, error)))
    runner.run_network(lambda: int("x"), lambda result, error: seen.append((result, type(error))))
    assert seen == [(42, None), (None, ValueError)]


def test_settings_have_typed_defaults_and_round_trip(settings):
    assert settings.get(opts.LANGUAGE) == "zh_CN"
    assert settings.get(opts.AUTO_SYNC_MINUTES) == 15
    settings.set(opts.AUTO_SYNC_MINUTES, 30)
    settings.set(opts.SERVER_URL, "https://city.example")
    settings.sync()
    again = opts.Settings.at_path(settings._store.fileName())
    assert again.get(opts.AUTO_SYNC_MINUTES) == 30 and isinstance(again.get(opts.AUTO_SYNC_MINUTES), int)
    assert again.get(opts.SERVER_URL) == "https://city.example"
    with pytest.raises(TypeError):
        settings.set(opts.AUTO_SYNC_MINUTES, "thirty")


def test_a_garbled_setting_falls_back_to_its_default(settings):
    settings._store.setValue(opts.AUTO_SYNC_MINUTES.key, "often")
    assert settings.get(opts.AUTO_SYNC_MINUTES) == 15
    settings.reset(opts.AUTO_SYNC_MINUTES)
    assert settings.get(opts.AUTO_SYNC_MINUTES) == 15


def test_user_facing_errors_show_their_own_text_in_the_chosen_language(qtbot):
    dialogs = ScriptedDialogs()
    error = ValidationError("phone", "phone_invalid")
    show_error(dialogs, None, error, "zh_CN")
    show_error(dialogs, None, error, "en")
    assert dialogs.shown[0][2] == error.message("zh_CN") and "联系电话" in dialogs.shown[0][2]
    assert dialogs.shown[1][2] == error.message("en") and "Phone" in dialogs.shown[1][2]
    assert user_text(UserFacingError("out_of_scope"), "zh_CN") == UserFacingError("out_of_scope").message()


def test_unexpected_errors_are_logged_with_traceback_and_shown_generically(qtbot, caplog):
    dialogs = ScriptedDialogs()
    try:
        {}["missing"]
    except KeyError as error:
        with caplog.at_level(logging.ERROR, logger="township_desk.ui"):
            show_error(dialogs, None, error, "zh_CN")
    kind, _title, text = dialogs.shown[0]
    assert kind == "error" and "意外错误" in text and "missing" not in text
    assert caplog.records and caplog.records[0].exc_info[0] is KeyError


HAMMER = """
import sys
import ui
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication(sys.argv[:1])
label = QLabel()

class Source(QObject):
    changed = Signal(object)

source = Source()
source.changed.connect(lambda _value: None)
for n in range(150000):
    label.setText("x")
    source.changed.emit(n)
print("survived", ui.SINGLETONS_IMMORTALISED)
"""


def test_the_bindings_survive_a_long_session_of_calls():
    """PySide6 6.12 on Python 3.11 drops a reference to None (void methods) or True (emit) on
    every call; without ui/__init__.py's headroom this process aborts long before 150,000 calls."""
    import os
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", HAMMER], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}, cwd=UI_DIR.parent)
    assert done.returncode == 0, done.stderr[-1500:]
    assert done.stdout.startswith("survived")


def test_thousands_of_results_all_arrive_on_the_gui_thread(qtbot, runner):
    gui = threading.get_ident()
    done, wrong = [0], [0]

    def handler(result, error) -> None:
        done[0] += 1
        if result is not None or error is not None or threading.get_ident() != gui:
            wrong[0] += 1

    for _ in range(3000):
        runner.run_db(lambda: None, handler)
    qtbot.waitUntil(lambda: done[0] == 3000, timeout=20000)
    assert wrong[0] == 0 and runner.pending == 0
