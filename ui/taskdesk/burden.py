"""千条线 view beside the task inbox: per village (and 乡镇本级), the department tasks that landed on it
each week of the last weeks — "tasks / lines" when several tasks came down one line — heavy weeks
shaded; below, the lines themselves (one department's repeated work on one topic, however many
tasks it was issued as) with their tasks, open and overdue copies. Opening a line shows its tasks
in the inbox (that department, the topic searched). Read on the task runner, never on the UI thread."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

HEAVY = 5  # tasks in one week that shade a village's cell


def _item(text: str, tip: str = "", right: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    if tip:
        item.setToolTip(tip)
    if right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


class BurdenPanel(QWidget):
    thread_opened = Signal(str, str)  # department code, topic

    def __init__(self, desk, runner, on_error, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._desk, self._runner, self._on_error = desk, runner, on_error
        self.burden = None
        self.weeks = QSpinBox()
        self.weeks.setRange(2, 26)
        self.weeks.setValue(8)
        self.weeks.setSuffix(self.tr(" 周"))
        self.weeks.valueChanged.connect(self.reload)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.villages = QTableWidget()
        self.villages.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.villages.verticalHeader().setVisible(False)
        self.threads = QTableWidget()
        self.threads.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.threads.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.threads.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.threads.verticalHeader().setVisible(False)
        self.threads.itemActivated.connect(lambda _item: self.open_thread())
        self.open_button = QPushButton(self.tr("查看这条线的任务"))
        self.open_button.clicked.connect(self.open_thread)
        bar = QHBoxLayout()
        bar.addWidget(QLabel(self.tr("千条线：各村（社区）每周承接的部门任务")))
        bar.addStretch(1)
        bar.addWidget(QLabel(self.tr("最近")))
        bar.addWidget(self.weeks)
        lines = QHBoxLayout()
        lines.addWidget(QLabel(self.tr("任务线（同一部门反复下发的同类任务算一条线）")))
        lines.addStretch(1)
        lines.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.summary)
        layout.addWidget(self.villages, 3)
        layout.addLayout(lines)
        layout.addWidget(self.threads, 2)

    def reload(self) -> None:
        weeks = self.weeks.value()
        self._runner.run_db(lambda: self._desk.burden(weeks), self._show)

    def _show(self, burden, error) -> None:
        if error is not None:
            self._on_error(error)
            return
        self.burden = burden
        tasks = sum(t.tasks for t in burden.threads)
        self.summary.setText(self.tr("%1内 %2来自 %3；格中为“任务数/线数”，一周 %4 项及以上标色。")
                             .replace("%1", self.tr("%n 周", "", len(burden.weeks))).replace("%2", self._tasks(tasks))
                             .replace("%3", self._lines(len(burden.threads))).replace("%4", str(HEAVY)))
        self._fill_villages(burden)
        self._fill_threads(burden)

    def _tasks(self, n: int) -> str:
        return self.tr("%n 项任务", "", n)

    def _lines(self, n: int) -> str:
        return self.tr("%n 条线", "", n)

    def _fill_villages(self, burden) -> None:
        table = self.villages
        table.clear()
        headers = [self.tr("村（社区）")] + [f"{monday:%m-%d}" for monday in burden.weeks] + [self.tr("合计")]
        table.setColumnCount(len(headers))
        table.setHorizontalHeaderLabels(headers)
        table.setRowCount(len(burden.rows))
        for r, row in enumerate(burden.rows):
            table.setItem(r, 0, _item(row.name if row.name != "乡镇本级" else self.tr("乡镇本级")))
            for w, (count, lines) in enumerate(zip(row.tasks, row.threads, strict=True)):
                text = "" if not count else str(count) if count == lines else f"{count}/{lines}"
                cell = _item(text, self.tr("%1 起的一周：%2，%3").replace("%1", f"{burden.weeks[w]:%Y-%m-%d}")
                             .replace("%2", self._tasks(count)).replace("%3", self._lines(lines)), right=True)
                if count >= HEAVY:
                    cell.setBackground(QColor("#ffcdd2" if count >= 2 * HEAVY else "#ffe0b2"))
                table.setItem(r, 1 + w, cell)
            table.setItem(r, len(headers) - 1, _item(f"{row.total_tasks}/{row.total_threads}", right=True))
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)  # every week in view

    def _fill_threads(self, burden) -> None:
        table = self.threads
        table.clear()
        headers = [self.tr("部门"), self.tr("任务线"), self.tr("任务数"), self.tr("未完成"), self.tr("已超期"),
                   self.tr("最近下发")]
        table.setColumnCount(len(headers))
        table.setHorizontalHeaderLabels(headers)
        table.setRowCount(len(burden.threads))
        for r, thread in enumerate(burden.threads):
            span = f"{thread.first_issued:%m-%d} — {thread.last_issued:%m-%d}"
            values = (_item(thread.department_label), _item(thread.topic, span),
                      _item(str(thread.tasks), right=True), _item(str(thread.open_targets), right=True),
                      _item(str(thread.overdue_targets), right=True), _item(f"{thread.last_issued:%Y-%m-%d}"))
            for c, item in enumerate(values):
                table.setItem(r, c, item)
            if thread.overdue_targets:
                values[4].setForeground(QColor("#c62828"))
        table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.open_button.setEnabled(bool(burden.threads))

    def open_thread(self) -> None:
        row = self.threads.currentRow()
        if self.burden is None or not 0 <= row < len(self.burden.threads):
            return
        thread = self.burden.threads[row]
        self.thread_opened.emit(thread.department_code, thread.topic)
