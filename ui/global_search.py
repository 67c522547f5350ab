"""The window's global search box (Ctrl+F from any page): typing looks up persons, households,
cases and tasks at once (on the task runner, after a short pause); the hits drop down under the box
with what each is. Enter opens the first hit, ↓ moves into the hits, Enter or a click opens one on
its own page through `open_hit(kind, record_id)`."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QT_TRANSLATE_NOOP, QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QFrame, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

KIND_LABELS = {"person": QT_TRANSLATE_NOOP("GlobalSearch", "人员"), "household": QT_TRANSLATE_NOOP("GlobalSearch", "户"),
               "case": QT_TRANSLATE_NOOP("GlobalSearch", "事件"), "task": QT_TRANSLATE_NOOP("GlobalSearch", "任务")}


class GlobalSearch(QWidget):
    def __init__(self, search: Callable[[str], list], open_hit: Callable[[str, str], None], runner,
                 on_error, debounce_ms: int = 200, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._search, self._open_hit, self._runner, self._on_error = search, open_hit, runner, on_error
        self._asked = ""
        self._open_first = False
        self.box = QLineEdit()
        self.box.setObjectName("global_search")
        self.box.setPlaceholderText(self.tr("搜索 Ctrl+F"))
        self.box.setClearButtonEnabled(True)
        self.box.setToolTip(self.tr("人员、户、事件、任务：姓名、拼音首字母、身份证或电话尾号、户编号、事件或任务编号"))
        self.hits = QListWidget()
        self.hits.setObjectName("global_search_hits")
        self.popup = QFrame()  # laid over the window's pages when there are hits (see _place_popup)
        self.popup.setFrameShape(QFrame.Shape.StyledPanel)
        popup_layout = QVBoxLayout(self.popup)
        popup_layout.setContentsMargins(0, 0, 0, 0)
        popup_layout.addWidget(self.hits)
        self.popup.resize(460, 320)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.box)
        self._pause = QTimer(self)
        self._pause.setSingleShot(True)
        self._pause.setInterval(debounce_ms)
        self._pause.timeout.connect(self._ask)
        self.box.textChanged.connect(lambda _t: self._pause.start())
        self.box.returnPressed.connect(self._enter)
        self.hits.itemActivated.connect(self._open_item)
        self.hits.itemClicked.connect(self._open_item)
        self._keys = _Keys(self)
        self.box.installEventFilter(self._keys)
        self.hits.installEventFilter(self._keys)

    def focus(self) -> None:
        self.box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.box.selectAll()

    def flush(self) -> None:
        """Look up what is typed now instead of after the pause (Enter, tests)."""
        self._pause.stop()
        self._ask()

    def _ask(self) -> None:
        text = self.box.text().strip()
        self._asked = text
        if not text:
            self._show([], None, text)
            return
        self._runner.run_db(lambda: self._search(text), lambda hits, error: self._show(hits, error, text))

    def _show(self, hits, error, text: str) -> None:
        if text != self._asked:
            return  # an older lookup finishing late
        if error is not None:
            self._on_error(error)
            return
        self.hits.clear()
        for hit in hits or []:
            item = QListWidgetItem(f"[{self.tr(KIND_LABELS[hit.kind])}] {hit.title}    {hit.detail}")
            item.setData(Qt.ItemDataRole.UserRole, (hit.kind, hit.record_id))
            self.hits.addItem(item)
        if not hits and text:
            empty = QListWidgetItem(self.tr("没有找到"))
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            self.hits.addItem(empty)
        self._place_popup(bool(text))
        if self._open_first:
            self._open_first = False
            self._open_row(0)

    def _place_popup(self, visible: bool) -> None:
        if not visible:
            self.popup.hide()
            return
        window = self.window()
        if self.popup.parent() is not window:
            self.popup.setParent(window)
        self.popup.move(self.box.mapTo(window, self.box.rect().bottomLeft()))
        rows = max(1, self.hits.count())
        self.popup.resize(460, min(320, rows * max(self.hits.sizeHintForRow(0), 20) + 8))
        self.popup.raise_()
        self.popup.show()

    def _enter(self) -> None:
        self._open_first = True
        self.flush()

    def _open_row(self, row: int) -> None:
        item = self.hits.item(row)
        if item is not None:
            self._open_item(item)

    def _open_item(self, item: QListWidgetItem) -> None:
        data = item.data(Qt.ItemDataRole.UserRole)
        if not data:
            return
        self.popup.hide()
        self._open_hit(*data)

    def enter_hits(self) -> None:
        if self.hits.count() and self.popup.isVisible():
            self.hits.setCurrentRow(0)
            self.hits.setFocus()

    def close_hits(self) -> None:
        self.popup.hide()
        self.box.setFocus()


class _Keys(QObject):
    """↓ from the box moves into the hits; Esc closes them; Enter in the hits opens one."""

    def __init__(self, search: GlobalSearch) -> None:
        super().__init__(search)
        self._search = search

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt override)
        if event.type() != QEvent.Type.KeyPress:
            return False
        if watched is self._search.box and event.key() == Qt.Key.Key_Down:
            self._search.enter_hits()
            return True
        if event.key() == Qt.Key.Key_Escape:
            self._search.close_hits()
            return True
        if watched is self._search.hits and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            item = self._search.hits.currentItem()
            if item is not None:
                self._search._open_item(item)
            return True
        return False
