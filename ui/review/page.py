"""待审: what needs a person's decision. "被退回的修改" lists local changes the city server refused,
with its reason: each can be resubmitted (carrying the record's current values, i.e. after the
user fixed it) or discarded with a reason (audited). "冲突与重复" lists the server's review items
(concurrent edits, duplicate ID numbers) once a review source is connected; a decision is sent
like any other edit."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ui.review.conflicts import ConflictsTab, entity_label
from ui.roster.export_action import in_memory


class RejectedTab(QWidget):
    """Local changes the server refused, with its reason; resubmit or discard each."""

    def __init__(self, outbox, runner, dialogs, on_error, on_changed, open_record=None) -> None:
        super().__init__()
        self._open_record = open_record  # open_record(entity, record_id) -> bool: shows it for fixing
        self._outbox = outbox
        self._runner = runner
        self._dialogs = dialogs
        self._on_error = on_error
        self._on_changed = on_changed
        self.rows: list = []
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels([self.tr("记录类型"), self.tr("修改的字段"), self.tr("服务器原因"),
                                              self.tr("修改时间"), self.tr("代码")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.empty = QLabel(self.tr("没有被服务器退回的修改。"))
        self.resubmit_button = QPushButton(self.tr("修正后重新提交"))
        self.discard_button = QPushButton(self.tr("放弃此修改…"))
        self.open_button = QPushButton(self.tr("打开记录修正"))
        self.resubmit_button.clicked.connect(self.resubmit)
        self.discard_button.clicked.connect(self.discard)
        self.open_button.clicked.connect(self.open_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.resubmit_button)
        buttons.addWidget(self.discard_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)

    def refresh(self) -> None:
        self._runner.run_db(self._outbox.rejected_changes, self._show)

    def _show(self, rows, error) -> None:
        if error is not None:
            self._on_error(error)
            return
        self.rows = list(rows)
        self.table.setRowCount(len(self.rows))
        for r, change in enumerate(self.rows):
            cells = [entity_label(change.entity), "、".join(change.field_names), change.message,
                     change.created_at.strftime("%Y-%m-%d %H:%M") if change.created_at else "", change.code]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, change.device_seq)
                self.table.setItem(r, c, item)
        self.empty.setVisible(not self.rows)
        for button in (self.resubmit_button, self.discard_button, self.open_button):
            button.setEnabled(bool(self.rows))

    def _selected(self):
        row = self.table.currentRow()
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def open_selected(self) -> None:
        change = self._selected()
        if change is None or self._open_record is None:
            return
        if not self._open_record(change.entity, change.record_id):
            self._dialogs.info(self, self.tr("打开记录"), self.tr("这类记录请在其所在页面修正后，回到这里重新提交。"))

    def resubmit(self) -> None:
        change = self._selected()
        if change is not None:
            self._runner.run_db(lambda: self._outbox.resubmit(change.device_seq), self._done)

    def discard(self) -> None:
        change = self._selected()
        if change is None:
            return
        reason = self._dialogs.ask_text(self, self.tr("放弃修改"), self.tr("请填写放弃原因（将记入审计日志）："))
        if reason is not None and reason.strip():
            self._runner.run_db(lambda: self._outbox.discard(change.device_seq, reason.strip()), self._done)

    def _done(self, _result, error) -> None:
        if error is not None:
            self._on_error(error)
        self.refresh()
        self._on_changed()


class ReviewPage(QWidget):
    def __init__(self, outbox, conflicts, runner, dialogs, on_error, on_changed, open_record=None,
                 parent: QWidget | None = None, exporter=None, duplicates=None) -> None:
        super().__init__(parent)
        self.rejected = RejectedTab(outbox, runner, dialogs, on_error, on_changed, open_record)
        self.conflicts = ConflictsTab(conflicts, runner, dialogs, on_error)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.conflicts, self.tr("冲突与重复"))
        self.tabs.addTab(self.rejected, self.tr("被退回的修改"))
        self.duplicates = None
        if duplicates is not None:  # 疑似重复人员: the daily and on-demand scan (ui/review/duplicates.py)
            from ui.review.duplicates import DuplicatesTab

            self.duplicates = DuplicatesTab(duplicates, runner, dialogs, on_error)
            self.tabs.addTab(self.duplicates, self.tr("疑似重复人员"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 4)
        layout.addWidget(self.tabs)
        self._conflict_source, self.export_button = conflicts, None
        if exporter is not None:  # 导出: the review items listed (conflicts and duplicates)
            self.export_button = exporter.button(self, lambda: ("review", in_memory(self.conflicts.items)))
            self.tabs.setCornerWidget(self.export_button)
            self._show_export()

    def _show_export(self) -> None:
        """A village cadre or grid worker is listed no review items (the township reviews): nothing
        to export, so no 导出 button."""
        if self.export_button is not None:
            self.export_button.setVisible(getattr(self._conflict_source, "may_review", True))

    def activate(self) -> None:
        self._show_export()
        self.rejected.refresh()
        self.conflicts.refresh()
        if self.duplicates is not None:
            self.duplicates.activate()
