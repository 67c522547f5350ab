"""一表通 panel: one row per linked household (or per member, when several members of one household
are linked each on their own, a row fixed to its member) with the fields the request names (from the department's
approved request catalogue entry, whose purpose the panel shows), pre-filled from the register for
the household's head or the person the link names (ID numbers and phones masked). Staff pick any
member of the household in the 核对人员 column, correct a value where the register is wrong (coded
fields offer their code table), and confirm the row: the corrections are written to that person's
register record and the household counts as handled, together or not at all. Fields corrected show
bold. "发送反馈" sends the answer to the department."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.errors import ValidationError
from ui.taskdesk.labels import field_text

_FIXED = 3  # 户编号, 户主, 状态 before the requested fields


class OneFormPanel(QWidget):
    changed = Signal()  # a household was confirmed or the answer sent: the task's counts moved

    def __init__(self, desk, runner, dialogs, on_error, parent: QWidget | None = None, language: str = "zh_CN") -> None:
        super().__init__(parent)
        self._language = language
        self._desk = desk
        self._runner = runner
        self._dialogs = dialogs
        self._on_error = on_error
        self.form = None
        self.edited = False  # a value corrected or a member picked since the form was shown, not yet confirmed
        self._filling = False
        self.purpose = QLabel()
        self.purpose.setWordWrap(True)
        self.hint = QLabel(self.tr("数据已从户籍带出：核对无误直接确认；有误时在表中改正后确认，改正会写回户籍。"))
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #555;")
        self.table = QTableWidget()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemChanged.connect(self._typed)
        self.progress = QLabel()
        self.problem = QLabel()  # a refused value, said at its cell and here; nothing was written
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #c62828;")
        self.problem.hide()
        self.confirm_button = QPushButton(self.tr("确认所选户"))
        self.confirm_button.clicked.connect(self.confirm_selected)
        self.send_button = QPushButton(self.tr("发送反馈给部门"))
        self.send_button.clicked.connect(self.send_answer)
        buttons = QHBoxLayout()
        buttons.addWidget(self.progress)
        buttons.addStretch(1)
        buttons.addWidget(self.confirm_button)
        buttons.addWidget(self.send_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.purpose)
        layout.addWidget(self.hint)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.problem)
        layout.addLayout(buttons)

    def load(self, target_id: str) -> None:
        self._runner.run_db(lambda: self._desk.load(target_id), self._show)

    def _show(self, form, error) -> None:
        if error is not None:
            self._on_error(error)
            return
        self.form = form
        self.purpose.setText(self.tr("数据用途：%1").replace("%1", form.purpose) if form.purpose else "")
        self.purpose.setVisible(bool(form.purpose))
        headers = [self.tr("户编号"), self.tr("核对人员"), self.tr("状态")] + [field_text(spec.name) for spec in form.fields]
        self.table.clear()
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        self.table.setRowCount(len(form.rows))
        self._filling = True
        for r, row in enumerate(form.rows):
            self._fill_row(r, row)
        self._filling, self.edited = False, False
        self.table.resizeColumnsToContents()
        for column in range(_FIXED, self.table.columnCount()):
            # An address can be long; the cell shows the start, editing shows all of it.
            self.table.setColumnWidth(column, min(self.table.columnWidth(column), 240))
        self.progress.setText(self.tr("已核 %1 户，共 %n 户", "", len(form.rows)).replace("%1", str(form.handled)))
        self.confirm_button.setEnabled(form.editable and bool(form.rows))
        self.send_button.setEnabled(form.handled > 0)

    def _fill_row(self, r: int, row) -> None:
        number = QTableWidgetItem(row.household_no)
        number.setFlags(number.flags() & ~Qt.ItemFlag.ItemIsEditable)
        self.table.setItem(r, 0, number)
        members = QComboBox()
        for member in row.members:
            members.addItem(f"{member.name}（{member.relation}）" if member.relation else member.name, member.person_id)
        members.setCurrentIndex(max(0, members.findData(row.person_id)))
        members.setEnabled(self.form.editable and len(row.members) > 1)
        members.setToolTip(self.tr("核对该户的哪一位成员：默认户主，可改选户内任一在册成员"))
        members.currentIndexChanged.connect(lambda _i, r=r: self._member_changed(r))
        self.table.setCellWidget(r, 1, members)
        self._fill_values(r, row.values, row.corrected if row.handled else ())
        status = QTableWidgetItem(self.tr("已核") if row.handled else self.tr("待核"))
        status.setFlags(status.flags() & ~Qt.ItemFlag.ItemIsEditable)
        status.setForeground(QColor("#2e7d32" if row.handled else "#e65100"))
        self.table.setItem(r, 2, status)

    def _typed(self, *_args) -> None:
        if not self._filling:
            self.edited = True

    def member_box(self, r: int) -> QComboBox:
        return self.table.cellWidget(r, 1)

    def _member_changed(self, r: int) -> None:
        """Another member picked: their register values replace the row's (corrections typed for the
        previous member are dropped, never carried over to someone else)."""
        row = self.form.rows[r]
        member = row.member(self.member_box(r).currentData())
        if member is not None:
            corrected = row.corrected if row.handled and member.person_id == row.person_id else ()
            self._filling = True
            self._fill_values(r, member.values, corrected)
            self._filling, self.edited = False, True

    def _fill_values(self, r: int, values, corrected) -> None:
        for i, (spec, value) in enumerate(zip(self.form.fields, values, strict=True)):
            if spec.options:
                combo = QComboBox()
                combo.addItem(self.tr("（未填）"), "")  # an empty register value is shown as such, not as a guess
                for code, label in spec.options:
                    combo.addItem(label, code)
                combo.setCurrentIndex(max(0, combo.findData(value)))
                combo.currentIndexChanged.connect(self._typed)
                combo.setEnabled(self.form.editable)
                self.table.setCellWidget(r, _FIXED + i, combo)
                if spec.name in corrected:
                    combo.setToolTip(self.tr("已改正并写回户籍"))
                    font = combo.font()
                    font.setBold(True)
                    combo.setFont(font)
            else:
                item = QTableWidgetItem(value if spec.known else self.tr("（本机不支持此字段）"))
                if not self.form.editable or not spec.known:
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                if spec.name in corrected:
                    item.setToolTip(self.tr("已改正并写回户籍"))
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.table.setItem(r, _FIXED + i, item)

    def entered(self, r: int) -> dict[str, str]:
        """The values on screen in row `r`, by field name."""
        values = {}
        for i, spec in enumerate(self.form.fields):
            if not spec.known:
                continue
            widget = self.table.cellWidget(r, _FIXED + i)
            if isinstance(widget, QComboBox):
                values[spec.name] = widget.currentData() or ""
            else:
                item = self.table.item(r, _FIXED + i)
                values[spec.name] = item.text() if item else ""
        return values

    def confirm_selected(self) -> None:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        if self.form is None or not rows:
            return
        target_id = self.form.target_id
        work = [(r, self.form.rows[r].household_id, self.entered(r), self.member_box(r).currentData()) for r in rows]

        def job():
            for done, (r, household_id, values, person_id) in enumerate(work):
                try:
                    self._desk.confirm(target_id, household_id, values, person_id)
                except ValidationError as exc:  # this row refused, the rows before it confirmed
                    exc.form_row, exc.confirmed_rows = r, [w[0] for w in work[:done]]
                    raise
            return len(work)

        self._runner.run_db(job, self._after_change)

    def send_answer(self) -> None:
        if self.form is None:
            return
        note = self._dialogs.ask_text(self, self.tr("发送反馈"), self.tr("反馈说明（可不填，默认写明已核户数）"))
        if note is None:
            return
        target_id = self.form.target_id
        self._runner.run_db(lambda: self._desk.send_answer(target_id, note), self._after_change)

    def _after_change(self, _result, error) -> None:
        if self._show_problem(error):
            return  # the typed values stay on screen to be put right
        self.problem.hide()
        if error is not None:
            self._on_error(error)
        if self.form is not None:
            self.load(self.form.target_id)
        self.changed.emit()

    def _show_problem(self, error) -> bool:
        """A value of a confirmed row refused (ValidationError naming a requested field): its cell is
        marked with the translated message, which also shows under the table. Returns whether shown."""
        names = [spec.name for spec in self.form.fields] if self.form is not None else []
        if not isinstance(error, ValidationError) or error.field not in names:
            return False
        message = error.message(self._language)
        column = _FIXED + names.index(error.field)
        r = getattr(error, "form_row", 0)
        item, widget = self.table.item(r, column), self.table.cellWidget(r, column)
        if item is not None:
            item.setBackground(QColor("#ffcdd2"))
            item.setToolTip(message)
        elif widget is not None:
            widget.setStyleSheet("background: #ffcdd2;")
            widget.setToolTip(message)
        for confirmed in getattr(error, "confirmed_rows", ()):  # confirmed before the refusal: say so
            status = self.table.item(confirmed, 2)
            status.setText(self.tr("已核"))
            status.setForeground(QColor("#2e7d32"))
        if getattr(error, "confirmed_rows", ()):
            self.changed.emit()
        self.table.setCurrentCell(r, column)
        number = self.form.rows[r].household_no if r < len(self.form.rows) else ""
        self.problem.setText(f"{number} {field_text(error.field)}：{message}".strip())
        self.problem.show()
        return True
