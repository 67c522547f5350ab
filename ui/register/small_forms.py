"""The small register dialogs (a tag with its dates, a visit, choosing a household) and the
service that opens them, so the household panel asks `forms.visit_input(...)` and a test can
answer instead of a person clicking."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from ui.dialogs import ok_cancel_buttons
from ui.register.lists import Labels
from ui.register.person_form import PersonForm


def _date_edit(value: dt.date) -> QDateEdit:
    edit = QDateEdit(QDate(value))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    return edit


class TagForm(QDialog):
    """A tag with its validity dates (an open end means "until removed")."""

    def __init__(self, options: list[tuple[str, str]], today: dt.date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("添加标签"))
        self.tag = QComboBox()
        for code, label in options:
            self.tag.addItem(label, code)
        self.start_on = _date_edit(today)
        self.has_end = QCheckBox(self.tr("有结束日期"))
        self.end_on = _date_edit(today)
        self.end_on.setEnabled(False)
        self.has_end.toggled.connect(self.end_on.setEnabled)
        form = QFormLayout()
        form.addRow(self.tr("标签"), self.tag)
        form.addRow(self.tr("开始日期"), self.start_on)
        form.addRow(self.has_end, self.end_on)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(ok_cancel_buttons(self))

    def values(self) -> tuple[str, dt.date, dt.date | None]:
        end = self.end_on.date().toPython() if self.has_end.isChecked() else None
        return self.tag.currentData(), self.start_on.date().toPython(), end


class VisitForm(QDialog):
    """A visit (走访): date, kind, findings and follow-up."""

    def __init__(self, kinds: list[tuple[str, str]], today: dt.date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("添加走访记录"))
        self.setMinimumWidth(420)
        self.visited_on = _date_edit(today)
        self.visited_on.setMaximumDate(QDate(today))
        self.kind = QComboBox()
        for code, label in kinds or [("1", self.tr("入户")), ("2", self.tr("电话")), ("3", self.tr("集中"))]:
            self.kind.addItem(label, code)
        self.findings = QPlainTextEdit()
        self.follow_up = QLineEdit()
        form = QFormLayout()
        form.addRow(self.tr("走访日期"), self.visited_on)
        form.addRow(self.tr("走访方式"), self.kind)
        form.addRow(self.tr("走访情况"), self.findings)
        form.addRow(self.tr("后续跟进"), self.follow_up)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(ok_cancel_buttons(self))

    def values(self) -> dict:
        return {"visited_on": self.visited_on.date().toPython(), "kind": self.kind.currentData(),
                "findings": self.findings.toPlainText().strip(), "follow_up": self.follow_up.text().strip()}


class RegisterForms:
    """Opens the register's dialogs modally and returns what the user entered (None = cancelled)."""

    def person_input(self, parent: QWidget, labels: Labels, check, person=None, retry=None,
                     same_id=None, head: bool = False) -> dict | None:
        """`retry` = (values, field, message) reopens the form as the user left it, with the message
        the service gave next to its field; `same_id` warns about an ID number already registered; `head`
        proposes 户主 as the new person's relation (a household without a head)."""
        form = PersonForm(labels, check, person, parent, same_id, head)
        if retry is not None:
            form.restore(*retry)
        return form.values() if form.exec() == QDialog.DialogCode.Accepted else None

    def tag_input(self, parent: QWidget, options: list[tuple[str, str]], today: dt.date):
        form = TagForm(options, today, parent)
        return form.values() if form.exec() == QDialog.DialogCode.Accepted else None

    def visit_input(self, parent: QWidget, kinds: list[tuple[str, str]], today: dt.date) -> dict | None:
        form = VisitForm(kinds, today, parent)
        return form.values() if form.exec() == QDialog.DialogCode.Accepted else None
