"""The layout the task desk's and the case desk's detail panels share: the title with its print
button, the facts, the row of action buttons, and the tabs below taking the rest."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTabWidget, QVBoxLayout, QWidget


def stack_detail(panel: QWidget, title: QLabel, print_button: QPushButton, meta: QLabel,
                 actions_row: QHBoxLayout, tabs: QTabWidget) -> None:
    layout = QVBoxLayout(panel)
    layout.setContentsMargins(6, 0, 0, 0)
    heading = QHBoxLayout()
    heading.addWidget(title, 1)
    heading.addWidget(print_button, 0, Qt.AlignmentFlag.AlignTop)
    layout.addLayout(heading)
    layout.addWidget(meta)
    layout.addLayout(actions_row)
    layout.addWidget(tabs, 1)
