"""The 历史 tab of a record's form — a household (with its members), a case, a task (the township's or
village's copy with the task itself): every change this PC holds (newest first: time, whose record,
field, old → new, who, device, origin — its own edits and everything it pulled), the full history
from the city server on request, and a printout of what is shown. Values are masked as everywhere."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.review.conflicts import field_label

ORIGINS = {"edit": QT_TRANSLATE_NOOP("HistoryTab", "修改"), "merge": QT_TRANSLATE_NOOP("HistoryTab", "合并重复"),
           "conflict": QT_TRANSLATE_NOOP("HistoryTab", "冲突待审")}


# what the "object" column says for the record itself (its members or its task are named)
OWN = {"household": QT_TRANSLATE_NOOP("HistoryTab", "本户"), "case": QT_TRANSLATE_NOOP("HistoryTab", "本事件"),
       "task_target": QT_TRANSLATE_NOOP("HistoryTab", "本单位任务")}


class HistoryTab(QWidget):
    """`desk`: app.client.history.HistoryDesk (None: no history); `report(error)` shows an error;
    `printer` a ui.printing.Printer (None: no printing), `reports()` the ReportService."""

    def __init__(self, desk, runner, report, printer=None, reports=None, entity: str = "household") -> None:
        super().__init__()
        self._desk, self._runner, self._report = desk, runner, report
        self._printer, self._reports, self.entity = printer, reports, entity
        self.rows: list = []
        self._record_id: str | None = None
        self.table = QTableWidget(0, 8)
        self.table.setHorizontalHeaderLabels([self.tr("时间"), self.tr("对象"), self.tr("字段"), self.tr("原值"),
                                              self.tr("新值"), self.tr("修改人"), self.tr("设备"), self.tr("来源")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.note = QLabel()
        self.note.setStyleSheet("color: #666;")
        self.fetch_button = QPushButton(self.tr("从服务器获取完整历史"))
        self.fetch_button.clicked.connect(self.fetch)
        self.print_button = QPushButton(self.tr("打印历史"))
        self.print_button.clicked.connect(self.print_history)
        buttons = QHBoxLayout()
        buttons.addWidget(self.note, 1)
        buttons.addWidget(self.fetch_button)
        buttons.addWidget(self.print_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)

    def show_for(self, record_id: str | None) -> None:
        self._record_id = record_id
        self.fetch_button.setEnabled(record_id is not None and self._desk is not None and self._desk.can_fetch)
        if record_id is None or self._desk is None:
            self._show([], None)
            return
        entity = self.entity
        self._runner.run_db(lambda: self._desk.rows(entity, record_id), self._show)

    def fetch(self) -> None:
        record_id, entity = self._record_id, self.entity
        if record_id is not None:
            self._runner.run_network(lambda: self._desk.fetch(entity, record_id), self._show)

    def _show(self, rows, error) -> None:
        if error is not None:
            self._report(error)
            return
        self.rows = list(rows or [])
        self.table.setRowCount(len(self.rows))
        for r, row in enumerate(self.rows):
            own = QCoreApplication.translate("HistoryTab", OWN.get(self.entity, "本户"))
            cells = (row.at.strftime("%Y-%m-%d %H:%M"), row.subject or own,
                     field_label(row.field) if row.field else self.tr("新建"), row.old, row.new, row.username,
                     row.device_id[:8], QCoreApplication.translate("HistoryTab", ORIGINS.get(row.origin, row.origin)))
            for c, text in enumerate(cells):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.note.setText(self.tr("本机所知 %n 项变更", "", len(self.rows)))
        self.print_button.setEnabled(bool(self.rows) and self._printer is not None)

    def print_history(self) -> None:
        record_id, rows, entity = self._record_id, list(self.rows), self.entity
        if record_id is None or not rows or self._printer is None or self._reports is None:
            return
        reports = self._reports()
        self._printer.print_pdf(self, self.tr("打印历史"), "记录历史.pdf",
                                lambda path, purpose: reports.print_record_history(
                                    entity, record_id, rows, field_label, path, purpose))
