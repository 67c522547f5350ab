"""报表: the figures an inspection asks for first (open and overdue tasks and cases) and the printed
reports: the inspection summary of the township (names masked, no sensitive tags, on-time rates) and
every household card of one village in one PDF, both through app/reports with purpose and audit."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.reports.periods import period_for


class ReportsPage(QWidget):
    def __init__(self, context, printer, runner, on_error, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._printer = printer
        self._runner = runner
        self._on_error = on_error
        self._loaded_villages = False
        self.values: dict[str, QLabel] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        for box in (self._figures_box(), self._print_box()):
            box.setMaximumWidth(720)
            layout.addWidget(box)
        layout.addStretch(1)

    def _figures_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("工作概况"))
        grid = QGridLayout(box)
        captions = [("open_tasks", self.tr("未完成任务")), ("overdue_tasks", self.tr("超期任务")),
                    ("open_cases", self.tr("在办事件")), ("overdue_cases", self.tr("超期事件")),
                    ("closed_cases", self.tr("已办结事件"))]
        for row, (key, caption) in enumerate(captions):
            grid.addWidget(QLabel(caption), row, 0)
            value = QLabel("…")
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            value.setStyleSheet("font-size: 16px; font-weight: bold;")
            grid.addWidget(value, row, 1)
            self.values[key] = value
        return box

    def _period_row(self) -> QHBoxLayout:
        """统计期间: 本月, 上月, 本季度, 全部时间 or 自定义 with two dates (app/reports/periods.py)."""
        self.period = QComboBox()
        for kind, label in (("this_month", self.tr("本月")), ("last_month", self.tr("上月")),
                            ("this_quarter", self.tr("本季度")), ("all", self.tr("全部时间")),
                            ("custom", self.tr("自定义"))):
            self.period.addItem(label, kind)
        today = QDate.currentDate()
        self.period_start, self.period_end = QDateEdit(today.addDays(1 - today.day())), QDateEdit(today)
        row = QHBoxLayout()
        row.addWidget(self.period)
        for edit in (self.period_start, self.period_end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            row.addWidget(edit)
        self.period.currentIndexChanged.connect(self._period_changed)
        self._period_changed()
        row.addStretch(1)
        return row

    def _period_changed(self) -> None:
        custom = self.period.currentData() == "custom"
        self.period_start.setEnabled(custom)
        self.period_end.setEnabled(custom)

    def _print_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("打印"))
        self.summary_button = QPushButton(self.tr("统计汇总表（本辖区，供上级检查）"))
        self.summary_button.clicked.connect(self.print_summary)
        self.village = QComboBox()
        self.village.setMinimumWidth(200)
        self.cards_button = QPushButton(self.tr("导出该村全部户情登记表"))
        self.cards_button.clicked.connect(self.export_village_cards)
        row = QHBoxLayout()
        row.addWidget(self.village, 1)
        row.addWidget(self.cards_button)
        form = QFormLayout(box)
        form.addRow(self.tr("统计期间"), self._period_row())
        form.addRow(self.summary_button)
        form.addRow(self.tr("村（社区）"), row)
        form.addRow(QLabel(self.tr("打印件带有水印（用户、时间、用途），每次打印均记入审计日志。")))
        return box

    def activate(self) -> None:
        self._runner.run_db(self._context.work.summary, self._show)
        if not self._loaded_villages:
            self._loaded_villages = True
            self._runner.run_db(self._context.register.villages, self._show_villages)

    def _show(self, summary, error) -> None:
        if error is not None:
            self._on_error(error)
            return
        for key, label in self.values.items():
            label.setText(f"{getattr(summary, key):,}")

    def _show_villages(self, villages, error) -> None:
        if error is not None:
            self._on_error(error)
            return
        self.village.clear()
        for option in villages:
            self.village.addItem(option.name, option.code)
        self.cards_button.setEnabled(bool(villages))

    def print_summary(self) -> None:
        scope = self._context.actor.scope
        reports = self._context.reports
        kind = self.period.currentData()
        start, end = (self.period_start.date().toPython(), self.period_end.date().toPython())
        self._printer.print_pdf(self, self.tr("统计汇总表"), f"统计汇总表_{scope}.pdf",
                                lambda path, purpose: reports.print_inspection_summary(
                                    scope, path, purpose, period=period_for(kind, dt.date.today(), start, end)))

    def export_village_cards(self) -> None:
        code, name = self.village.currentData(), self.village.currentText()
        if not code:
            return
        reports = self._context.reports
        self._printer.print_pdf(self, self.tr("导出户情登记表"), f"户情登记表_{name}.pdf",
                                lambda path, purpose: reports.export_village_cards(code, path, purpose))
