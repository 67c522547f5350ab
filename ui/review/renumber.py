"""The view for two households of one village that hold the same household number (户编号重复,
review kind `duplicate_hh_no`): both side by side — which reached the city server first, number,
head, members, grid, address — and the reviewer picks the one that takes the village's next free
number. Paper forms and inspections key on the number, so the household that has been printed or
visited under it keeps it. The view says, before the click, which number the chosen household
takes and that the other keeps its own."""

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
        for column, title in ((1, self.tr("先上传的户")), (2, self.tr("后上传的户"))):
            grid.addWidget(QLabel(title), 0, column)
            button = QRadioButton(self.tr("此户重新编号"))
            self.choices.addButton(button, column - 1)
            grid.addWidget(button, 1, column)
        rows = [(self.tr("户编号"), lambda s: s.household_no), (self.tr("户主"), lambda s: s.head_name or "—"),
                (self.tr("成员"), lambda s: str(s.members)),
                (self.tr("网格"), lambda s: s.grid_name or s.grid_code or "—"),
                (self.tr("住址"), lambda s: s.address or "—")]
        for row, (title, value) in enumerate(rows, start=2):
            grid.addWidget(QLabel(title), row, 0)
            for column, side in enumerate(self.sides, start=1):
                label = QLabel(value(side))
                label.setWordWrap(True)
                grid.addWidget(label, row, column)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 1)
        self.outcome = QLabel()  # what the click will do, for the household chosen
        self.outcome.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.choices.idToggled.connect(lambda _id, on: on and self._say_outcome())
        self.choices.button(1).setChecked(True)  # the household that reached the server second
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(grid)
        layout.addWidget(self.outcome)
        layout.addWidget(self.buttons)

    def _say_outcome(self) -> None:
        chosen, kept = self.chosen(), self.sides[1 - self.choices.checkedId()]
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        if not chosen.proposed_no:
            self.outcome.setText(self.tr("这个组的户编号已用到 9999，无法自动编号：请先在户籍页把其中一户改到另一个组。"))
            ok.setEnabled(False)
            ok.setText(self.tr("重新编号"))
            return
        head = chosen.head_name or chosen.address or chosen.household_no
        self.outcome.setText(self.tr("“%1”将改为新户编号 %2，另一户“%3”保留 %4。改号随下次同步上传，"
                                     "打印过的登记表请重新打印。")
                             .replace("%1", head).replace("%2", chosen.proposed_no)
                             .replace("%3", kept.head_name or kept.address or kept.household_no)
                             .replace("%4", kept.household_no))
        ok.setEnabled(True)
        ok.setText(self.tr("改为 %1").replace("%1", chosen.proposed_no))

    def chosen(self):
        return self.sides[self.choices.checkedId()]


def ask_renumber(parent: QWidget, first, second) -> str | None:
    """Open the view; the id of the household to renumber, or None when cancelled."""
    dialog = RenumberDialog(first, second, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.chosen().id
