"""The update channel in the window: after a sync, ask the city server for a newer signed build and
download it in the background (network pool; a cut download resumes next time); at start, offer to
install a build that is waiting and verified. A build that fails verification is refused by
app/updates.py, reported to the user here and recorded in the audit trail."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject
from PySide6.QtWidgets import QApplication, QWidget

from app.errors import UserFacingError

translate = QCoreApplication.translate


class UpdateOffer(QObject):
    """`make_service(online)` builds the app's UpdateService (with the server channel when online)."""

    def __init__(self, make_service: Callable[[bool], object], runner, dialogs, window: QWidget,
                 on_error: Callable[[BaseException], None]) -> None:
        super().__init__(window)
        self._make_service = make_service
        self._runner = runner
        self._dialogs = dialogs
        self._window = window
        self._on_error = on_error
        self._fetching = False

    def offer_waiting(self) -> None:
        """At start: is a verified build waiting? (hashing it runs off the UI thread)."""
        self._runner.run_network(lambda: self._make_service(False).staged(), self._offer)

    def after_sync(self, _result=None) -> None:
        if self._fetching:
            return
        self._fetching = True
        self._runner.run_network(self._check_and_fetch, self._fetched)

    def _check_and_fetch(self):
        service = self._make_service(True)
        build = service.check()
        return service.fetch(build) if build is not None else None

    def _fetched(self, staged, error: BaseException | None) -> None:
        self._fetching = False
        if isinstance(error, UserFacingError) and error.code == "update_bad_signature":
            self._on_error(error)  # refused, deleted and audited: the user is told once
        elif staged is not None:
            self._dialogs.info(self._window, translate("UpdateOffer", "软件更新"), translate(
                "UpdateOffer", "新版本 %1 已下载并通过签名校验，下次启动时可以安装。").replace("%1", staged.version))
        # other errors (offline, no server) just wait for the next sync

    def _offer(self, staged, error: BaseException | None) -> None:
        if error is not None:
            self._on_error(error)
            return
        if staged is None:
            return
        question = translate("UpdateOffer", "新版本 %1 已下载并通过签名校验。现在安装吗？").replace("%1", staged.version)
        if not self._dialogs.confirm(self._window, translate("UpdateOffer", "软件更新"), question):
            return
        if not getattr(sys, "frozen", False):
            self._dialogs.info(self._window, translate("UpdateOffer", "软件更新"), translate(
                "UpdateOffer", "这是开发环境，不能自动安装。安装文件：%1").replace("%1", str(staged.path)))
            return
        self._runner.run_network(lambda: self._make_service(False).install(
            staged, Path(sys.executable).resolve().parent), self._installed)

    def _installed(self, target, error: BaseException | None) -> None:
        if error is not None:
            self._on_error(error)
            return
        if Path(target).suffix.lower() in (".exe", ".msi"):
            QApplication.quit()  # the installer replaces the files once this client has closed
            return
        self._dialogs.info(self._window, translate("UpdateOffer", "软件更新"), translate(
            "UpdateOffer", "新版本已安装到 %1，请从那里启动。").replace("%1", str(target)))
