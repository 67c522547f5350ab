"""The main window: a navigation list on the left, one feature page at a time on the right, and the
sync status bar at the bottom. It only arranges pages and routes the global shortcuts (Ctrl+F
search, Ctrl+N new, Ctrl+S save, F5 sync) to the page on screen; each feature lives in its own
package under ui/ and knows nothing of the window.

Ctrl+F focuses the window's global search (persons, households, cases, tasks) from any page when
one is given; pages without it keep their own `focus_search`.

A page can be given as a function that builds it: it is built (and its package imported) the first
time it is shown, so a cold start pays only for the first page (the task, case, register and
report desks cost a noticeable part of a start and a clerk may open only one of them)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ui.status_bar import SyncStatusBar


@dataclass(frozen=True)
class PageEntry:
    """One navigation entry: a stable key (for tests and settings), its title and its page, or a
    function building the page when it is first shown."""

    key: str
    title: str
    page: QWidget | Callable[[], QWidget]


class MainWindow(QMainWindow):
    def __init__(self, pages: list[PageEntry], status_bar: SyncStatusBar, title: str,
                 search: QWidget | None = None) -> None:
        super().__init__()
        self.search = search
        self.setWindowTitle(title)
        self.setMinimumSize(QSize(1024, 640))
        self._entries = pages
        self._built: dict[int, QWidget] = {}
        self.navigation = QListWidget()
        self.navigation.setObjectName("navigation")
        self.navigation.setFixedWidth(132)
        self.navigation.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.navigation.setStyleSheet(
            "QListWidget#navigation { font-size: 15px; background: #f7f9fc; border: none;"
            " border-right: 1px solid #d0d7e2; }"
            "QListWidget#navigation::item { padding-left: 18px; }"
            "QListWidget#navigation::item:selected { background: #1f6fb2; color: white; }")
        self.stack = QStackedWidget()
        for row, entry in enumerate(pages):
            item = QListWidgetItem(entry.title)
            item.setSizeHint(QSize(120, 40))
            self.navigation.addItem(item)
            if isinstance(entry.page, QWidget):
                self._built[row] = entry.page
                self.stack.addWidget(entry.page)
            else:
                self.stack.addWidget(QWidget())  # stands in until the page is first shown
        self.navigation.currentRowChanged.connect(self._show_page)
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        side = QWidget()
        side.setFixedWidth(132)
        side.setStyleSheet("background: #f7f9fc;")
        column = QVBoxLayout(side)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        if search is not None:
            column.addWidget(search)
        column.addWidget(self.navigation, 1)
        layout.addWidget(side)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.sync_bar = status_bar
        self.setStatusBar(status_bar)
        self._install_shortcuts()
        self.navigation.setCurrentRow(0)

    def show_page(self, key: str) -> QWidget:
        """Switch to the page registered under `key` and return it."""
        for row, entry in enumerate(self._entries):
            if entry.key == key:
                self.navigation.setCurrentRow(row)
                return self._page(row)
        raise KeyError(key)

    def built_page(self, key: str) -> QWidget | None:
        """The page registered under `key` if it has been built, else None."""
        for row, entry in enumerate(self._entries):
            if entry.key == key:
                return self._built.get(row)
        raise KeyError(key)

    def current_page(self) -> QWidget:
        return self.stack.currentWidget()

    def _show_page(self, row: int) -> None:
        if row < 0:
            return
        page = self._page(row)
        self.stack.setCurrentIndex(row)
        activate = getattr(page, "activate", None)
        if activate is not None:
            activate()

    def _page(self, row: int) -> QWidget:
        """The page of `row`, built now if it is shown for the first time."""
        page = self._built.get(row)
        if page is None:
            page = self._built[row] = self._entries[row].page()
            stand_in = self.stack.widget(row)
            self.stack.insertWidget(row, page)
            self.stack.removeWidget(stand_in)
            stand_in.deleteLater()
        return page

    def _install_shortcuts(self) -> None:
        bindings = [
            (QKeySequence.StandardKey.Find, "focus_search"),
            (QKeySequence.StandardKey.New, "create_new"),
            (QKeySequence.StandardKey.Save, "save"),
        ]
        self._shortcuts = []
        for key, action in bindings:
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.activated.connect(lambda action=action: self.trigger_page_action(action))
            self._shortcuts.append(shortcut)
        sync = QShortcut(QKeySequence(Qt.Key.Key_F5), self)
        sync.activated.connect(self.sync_bar.request_sync)
        self._shortcuts.append(sync)

    def trigger_page_action(self, action: str) -> bool:
        """Call `action` on the page on screen if it offers it; returns whether it did. Searching
        goes to the global search when the window has one."""
        if action == "focus_search" and self.search is not None:
            self.search.focus()
            return True
        handler = getattr(self.current_page(), action, None)
        if handler is None:
            return False
        handler()
        return True
