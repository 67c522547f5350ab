"""Starting the client: a never-enrolled device opens as a guest that sees nobody's data and lands
on the login form; `run()` shows the main window and returns when the application quits."""

from __future__ import annotations

import sys

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

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


def test_run_shows_the_window_on_the_login_page_and_returns(qapp, tmp_path, monkeypatch):
    from ui.app import run

    monkeypatch.setenv("TD_DATA_DIR", str(tmp_path))
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # run() installs its own; restore it after
    seen = {}

    def look() -> None:
        window = next(w for w in QApplication.topLevelWidgets() if type(w).__name__ == "MainWindow")
        seen["page"] = type(window.current_page()).__name__
        seen["notice"] = window.sync_bar.notice.text()
        window.close()
        qapp.quit()

    QTimer.singleShot(200, look)
    try:
        assert run(["township-desk"], database_path=tmp_path / "client.db") == 0
    finally:
        for translator in getattr(qapp, "_translators", []):
            qapp.removeTranslator(translator)
        QSettings.setDefaultFormat(QSettings.Format.NativeFormat)
    assert seen["page"] == "SettingsPage" and "登录" in seen["notice"]
    assert (tmp_path / "client.db").exists()
