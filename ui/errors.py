"""The one place the desktop client turns a failure into something on screen: a `UserFacingError`
shows its own translated, actionable text; anything else is a bug, logged with its traceback (never
with personal data: only the exception, which services keep free of it) and shown as a generic
failure. Nothing here sorts errors by matching message strings."""

from __future__ import annotations

import logging
import sys

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QWidget

from app.errors import UserFacingError
from app.logs import log_file
from ui.dialogs import Dialogs

log = logging.getLogger("township_desk.ui")


translate = QCoreApplication.translate


def user_text(error: BaseException, language: str) -> str:
    """The text a user sees for `error` in `language` ("zh_CN" or "en")."""
    if isinstance(error, UserFacingError):
        return error.message(language)
    where = translate("errors", "日志文件：%1").replace("%1", str(log_file()))
    return translate("errors", "操作未能完成，发生了意外错误。详细信息已写入日志，请联系技术支持。") + "\n" + where


def show_error(dialogs: Dialogs, parent: QWidget | None, error: BaseException, language: str) -> None:
    """Display `error`; unexpected errors are logged with their traceback first."""
    if isinstance(error, UserFacingError):
        dialogs.error(parent, translate("errors", "无法完成操作"), user_text(error, language))
        return
    log.error("unexpected error", exc_info=(type(error), error, error.__traceback__))
    dialogs.error(parent, translate("errors", "出错了"), user_text(error, language))


def install_excepthook(dialogs: Dialogs, language: str) -> None:
    """Route exceptions escaping Qt slots (bugs) through the same path instead of losing them."""

    def hook(kind, error, traceback) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, error, traceback)
            return
        show_error(dialogs, None, error.with_traceback(traceback), language)

    sys.excepthook = hook
