"""事件 page: the case desk. On the left the queues by status with their counts (全部, 已超期 and
each status that holds cases), in the middle the cases of the chosen queue (ui/casedesk/case_list.py:
loaded as the user scrolls, searchable), on the right the case opened with its fixed action bar.
"登记事件" (Ctrl+N) opens the new-case form; after registering, the new case is opened."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.client.case_desk import NewCase
from app.errors import UserFacingError
from ui.casedesk.case_form import CaseForms
from ui.casedesk.case_list import CaseList
from ui.casedesk.detail import CaseDetailPanel
from ui.casedesk.labels import status_text
from ui.punctuation import counted

OVERDUE = "#c62828"


class CaseDeskPage(QWidget):
    def __init__(self, desk, runner, dialogs, on_error, forms: CaseForms | None = None,
                 parent: QWidget | None = None, page_size: int = 100, printer=None, reports=None,
                 exporter=None, language: str = "zh_CN", history=None) -> None:
        super().__init__(parent)
        self._desk, self._runner, self._dialogs, self._on_error = desk, runner, dialogs, on_error
        self._forms = forms or CaseForms()
        self._language = language
        self.choices = None
        heading = QLabel(self.tr("事件与诉求"))
        heading.setStyleSheet("font-size: 15px; font-weight: bold;")
        self.new_button = QPushButton(self.tr("登记事件…"))
        self.new_button.clicked.connect(self.create_new)
        self.new_button.setVisible(desk.may_register)
        self.queues = QListWidget()
        self.queues.setFixedWidth(128)
        self.queues.currentRowChanged.connect(self._queue_chosen)
        self.list = CaseList(desk, runner, on_error, page_size)
        self.list.chosen.connect(lambda case_id: self.detail.open(case_id))
        self.table = self.list.view
        self.detail = CaseDetailPanel(desk, runner, dialogs, on_error, printer=printer, reports=reports,
                                      language=language, dispatch_input=self._forms.dispatch, history=history)
        self.detail.changed.connect(self.refresh)  # a move on the open case: the clerk's place kept
        bar = QHBoxLayout()
        bar.addWidget(heading)
        bar.addStretch(1)
        bar.addWidget(self.new_button)
        if exporter is not None:  # 导出: the queue and search on screen
            bar.addWidget(exporter.button(self, lambda: ("cases", self.list.query())))
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.list)
        splitter.addWidget(self.detail)
        splitter.setSizes([640, 460])  # the panel takes what its action bar needs, the list the rest
        body = QHBoxLayout()
        body.addWidget(self.queues)
        body.addWidget(splitter, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 4)
        layout.addLayout(bar)
        layout.addLayout(body, 1)

    def activate(self) -> None:
        if self.choices is None:
            self._runner.run_db(self._desk.choices, self._got_choices)
        self.reload()

    def _got_choices(self, choices, error) -> None:
        if error is not None:
            self._on_error(error)
            return
        self.choices = choices
        self.detail.set_departments(list(choices.departments))
        self._categories = {code: label for code, label, children in choices.categories}
        for _code, _label, children in choices.categories:
            self._categories.update(dict(children))
        self.list.categories, self.list.sources = self._categories, dict(choices.sources)

    def reload(self) -> None:
        self._runner.run_db(self._desk.queues, self._show_queues)

    def refresh(self) -> None:
        """Queues and list read again where the clerk is in them: the rows in view and the case
        chosen stay (after a sync, after a move on the open case) — decision 0042."""
        self._runner.run_db(self._desk.queues, lambda queues, error: self._show_queues(queues, error, in_place=True))

    def refresh_after_sync(self) -> None:
        """A sync the user did not start brought news: queues, list and the open case show it, the
        case staying chosen — unless an 意见 is being typed, which gets a hint instead of a reload."""
        if self.detail.has_unsaved_edit():
            self.detail.show_stale()
            return
        self.refresh()
        if self.detail.detail is not None:  # the open case shows what the sync brought
            self.detail.open(self.detail.detail.case.id)

    def _show_queues(self, queues, error, in_place: bool = False) -> None:
        """The queues with their counts; the chosen queue's list read afresh — or, after a sync
        (`in_place`), read again where the clerk is in it, if that queue is still there."""
        if error is not None:
            self._on_error(error)
            return
        row = self._fill_queues(queues, self.current_queue())
        if in_place and row is not None:
            self.list.refresh()
            return
        self.queues.setCurrentRow(row or 0)
        self._queue_chosen(row or 0)

    def _fill_queues(self, queues, chosen) -> int | None:
        """The queues with their counts, `chosen` kept current without announcing it; its row, None
        when that queue is gone."""
        self.queues.blockSignals(True)
        self.queues.clear()
        row = None
        for i, queue in enumerate(queues):
            item = QListWidgetItem(counted(self._queue_label(queue.status), str(queue.count)))
            item.setData(Qt.ItemDataRole.UserRole, queue.status)
            if queue.status == -1 and queue.count:
                item.setForeground(QColor(OVERDUE))
            self.queues.addItem(item)
            if queue.status == chosen:
                row = i
                self.queues.setCurrentRow(i)
        self.queues.blockSignals(False)
        self._fit_queues()
        return row

    def _fit_queues(self) -> None:
        """Wide enough for the longest queue and its count (English names are longer than 128 px)."""
        metrics = self.queues.fontMetrics()
        widest = max((metrics.horizontalAdvance(self.queues.item(i).text()) for i in range(self.queues.count())),
                     default=0)
        self.queues.setFixedWidth(max(128, widest + 2 * self.queues.frameWidth() + 16))

    def _queue_label(self, status: int | None) -> str:
        if status is None:
            return self.tr("全部")
        return self.tr("已超期") if status == -1 else status_text(status)

    def current_queue(self):
        item = self.queues.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def show_queue(self, label: str) -> bool:
        """Choose the queue whose label starts with `label` (e.g. "回单待审")."""
        for i in range(self.queues.count()):
            if self.queues.item(i).text().startswith(label):
                self.queues.setCurrentRow(i)
                return True
        return False

    def select_queue(self, status: int | None) -> bool:
        """Choose the queue of a status (None = all, -1 = overdue), whatever the language."""
        for i in range(self.queues.count()):
            if self.queues.item(i).data(Qt.ItemDataRole.UserRole) == status:
                self.queues.setCurrentRow(i)
                return True
        return False

    def _queue_chosen(self, row: int) -> None:
        if row < 0:
            return
        status = self.queues.item(row).data(Qt.ItemDataRole.UserRole)
        self.list.show_status(status, keep=self.detail.detail.case.id if self.detail.detail else None)

    @property
    def cases(self) -> list:
        """The cases listed (loaded so far)."""
        return self.list.rows

    def select_case(self, case_id: str) -> bool:
        return self.list.select(case_id)

    # -- registering ---------------------------------------------------------------------------
    def create_new(self) -> None:
        """Ctrl+N (and the 登记事件 button): register a case through the new-case form."""
        self._ask_new_case()

    def _ask_new_case(self, refused: NewCase | None = None, problem: str = "") -> None:
        """The new-case form; a case the service refused reopens in it as typed, with the reason."""
        if self.choices is None or not self._desk.may_register:
            return
        again = {} if refused is None else {"initial": refused, "problem": problem}
        form = self._forms.new_case(self, self._desk, self._runner, self._on_error, self.choices, **again)
        if form is None:
            return

        def registered(view, error) -> None:
            if isinstance(error, UserFacingError):  # e.g. a phone the service refuses: say why, keep the typing
                self._ask_new_case(form, error.message(self._language))
                return
            if error is not None:
                self._on_error(error)
                return
            self.queues.setCurrentRow(0)
            self.detail.open(view.id)
            self.reload()

        self._runner.run_db(lambda: self._desk.register(form), registered)
