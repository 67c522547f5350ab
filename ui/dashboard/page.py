"""工作台: the first page a clerk sees — the register at a glance (households, persons, villages,
households never visited, persons with tags) and the local sync backlog. Figures load on the task
runner each time the page is shown. Every tile opens the list behind its figure through
`open_list(key)` (the window routes it to the register, the task desk or the review page)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget

from ui.dashboard.charts import ClickableFrame


class _Figure(ClickableFrame):
    def __init__(self, title: str) -> None:
        super().__init__()
        self.setObjectName("figure")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setMinimumSize(200, 96)
        self.value = QLabel("…")
        self.value.setStyleSheet("font-size: 26px; font-weight: bold; color: #1f4e79;")
        self.value.setAlignment(Qt.AlignmentFlag.AlignCenter)
        caption = QLabel(title)
        caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.addWidget(self.value)
        layout.addWidget(caption)


class DashboardPage(QWidget):
    def __init__(self, desk, status, runner, on_error, greeting: str | Callable[[], str], parent: QWidget | None = None,
                 charts: QWidget | None = None, open_list: Callable[[str], None] | None = None) -> None:
        super().__init__(parent)
        self.charts = charts  # the work charts (ui/dashboard/charts.py), loaded with the figures
        self._desk = desk
        self._status = status
        self._runner = runner
        self._on_error = on_error
        # A callable greeting is read again with the figures: the first sync brings the region's name.
        self._greeting_of = greeting if callable(greeting) else (lambda: greeting)
        self.greeting = QLabel(self._greeting_of())
        self.greeting.setStyleSheet("font-size: 18px; font-weight: bold;")
        self.figures = {
            "households": _Figure(self.tr("在册户数")), "persons": _Figure(self.tr("在册人口")),
            "villages": _Figure(self.tr("村（社区）数")), "never_visited": _Figure(self.tr("从未走访的户")),
            "tagged_persons": _Figure(self.tr("有标签的人员")), "pending": _Figure(self.tr("待上传的修改")),
        }
        grid = QGridLayout()
        grid.setSpacing(12)
        for i, figure in enumerate(self.figures.values()):
            grid.addWidget(figure, i // 3, i % 3)
        tiles = dict(self.figures)
        if charts is not None:
            tiles.update(getattr(charts, "today", {}))
        for key, tile in tiles.items():
            tile.setToolTip(self.tr("点击打开列表"))
            if open_list is not None:
                tile.clicked.connect(lambda key=key: open_list(key))
        hint = QLabel(self.tr("快捷键：Ctrl+F 搜索 · Ctrl+N 新建 · Ctrl+S 保存 · F5 同步"))
        hint.setStyleSheet("color: #666;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.addWidget(self.greeting)
        layout.addSpacing(12)
        layout.addLayout(grid)
        if charts is not None:
            layout.addSpacing(12)
            layout.addWidget(charts, 1)
        layout.addStretch(1)
        layout.addWidget(hint)

    def activate(self) -> None:
        self._runner.run_db(lambda: (self._desk.summary(), self._status.outbox_counts(), self._greeting_of()),
                            self._show)
        if self.charts is not None:
            self.charts.activate()

    def _show(self, result, error) -> None:
        if error is not None:
            self._on_error(error)
            return
        summary, counts, greeting = result
        self.greeting.setText(greeting)
        for key, figure in self.figures.items():
            value = counts.pending if key == "pending" else getattr(summary, key)
            figure.value.setText(f"{value:,}")
