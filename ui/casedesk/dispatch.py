"""The 分派 form: where a case goes — a named village or grid of the case's area (its own by
default), with the person responsible there (suggested from who works there, or typed), or a
department (the 条, which then sees the case). One dialog, one confirmation; the 意见 comes from
the case panel's own box."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget


class DispatchForm(QDialog):
    def __init__(self, options, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("分派"))
        self.place = QComboBox()
        for code, name in options.places:
            self.place.addItem(name if len(code) == 12 else f"　{name}", code)
        self.place.setCurrentIndex(max(self.place.findData(options.default_place), 0))
        self.assignee = QComboBox()
        self.assignee.setEditable(True)
        self.assignee.addItem("")
        self.assignee.addItems(list(options.people))
        self.assignee.lineEdit().setPlaceholderText(self.tr("责任人姓名（可不填）"))
        self.department = QComboBox()
        self.department.addItem(self.tr("（不转部门，由上面的村、网格处置）"), None)
        for code, label in options.departments:
            self.department.addItem(label, code)
        form = QFormLayout()
        form.addRow(self.tr("分派到村（社区）/网格"), self.place)
        form.addRow(self.tr("责任人"), self.assignee)
        form.addRow(self.tr("或分派给部门"), self.department)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("办理意见取自事件面板的意见栏。")))
        layout.addLayout(form)
        layout.addWidget(buttons)

    def values(self) -> dict:
        assignee = self.assignee.currentText().strip() or None
        department = self.department.currentData()
        if department:
            return {"department_code": department, "assignee": assignee}
        return {"dispatched_to": self.place.currentData(), "assignee": assignee}


def ask_dispatch(parent, options) -> dict | None:
    form = DispatchForm(options, parent)
    return form.values() if form.exec() == QDialog.DialogCode.Accepted else None
