"""The department's new-task form (下发任务): title, issuing department, kind, priority, deadline,
the townships/villages it goes to, and for a data-verification task (数据核采) the approved request
catalogue entry (报表准入, read from the city server) it is issued under and which of that entry's
register fields the answer must carry (一表通); the entry's purpose goes with the task. Without an
approved entry (none yet, or offline) a data request cannot be issued and the form says so.
`TaskForms` opens it, so the page asks `forms.issue_input(...)` and a test answers instead of a
person clicking."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDateTime, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from ui.dialogs import ok_cancel_buttons
from ui.taskdesk.labels import field_text

KINDS = (("1", "走访巡查"), ("2", "数据核采"), ("3", "指令下达"))
VERIFICATION = "2"


class IssueTaskForm(QDialog):
    def __init__(self, regions, departments, now: dt.datetime, parent: QWidget | None = None,
                 catalogue=()) -> None:
        super().__init__(parent)
        self.catalogue = tuple(catalogue)
        self.setWindowTitle(self.tr("下发任务"))
        self.title = QLineEdit()
        self.department = QComboBox()
        for code, label in departments:
            self.department.addItem(label, code)
        self.kind = QComboBox()
        for code, label in KINDS:
            self.kind.addItem(label, code)
        self.priority = QComboBox()
        for value, label in ((1, self.tr("紧急")), (2, self.tr("一般")), (3, self.tr("较低"))):
            self.priority.addItem(label, value)
        self.priority.setCurrentIndex(1)
        self.due_at = QDateTimeEdit(QDateTime(now + dt.timedelta(days=7)))
        self.due_at.setCalendarPopup(True)
        self.due_at.setDisplayFormat("yyyy-MM-dd HH:mm")
        whole = self.tr("全乡镇")
        self.regions = _checklist([(r.code, r.name if len(r.code.rstrip("0")) > 9 else f"{r.name}（{whole}）")
                                   for r in regions])
        self.entry = QComboBox()
        self.offered: tuple = ()  # the entries of the department chosen
        self.entry.currentIndexChanged.connect(self._entry_changed)
        self.department.currentIndexChanged.connect(self._department_changed)
        self.purpose = QLabel()
        self.purpose.setWordWrap(True)
        self.purpose.setStyleSheet("color: #555;")
        self.fields = _checklist([])
        self.description = QPlainTextEdit()
        self.description.setMaximumHeight(80)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self._lay_out()
        self.resize(560, 620)
        self._department_changed()
        self._kind_changed()

    def _lay_out(self) -> None:
        form = QFormLayout()
        form.addRow(self.tr("标题"), self.title)
        form.addRow(self.tr("下发部门"), self.department)
        form.addRow(self.tr("任务类型"), self.kind)
        form.addRow(self.tr("优先级"), self.priority)
        form.addRow(self.tr("截止时间"), self.due_at)
        form.addRow(self.tr("下发对象"), self.regions)
        form.addRow(self.tr("报表准入目录"), self.entry)
        form.addRow("", self.purpose)
        form.addRow(self.tr("需核对的户籍字段"), self.fields)
        form.addRow(self.tr("任务说明"), self.description)
        buttons = ok_cancel_buttons(self)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        self.problem = QLabel()
        self.problem.setStyleSheet("color: #c62828;")
        layout.addWidget(self.problem)
        layout.addWidget(buttons)

    def chosen_entry(self):
        index = self.entry.currentIndex()
        return self.offered[index] if 0 <= index < len(self.offered) else None

    def _department_changed(self) -> None:
        """The approved entries of the department the task is issued for (a department user has its
        own only; the city admin chooses the department, and the catalogue follows)."""
        code = self.department.currentData()
        self.offered = tuple(e for e in self.catalogue if not e.department_code or e.department_code == code)
        self.entry.blockSignals(True)
        self.entry.clear()
        for entry in self.offered:
            self.entry.addItem(entry.name, entry.id)
        self.entry.blockSignals(False)
        self._entry_changed()

    def _entry_changed(self) -> None:
        """The chosen entry's fields, all ticked (untick what this task does not need)."""
        entry = self.chosen_entry()
        self.fields.clear()
        for name in entry.fields if entry else ():
            _add_item(self.fields, name, field_text(name), checked=True)
        self.purpose.setText(self.tr("数据用途：%1").replace("%1", entry.purpose) if entry and entry.purpose else
                             "" if entry else self.tr("本部门没有已批准的报表准入目录（或未连上市级平台），不能下发数据核采任务。"))

    def _kind_changed(self) -> None:
        verification = self.kind.currentData() == VERIFICATION
        for widget in (self.entry, self.fields):
            widget.setEnabled(verification)
        self.purpose.setVisible(verification)

    def missing(self) -> str:
        """What must still be filled in before the task can go out ("" when nothing)."""
        if not self.title.text().strip():
            return self.tr("请填写标题")
        if not _checked(self.regions):
            return self.tr("请至少选择一个下发对象")
        if self.kind.currentData() == VERIFICATION:
            if self.chosen_entry() is None:
                return self.tr("数据核采任务须按已批准的报表准入目录下发")
            if not _checked(self.fields):
                return self.tr("请至少选择一个需核对的字段")
        return ""

    def accept(self) -> None:
        # Checked here so the dialog stays open with what was typed; the service checks again.
        self.problem.setText(self.missing())
        if not self.problem.text():
            super().accept()

    def values(self) -> dict:
        """The form's content as keyword arguments of `TaskDesk.issue`."""
        kind, entry = self.kind.currentData(), self.chosen_entry()
        return {
            "title": self.title.text(), "department_code": self.department.currentData(),
            "kind": kind, "priority": self.priority.currentData(),
            "due_at": self.due_at.dateTime().toPython().replace(second=0, microsecond=0),
            "regions": _checked(self.regions),
            "requested_fields": _checked(self.fields) if kind == VERIFICATION else [],
            "request_purpose": entry.request_purpose if kind == VERIFICATION and entry else "",
            "description": self.description.toPlainText(),
        }


def _checklist(options: list[tuple[str, str]]) -> QListWidget:
    widget = QListWidget()
    for code, label in options:
        _add_item(widget, code, label)
    widget.setMaximumHeight(130)
    return widget


def _add_item(widget: QListWidget, code: str, label: str, checked: bool = False) -> None:
    item = QListWidgetItem(label)
    item.setData(Qt.ItemDataRole.UserRole, code)
    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
    item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
    widget.addItem(item)


def _checked(widget: QListWidget) -> list[str]:
    return [widget.item(i).data(Qt.ItemDataRole.UserRole) for i in range(widget.count())
            if widget.item(i).checkState() == Qt.CheckState.Checked]


def check_items(widget: QListWidget, codes: list[str]) -> None:
    """Tick the entries with these codes (used by the page's tests and by callers pre-selecting)."""
    for i in range(widget.count()):
        item = widget.item(i)
        if item.data(Qt.ItemDataRole.UserRole) in codes:
            item.setCheckState(Qt.CheckState.Checked)


class TaskForms:
    """Opens the task dialogs; tests replace it with scripted answers."""

    def issue_input(self, parent, regions, departments, now: dt.datetime, catalogue=()) -> dict | None:
        form = IssueTaskForm(regions, departments, now, parent, catalogue)
        return form.values() if form.exec() == QDialog.DialogCode.Accepted else None
