"""The case panel's fixed action bar: the 意见 box (several lines) above one button per move the
user's role can ever take, always in the same place — a move not legal now is greyed out, never
moved or hidden — and the next step along the workflow highlighted as the default (Ctrl+Enter runs
it; Alt+1 … Alt+9 press the first nine buttons). A refusal about the 意见 shows under the box."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QGridLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

# The moves that carry a case forward, in the order a default is looked for.
FORWARD = ("accept", "dispatch", "sign", "handle", "submit", "approve", "close", "revisit", "archive",
           "approve_extension")
COLUMNS = 7
BAR_WIDTH = 560  # English labels are wider: fewer columns (4 in English, 6 in Chinese), so the case list keeps its room
DEFAULT_STYLE = "QPushButton { font-weight: bold; border: 2px solid #1565c0; }"


def default_step(enabled: list[str]) -> str | None:
    """The next legal step along the workflow among the enabled moves."""
    return next((a for a in FORWARD if a in enabled), None)


class CaseActionBar(QWidget):
    triggered = Signal(str)

    def __init__(self, slots: list[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.opinion = QPlainTextEdit()
        self.opinion.setPlaceholderText(self.tr("办理意见（可多行；退单须写明理由，回访写明居民意见）。Ctrl+Enter 执行突出显示的操作"))
        self.opinion.setFixedHeight(58)
        self.opinion.setTabChangesFocus(True)
        self.problem = QLabel()
        self.problem.setStyleSheet("color: #c62828;")
        self.problem.hide()
        self.buttons: dict[str, QPushButton] = {}
        grid = QGridLayout()
        grid.setSpacing(4)
        widest = max((QPushButton(label).sizeHint().width() for _action, label in slots), default=1)
        columns = max(4, min(COLUMNS, BAR_WIDTH // (widest + grid.spacing())))
        for n, (action, label) in enumerate(slots):
            button = QPushButton(label)
            button.setAutoDefault(False)
            button.clicked.connect(lambda _checked=False, a=action: self.triggered.emit(a))
            if n < 9:
                button.setToolTip(f"Alt+{n + 1}")
                QShortcut(QKeySequence(f"Alt+{n + 1}"), self, button.animateClick,
                          context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
            grid.addWidget(button, n // columns, n % columns)
            self.buttons[action] = button
        self.default: str | None = None
        run = QShortcut(QKeySequence("Ctrl+Return"), self, self.run_default,
                        context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        run.setObjectName("run_default")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.opinion)
        layout.addWidget(self.problem)
        layout.addLayout(grid)

    def show_moves(self, enabled: list[str], labels: dict[str, str] | None = None) -> None:
        """Enable the moves legal now; highlight the next step along the workflow."""
        self.default = default_step(enabled)
        for action, button in self.buttons.items():
            button.setEnabled(action in enabled)
            button.setStyleSheet(DEFAULT_STYLE if action == self.default else "")
            if labels and action in labels:
                button.setText(labels[action])
        self.show_problem("")

    def enabled(self) -> dict[str, QPushButton]:
        return {a: b for a, b in self.buttons.items() if b.isEnabled()}

    def run_default(self) -> None:
        if self.default and self.buttons[self.default].isEnabled():
            self.buttons[self.default].click()

    def text(self) -> str:
        return self.opinion.toPlainText().strip()

    def show_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.setVisible(bool(text))
