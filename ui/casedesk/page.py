"""事件 page: the case desk. On the left the queues by status with their counts (全部, 已超期 and
each status that holds cases), in the middle the cases of the chosen queue (overdue deadlines in
red), on the right the case opened with its workflow buttons. "登记事件" (Ctrl+N) opens the
new-case form; after registering, the new case is opened."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.casedesk.case_form import CaseForms
from ui.casedesk.detail import CaseDetailPanel
from ui.casedesk.labels import status_text

OVERDUE = "#c62828"


class CaseDeskPage(QWidget):
    def __init__(self, desk, runner, dialogs, on_error, forms: CaseForms | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._desk, self._runner, self._dialogs, self._on_error = desk, runner, dialogs, on_error
        self._forms = forms or CaseForms()
        self.choices = None
        self.cases = []
        heading = QLabel(self.tr("事件与诉求"))
        heading.setStyleSheet("font-size: 15px; font-weight: bold;")
        self.new_button = QPushButton(self.tr("登记事件…"))
        self.new_button.clicked.connect(self.create_new)
        self.new_button.setVisible(desk.may_register)
        self.queues = QListWidget()
        self.queues.setFixedWidth(128)
        self.queues.currentRowChanged.connect(self._queue_chosen)
        self.table = self._build_table()
        self.detail = CaseDetailPanel(desk, runner, dialogs, on_error)
        self.detail.changed.connect(self.reload)
        bar = QHBoxLayout()
        bar.addWidget(heading)
        bar.addStretch(1)
        bar.addWidget(self.new_button)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        self.shown_note = QLabel()
        self.shown_note.setStyleSheet("color: #666;")
        listing = QWidget()
        column = QVBoxLayout(listing)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.table, 1)
        column.addWidget(self.shown_note)
        splitter.addWidget(listing)
        splitter.addWidget(self.detail)
        splitter.setSizes([540, 560])
        body = QHBoxLayout()
        body.addWidget(self.queues)
        body.addWidget(splitter, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 4)
        layout.addLayout(bar)
        layout.addLayout(body, 1)

    def _build_table(self) -> QTableWidget:
        table = QTableWidget(0, 5)
        table.setHorizontalHeaderLabels([self.tr("标题"), self.tr("类别"), self.tr("状态"), self.tr("期限"),
                                         self.tr("来源")])
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.verticalHeader().setVisible(False)
        table.setAlternatingRowColors(True)
        table.horizontalHeader().setStretchLastSection(True)
        table.itemSelectionChanged.connect(self._case_chosen)
        return table

    def activate(self) -> None:
        if self.choices is None:
            self._runner.run_db(self._desk.choices, self._got_choices)
        self.reload()

    def _got_choices(self, choices, error) -> None:
        if error is not None:
            self._on_error(error)
            return
        self.choices = choices
        self.detail.set_departments(list(choices.departments))
        self._categories = {code: label for code, label, children in choices.categories}
        for _code, _label, children in choices.categories:
            self._categories.update(dict(children))

    def reload(self) -> None:
        self._runner.run_db(self._desk.queues, self._show_queues)

    def _show_queues(self, queues, error) -> None:
        if error is not None:
            self._on_error(error)
            return
        chosen = self.current_queue()
        self.queues.blockSignals(True)
        self.queues.clear()
        row = 0
        for i, queue in enumerate(queues):
            item = QListWidgetItem(f"{self._queue_label(queue.status)}（{queue.count}）")
            item.setData(Qt.ItemDataRole.UserRole, queue.status)
            item.setData(Qt.ItemDataRole.UserRole + 1, queue.count)
            if queue.status == -1 and queue.count:
                item.setForeground(QColor(OVERDUE))
            self.queues.addItem(item)
            if queue.status == chosen:
                row = i
        self.queues.blockSignals(False)
        self.queues.setCurrentRow(row)
        self._queue_chosen(row)

    def _queue_label(self, status: int | None) -> str:
        if status is None:
            return self.tr("全部")
        return self.tr("已超期") if status == -1 else status_text(status)

    def current_queue(self):
        item = self.queues.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def show_queue(self, label: str) -> bool:
        """Choose the queue whose label starts with `label` (e.g. "回单待审")."""
        for i in range(self.queues.count()):
            if self.queues.item(i).text().startswith(label):
                self.queues.setCurrentRow(i)
                return True
        return False

    def select_queue(self, status: int | None) -> bool:
        """Choose the queue of a status (None = all, -1 = overdue), whatever the language."""
        for i in range(self.queues.count()):
            if self.queues.item(i).data(Qt.ItemDataRole.UserRole) == status:
                self.queues.setCurrentRow(i)
                return True
        return False

    def _queue_chosen(self, row: int) -> None:
        if row < 0:
            return
        status = self.queues.item(row).data(Qt.ItemDataRole.UserRole)
        self._runner.run_db(lambda: self._desk.queue(status), self._show_cases)

    def _show_cases(self, cases, error) -> None:
        if error is not None:
            self._on_error(error)
            return
        current = self.detail.detail.case.id if self.detail.detail else None
        self.cases = cases
        self._note_shown(len(cases))
        categories = getattr(self, "_categories", {})
        self.table.blockSignals(True)
        self.table.setRowCount(len(cases))
        for r, case in enumerate(cases):
            deadline = case.deadline_on.isoformat() if case.deadline_on else ""
            texts = [case.title, categories.get(case.category_code, case.category_code), status_text(case.status),
                     deadline + (" " + self.tr("超期") if case.overdue else ""),
                     dict(self.choices.sources).get(case.source, case.source) if self.choices else case.source]
            for c, text in enumerate(texts):
                item = QTableWidgetItem(text)
                if c == 3 and case.overdue:
                    item.setForeground(QColor(OVERDUE))
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        self.table.setColumnWidth(0, min(self.table.columnWidth(0), 190))
        self.table.blockSignals(False)
        if not (current and self.select_case(current)) and cases:
            self.table.selectRow(0)  # open the first case rather than leave the right half empty

    def _note_shown(self, shown: int) -> None:
        item = self.queues.currentItem()
        total = item.data(Qt.ItemDataRole.UserRole + 1) if item is not None else shown
        self.shown_note.setText(self.tr("显示最近登记的 %1 件，共 %2 件").replace("%1", str(shown))
                                .replace("%2", str(total)) if total and total > shown else "")

    def select_case(self, case_id: str) -> bool:
        for r, case in enumerate(self.cases):
            if case.id == case_id:
                self.table.selectRow(r)
                return True
        return False

    def _case_chosen(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self.detail.open(self.cases[rows[0].row()].id)

    # -- registering ---------------------------------------------------------------------------
    def create_new(self) -> None:
        """Ctrl+N: register a case through the new-case form."""
        if self.choices is None or not self._desk.may_register:
            return
        form = self._forms.new_case(self, self._desk, self._runner, self._on_error, self.choices)
        if form is None:
            return

        def registered(view, error) -> None:
            if error is not None:
                self._on_error(error)
                return
            self.queues.setCurrentRow(0)
            self.detail.open(view.id)
            self.reload()

        self._runner.run_db(lambda: self._desk.register(form), registered)
