"""Printing from any page: ask for the purpose (用途, printed in the watermark and kept in the audit
log), ask where to save the PDF, let app/reports write it on the database worker, then open it in
the system viewer, from which the clerk prints. The reports service does the checks and the audit."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QWidget

translate = QCoreApplication.translate


class Printer:
    def __init__(self, runner, dialogs, on_error, documents_dir: Path) -> None:
        self._runner = runner
        self._dialogs = dialogs
        self._on_error = on_error
        self._documents_dir = documents_dir

    def print_pdf(self, parent: QWidget, title: str, suggested_name: str, make: Callable) -> None:
        """`make(path, purpose)` writes the PDF and returns the reports service's PrintResult."""
        purpose = self._dialogs.ask_text(parent, title, translate("Printer", "用途（印在水印上并记入审计日志）："))
        if purpose is None or not purpose.strip():
            return
        path = self._dialogs.save_path(parent, title, str(self._documents_dir / suggested_name), "PDF (*.pdf)")
        if not path:
            return
        if not path.lower().endswith(".pdf"):
            path += ".pdf"
        self._runner.run_db(lambda: make(Path(path), purpose.strip()),
                            lambda result, error: self._done(parent, title, result, error))

    def _done(self, parent: QWidget, title: str, result, error) -> None:
        if error is not None:
            self._on_error(error)
            return
        text = translate("Printer", "已生成 %1（%2）：%3").replace("%1", translate("Printer", "%n 页", "", result.pages)) \
            .replace("%2", translate("Printer", "%n 条记录", "", result.records)).replace("%3", str(result.path))
        self._dialogs.info(parent, title, text)
        self._dialogs.open_file(str(result.path))
