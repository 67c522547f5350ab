"""疑似重复人员: the review page's tab for the duplicate scan of the jurisdiction — the last scan's
findings (the daily one the window schedules, ui/duplicate_schedule.py, or one the clerk started with
扫描本辖区) shown at once with when it ran. Each candidate pair shows both names, a score and the
reasons (同音, 出生日期相同, 同一户 …); the clerk opens the merge view (with the reasons above it) or
marks 不是同一人, which is remembered and synced so the pair never comes back. Scans run on the
runner's background worker, so the register stays usable meanwhile."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.review.merge import ask_survivor


class DuplicatesTab(QWidget):
    def __init__(self, desk, runner, dialogs, on_error, ask=ask_survivor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._desk, self._runner, self._dialogs, self._on_error = desk, runner, dialogs, on_error
        self._ask_survivor = ask
        self.candidates: list = []
        self.message = QLabel(self.tr("按姓名拼音、出生日期、性别、电话和同户情况查找可能重复登记的人员（含无证件号码者）。"))
        self.message.setWordWrap(True)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels([self.tr("人员甲"), self.tr("人员乙"), self.tr("相似度"), self.tr("理由")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.scan_button = QPushButton(self.tr("扫描本辖区"))
        self.merge_button = QPushButton(self.tr("合并…"))
        self.distinct_button = QPushButton(self.tr("不是同一人"))
        self.scan_button.clicked.connect(self.scan)
        self.merge_button.clicked.connect(self.merge)
        self.distinct_button.clicked.connect(self.not_the_same)
        self.table.itemSelectionChanged.connect(self._enable)
        buttons = QHBoxLayout()
        for button in (self.scan_button, self.merge_button, self.distinct_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self._enable()

    def activate(self) -> None:
        """Show the last scan's findings (no new scan)."""
        self._runner.run_db(self._desk.last_scan, self._show)

    def scan(self) -> None:
        self.scan_button.setEnabled(False)
        self.message.setText(self.tr("正在扫描本辖区…"))
        self._runner.run_background(self._desk.scan, lambda _found, error: self._scanned(error))

    def _scanned(self, error) -> None:
        self.scan_button.setEnabled(True)
        if error is not None:
            self._on_error(error)
            return
        self.activate()

    def _show(self, result, error) -> None:
        if error is not None:
            self._on_error(error)
            return
        self.candidates = list(result.candidates)
        self.table.setRowCount(len(self.candidates))
        for r, c in enumerate(self.candidates):
            for col, text in enumerate((c.first_name, c.second_name, str(c.score), "、".join(c.reasons))):
                self.table.setItem(r, col, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        if result.at is None:
            self.message.setText(self.tr("尚未扫描。每天自动扫描一次，也可随时点“扫描本辖区”。"))
        else:
            self.message.setText(self.tr("上次扫描：%1 · 找到 %n 对疑似重复人员。", "", len(self.candidates))
                                 .replace("%1", result.at.strftime("%Y-%m-%d %H:%M")))
        self._enable()

    def _selected(self):
        row = self.table.currentRow()
        return self.candidates[row] if 0 <= row < len(self.candidates) else None

    def _enable(self) -> None:
        chosen = self._selected() is not None
        self.merge_button.setEnabled(chosen)
        self.distinct_button.setEnabled(chosen)

    def merge(self) -> None:
        candidate = self._selected()
        if candidate is not None:
            self._runner.run_db(lambda: self._desk.sides(candidate),
                                lambda sides, error: self._merge_chosen(candidate, sides, error))

    def _merge_chosen(self, candidate, sides, error) -> None:
        if error is not None:
            self._on_error(error)
            return
        survivor = self._ask_survivor(self, *sides, reasons="、".join(candidate.reasons))
        if survivor is not None:
            self._runner.run_db(lambda: self._desk.merge(candidate, survivor), self._done)

    def not_the_same(self) -> None:
        candidate = self._selected()
        if candidate is not None:
            self._runner.run_db(lambda: self._desk.not_the_same(candidate), self._done)

    def _done(self, _result, error) -> None:
        if error is not None:
            self._on_error(error)
            return
        self.activate()  # the decided pair drops out of the last scan's findings; no rescan

