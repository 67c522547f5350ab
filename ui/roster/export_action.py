"""导出: the one export action list pages share. The page hands over what its list shows right now —
the list's name and its paged query with the filters applied (`source() -> (name, fetch)`, read on
the GUI thread at the click); the action asks for the purpose (kept in the audit log) and where to
save, writes the workbook on the database worker — a progress window (not modal) counts the rows
read and written and can cancel — and says how many rows went out. ID numbers and phones are
masked, as on screen."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QPushButton, QWidget

from ui.roster.progress import Cancelled, ExportProgress, Progress

translate = QCoreApplication.translate
Source = Callable[[], tuple[str, Callable[[int, int], list]]]


def in_memory(rows: list) -> Callable[[int, int], list]:
    """A paged query over rows a page already holds (task groups, review items)."""
    rows = list(rows)
    return lambda offset, limit: rows[offset:offset + limit]


class ListExporter:
    def __init__(self, exports, runner, dialogs, on_error, documents_dir: Path) -> None:
        self._exports, self._runner, self._dialogs, self._on_error = exports, runner, dialogs, on_error
        self._documents_dir = documents_dir
        self.running: list[ExportProgress] = []  # the progress windows of exports not finished yet
        self.finished: ExportProgress | None = None

    def button(self, parent: QWidget, source: Source) -> QPushButton:
        """A 导出… button for a page's bar, exporting what `source()` names when clicked."""
        button = QPushButton(translate("ListExporter", "导出…"), parent)
        button.setObjectName("export_button")
        button.setToolTip(translate("ListExporter", "把当前列表（按当前筛选条件）导出为 Excel，证件号码和电话脱敏"))
        button.clicked.connect(lambda: self.export(parent, *source()))
        return button

    def export(self, parent: QWidget, name: str, fetch: Callable[[int, int], list]) -> None:
        title = translate("ListExporter", "导出列表")
        purpose = self._dialogs.ask_text(parent, title, translate("ListExporter", "导出用途（记入审计日志）："))
        if purpose is None or not purpose.strip():
            return
        suggested = str(self._documents_dir / f"{name}.xlsx")
        path = self._dialogs.save_path(parent, title, suggested, "Excel (*.xlsx)")
        if not path:
            return
        if not path.lower().endswith(".xlsx"):
            path += ".xlsx"
        if self.finished is not None:
            self.finished.deleteLater()
            self.finished = None
        progress = Progress()
        window = ExportProgress(parent, title, progress)
        window.show()
        self.running.append(window)
        self._runner.run_db(lambda: self._exports.export(name, fetch, Path(path), purpose.strip(), progress),
                            lambda result, error: self._done(parent, title, window, result, error))

    def _done(self, parent: QWidget, title: str, window: ExportProgress, result, error) -> None:
        window.finish()
        self.running.remove(window)
        if self.finished is not None:
            self.finished.deleteLater()
        self.finished = window  # kept (hidden) until the next export: what it showed last
        if isinstance(error, Cancelled):
            return  # the service left no file and no audit entry
        if error is not None:
            self._on_error(error)
            return
        text = translate("ListExporter", "已导出 %n 行到 %1（证件号码和电话已脱敏，导出已留痕）", "", result.rows) \
            .replace("%1", str(result.path))
        self._dialogs.info(parent, title, text)
