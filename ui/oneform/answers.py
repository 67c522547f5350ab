"""The department's side of 一表通: the latest answer a township sent back for a target, one row per
household with the requested values (ID numbers and phones masked on screen), and who sent it when."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from ui.taskdesk.labels import field_text


class AnswersPanel(QWidget):
    def __init__(self, desk, runner, on_error, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._desk, self._runner, self._on_error = desk, runner, on_error
        self.answer = None
        self.caption = QLabel(self.tr("尚未收到一表通数据"))
        self.table = QTableWidget()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.caption)
        layout.addWidget(self.table, 1)

    def load(self, target_id: str) -> None:
        self._runner.run_db(lambda: self._desk.latest_answer(target_id), self._show)

    def _show(self, answer, error) -> None:
        if error is not None:
            self._on_error(error)
            return
        self.answer = answer
        self.table.clear()
        if answer is None:
            self.caption.setText(self.tr("尚未收到一表通数据"))
            self.table.setRowCount(0)
            self.table.setColumnCount(0)
            return
        self.caption.setText(self.tr("%1 于 %2 反馈，共 %n 户", "", len(answer.rows)).replace("%1", answer.author)
                             .replace("%2", f"{answer.at:%Y-%m-%d %H:%M}"))
        headers = [self.tr("户编号"), *(field_text(name) for name in answer.field_names)]
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        self.table.setRowCount(len(answer.rows))
        for r, (number, values) in enumerate(answer.rows):
            for c, text in enumerate((number, *values)):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
