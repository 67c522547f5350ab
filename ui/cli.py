"""The `township-desk` entry point: the client's command line (`app.cli`) with the desktop window
and the demo's commands (`demo.cli`) plugged in, so app/ never imports ui/ or the demo. Also the
PyInstaller entry script."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def display_problem() -> str | None:
    """Why no window can be shown here, or None. Checked before anything starts: without a display Qt
    aborts the whole process (exit 134, an xcb message) and would leave a demo's server behind."""
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if not sys.platform.startswith("linux") or platform.split(":")[0] in ("offscreen", "minimal", "vnc", "eglfs",
                                                                          "linuxfb", "wayland"):
        return None
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    return "DISPLAY / WAYLAND_DISPLAY not set"


def open_window(database_path: Path | None = None, secrets=None, demo_accounts: tuple = (),
                demo_password: str = "") -> int:
    """The desktop window; the one-command demo passes its accounts, named on the login form."""
    problem = display_problem()
    if problem:
        from app.errors import UserFacingError

        raise UserFacingError("no_display", detail=problem)
    from ui.app import run

    return run(sys.argv[:1], database_path=database_path, secrets=secrets, demo_accounts=demo_accounts,
               demo_password=demo_password)


def check_widgets() -> None:
    """Self-test: Qt loads its platform plugin and renders a CJK (and Ext-B) label."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication, QLabel

    app = QApplication.instance() or QApplication(sys.argv[:1])
    label = QLabel("基层治理工作台 𠮷")
    label.show()
    app.processEvents()
    if label.grab().isNull():
        raise RuntimeError("Qt could not render a widget")
    label.close()


def main(argv: list[str] | None = None) -> int:
    from app.cli import main as app_main
    from demo.cli import add_commands as demo_commands

    return app_main(argv, open_window=open_window, self_checks=[("Qt 界面 widgets", check_widgets)],
                    display_problem=display_problem, commands=[demo_commands])


if __name__ == "__main__":
    sys.exit(main())
