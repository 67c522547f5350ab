"""Columns the user arranges: a table header whose columns can be dragged into another order and
shown or hidden from its right-click menu, the arrangement remembered in the settings (one
QHeaderView state per list) so the list opens the way the clerk left it."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QCoreApplication, Qt
from PySide6.QtWidgets import QHeaderView, QMenu, QTableView

from ui import settings as opts


class ArrangeableColumns:
    """Makes `view`'s columns movable and hideable; `hidden` are the columns hidden until the user
    chooses otherwise; the arrangement is stored under `setting` when settings are given."""

    def __init__(self, view: QTableView, hidden: tuple[int, ...] = (), settings: opts.Settings | None = None,
                 setting: opts.Setting[bytes] | None = None) -> None:
        self.view = view
        self.header: QHeaderView = view.horizontalHeader()
        self._settings, self._setting, self._hidden = settings, setting, hidden
        self.header.setSectionsMovable(True)
        self.header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.header.customContextMenuRequested.connect(self._menu)
        saved = settings.get(setting) if settings is not None and setting is not None else b""
        if not (saved and self.header.restoreState(QByteArray(saved))):
            for column in hidden:
                self.header.setSectionHidden(column, True)
        self.header.sectionMoved.connect(self._save)

    def visible_headers(self) -> list[str]:
        """The headers on screen, in the order the user sees them."""
        model = self.view.model()
        logical = [self.header.logicalIndex(v) for v in range(self.header.count())]
        return [model.headerData(i, Qt.Orientation.Horizontal) for i in logical if not self.header.isSectionHidden(i)]

    def set_hidden(self, column: int, hidden: bool) -> None:
        if hidden and self.header.count() - self.header.hiddenSectionCount() <= 1:
            return  # the last visible column stays
        self.header.setSectionHidden(column, hidden)
        if not hidden:
            self.view.resizeColumnToContents(column)
        self._save()

    def menu(self) -> QMenu:
        """The show/hide menu the header offers (built fresh: headers follow the language)."""
        model = self.view.model()
        menu = QMenu(self.view)
        for column in range(self.header.count()):
            action = menu.addAction(str(model.headerData(column, Qt.Orientation.Horizontal)))
            action.setCheckable(True)
            action.setChecked(not self.header.isSectionHidden(column))
            action.toggled.connect(lambda shown, column=column: self.set_hidden(column, not shown))
        menu.addSeparator()
        menu.addAction(QCoreApplication.translate("ArrangeableColumns", "恢复默认列"), self.reset)
        return menu

    def reset(self) -> None:
        for visual in range(self.header.count()):
            self.header.moveSection(self.header.visualIndex(visual), visual)
        for column in range(self.header.count()):
            self.header.setSectionHidden(column, column in self._hidden)
        if self._settings is not None and self._setting is not None:
            self._settings.reset(self._setting)

    def _menu(self, position) -> None:
        self.menu().exec(self.header.mapToGlobal(position))

    def _save(self, *_args) -> None:
        if self._settings is not None and self._setting is not None:
            self._settings.set(self._setting, bytes(self.header.saveState().data()))
