"""The view for two households of one village that hold the same household number (户编号重复,
review kind `duplicate_hh_no`): both side by side — number, village and grid, head, members,
address — and the reviewer picks the one that takes the village's next free number. Paper forms and
inspections key on the number, so the household that has been printed or visited under it keeps it."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)


class RenumberDialog(QDialog):
    def __init__(self, first, second, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("户编号重复"))
        self.setMinimumWidth(560)
        self.sides = (first, second)
        intro = QLabel(self.tr("两户使用了同一个户编号 %1（多半是两台电脑离线时各自编了号）。"
                               "请选择改用本村下一个空闲编号的一户；另一户保留原编号。").replace("%1", first.household_no))
        intro.setWordWrap(True)
        grid = QGridLayout()
        self.choices = QButtonGroup(self)
        for column in (1, 2):
            button = QRadioButton(self.tr("此户重新编号"))
            self.choices.addButton(button, column - 1)
            grid.addWidget(button, 0, column)
        rows = [(self.tr("户编号"), lambda s: s.household_no), (self.tr("户主"), lambda s: s.head_name or "—"),
                (self.tr("成员"), lambda s: str(s.members)), (self.tr("网格"), lambda s: s.grid_code or "—"),
                (self.tr("住址"), lambda s: s.address or "—")]
        for row, (title, value) in enumerate(rows, start=1):
            grid.addWidget(QLabel(title), row, 0)
            for column, side in enumerate(self.sides, start=1):
                grid.addWidget(QLabel(value(side)), row, column)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("重新编号"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.choices.button(1).setChecked(True)  # the household that reached the server second
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(grid)
        layout.addWidget(self.buttons)

    def chosen(self):
        return self.sides[self.choices.checkedId()]


def ask_renumber(parent: QWidget, first, second) -> str | None:
    """Open the view; the id of the household to renumber, or None when cancelled."""
    dialog = RenumberDialog(first, second, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.chosen().id
