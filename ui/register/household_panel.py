"""The household form: the household's own fields (checked as the user types, messages under each
field), and tabs for its members (add, edit, move to another household, set as head, reveal the
full ID number and phone for allowed roles with a reason), its tags with dates, and its visits.
Every change is one service call on the task runner; the form reloads the household afterwards."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.client.history import HistoryDesk
from app.client.register import check_household_field, check_person_field
from app.errors import ValidationError
from app.rules.masking import mask_phone
from app.services.context import beijing_now
from ui.attachments import AttachmentStrip
from ui.history_tab import HistoryTab
from ui.register.lists import BADGE_COLOURS, Labels, badge_text
from ui.register.members import MembersTab, TagsTab, VisitsTab

_FIELDS = ("household_no", "grid_code", "household_kind", "hukou_type", "address", "phone")


class HouseholdPanel(QWidget):
    changed = Signal()  # a household or member was saved: lists should reload

    def __init__(self, context, runner, dialogs, forms, on_error, language: str = "zh_CN",
                 printer=None, parent: QWidget | None = None, history=None) -> None:
        super().__init__(parent)
        self.context = context
        self.history_desk = history if history is not None else HistoryDesk(context)
        self.runner = runner
        self.dialogs = dialogs
        self.forms = forms
        self._on_error = on_error
        self.language = language
        self.printer = printer
        self.labels = Labels()
        self.detail = None  # the HouseholdDetail on screen, None for a new household
        self._grids_of = None  # the village whose grids 网格 lists (None while they load)
        self.errors: dict[str, QLabel] = {}
        self.title = QLabel(self.tr("请选择左侧的户或人员，或按 Ctrl+N 新建户"))
        self.title.setObjectName("household_title")
        self.title.setStyleSheet("font-size: 15px; font-weight: bold;")
        self.title.setWordWrap(True)  # the English prompt is wider than the panel
        self.badge = QLabel()  # the household's sync badge: 待上传 / 被退回 / 冲突待审
        self.badge.setObjectName("record_badge")
        self._build_fields()
        self.members = MembersTab(self)
        self.tags = TagsTab(self)
        self.visits = VisitsTab(self)
        self.history = HistoryTab(self.history_desk, runner, self.report, printer, lambda: context.reports)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.members, self.tr("成员"))
        self.tabs.addTab(self.tags, self.tr("标签"))
        self.tabs.addTab(self.visits, self.tr("走访"))
        self.attachments = AttachmentStrip(lambda: context.attachments, runner, dialogs, on_error,
                                           scans=lambda: context.scans)
        self.tabs.addTab(self.attachments, self.tr("附件"))
        self.tabs.addTab(self.history, self.tr("历史"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 0, 0, 0)
        heading = QHBoxLayout()
        heading.addWidget(self.title)
        heading.addWidget(self.badge)
        heading.addStretch(1)
        layout.addLayout(heading)
        layout.addLayout(self.form)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addStretch(1)
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.save_button)
        layout.addLayout(buttons)
        layout.addWidget(self.tabs, 1)
        self._set_enabled(False)
        self.village.setEnabled(False)
        chain = (self.household_no, self.village, self.grid, self.household_kind, self.hukou_type, self.address,
                 self.phone, self.save_button, self.tabs)
        for first, second in zip(chain, chain[1:], strict=False):
            self.setTabOrder(first, second)  # the order a clerk fills a paper 户情登记表 in

    # -- building ---------------------------------------------------------------------------
    def _build_fields(self) -> None:
        self.household_no = QLineEdit()
        self.household_no.setMaxLength(18)
        self.village = QComboBox()
        self.grid = QComboBox()
        self.household_kind = QComboBox()
        self.hukou_type = QComboBox()
        self.address = QLineEdit()
        self.phone = QLineEdit()
        self.form = QFormLayout()
        self.form.addRow(self.tr("户编号"), self._with_error(self.household_no, "household_no"))
        self.form.addRow(self.tr("村（社区）"), self.village)
        self.form.addRow(self.tr("网格"), self._with_error(self.grid, "grid_code"))
        kinds = QHBoxLayout()
        kinds.addWidget(self.household_kind, 1)
        kinds.addWidget(QLabel(self.tr("户口类型")))
        kinds.addWidget(self.hukou_type, 1)
        self.form.addRow(self.tr("户别"), kinds)
        self.form.addRow(self.tr("住址"), self._with_error(self.address, "address"))
        self.form.addRow(self.tr("联系电话"), self._with_error(self.phone, "phone"))
        self.save_button = QPushButton(self.tr("保存户信息 (Ctrl+S)"))
        self.save_button.clicked.connect(self.save)
        self.new_button = QPushButton(self.tr("新建户 (Ctrl+N)"))
        self.print_button = QPushButton(self.tr("打印户情登记表"))
        self.print_button.clicked.connect(self.print_card)
        self.household_no.textChanged.connect(lambda v: self._check("household_no", v))
        self.address.textChanged.connect(lambda v: self._check("address", v))
        self.phone.textChanged.connect(lambda v: self._check("phone", v))
        self.village.currentIndexChanged.connect(self._village_changed)
        self.grid.currentIndexChanged.connect(lambda _i: self._show_error("grid_code", "")
                                              if self.errors["grid_code"].text() else None)

    def _with_error(self, widget: QWidget, field: str) -> QWidget:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(1)
        column.addWidget(widget)
        error = QLabel()
        error.setObjectName(f"error_{field}")
        error.setStyleSheet("color: #c62828;")
        error.setVisible(False)
        column.addWidget(error)
        self.errors[field] = error
        return box

    def set_reference(self, labels: Labels, villages) -> None:
        self.labels = labels
        self.village.blockSignals(True)
        self.village.clear()
        for option in villages:
            self.village.addItem(option.name, option.code)
        self.village.blockSignals(False)
        for box, table in ((self.household_kind, "household_kind"), (self.hukou_type, "hukou_type")):
            box.clear()
            for code, label in labels.options(table):
                box.addItem(label, code)

    # -- opening ----------------------------------------------------------------------------
    def open_household(self, household_id: str, focus_person: str | None = None, then=None) -> None:
        self.runner.run_db(lambda: self.context.households.get(household_id),
                            lambda detail, error: self._opened(detail, error, focus_person, then))

    def _opened(self, detail, error, focus_person: str | None = None, then=None) -> None:
        if error is not None:
            self._on_error(error)
            return
        self.detail = detail
        h = detail.household
        self.title.setText(self.tr("户情：%1").replace("%1", h.household_no))
        self.household_no.setText(h.household_no)
        self._select(self.village, h.region_code)
        self.village.setEnabled(False)  # a household's region is fixed once created
        self._load_grids(h.region_code, h.grid_code)
        self._select(self.household_kind, h.household_kind)
        self._select(self.hukou_type, h.hukou_type)
        self.address.setText(h.address)
        self.phone.clear()
        self.phone.setPlaceholderText(self._masked_phone(h.phone))
        self._clear_errors()
        self._set_enabled(True)
        self.members.show_members(detail.members, self.labels, focus_person)
        self.tags.show_tags(detail.tags)
        self.visits.show_visits(detail.visits, self.labels)
        self.attachments.set_owner("household", h.id)
        self.history.show_for(h.id)
        self._show_states({})
        ids = [h.id, *(m.id for m in detail.members)]

        def shown(states, error) -> None:
            if error is None and detail is self.detail:  # not a household opened since
                self._show_states(states)

        self.runner.run_db(lambda: self.context.register.sync_states(ids), shown)
        if then is not None:
            then()

    def _show_states(self, states: dict[str, str]) -> None:
        """The household's badge beside its title and each member's after the name."""
        state = states.get(self.detail.household.id, "") if self.detail is not None else ""
        self.badge.setText(badge_text(state))
        self.badge.setStyleSheet(f"color: {BADGE_COLOURS[state]}; font-weight: bold;" if state else "")
        self.members.show_states(states)

    def new_household(self, village: str = "") -> None:
        self.detail = None
        self.title.setText(self.tr("新建户"))
        self.badge.clear()
        for edit in (self.household_no, self.address, self.phone):
            edit.clear()
        self.phone.setPlaceholderText("")
        self.village.setEnabled(True)
        if village:
            self._select(self.village, village)
        self._village_changed()
        self._clear_errors()
        self._set_enabled(True)
        self.members.show_members((), self.labels)
        self.tags.show_tags(())
        self.visits.show_visits((), self.labels)
        self.history.show_for(None)
        self.household_no.setFocus()

    def reload(self) -> None:
        if self.detail is not None:
            self.open_household(self.detail.household.id)
        self.changed.emit()

    # -- saving -----------------------------------------------------------------------------
    def save(self) -> None:
        self.save_then(None)

    def save_then(self, then) -> None:
        """Save the form; `then` runs once the saved household is on screen — a member, tag or visit
        added to a household not yet saved (新建户) saves it first. A refused field stops there."""
        if not self.save_button.isEnabled():
            return
        village = self.village.currentData()
        if self.detail is None and village and self._grids_of != village:
            # the village was picked a moment ago and its grids are still loading: the box shows the
            # previous village's (or none), so the grid rule waits for the list and the save follows
            self._load_grids(village, None, then=lambda: self.save_then(then))
            return
        values = self._values()
        if self.detail is None and values["grid_code"] is None and self.grid.count() > 1:
            # the village has grids and none was chosen: a household outside every grid is one no
            # grid worker sees or visits (decision 0046); the form says so beside 网格 and saves nothing
            self._show_error("grid_code", self.tr("请选择网格：每户都归一个网格，网格员才能看到并走访这户"))
            self.grid.setFocus()
            return
        if self.detail is None:
            region = self.village.currentData() or ""
            number = values.pop("household_no", "")
            job = lambda: self.context.households.create(number, region, **values)  # noqa: E731
        else:
            household_id = self.detail.household.id
            job = lambda: self.context.households.edit(household_id, **values)  # noqa: E731
        self.runner.run_db(job, lambda view, error: self._saved(view, error, then))

    def _values(self) -> dict:
        values = {"household_no": self.household_no.text().strip(), "grid_code": self.grid.currentData(),
                  "household_kind": self.household_kind.currentData(), "hukou_type": self.hukou_type.currentData(),
                  "address": self.address.text().strip()}
        if self.phone.text().strip():
            values["phone"] = self.phone.text().strip()
        if self.detail is not None:
            current = self.detail.household
            values = {k: v for k, v in values.items() if getattr(current, k) != v}
        return values

    def _saved(self, view, error, then=None) -> None:
        if error is not None:
            self.report(error)
            return
        self.open_household(view.id, then=then)
        self.changed.emit()

    def report(self, error: BaseException) -> None:
        """A validation error goes next to its field when the form has one; the rest to show_error."""
        if isinstance(error, ValidationError) and error.field in self.errors:
            self._show_error(error.field, error.message(self.language))
            return
        self._on_error(error)

    def print_card(self) -> None:
        if self.detail is None or self.printer is None:
            return
        household = self.detail.household
        self.printer.print_pdf(self, self.tr("打印户情登记表"), f"户情登记表_{household.household_no}.pdf",
                               lambda path, purpose: self.context.reports.print_household_card(
                                   household.id, path, purpose))

    # -- field checks -----------------------------------------------------------------------
    def _check(self, field: str, value: str) -> None:
        region = self.village.currentData() if self.detail is None else self.detail.household.region_code
        self._show_error(field, check_household_field(field, value, region, self.language) if value else "")

    def check_person(self, field: str, value, id_type: str) -> str:
        return check_person_field(field, value, id_type, self.language)

    def same_id(self, number: str, exclude_id: str | None, on_result) -> None:
        """Persons already registered with `number` (for the person form's warning), off the GUI thread."""
        self.runner.run_db(lambda: self.context.persons.same_id_number(number, exclude_id),
                           lambda found, error: on_result(found if error is None else ()))

    def _show_error(self, field: str, message: str) -> None:
        self.errors[field].setText(message)
        self.errors[field].setVisible(bool(message))
        self.save_button.setEnabled(not any(label.text() for label in self.errors.values()))

    def _clear_errors(self) -> None:
        for field in self.errors:
            self._show_error(field, "")

    # -- helpers ----------------------------------------------------------------------------
    def _village_changed(self, *_args) -> None:
        village = self.village.currentData()
        if self.detail is None and village:
            self._load_grids(village, None)
            if len(self.household_no.text()) <= 12:  # nothing typed beyond a village code yet
                self.household_no.setText(village)
                self.runner.run_db(lambda: self.context.households.next_number(village),
                                   lambda number, error: self._suggest_number(village, number, error))

    def _suggest_number(self, village: str, number: str | None, error) -> None:
        """Offer the village's next free number (the clerk may type another); a failure leaves the
        village code to complete by hand."""
        if self.detail is None and self.village.currentData() == village and self.household_no.text() == village:
            self.household_no.setText(number if error is None and number else village)
            self._check("household_no", self.household_no.text())

    def _load_grids(self, village: str, chosen: str | None, then=None) -> None:
        """Fill 网格 with the village's grids; `then` runs once they are on screen (a save waiting)."""
        self._grids_of = None

        def fill(grids, error) -> None:
            if error is not None:
                self._on_error(error)
                return
            if self.detail is None and village != self.village.currentData():
                return  # another village was picked meanwhile: its own list is on the way
            self.grid.clear()
            if len(self.context.actor.scope) <= 12:  # a grid worker registers in their grid only
                if self.detail is not None or not grids:
                    self.grid.addItem(self.tr("（未划分网格）"), None)
                elif len(grids) > 1:  # a new household is placed in a grid (decision 0046)
                    self.grid.addItem(self.tr("（请选择网格）"), None)
            for option in grids:
                self.grid.addItem(option.name, option.code)
            self._select(self.grid, chosen)
            self._grids_of = village
            if then is not None:
                then()

        self.runner.run_db(lambda: self.context.register.grids(village), fill)

    @staticmethod
    def _select(box: QComboBox, code) -> None:
        box.setCurrentIndex(max(box.findData(code), 0))

    def _masked_phone(self, phone: str | None) -> str:
        return mask_phone(phone) + self.tr("（不修改请留空）") if phone else ""

    def _set_enabled(self, enabled: bool) -> None:
        for widget in (self.household_no, self.grid, self.household_kind, self.hukou_type, self.address,
                       self.phone, self.save_button, self.tabs):
            widget.setEnabled(enabled)
        self.print_button.setEnabled(enabled and self.detail is not None and self.printer is not None)

    def today(self):
        return beijing_now().date()
