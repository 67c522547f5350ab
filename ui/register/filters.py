"""The filter bar over the register lists: a search box (name, pinyin initials, ID or phone tail)
applied as the user types after a short pause, and boxes for village, grid, tag and person status.
It only collects what the user chose; the page turns that into a query."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from app.client.browse import ANY_TAG, RegionOption, RegisterFilter


class FilterBar(QWidget):
    changed = Signal(object)  # RegisterFilter
    village_changed = Signal(str)

    def __init__(self, debounce_ms: int = 200, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit()
        self.search.setObjectName("register_search")
        self.search.setPlaceholderText(self.tr("搜索：姓名、拼音首字母、身份证或电话尾号 (Ctrl+F)"))
        self.search.setClearButtonEnabled(True)
        # Narrow enough minimums that the row fits 1366 px with a dashboard tile's chip and the import and
        # export buttons; at 300 + 480 px Qt laid the search box under the village label.
        self.search.setMinimumWidth(200)
        self.village = QComboBox()
        self.grid = QComboBox()
        self.tag = QComboBox()
        self.status = QComboBox()
        for box, width in ((self.village, 130), (self.grid, 100), (self.tag, 100), (self.status, 80)):
            box.setMinimumWidth(width)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(debounce_ms)
        self._debounce.timeout.connect(self._emit)
        self._filling = False
        self._wanted_tag = ""
        self._visit = ""  # a dashboard tile's filter, shown as a chip that clears it when clicked
        self.visit_chip = QPushButton()
        self.visit_chip.setObjectName("visit_filter")
        self.visit_chip.setVisible(False)
        self.visit_chip.clicked.connect(lambda: self.set_visit(""))
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
        row.addWidget(self.visit_chip)

    def current(self) -> RegisterFilter:
        return RegisterFilter(village=self.village.currentData() or "", grid=self.grid.currentData() or "",
                              tag=self.tag.currentData() or "", status=self.status.currentData() or "",
                              text=self.search.text().strip(), visit=self._visit)

    def set_visit(self, visit: str) -> None:
        """Narrow the households to those never visited ("never") or overdue for a visit ("overdue")."""
        self._visit = visit
        labels = {"never": self.tr("从未走访 ✕"), "overdue": self.tr("应走访未走访 ✕")}
        self.visit_chip.setText(labels.get(visit, ""))
        self.visit_chip.setVisible(bool(visit))
        self._emit()

    def reset(self) -> None:
        """Every filter back to "all" and the search emptied, without a query per box."""
        self._filling = True
        self.search.clear()
        for box in (self.village, self.grid, self.tag, self.status):
            box.setCurrentIndex(0)
        self._filling = False
        self._visit = self._wanted_tag = ""
        self.visit_chip.setVisible(False)

    def choose_tag(self, code: str) -> None:
        self._wanted_tag = code  # kept for set_tags when the code tables are still loading
        self.tag.setCurrentIndex(max(self.tag.findData(code), 0))

    def set_villages(self, options: list[RegionOption]) -> None:
        self._fill(self.village, self.tr("全部"), [(o.code, o.name) for o in options])

    def set_grids(self, options: list[RegionOption]) -> None:
        self._fill(self.grid, self.tr("全部"), [(o.code, o.name) for o in options])
        self.grid.setEnabled(bool(options))

    def set_tags(self, options: list[tuple[str, str]]) -> None:
        self._fill(self.tag, self.tr("全部"), [(ANY_TAG, self.tr("任意标签")), *options])
        if self._wanted_tag and self.tag.findData(self._wanted_tag) > 0:
            self.tag.setCurrentIndex(self.tag.findData(self._wanted_tag))
            self._wanted_tag = ""

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
