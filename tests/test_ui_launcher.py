"""Starting the client: a never-enrolled device opens as a guest that sees nobody's data and lands
on the login form; `run()` shows the main window and returns when the application quits."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from app.client.startup import GUEST_SCOPE, open_client


def test_an_unenrolled_device_opens_as_a_guest(tmp_path):
    assert open_client(tmp_path / "local.db").context is None
    services = open_client(tmp_path / "local.db", allow_unenrolled=True)
    try:
        assert services.enrolled is False and services.conflicts is None
        assert services.context.actor.scope == GUEST_SCOPE and services.sync is not None
        assert services.context.register.summary().households == 0
    finally:
        services.context.close()


LAUNCH = """
import sys
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication
QSettings.setDefaultFormat(QSettings.Format.IniFormat)
QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, sys.argv[2])
app = QApplication(sys.argv[:1])

def look():
    window = next(w for w in QApplication.topLevelWidgets() if type(w).__name__ == "MainWindow")
    print("PAGE", type(window.current_page()).__name__)
    print("NOTICE", window.sync_bar.notice.text())
    window.close()
    app.quit()

QTimer.singleShot(300, look)
from ui.app import run
print("EXIT", run(sys.argv[:1], database_path=sys.argv[1]))
"""


def test_run_shows_the_window_on_the_login_page_and_returns(tmp_path):
    # Its own process: run() ends with QApplication.exit(), which would stop later tests' event loops.
    env = {**os.environ, "TD_DATA_DIR": str(tmp_path), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", LAUNCH, str(tmp_path / "client.db"), str(tmp_path / "settings")],
                          env=env, capture_output=True, text=True, timeout=120, cwd=Path(__file__).parent.parent)
    lines = dict(line.split(" ", 1) for line in done.stdout.splitlines() if " " in line)
    assert done.returncode == 0, done.stderr[-2000:]
    assert lines["PAGE"] == "SettingsPage" and "登录" in lines["NOTICE"] and lines["EXIT"] == "0"
    assert (tmp_path / "client.db").exists()
