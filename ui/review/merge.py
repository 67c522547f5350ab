"""The merge view for two persons flagged with the same ID number: both records side by side (ID
numbers and phones masked), the reviewer picks the one to keep, and the view says what will move
from the other (tags, case parties, cases it reported, household head)."""

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


class MergeDialog(QDialog):
    def __init__(self, first, second, labels=None, parent: QWidget | None = None, reasons: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("合并重复人员"))
        self.reasons = QLabel(self.tr("疑似重复的理由：%1").replace("%1", reasons) if reasons else "")
        self.reasons.setWordWrap(True)
        self.reasons.setVisible(bool(reasons))
        self.setMinimumWidth(560)
        self.sides = (first, second)
        grid = QGridLayout()
        self.choices = QButtonGroup(self)
        for column in (1, 2):
            button = QRadioButton(self.tr("保留此记录"))
            self.choices.addButton(button, column - 1)
            grid.addWidget(button, 0, column)
        for row, (title, value) in enumerate(self._rows(labels), start=1):
            grid.addWidget(QLabel(title), row, 0)
            for column, side in enumerate(self.sides, start=1):
                grid.addWidget(QLabel(value(side)), row, column)
        self.moves = QLabel()
        self.moves.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("合并"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.choices.idToggled.connect(lambda _id, on: on and self._show_moves())
        self.choices.button(0).setChecked(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.reasons)
        layout.addLayout(grid)
        layout.addWidget(self.moves)
        layout.addWidget(self.buttons)

    def _rows(self, labels):
        code = (lambda table, value: labels.code(table, value)) if labels else (lambda _t, value: value or "")
        return [
            (self.tr("姓名"), lambda s: s.person.name),
            (self.tr("证件号码"), lambda s: s.person.id_number_masked),
            (self.tr("性别"), lambda s: code("gender", s.person.gender)),
            (self.tr("出生日期"), lambda s: s.person.birth_date.isoformat() if s.person.birth_date else ""),
            (self.tr("户编号"), lambda s: s.household_no + (self.tr("（户主）") if s.is_head else "")),
            (self.tr("现住址"), lambda s: s.person.current_address),
            (self.tr("联系电话"), lambda s: s.person.phone_masked),
            (self.tr("标签"), lambda s: "、".join(code("tag", t) for t in s.tags) or "—"),
            (self.tr("事件当事人 / 报事"), lambda s: f"{s.case_parties} / {s.reported_cases}"),
        ]

    def survivor(self):
        return self.sides[self.choices.checkedId()]

    def _show_moves(self) -> None:
        loser = self.sides[1 - self.choices.checkedId()]
        text = self.tr("合并后，另一条记录将标记为已合并（不会物理删除），并移到保留的记录：%1，%2，%3。") \
            .replace("%1", self.tr("标签 %n 个", "", len(loser.tags))) \
            .replace("%2", self.tr("事件当事人 %n 条", "", loser.case_parties)) \
            .replace("%3", self.tr("报事记录 %n 条", "", loser.reported_cases))
        if loser.is_head:
            text += self.tr("另一条记录是户主：若两人同户，户主改为保留的记录，否则该户暂无户主。")
        self.moves.setText(text)


def ask_survivor(parent: QWidget, first, second, labels=None, reasons: str = "") -> str | None:
    """Open the merge view; the id of the person to keep, or None when cancelled."""
    dialog = MergeDialog(first, second, labels, parent, reasons)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.survivor().person.id
