"""任务 page: the task inbox (条→块). Four tabs — 今日到期, 已超期, 进行中, 已完成 — each with the true
count of targets the actor reaches; below them a paged list (loaded as it scrolls) nearest deadline
first, overdue red and due within a day orange; a search box (title, task number, department) and
filters by department, village, status and kind. Selecting a target opens it in the detail panel
on the right. Department users (and the city admin) issue new tasks from here (Ctrl+N). 千条线 swaps
the list for the burden view (ui/taskdesk/burden.py): tasks per village per week and the lines they
came down on; opening a line lists its tasks here."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabBar,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.services.context import CITY_ADMIN, DEPARTMENT
from app.services.task_inbox import GROUPS, InboxQuery
from ui.lazy_model import refresh_in_place
from ui.punctuation import counted
from ui.taskdesk.burden import BurdenPanel
from ui.taskdesk.detail import TaskDetailPanel
from ui.taskdesk.inbox import InboxModel, group_text, inbox_columns
from ui.taskdesk.issue_form import TaskForms
from ui.taskdesk.labels import kind_text, status_text

PAGE_SIZE = 100


class TaskDeskPage(QWidget):
    def __init__(self, desk, one_form, runner, dialogs, on_error, forms: TaskForms | None = None,
                 parent: QWidget | None = None, printer=None, reports=None, debounce_ms: int = 200,
                 exporter=None, language: str = "zh_CN", history=None) -> None:
        super().__init__(parent)
        self._desk, self._runner, self._dialogs, self._on_error = desk, runner, dialogs, on_error
        self._exporter = exporter  # the shared 导出 action (ui/roster), None: not offered
        self._forms = forms or TaskForms()
        self.counts: dict[str, int] = {}
        self._first_load, self._pending_select = True, None
        heading = QLabel(self.tr("任务收件箱：上级部门下发的任务") if not desk.is_department
                         else self.tr("本部门下发的任务及各乡镇（村）办理进度"))
        heading.setStyleSheet("font-size: 15px; font-weight: bold;")
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("搜索标题、任务编号或部门"))
        self.search.setClearButtonEnabled(True)
        self._debounce = QTimer(self, singleShot=True, interval=debounce_ms)
        self._debounce.timeout.connect(self.reload)
        self.search.textChanged.connect(self._debounce.start)
        self.issue_button = QPushButton(self.tr("下发新任务…"))
        self.issue_button.clicked.connect(self.create_new)
        self.issue_button.setVisible(desk.actor.role in (DEPARTMENT, CITY_ADMIN))
        self.burden_button = QPushButton(self.tr("千条线"))
        self.burden_button.setCheckable(True)
        self.burden_button.setToolTip(self.tr("各村（社区）每周承接多少部门任务、来自几条线"))
        self.burden_button.toggled.connect(self.show_burden)
        self.burden = BurdenPanel(desk, runner, on_error)
        self.burden.thread_opened.connect(self.open_thread)
        self.filters = {name: self._filter_box(label) for name, label in (
            ("department", self.tr("全部部门")), ("village", self.tr("全部村（社区）")),
            ("status", self.tr("全部状态")), ("kind", self.tr("全部类型")))}
        self.group_tabs = QTabBar()
        for group in GROUPS:
            self.group_tabs.addTab(group_text(group))
        self.group_tabs.currentChanged.connect(self._group_changed)
        self.model = InboxModel(inbox_columns(), runner, page_size=PAGE_SIZE, parent=self)
        self.model.page_loaded.connect(self._page_loaded)
        self.model.refreshed.connect(self._show_loaded)
        self.model.failed.connect(on_error)
        self.list = self._build_list()
        self.count_label = QLabel()
        self.detail = TaskDetailPanel(desk, one_form, runner, dialogs, on_error, printer=printer, reports=reports,
                                      language=language, history=history)
        # a move or a 一表通 confirmation on the open target: the clerk's place kept, the card shown afresh
        # unless more is being typed in it
        self.detail.changed.connect(self.refresh_after_sync)
        self._lay_out(heading)

    # -- building ------------------------------------------------------------------------------
    def _filter_box(self, everything: str) -> QComboBox:
        box = QComboBox()
        box.addItem(everything, None)
        box.currentIndexChanged.connect(self.reload)
        return box

    def _build_list(self) -> QTableView:
        view = QTableView()
        view.setModel(self.model)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.setAlternatingRowColors(True)
        view.setWordWrap(True)  # a long title reads in full on two lines (and in its tooltip)
        view.setTextElideMode(Qt.TextElideMode.ElideRight)
        view.verticalHeader().setVisible(False)
        view.verticalHeader().setDefaultSectionSize(44)
        view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header = view.horizontalHeader()
        for column, width in enumerate((250, 118, 72, 72, 100, 80, 160)):
            # never narrower than its header: English "Progress (households)" read "ess (housel"
            view.setColumnWidth(column, max(width, header.sectionSizeHint(column)))
        view.selectionModel().currentRowChanged.connect(self._selected)
        return view

    def _lay_out(self, heading: QLabel) -> None:
        bar = QHBoxLayout()
        bar.addWidget(heading)
        bar.addStretch(1)
        bar.addWidget(self.search, 2)
        bar.addWidget(self.burden_button)
        bar.addWidget(self.issue_button)
        if self._exporter is not None:  # 导出: the group, search and filters on screen
            bar.addWidget(self._exporter.button(self, self._export_source))
        filters = QHBoxLayout()
        filters.addWidget(QLabel(self.tr("筛选")))
        for box in self.filters.values():
            filters.addWidget(box)
        filters.addStretch(1)
        filters.addWidget(self.count_label)
        inbox = QWidget()
        column = QVBoxLayout(inbox)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.group_tabs)
        column.addWidget(self.list, 1)
        self.left = QStackedWidget()
        self.left.addWidget(inbox)
        self.left.addWidget(self.burden)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.left)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 5)
        self.splitter.setStretchFactor(1, 6)
        self.splitter.setSizes([620, 600])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 4)
        layout.addLayout(bar)
        layout.addLayout(filters)
        layout.addWidget(self.splitter, 1)

    def _export_source(self):
        query = self.query()
        return "tasks", lambda offset, limit: self._desk.inbox_page(query, offset, limit)

    # -- loading -------------------------------------------------------------------------------
    def activate(self) -> None:
        if self.filters["department"].count() == 1:
            self._runner.run_db(self._desk.inbox_filters, self._fill_filters)
        self.reload()

    def _fill_filters(self, options, error) -> None:
        if error is not None:
            self._on_error(error)
            return
        choices = {"department": options.departments, "village": options.villages,
                   "status": [(code, status_text(code)) for code, _label in options.statuses],
                   "kind": [(code, kind_text(label)) for code, label in options.kinds]}
        self.filters["department"].setVisible(not self._desk.is_department)  # a department sees only its own
        for name, items in choices.items():
            box = self.filters[name]
            box.blockSignals(True)
            for code, label in items:
                box.addItem(label, code)
            box.blockSignals(False)

    def query(self, group: str | None = None) -> InboxQuery:
        value = {name: box.currentData() for name, box in self.filters.items()}
        return InboxQuery(group or self.group, self.search.text().strip(), value["department"], value["village"],
                          value["status"], value["kind"])

    @property
    def group(self) -> str:
        return GROUPS[max(self.group_tabs.currentIndex(), 0)]

    def reload(self) -> None:
        """Counts of every group, then the current group's first page (the open target stays open)."""
        self._debounce.stop()
        query = self.query()
        self.model.set_query(lambda offset, size: self._desk.inbox_page(query, offset, size))
        self._runner.run_db(lambda: self._desk.inbox_counts(query), self._show_counts)

    def refresh(self) -> None:
        """Counts and list read again where the clerk is in them: the rows in view and the target
        chosen stay (after a sync, after a move on the open target) — decision 0042."""
        self._debounce.stop()
        query = self.query()
        refresh_in_place(self.list, self.model)
        self._runner.run_db(lambda: self._desk.inbox_counts(query), self._show_counts)

    def refresh_after_sync(self) -> None:
        """A sync the user did not start brought news: counts, list and the open target show it, the
        target staying chosen — unless something is being typed in it, which gets a hint instead."""
        if self.detail.has_unsaved_edit():
            self.detail.show_stale()
            return
        self.refresh()
        self.detail.reopen()  # also when it is further down the list than the pages loaded

    def _show_counts(self, counts, error) -> None:
        if error is not None:
            self._on_error(error)
            return
        self.counts = counts
        for index, group in enumerate(GROUPS):
            more = "+" if group == "done" and counts.get("capped") else ""  # a search counts at most 1000 finished
            self.group_tabs.setTabText(index, counted(group_text(group), f"{counts.get(group, 0)}{more}"))
        if self._first_load and self._pending_select is None:
            self._first_load = False
            if not counts.get(self.group):  # open on the first group with work in it
                first = next((i for i, g in enumerate(GROUPS) if counts.get(g)), self.group_tabs.currentIndex())
                self.group_tabs.setCurrentIndex(first)

    def _group_changed(self, _index: int) -> None:
        self.reload()

    def _show_loaded(self, rows: int) -> None:
        more = self.tr("（滚动加载更多）") if self.model.canFetchMore() else ""
        self.count_label.setText(self.tr("本组 %1 项，已显示 %2 项").replace("%1", str(self.counts.get(self.group, rows)))
                                 .replace("%2", str(rows)) + more)

    def _page_loaded(self, rows: int) -> None:
        self._show_loaded(rows)
        wanted = self._pending_select or self.detail_target_id()
        row = self.model.row_of(wanted) if wanted else None
        if row is not None:
            self._pending_select = None
            self._set_current_row(row)
        elif self._pending_select and self.model.canFetchMore():
            self.model.fetchMore()  # keep looking for the target asked for
        elif self.detail_target_id() is None and rows:
            self._set_current_row(0)  # open the first, not an empty panel

    def _set_current_row(self, row: int) -> None:
        index = self.model.index(row, 0)
        if self.list.currentIndex().row() != row:
            self.list.setCurrentIndex(index)
        self.list.scrollTo(index)

    # -- 千条线 --------------------------------------------------------------------------------
    def show_burden(self, shown: bool) -> None:
        """Swap the inbox list for the burden view (and back); the view reads afresh when shown."""
        self.left.setCurrentIndex(1 if shown else 0)
        if shown:
            self.burden.reload()

    def open_thread(self, department_code: str, topic: str) -> None:
        """List a line's tasks: its department and topic as filter and search, on the first group
        that holds any of them."""
        box = self.filters["department"]
        for widget in (self.search, box):
            widget.blockSignals(True)
        self.search.setText(topic)
        box.setCurrentIndex(max(0, box.findData(department_code)))
        for widget in (self.search, box):
            widget.blockSignals(False)
        self._first_load = True
        self.group_tabs.blockSignals(True)
        self.group_tabs.setCurrentIndex(0)
        self.group_tabs.blockSignals(False)
        self.burden_button.setChecked(False)
        self.reload()

    # -- selection -----------------------------------------------------------------------------
    def detail_target_id(self) -> str | None:
        card = self.detail.card
        return card.detail.target.id if card is not None else None

    def current_target_id(self) -> str | None:
        index = self.list.currentIndex()
        return self.model.row_at(index.row()).view.id if index.isValid() else None

    def current_item(self):
        index = self.list.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def select_target(self, target_id: str) -> bool:
        """Select (and open) a target: in the list if loaded, else in its group with the search and
        filters cleared. Returns whether it is selected now (at once with a synchronous runner)."""
        row = self.model.row_of(target_id)
        if row is not None:
            self._set_current_row(row)
            return True
        self._pending_select = target_id
        self._runner.run_db(lambda: self._desk.inbox_group_of(target_id), self._go_to_group)
        return self.current_target_id() == target_id

    def _go_to_group(self, group, error) -> None:
        if error is not None:
            self._pending_select = None
            self._on_error(error)
            return
        for widget in (self.search, self.group_tabs, *self.filters.values()):
            widget.blockSignals(True)
        self.search.clear()
        for box in self.filters.values():
            box.setCurrentIndex(0)
        self.group_tabs.setCurrentIndex(GROUPS.index(group))
        for widget in (self.search, self.group_tabs, *self.filters.values()):
            widget.blockSignals(False)
        self.reload()

    def _selected(self, current, _previous) -> None:
        if current.isValid():
            self.detail.open(self.model.row_at(current.row()).view.id)

    # -- the department's side ---------------------------------------------------------------
    def create_new(self) -> None:
        """Ctrl+N: issue a task (department users and the city admin)."""
        if not self.issue_button.isVisible() and self._desk.actor.role not in (DEPARTMENT, CITY_ADMIN):
            return
        # the approved request catalogue comes from the city server (network thread), the regions locally
        self._runner.run_network(self._desk.request_catalogue, self._with_catalogue)

    def _with_catalogue(self, catalogue, error) -> None:
        found = () if error is not None else catalogue  # none offline: the form says a data request cannot go
        self._runner.run_db(lambda: (*self._desk.issue_options(), found), self._ask_issue)

    def _ask_issue(self, options, error) -> None:
        if error is not None:
            self._on_error(error)
            return
        regions, departments, catalogue = options
        values = self._forms.issue_input(self, regions, departments, self._desk.now(), catalogue)
        if values is None:
            return

        def issued(targets, failure) -> None:
            if failure is not None:
                self._on_error(failure)
                return
            self._dialogs.info(self, self.tr("下发任务"),
                               self.tr("任务已下发到 %n 个乡镇（村）。同步后对方即可收到。", "", len(targets)))
            self.reload()

        self._runner.run_db(lambda: self._desk.issue(**values), issued)
