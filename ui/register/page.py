"""户籍人口: the register page. A filter bar over two lazily loaded lists (persons, households) on
the left and the household form on the right; choosing a person or a household opens its
household in the form. All data comes through the register desk and the services, on the task
runner; the page only arranges widgets and reacts to results."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QStyledItemDelegate,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.client.browse import ANY_TAG, RegisterFilter
from ui import settings as opts
from ui.lazy_model import LazyTableModel, refresh_in_place
from ui.register.filters import FilterBar
from ui.register.household_panel import HouseholdPanel
from ui.register.lists import (
    HOUSEHOLD_PHONE,
    PERSON_HIDDEN,
    PERSON_KEYS,
    Labels,
    household_columns,
    person_columns,
)
from ui.register.person_form import HEAD
from ui.table_header import ArrangeableColumns


def _table(model: LazyTableModel, name: str) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(26)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    view.horizontalHeader().setStretchLastSection(True)
    return view


class RegisterPage(QWidget):
    def __init__(self, desk, panel: HouseholdPanel, runner, on_error, debounce_ms: int = 200,
                 parent: QWidget | None = None, settings: opts.Settings | None = None, roster=None) -> None:
        super().__init__(parent)
        self._desk = desk
        self._roster = roster  # ui.roster.tools.RosterTools: 导入花名册 and 导出 (None: not offered)
        self._runner = runner
        self._on_error = on_error
        self._loaded_reference = False
        self.labels = Labels()
        self.filters = FilterBar(debounce_ms)
        self.persons = LazyTableModel(person_columns(self.labels), runner, parent=self)
        self.households = LazyTableModel(household_columns(self.labels), runner, parent=self)
        self.person_view = _table(self.persons, "person_list")
        self.household_view = _table(self.households, "household_list")
        self.panel = panel
        self.count_label = QLabel()
        self._queries: dict = {}
        self._stale: set = set()
        self._open_first = False  # Enter in the search: open the first hit once it has arrived
        self.person_columns = ArrangeableColumns(
            self.person_view, tuple(PERSON_KEYS.index(key) for key in PERSON_HIDDEN), settings,
            opts.PERSON_LIST_COLUMNS)
        self.household_columns = ArrangeableColumns(self.household_view, (), settings, opts.HOUSEHOLD_LIST_COLUMNS)
        self._tails = _KeepTail(self)  # a masked number cut to the list's width keeps its last digits
        for key in ("id_number", "phone"):
            self.person_view.setItemDelegateForColumn(PERSON_KEYS.index(key), self._tails)
        self.household_view.setItemDelegateForColumn(HOUSEHOLD_PHONE, self._tails)
        self._build()
        self._connect()

    def _build(self) -> None:
        self.tabs = QTabWidget()
        self.tabs.addTab(self.person_view, self.tr("人员"))
        self.tabs.addTab(self.household_view, self.tr("户"))
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.tabs, 1)
        column.addWidget(self.count_label)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.panel)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([760, 460])  # at 1366×768 the list shows 村/网格, 户编号 and 住址 unscrolled
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 4)
        top = QHBoxLayout()
        top.addWidget(self.filters, 1)
        if self._roster is not None:
            self.import_button = QPushButton(self.tr("导入花名册…"))
            self.import_button.clicked.connect(self.import_roster)
            top.addWidget(self.import_button)
            top.addWidget(self._roster.exporter.button(self, self._export_source))
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        self.setTabOrder(self.filters.search, self.filters.village)
        self.setTabOrder(self.filters.status, self.tabs)

    def _connect(self) -> None:
        self.filters.changed.connect(self.apply_filter)
        self.filters.village_changed.connect(self._load_grids)
        self.filters.search.returnPressed.connect(self._search_entered)
        self._keys = _SearchKeys(self)
        self.filters.search.installEventFilter(self._keys)
        self.persons.page_loaded.connect(self._maybe_open_first)
        for model, view in ((self.persons, self.person_view), (self.households, self.household_view)):
            model.failed.connect(self._on_error)
            model.page_loaded.connect(self._show_count)
            model.refreshed.connect(self._show_count)
            keep = (PERSON_KEYS.index("address"),) if view is self.person_view else ()
            limits = self._person_widths if view is self.person_view else lambda: HOUSEHOLD_WIDTHS
            model.page_loaded.connect(lambda rows, view=view, keep=keep, limits=limits:
                                      self._fit_columns(view, rows, keep, limits()))
            _ViewportWidth(view, keep)
        self.tabs.currentChanged.connect(self._query_visible)
        self.tabs.currentChanged.connect(self._show_count)
        self.person_view.selectionModel().currentRowChanged.connect(self._person_chosen)
        self.household_view.selectionModel().currentRowChanged.connect(self._household_chosen)
        self.panel.changed.connect(self._refresh_lists)
        self.panel.new_button.clicked.connect(self.create_new)
        self.person_view.doubleClicked.connect(self._edit_person)

    # -- page protocol (main window) --------------------------------------------------------
    def activate(self) -> None:
        if not self._loaded_reference:
            self._loaded_reference = True
            self._runner.run_db(self._load_reference, self._reference_loaded)
            self.apply_filter(self.filters.current())

    def show_list(self, key: str) -> None:
        """Open the list behind a dashboard figure: households or persons, never visited households,
        households overdue for a visit, persons with any tag."""
        self.activate()
        self.filters.reset()
        households = key in ("households", "villages", "never_visited", "visits")
        self.tabs.setCurrentWidget(self.household_view if households else self.person_view)
        if key == "tagged_persons":
            self.filters.choose_tag(ANY_TAG)
        self.filters.set_visit({"never_visited": "never", "visits": "overdue"}.get(key, ""))

    def focus_search(self) -> None:
        self.filters.search.setFocus()
        self.filters.search.selectAll()

    def create_new(self) -> None:
        self.panel.new_household(self.filters.current().village)

    def save(self) -> None:
        self.panel.save()

    def open_record(self, entity: str, record_id: str) -> None:
        """Open a household, or a person's household with the person chosen."""
        if entity == "household":
            self.panel.open_household(record_id)
            return
        self._runner.run_db(lambda: self.panel.context.persons.get(record_id),
                            lambda person, error: self._on_error(error) if error else
                            self.panel.open_household(person.household_id, focus_person=person.id))

    def import_roster(self):
        wizard = self._roster.open_import(self)
        wizard.imported.connect(lambda _result: self._refresh_lists())
        return wizard

    def _export_source(self):
        """The list on screen, with the filters applied: what 导出 writes."""
        model = self.persons if self.tabs.currentWidget() is self.person_view else self.households
        return ("persons" if model is self.persons else "households"), self._queries[model]

    # -- keyboard: Enter opens the first hit, ↓ moves into the list -----------------------------
    def _search_entered(self) -> None:
        self._open_first = True
        self.filters.flush()
        self._maybe_open_first()

    def _maybe_open_first(self, *_args) -> None:
        if not self._open_first or self.persons.loading or self.tabs.currentWidget() is not self.person_view:
            return
        self._open_first = False
        if self.persons.rowCount():
            self.person_view.selectRow(0)

    def enter_list(self) -> None:
        """↓ in the search box: the list on screen takes the keyboard, on its first row."""
        view = self.person_view if self.tabs.currentWidget() is self.person_view else self.household_view
        if view.model().rowCount():
            if not view.selectionModel().currentIndex().isValid():
                view.selectRow(0)
            view.setFocus()

    # -- queries ------------------------------------------------------------------------------
    def apply_filter(self, flt: RegisterFilter) -> None:
        # Typed text searches persons; the household list narrows by the same filters. Only the list
        # on screen is queried now (every keystroke would otherwise cost two queries); the other
        # one is queried when its tab is shown.
        self._queries = {
            self.persons: lambda offset, limit: self._desk.persons_page(flt, offset, limit),
            self.households: lambda offset, limit: self._desk.households_page(flt, offset, limit),
        }
        self._stale = {self.persons, self.households}
        if flt.text:
            self.tabs.setCurrentWidget(self.person_view)
        self._query_visible()

    def _query_visible(self, *_args) -> None:
        model = self.persons if self.tabs.currentWidget() is self.person_view else self.households
        if model in self._stale:
            self._stale.discard(model)
            model.set_query(self._queries[model])

    def _refresh_lists(self) -> None:
        """A save in the household panel: the list on screen read again in place (the clerk's row
        stays chosen and in view, as after a sync), the other one when its tab is shown."""
        shown = self.persons if self.tabs.currentWidget() is self.person_view else self.households
        if shown in self._stale:  # never queried yet: read it afresh
            self._stale = {self.persons, self.households}
            self._query_visible()
            return
        self._stale = {self.persons, self.households} - {shown}
        refresh_in_place(self.tabs.currentWidget(), shown)

    def refresh_lists(self) -> None:
        """What a sync brought or changed (badges, records come or gone), read again in place: each
        list keeps where the clerk scrolled to and the record chosen."""
        for model, view in ((self.persons, self.person_view), (self.households, self.household_view)):
            if model not in self._stale:  # a stale list is read afresh when its tab is shown
                refresh_in_place(view, model)

    def _load_reference(self):
        return self._desk.code_book(), self._desk.region_names(), self._desk.villages()

    def _reference_loaded(self, result, error) -> None:
        if error is not None:
            self._on_error(error)
            return
        codes, regions, villages = result
        self.labels.codes, self.labels.regions = codes, regions
        self.filters.set_villages(villages)
        self.filters.set_tags(self.labels.options("tag"))
        self.filters.set_statuses(self.labels.options("person_status"))
        self.panel.set_reference(self.labels, villages)
        for view in (self.person_view, self.household_view):
            view.viewport().update()

    def _load_grids(self, village: str) -> None:
        if not village:
            self.filters.set_grids([])
            return
        self._runner.run_db(lambda: self._desk.grids(village),
                            lambda grids, error: self._on_error(error) if error else self.filters.set_grids(grids))

    # -- selection ----------------------------------------------------------------------------
    def _person_chosen(self, current, _previous) -> None:
        if current.isValid():
            row = self.persons.row_at(current.row())
            if row.household_id:
                self.panel.open_household(row.household_id, focus_person=row.id)

    def _edit_person(self, index) -> None:
        """Double-click on a person: their household is open (selection did that); edit them there."""
        row = self.persons.row_at(index.row())
        member = self.panel.members.selected()
        if member is not None and member.id == row.id:
            self.panel.members.edit_member()

    def _household_chosen(self, current, _previous) -> None:
        if current.isValid():
            self.panel.open_household(self.households.row_at(current.row()).id)

    def _person_widths(self) -> dict[int, int]:
        """PERSON_WIDTHS, with the relation column wide enough for the head's label, the one every
        household has (English “Head of household” was cut to “Head of …” at 1366 pixels); the short
        address gives the same width back, so the masked ID number after it keeps its last digits."""
        relation, address = PERSON_KEYS.index("relation"), PERSON_KEYS.index("address")
        head = self.labels.code("relation_to_head", HEAD)
        need = self.person_view.fontMetrics().horizontalAdvance(head) + 16  # the cell's margins
        extra = max(0, need - PERSON_WIDTHS[relation])
        return {relation: PERSON_WIDTHS[relation] + extra, address: max(64, PERSON_WIDTHS[address] - extra)}

    @staticmethod
    def _fit_columns(view: QTableView, rows: int, keep: tuple[int, ...] = (), limits: dict[int, int] | None = None,
                     ) -> None:
        # Only on the first page: measuring thousands of loaded rows on every scroll would stutter.
        # A long label (孙子、孙女或外孙子、外孙女) is elided rather than pushing the rest off screen.
        if 0 < rows <= 200:
            view.resizeColumnsToContents()
            header = view.horizontalHeader()
            for column in range(header.count()):
                limit = (limits or {}).get(column, 230 if column == 0 else 140)  # a name or number keeps its badge
                limit = max(limit, header.sectionSizeHint(column))  # never narrower than its header (English)
                header.resizeSection(column, min(header.sectionSize(column), limit))
            _elide_to_width(view, keep)


    def _show_count(self, *_args) -> None:
        model = self.persons if self.tabs.currentWidget() is self.person_view else self.households
        typed = self.filters.search.text().strip()
        if model.rowCount() == 0 and not model.loading and typed.isascii() and typed.isalpha():
            # "huang" typed with the input method off found no one: say how pinyin is searched
            self.count_label.setText(self.tr("没有姓名首字母为“%1”的记录。拼音按每个字的首字母查找：张三 → zs")
                                     .replace("%1", typed))
            return
        more = self.tr("（滚动加载更多）") if model.canFetchMore() else ""
        self.count_label.setText(self.tr("已显示 %n 条", "", model.rowCount()) + more)


def _elide_to_width(view: QTableView, keep: tuple[int, ...] = ()) -> None:
    """The columns in `keep` (the short address) and the last column shown are elided to the list's
    width rather than scrolled off it: the masked ID number after the address may go off screen,
    the address may not."""
    header = view.horizontalHeader()
    shown = [header.logicalIndex(v) for v in range(header.count())
             if not header.isSectionHidden(header.logicalIndex(v))]
    for column in dict.fromkeys([c for c in keep if c in shown] + shown[-1:]):
        room = view.viewport().width() - header.sectionViewportPosition(column)
        if 48 <= room < header.sectionSize(column):  # 48: "…5397", an ID number's last four
            header.resizeSection(column, room)


# Widest a column is fitted to (logical column → pixels; others 140, the name 230). The person list's
# relation and short address give way, so the masked ID number after them still shows its last digits
# at 1366 pixels when the first page holds a 孙子、孙女或外孙子、外孙女 or a long address (the tooltip
# and the household panel show them whole).
PERSON_WIDTHS = {PERSON_KEYS.index("relation"): 84, PERSON_KEYS.index("address"): 100}
HOUSEHOLD_WIDTHS = {3: 120}  # 村/网格


class _KeepTail(QStyledItemDelegate):
    """Cut at the start, not at the end: the masked ID number, last on screen after the address, was
    cut to "152422…" at 1366 pixels, its last four digits — what tells namesakes apart and what the
    search takes — gone; now "…****2784" (the whole number in the tooltip)."""

    def initStyleOption(self, option, index) -> None:  # noqa: N802 (Qt override)
        super().initStyleOption(option, index)
        option.textElideMode = Qt.TextElideMode.ElideLeft


class _ViewportWidth(QObject):
    """Refits the last column when the list's viewport narrows (a scroll bar appears, the splitter
    moves, the window is laid out after the first page arrived)."""

    def __init__(self, view: QTableView, keep: tuple[int, ...]) -> None:
        super().__init__(view)
        self._view, self._keep = view, keep
        view.viewport().installEventFilter(self)

    def eventFilter(self, _watched, event) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.Resize:
            _elide_to_width(self._view, self._keep)
        return False


class _SearchKeys(QObject):
    """↓ in the search box moves into the list (typing stays in the box)."""

    def __init__(self, page: RegisterPage) -> None:
        super().__init__(page)
        self._page = page

    def eventFilter(self, _watched, event) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Down:
            self._page.enter_list()
            return True
        return False
