"""The case list of the case desk: one queue's cases, newest first, loaded page by page as the user
scrolls (a full township holds 8,000 cases), narrowed as the user types a title, case number,
12345 ticket number, place or the reporter's name or phone (shown masked); overdue deadlines in red. Choosing a row announces the case; after a reload the case that
was open stays chosen if it is loaded, and a fresh list opens its first case; after a refresh (a
sync) the list keeps its scroll position and choice."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLineEdit, QTableView, QVBoxLayout, QWidget

from ui.casedesk.labels import STATUSES, status_text
from ui.lazy_model import Column, LazyTableModel, refresh_in_place
from ui.register.lists import BADGE_COLOURS, badge_text

OVERDUE, DUE_SOON = "#c62828", "#e65100"


class CaseList(QWidget):
    chosen = Signal(str)  # the id of the case the user chose

    def __init__(self, desk, runner, on_error, page_size: int = 100, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._desk = desk
        self._status = None
        self._want: str | None = None  # after a reload: the case to choose ("" = the first)
        self.categories: dict[str, str] = {}
        self.sources: dict[str, str] = {}
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("按标题、事件编号、12345工单号、地点或反映人姓名、电话查找"))
        self.search.setClearButtonEnabled(True)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(lambda: self.reload(""))
        self.search.textChanged.connect(lambda _text: self._debounce.start())
        self.model = LazyTableModel(self._columns(), runner, page_size, parent=self)
        self.model.failed.connect(on_error)
        self.model.page_loaded.connect(self._page_loaded)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().setVisible(False)
        header = self.view.horizontalHeader()
        header.setStretchLastSection(True)
        for column, width in enumerate((190, 84, *self._status_and_deadline_widths(), 150, 150)):
            header.resizeSection(column, width)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.selectionModel().selectionChanged.connect(self._selection_changed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search)
        layout.addWidget(self.view, 1)

    def _status_and_deadline_widths(self) -> tuple[int, int]:
        """Wide enough for every status and a date with its flag in the interface's language: English
        "Handled in the grid" and "2026-12-14 Overdue" were cut in columns sized for Chinese."""
        metrics, pad = self.view.fontMetrics(), 16
        status = max(metrics.horizontalAdvance(status_text(code)) for code in STATUSES)
        flag = max(metrics.horizontalAdvance(self.tr(word)) for word in ("超期", "临期"))
        return max(64, status + pad), max(118, metrics.horizontalAdvance("2026-12-31 ") + flag + pad)

    def _columns(self) -> list[Column]:
        overdue, soon = self.tr("超期"), self.tr("临期")

        def deadline(case) -> str:
            text = case.deadline_on.isoformat() if case.deadline_on else ""
            return f"{text} {overdue}" if case.overdue else f"{text} {soon}" if case.due_soon else text

        return [
            # the badge first: a title is mostly longer than its column, which cut the badge off its end
            Column(self.tr("标题"), lambda c: _badged(c), color=lambda c: BADGE_COLOURS.get(c.sync_state)),
            Column(self.tr("类别"), lambda c: self.categories.get(c.category_code, c.category_code)),
            Column(self.tr("状态"), lambda c: status_text(c.status)),
            Column(self.tr("期限"), deadline, color=lambda c: OVERDUE if c.overdue else DUE_SOON if c.due_soon else None),
            Column(self.tr("工单号"), lambda c: c.channel_ref or ""),
            Column(self.tr("反映人"), lambda c: f"{c.reporter_name} {c.reporter_phone_masked}".strip()),
            Column(self.tr("来源"), lambda c: self.sources.get(c.source, c.source)),
        ]

    @property
    def rows(self) -> list:
        return [self.model.row_at(i) for i in range(self.model.rowCount())]

    def show_status(self, status, keep: str | None = None) -> None:
        """List the queue of `status` (None = all, -1 = overdue), keeping `keep` chosen if loaded."""
        self._status = status
        self.reload(keep or "")

    def reload(self, keep: str = "") -> None:
        self._want = keep
        self.model.set_query(self.query())

    def refresh(self) -> None:
        """The same queue and search read again in place (a sync brought news): the list stays where
        the clerk scrolled to, the case chosen stays chosen, the pages loaded stay loaded."""
        self._want = None
        refresh_in_place(self.view, self.model)

    def query(self):
        """The paged query of the queue and search on screen (the list, and 导出, run it)."""
        status, text = self._status, self.search.text()
        return lambda offset, limit: self._desk.page(status, text, offset, limit)

    def flush(self) -> None:
        """Run a pending search now (tests, and Enter)."""
        if self._debounce.isActive():
            self._debounce.stop()
            self.reload("")

    def select(self, case_id: str) -> bool:
        for row in range(self.model.rowCount()):
            if self.model.row_at(row).id == case_id:
                self.view.selectRow(row)
                return True
        return False

    def _page_loaded(self, count: int) -> None:
        if self._want is None:
            return
        want, self._want = self._want, None
        if want:
            self.select(want)  # not loaded (further down): leave the open case as it is
        elif count:
            self.view.selectRow(0)  # open the first case rather than leave the right half empty

    def _selection_changed(self, *_args) -> None:
        rows = self.view.selectionModel().selectedRows()
        if rows:
            self.chosen.emit(self.model.row_at(rows[0].row()).id)


def _badged(case) -> str:
    """"待上传 · 村口路灯不亮": the sync badge ahead of the title, seen however narrow the column."""
    state = badge_text(case.sync_state)
    return f"{state} · {case.title}" if state else case.title
