"""Progress of a long roster or list job, shared by the wizard and the 导出 action: the job on the
database worker reports (phase, done, total) into a `Progress` — plain attributes, no Qt call on the
worker thread — and a GUI-thread timer shows them. Cancel sets a flag the next report raises on,
so the job stops where it is and its service leaves nothing behind (no file, no audit entry)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtWidgets import QProgressDialog, QWidget

translate = QCoreApplication.translate


class Cancelled(Exception):
    """Raised inside the job at its next progress report after the user pressed Cancel."""


class Progress:
    """Written by the worker (phase, done, total), read by the GUI's timer."""

    def __init__(self) -> None:
        self.phase, self.done, self.total = "", 0, 0
        self.cancelled = False

    def __call__(self, phase: str, done: int, total: int) -> None:
        self.phase, self.done, self.total = phase, done, total
        if self.cancelled:
            raise Cancelled


class ExportProgress(QProgressDialog):
    """The 导出 job's window: rows read, then rows written of all, with 取消. Not modal: the main
    window stays usable while the workbook is written."""

    POLL_MS = 100

    def __init__(self, parent: QWidget, title: str, progress: Progress) -> None:
        super().__init__(parent)
        self.setObjectName("export_progress")
        self.setWindowTitle(title)
        self.setWindowModality(Qt.WindowModality.NonModal)
        self.setAutoClose(False)
        self.setAutoReset(False)
        self.setMinimumDuration(0)
        self.setCancelButtonText(translate("ExportProgress", "取消"))
        self.setLabelText(translate("ExportProgress", "正在读取列表…"))
        self.setRange(0, 0)
        self.progress = progress
        self.canceled.connect(self._cancel)
        self._timer = QTimer(self)
        self._timer.setInterval(self.POLL_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()

    def _cancel(self) -> None:
        self.progress.cancelled = True
        self.setLabelText(translate("ExportProgress", "正在取消…"))

    def refresh(self) -> None:
        if self.progress.cancelled:
            return
        p = self.progress
        if p.phase == "write" and p.total:
            self.setRange(0, p.total)
            self.setValue(min(p.done, p.total))
            self.setLabelText(translate("ExportProgress", "正在写入 Excel：%1 / %n 行", "", p.total)
                              .replace("%1", str(p.done)))
        elif p.phase == "read":
            self.setLabelText(translate("ExportProgress", "正在读取列表：已读 %n 行", "", p.done))

    def finish(self) -> None:
        """The job ended (done, failed or cancelled): the last figures set, then hidden (closing a
        QProgressDialog would report a cancel)."""
        self._timer.stop()
        self.canceled.disconnect(self._cancel)
        self.refresh()
        self.hide()
