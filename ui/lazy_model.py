"""A read-only table model that loads its rows page by page through the task runner: the view asks
for more (canFetchMore/fetchMore) as the user scrolls, so 40,000 persons never load at once. A new
query bumps a generation number; pages arriving for an older query are dropped, so fast typing
never shows stale results. `refresh()` reads the rows loaded so far again in one go and swaps them
in place (a layout change, rows matched by identity): the view keeps its scroll position and the
row chosen, where a new query would throw a clerk reading row 300 back to the top."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView

PageFetcher = Callable[[int, int], list[Any]]
Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    """A column: its header and how to show a row's value."""

    header: str
    text: Callable[[Any], str]
    align_right: bool = False
    color: Callable[[Any], str | None] | None = None  # a warning colour for the row's value, e.g. overdue


class LazyTableModel(QAbstractTableModel):
    failed = Signal(object)  # the error a page load raised
    page_loaded = Signal(int)  # rows now held
    refreshed = Signal(int)  # rows now held, after refresh(): the same records read again, in place

    def __init__(self, columns: list[Column], runner, page_size: int = 200,
                 parent: QObject | None = None, key: Callable[[Any], Any] | None = None) -> None:
        super().__init__(parent)
        self._columns = columns
        self._key = key or (lambda row: getattr(row, "id", None))  # a row's identity across readings
        self._runner = runner
        self._page_size = page_size
        self._rows: list[Any] = []
        self._fetch: PageFetcher | None = None
        self._generation = 0
        self._loading = False
        self._exhausted = True

    # -- queries ---------------------------------------------------------------------------
    def set_query(self, fetch: PageFetcher) -> None:
        """Replace the query: clear the rows and load its first page."""
        self._generation += 1
        self.beginResetModel()
        self._rows = []
        self._fetch = fetch
        self._exhausted = False
        self._loading = False
        self.endResetModel()
        self._load_next_page()

    def reload(self) -> None:
        if self._fetch is not None:
            self.set_query(self._fetch)

    def refresh(self, done: Callable[[], None] | None = None) -> None:
        """Read the rows loaded so far (at least a page) again and put them in place of the old ones:
        rows keep their identity, so the selection and the row at the top of the view stay on their
        records even when rows came or went above them (a background sync). `done` runs after."""
        if self._fetch is None:
            return
        self._generation += 1
        fetch, count, generation = self._fetch, max(len(self._rows), self._page_size), self._generation
        self._loading = True
        self._runner.run_db(lambda: fetch(0, count),
                            lambda rows, error: self._on_refresh(generation, count, rows, error, done))

    def _on_refresh(self, generation: int, count: int, rows: list[Any] | None, error: BaseException | None,
                    done: Callable[[], None] | None) -> None:
        if not self._settled(generation, error):
            return
        rows = rows or []
        self.layoutAboutToBeChanged.emit()
        held = self.persistentIndexList()  # the selection, the current row: by record, not by row number
        keys = [self._key(self._rows[i.row()]) if 0 <= i.row() < len(self._rows) else None for i in held]
        self._rows, self._exhausted = rows, len(rows) < count
        where = {self._key(row): n for n, row in enumerate(rows)}
        moved = [self.index(where[key], i.column()) if key in where else QModelIndex()  # gone: dropped quietly
                 for key, i in zip(keys, held, strict=True)]
        self.changePersistentIndexList(held, moved)
        self.layoutChanged.emit()  # Qt's views and headers take a changed row count in a layout change
        self.refreshed.emit(len(self._rows))
        if done is not None:
            done()

    def _settled(self, generation: int, error: BaseException | None) -> bool:
        """Whether an answer of query `generation` is to be taken: not when the user has replaced the
        query since (a stale answer), nor when it failed (reported, and no further pages asked)."""
        if generation != self._generation:
            return False
        self._loading = False
        if error is not None:
            self._exhausted = True
            self.failed.emit(error)
            return False
        return True

    def key_at(self, row: int) -> Any:
        return self._key(self._rows[row])

    def row_of_key(self, key: Any) -> int | None:
        """The loaded row of a record, by identity."""
        return next((n for n, row in enumerate(self._rows) if self._key(row) == key), None)

    def row_at(self, row: int) -> Any:
        return self._rows[row]

    @property
    def loading(self) -> bool:
        return self._loading

    # -- Qt model interface ----------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        column = self._columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return column.text(self._rows[index.row()])  # the tip shows what a narrow column elides
        if role == Qt.ItemDataRole.TextAlignmentRole and column.align_right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and column.color is not None:
            color = column.color(self._rows[index.row()])
            return QColor(color) if color else None
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self._columns[section].header
        return None

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._exhausted and not self._loading

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent):
            self._load_next_page()

    # -- loading ---------------------------------------------------------------------------
    def _load_next_page(self) -> None:
        if self._fetch is None:
            return
        fetch, offset, size, generation = self._fetch, len(self._rows), self._page_size, self._generation
        self._loading = True
        self._runner.run_db(lambda: fetch(offset, size),
                            lambda rows, error: self._on_page(generation, rows, error))

    def _on_page(self, generation: int, rows: list[Any] | None, error: BaseException | None) -> None:
        if not self._settled(generation, error):
            return
        rows = rows or []
        if len(rows) < self._page_size:
            self._exhausted = True
        if rows:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()
        self.page_loaded.emit(len(self._rows))


def refresh_in_place(view: QAbstractItemView, model: LazyTableModel, done: Callable[[], None] | None = None) -> None:
    """`model.refresh()` with the record at the top of `view` still at its top afterwards (a row that
    came above it does not push the clerk's place down), and the chosen record still chosen."""
    top = view.indexAt(QPoint(0, 0))
    key = model.key_at(top.row()) if top.isValid() else None

    def placed() -> None:
        row = model.row_of_key(key) if key is not None else None
        if row is not None and row != view.indexAt(QPoint(0, 0)).row():
            view.scrollTo(model.index(row, top.column()), QAbstractItemView.ScrollHint.PositionAtTop)
        if done is not None:
            done()

    model.refresh(placed)
