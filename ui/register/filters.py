"""The filter bar over the register lists: a search box (name, pinyin initials, ID or phone tail)
applied as the user types after a short pause, and boxes for village, grid, tag and person status.
It only collects what the user chose; the page turns that into a query."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QWidget

from app.client.browse import RegionOption, RegisterFilter


class FilterBar(QWidget):
    changed = Signal(object)  # RegisterFilter
    village_changed = Signal(str)

    def __init__(self, debounce_ms: int = 200, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit()
        self.search.setObjectName("register_search")
        self.search.setPlaceholderText(self.tr("搜索：姓名、拼音首字母、身份证或电话尾号 (Ctrl+F)"))
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(300)
        self.village = QComboBox()
        self.grid = QComboBox()
        self.tag = QComboBox()
        self.status = QComboBox()
        for box, width in ((self.village, 150), (self.grid, 120), (self.tag, 120), (self.status, 90)):
            box.setMinimumWidth(width)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(debounce_ms)
        self._debounce.timeout.connect(self._emit)
        self._filling = False
        self._layout()
        self.set_villages([])
        self.set_grids([])
        self.set_tags([])
        self.set_statuses([])
        self.search.textChanged.connect(self._debounce.start)
        self.village.currentIndexChanged.connect(self._on_village)
        for box in (self.grid, self.tag, self.status):
            box.currentIndexChanged.connect(self._on_box)

    def _layout(self) -> None:
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.search, 3)
        for label, box in ((self.tr("村（社区）"), self.village), (self.tr("网格"), self.grid),
                           (self.tr("标签"), self.tag), (self.tr("状态"), self.status)):
            row.addWidget(QLabel(label))
            row.addWidget(box, 1)

    def current(self) -> RegisterFilter:
        return RegisterFilter(village=self.village.currentData() or "", grid=self.grid.currentData() or "",
                              tag=self.tag.currentData() or "", status=self.status.currentData() or "",
                              text=self.search.text().strip())

    def set_villages(self, options: list[RegionOption]) -> None:
        self._fill(self.village, self.tr("全部"), [(o.code, o.name) for o in options])

    def set_grids(self, options: list[RegionOption]) -> None:
        self._fill(self.grid, self.tr("全部"), [(o.code, o.name) for o in options])
        self.grid.setEnabled(bool(options))

    def set_tags(self, options: list[tuple[str, str]]) -> None:
        self._fill(self.tag, self.tr("全部"), options)

    def set_statuses(self, options: list[tuple[str, str]]) -> None:
        self._fill(self.status, self.tr("全部"), options)

    def flush(self) -> None:
        """Apply pending typing now (Enter, tests) instead of waiting for the pause."""
        self._debounce.stop()
        self._emit()

    def _fill(self, box: QComboBox, any_label: str, options: list[tuple[str, str]]) -> None:
        self._filling = True
        chosen = box.currentData()
        box.clear()
        box.addItem(any_label, "")
        for code, label in options:
            box.addItem(label, code)
        index = box.findData(chosen) if chosen else 0
        box.setCurrentIndex(max(index, 0))
        self._filling = False

    def _on_village(self) -> None:
        if self._filling:
            return
        self.set_grids([])
        self.village_changed.emit(self.village.currentData() or "")
        self._emit()

    def _on_box(self) -> None:
        if not self._filling:
            self._emit()

    def _emit(self) -> None:
        self.changed.emit(self.current())
