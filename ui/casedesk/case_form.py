"""The new-case form (登记事件): source, request type, two-level category, the reporter looked up in
the register (name, initials, ID or phone tail; the phone then stays masked and comes from the
register) or typed, village and grid, place, description and the parties involved. `CaseForms`
opens it so the page asks `forms.new_case(...)` and a test answers instead of a person clicking."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.client.case_desk import NewCase
from ui.dialogs import ok_cancel_buttons
from ui.punctuation import on_one_line


class NewCaseForm(QDialog):
    def __init__(self, desk, runner, on_error, choices, parent: QWidget | None = None,
                 initial: NewCase | None = None, problem: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("登记事件"))
        self._desk, self._runner, self._on_error = desk, runner, on_error
        self._grid_required = getattr(choices, "grid_required", False)
        self.hits = []
        self.reporter_person_id: str | None = None
        self._wanted_grid: str | None = None  # a refilled form's grid, chosen once the village's grids load
        self.source = _combo(choices.sources)
        self.source.setCurrentIndex(max(0, self.source.findData(getattr(choices, "default_source", ""))))
        self.request_type = _combo(choices.request_types)
        self.category = _combo([(code, label) for code, label, _children in choices.categories])
        self._children = {code: children for code, _label, children in choices.categories}
        self.subcategory = QComboBox()
        self.category.currentIndexChanged.connect(self._category_changed)
        self.title = QLineEdit()
        self.village = _combo([(v.code, v.name) for v in choices.villages])
        self.grid = QComboBox()
        for box in (self.village, self.grid):  # sized by their names once loaded, not while still empty
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.village.currentIndexChanged.connect(self._village_changed)
        self.place = QLineEdit()
        self.description = QPlainTextEdit()
        self.description.setMaximumHeight(90)
        self._build_reporter()
        self.parties = QTableWidget(3, 2)
        self.parties.setHorizontalHeaderLabels([self.tr("姓名"), self.tr("身份（如：被反映人、邻居）")])
        self.parties.horizontalHeader().setStretchLastSection(True)
        self.parties.setMaximumHeight(110)
        self._lay_out()
        self.resize(640, self.sizeHint().height())
        self._category_changed()
        self._village_changed()
        if initial is not None:
            self.fill(initial, problem)

    def fill(self, values: NewCase, problem: str = "") -> None:
        """The form as the user typed it, with why the service refused it: nothing typed is lost."""
        for box, code in ((self.source, values.source), (self.request_type, values.request_type)):
            box.setCurrentIndex(max(0, box.findData(code)))
        top = next((code for code, children in self._children.items()
                    if values.category_code == code or values.category_code in dict(children)), None)
        self.category.setCurrentIndex(max(0, self.category.findData(top)))
        self.subcategory.setCurrentIndex(max(0, self.subcategory.findData(values.category_code)))
        self.title.setText(values.title)
        self._wanted_grid = values.grid_code
        self.village.setCurrentIndex(max(0, self.village.findData(values.region_code[:12])))
        self._village_changed()
        self.place.setText(values.place)
        self.description.setPlainText(values.description)
        self.reporter_name.setText(values.reporter_name)
        self.reporter_phone.setText(values.reporter_phone or "")
        self.reporter_person_id = values.reporter_person_id
        if values.reporter_person_id:
            self.reporter_phone.setEnabled(False)
            self.reporter_note.setText(self.tr("已关联户籍人员，电话取自户籍"))
        for row, (name, role) in enumerate(values.parties[: self.parties.rowCount()]):
            self.parties.setItem(row, 0, QTableWidgetItem(name))
            self.parties.setItem(row, 1, QTableWidgetItem(role))
        self.problem.setText(problem)

    def _lay_out(self) -> None:
        form = QFormLayout()
        form.addRow(self.tr("来源"), self.source)
        form.addRow(self.tr("诉求类型"), self.request_type)
        category_row = QHBoxLayout()
        category_row.addWidget(self.category)
        category_row.addWidget(self.subcategory, 1)
        form.addRow(self.tr("事件分类"), category_row)
        form.addRow(self.tr("标题"), self.title)
        form.addRow(self.tr("反映人"), self.reporter_box)
        place_row = QHBoxLayout()
        place_row.addWidget(self.village)
        place_row.addWidget(self.grid)
        place_row.addWidget(self.place, 1)
        form.addRow(self.tr("村（社区）/网格/地点"), place_row)
        form.addRow(self.tr("诉求内容"), self.description)
        form.addRow(self.tr("当事人"), self.parties)
        buttons = ok_cancel_buttons(self)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        self.problem = QLabel()
        self.problem.setStyleSheet("color: #c62828;")
        layout.addWidget(self.problem)
        layout.addWidget(buttons)

    def _build_reporter(self) -> None:
        self.reporter_search = QLineEdit()
        self.reporter_search.setPlaceholderText(self.tr("在户籍中查找：姓名、拼音首字母、证件或手机号尾号"))
        self.reporter_search.returnPressed.connect(self.find_reporter)
        find = QPushButton(self.tr("查找"))
        find.clicked.connect(self.find_reporter)
        self.reporter_hits = QListWidget()
        self.reporter_hits.setMaximumHeight(80)
        self.reporter_hits.currentRowChanged.connect(self.pick_reporter)
        self.reporter_name = QLineEdit()
        self.reporter_name.setPlaceholderText(self.tr("姓名（不在户籍中时直接填写）"))
        self.reporter_name.textEdited.connect(self._typed_reporter)
        self.reporter_phone = QLineEdit()
        self.reporter_phone.setPlaceholderText(self.tr("联系电话"))
        self.reporter_note = QLabel()
        self.reporter_note.setStyleSheet("color: #555;")
        search_row = QHBoxLayout()
        search_row.addWidget(self.reporter_search, 1)
        search_row.addWidget(find)
        typed_row = QHBoxLayout()
        typed_row.addWidget(self.reporter_name, 1)
        typed_row.addWidget(self.reporter_phone, 1)
        self.reporter_box = QWidget()
        box = QVBoxLayout(self.reporter_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.addLayout(search_row)
        box.addWidget(self.reporter_hits)
        box.addLayout(typed_row)
        box.addWidget(self.reporter_note)

    def _category_changed(self) -> None:
        self.subcategory.clear()
        for code, label in self._children.get(self.category.currentData(), ()):
            self.subcategory.addItem(label, code)

    def _village_changed(self) -> None:
        village = self.village.currentData()
        self.grid.clear()
        if not self._grid_required:  # a grid worker's case without their grid would leave their reach
            self.grid.addItem(self.tr("（不指定网格）"), None)
        if village:
            self._runner.run_db(lambda: self._desk.grids(village), self._show_grids)

    def _show_grids(self, grids, error) -> None:
        if error is not None:
            self._on_error(error)
            return
        for grid in grids:
            self.grid.addItem(grid.name, grid.code)
        if self._wanted_grid:
            self.grid.setCurrentIndex(max(0, self.grid.findData(self._wanted_grid)))

    def find_reporter(self) -> None:
        text = self.reporter_search.text().strip()
        if text:
            self._runner.run_db(lambda: self._desk.find_reporter(text), self._show_hits)

    def _show_hits(self, hits, error) -> None:
        if error is not None:
            self._on_error(error)
            return
        self.hits = hits
        self.reporter_hits.clear()
        for hit in hits:
            self.reporter_hits.addItem(on_one_line(hit.name, hit.id_masked, hit.phone_masked))
        if not hits:
            self.reporter_note.setText(self.tr("户籍中没有找到，请直接填写姓名和电话"))

    def pick_reporter(self, row: int) -> None:
        if not 0 <= row < len(self.hits):
            return
        hit = self.hits[row]
        self.reporter_person_id = hit.id
        self.reporter_name.setText(hit.name)
        self.reporter_phone.setText(hit.phone_masked)
        self.reporter_phone.setEnabled(False)  # the register's number is used; it stays masked here
        self.reporter_note.setText(self.tr("已关联户籍人员，电话取自户籍"))
        village = hit.region_code[:12]
        index = self.village.findData(village)
        if index >= 0:
            self.village.setCurrentIndex(index)

    def _typed_reporter(self) -> None:
        if self.reporter_person_id is not None:
            self.reporter_person_id = None
            self.reporter_phone.clear()
            self.reporter_phone.setEnabled(True)
            self.reporter_note.setText(self.tr("手工填写的反映人"))

    def missing(self) -> str:
        """What must still be filled in before the case can be registered ("" when nothing)."""
        if not self.title.text().strip():
            return self.tr("请填写标题")
        if not self.village.currentData():
            return self.tr("请选择村（社区）")
        return self.tr("请选择网格") if self._grid_required and not self.grid.currentData() else ""

    def accept(self) -> None:
        # Checked here so the dialog stays open with what was typed; the service checks again.
        self.problem.setText(self.missing())
        if not self.problem.text():
            super().accept()

    def values(self) -> NewCase:
        parties = tuple((self._cell(r, 0), self._cell(r, 1)) for r in range(self.parties.rowCount())
                        if self._cell(r, 0))
        return NewCase(
            source=self.source.currentData(), request_type=self.request_type.currentData(),
            category_code=self.subcategory.currentData() or self.category.currentData(), title=self.title.text(),
            region_code=self.village.currentData() or "", grid_code=self.grid.currentData(),
            place=self.place.text(), description=self.description.toPlainText(),
            reporter_name=self.reporter_name.text(),
            reporter_phone=None if self.reporter_person_id else (self.reporter_phone.text() or None),
            reporter_person_id=self.reporter_person_id, parties=parties)

    def _cell(self, row: int, column: int) -> str:
        item = self.parties.item(row, column)
        return item.text().strip() if item else ""


def _combo(options) -> QComboBox:
    combo = QComboBox()
    for code, label in options:
        combo.addItem(label, code)
    return combo


class CaseForms:
    """Opens the case dialogs; tests replace it with scripted answers."""

    def new_case(self, parent, desk, runner, on_error, choices, initial: NewCase | None = None,
                 problem: str = "") -> NewCase | None:
        """The case as typed, or None when cancelled; `initial` and `problem` reopen a refused one."""
        form = NewCaseForm(desk, runner, on_error, choices, parent, initial, problem)
        return form.values() if form.exec() == QDialog.DialogCode.Accepted else None

    def dispatch(self, parent, options) -> dict | None:
        """分派: where to (a village, grid or department) and to whom; None when cancelled."""
        from ui.casedesk.dispatch import ask_dispatch

        return ask_dispatch(parent, options)
