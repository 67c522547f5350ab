"""The layout the task desk's and the case desk's detail panels share: the title with its print
button, the facts, the hint that a sync brought news while the user was typing (ui/app.py reloads a
desk after a background sync only when nothing typed would be disturbed), the row of action
buttons, and the tabs below taking the rest."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTabWidget, QVBoxLayout, QWidget


def stale_hint() -> QLabel:
    """A small, hidden line saying newer data waits until the user saves what they are typing."""
    hint = QLabel(QCoreApplication.translate("DetailLayout", "有新数据，保存后刷新"))
    hint.setStyleSheet("color: #e65100;")
    hint.setObjectName("stale_hint")
    hint.hide()
    return hint


def stack_detail(panel: QWidget, title: QLabel, print_button: QPushButton, meta: QLabel,
                 actions_row: QHBoxLayout, tabs: QTabWidget, hint: QLabel | None = None) -> None:
    layout = QVBoxLayout(panel)
    layout.setContentsMargins(6, 0, 0, 0)
    heading = QHBoxLayout()
    heading.addWidget(title, 1)
    heading.addWidget(print_button, 0, Qt.AlignmentFlag.AlignTop)
    layout.addLayout(heading)
    layout.addWidget(meta)
    if hint is not None:
        layout.addWidget(hint)
    layout.addLayout(actions_row)
    layout.addWidget(tabs, 1)
