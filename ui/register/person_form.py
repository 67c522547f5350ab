"""The person form (add or edit a household member). Each field is checked as the user types with
the same rules the services apply, and the message appears right under the field. ID numbers and
phones of an existing person are never shown in full here: the masked value is the placeholder,
and an empty box means "unchanged". Life events sit under the status: 迁入 (date, from where) at
any time, 迁出 (date, to where) when the status is 迁出, 死亡 (date) when it is 死亡; an empty date
box shows blank."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.errors import ValidationError
from app.rules.idnumber import parse_resident_id
from ui.dialogs import ok_cancel_buttons
from ui.register.lists import Labels

Checker = Callable[[str, object, str], str]  # (field, value, id_type) -> message or ""
_COMBOS = (("gender", "性别"), ("ethnicity", "民族"), ("relation_to_head", "与户主关系"),
           ("residence_type", "人员类别"), ("status", "人员状态"), ("political_status", "政治面貌"),
           ("marital_status", "婚姻状况"), ("education", "文化程度"))
_CODE_TABLES = {"status": "person_status"}
FIELDS_WITH_MESSAGES = ("name", "id_number", "phone", "current_address", "moved_in_on", "moved_in_from",
                        "moved_out_on", "moved_out_to", "died_on")  # shown under their field
_EVENT_DATES = ("moved_in_on", "moved_out_on", "died_on")
_NO_DATE = QDate(1900, 1, 1)  # an event date box at this value is empty (shown blank)
MOVED_OUT, DECEASED = "3", "4"


class PersonForm(QDialog):
    def __init__(self, labels: Labels, check: Checker, person=None, parent: QWidget | None = None,
                 same_id=None) -> None:
        super().__init__(parent)
        # same_id(number, exclude_id, on_result): looks up persons already registered with the number
        # (on the task runner); a duplicate is allowed, so it is a warning, never a blocked OK button.
        self._same_id = same_id
        self.setWindowTitle(self.tr("编辑人员") if person else self.tr("添加人员"))
        self.setMinimumWidth(460)
        self._check = check
        self._person = person
        self.errors: dict[str, QLabel] = {}
        self.name = QLineEdit(person.name if person else "")
        self.id_type = QComboBox()
        for code, label in labels.options("id_type") or [("01", self.tr("居民身份证"))]:
            self.id_type.addItem(label, code)
        self.id_number = QLineEdit()
        self.phone = QLineEdit()
        self.birth_date = QDateEdit()
        self.birth_date.setCalendarPopup(True)
        self.birth_date.setDisplayFormat("yyyy-MM-dd")
        self.current_address = QLineEdit(person.current_address if person else "")
        self.combos = {field: self._combo(labels, field) for field, _ in _COMBOS}
        self.dates = {field: self._event_date() for field in _EVENT_DATES}
        self.moved_in_from = QLineEdit(person.moved_in_from if person else "")
        self.moved_out_to = QLineEdit(person.moved_out_to if person else "")
        self.moved_out_to.setPlaceholderText(self.tr("迁往的省市县（区）或详细地址"))
        self._fill_existing(person)
        self._build()
        self.combos["status"].currentIndexChanged.connect(self._status_changed)
        for field, edit in (("moved_in_from", self.moved_in_from), ("moved_out_to", self.moved_out_to)):
            edit.textChanged.connect(lambda _v, field=field: self._clear_error(field))
        for field, box in self.dates.items():
            box.dateChanged.connect(lambda _d, field=field: self._clear_error(field))
        self._status_changed()
        self.name.textChanged.connect(lambda v: self._show("name", v))
        self.id_number.textChanged.connect(self._id_changed)
        self.id_type.currentIndexChanged.connect(lambda _i: self._id_changed(self.id_number.text()))
        self.phone.textChanged.connect(lambda v: self._show("phone", v or None))
        self.current_address.textChanged.connect(lambda v: self._show("current_address", v))
        self._id_changed("")

    def _combo(self, labels: Labels, field: str) -> QComboBox:
        box = QComboBox()
        box.addItem(self.tr("（未填）"), None)
        for code, label in labels.options(_CODE_TABLES.get(field, field)):
            box.addItem(label, code)
        return box

    def _event_date(self) -> QDateEdit:
        box = QDateEdit()
        box.setCalendarPopup(True)
        box.setDisplayFormat("yyyy-MM-dd")
        box.setMinimumDate(_NO_DATE)
        box.setSpecialValueText(" ")
        box.setDate(_NO_DATE)
        return box

    def _status_changed(self, *_args) -> None:
        status = self.combos["status"].currentData()
        for widget in (self.dates["moved_out_on"], self.moved_out_to):
            widget.setEnabled(status == MOVED_OUT)
        self.dates["died_on"].setEnabled(status == DECEASED)
        for field, box in self.dates.items():
            if box.isEnabled() and box.date() == _NO_DATE and field != "moved_in_on":
                box.setDate(QDate.currentDate())  # the usual case: it happened today

    def _clear_error(self, field: str) -> None:
        if field in self.errors and self.errors[field].text():
            self.errors[field].setText("")
            self.errors[field].setVisible(False)
            self._update_ok()

    def _fill_existing(self, person) -> None:
        if person is None:
            self.birth_date.setDate(QDate(1980, 1, 1))
            return
        for field, box in self.dates.items():
            if getattr(person, field, None):
                box.setDate(QDate(getattr(person, field)))
        self.id_type.setCurrentIndex(max(self.id_type.findData(person.id_type), 0))
        keep = self.tr("（不修改请留空）")
        if person.id_number_masked:
            self.id_number.setPlaceholderText(person.id_number_masked + keep)
        if person.phone_masked:
            self.phone.setPlaceholderText(person.phone_masked + keep)
        if person.birth_date:
            self.birth_date.setDate(QDate(person.birth_date))
        for field, box in self.combos.items():
            box.setCurrentIndex(max(box.findData(getattr(person, field)), 0))

    def _build(self) -> None:
        form = QFormLayout()
        rows = [(self.tr("姓名"), self.name, "name"), (self.tr("证件类型"), self.id_type, None),
                (self.tr("证件号码"), self.id_number, "id_number"), (self.tr("联系电话"), self.phone, "phone"),
                (self.tr("出生日期"), self.birth_date, None), (self.tr("现住址"), self.current_address,
                                                               "current_address")]
        for label, widget, field in rows:
            form.addRow(label, self._with_error(widget, field))
        for (field, _label), title in zip(_COMBOS, self._combo_titles(), strict=True):
            form.addRow(title, self.combos[field])
            if field == "status":
                self._event_rows(form)
        self.buttons = ok_cancel_buttons(self)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)

    def _event_rows(self, form: QFormLayout) -> None:
        """Date and place of one event on one line, so the form fits a 768-pixel-high screen."""
        for title, date_field, place_title, place, place_field in (
                (self.tr("迁入日期"), "moved_in_on", self.tr("迁入自"), self.moved_in_from, "moved_in_from"),
                (self.tr("迁出日期"), "moved_out_on", self.tr("迁往"), self.moved_out_to, "moved_out_to")):
            line = QWidget()
            row = QHBoxLayout(line)
            row.setContentsMargins(0, 0, 0, 0)
            row.addWidget(self._with_error(self.dates[date_field], date_field), 2)
            row.addWidget(QLabel(place_title))
            row.addWidget(self._with_error(place, place_field), 3)
            form.addRow(title, line)
        form.addRow(self.tr("死亡日期"), self._with_error(self.dates["died_on"], "died_on"))

    def _combo_titles(self) -> list[str]:
        return [self.tr("性别"), self.tr("民族"), self.tr("与户主关系"), self.tr("人员类别"), self.tr("人员状态"),
                self.tr("政治面貌"), self.tr("婚姻状况"), self.tr("文化程度")]

    def _with_error(self, widget: QWidget, field: str | None) -> QWidget:
        if field is None:
            return widget
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(1)
        column.addWidget(widget)
        error = QLabel()
        error.setObjectName(f"error_{field}")
        error.setStyleSheet("color: #c62828;")
        error.setWordWrap(True)
        error.setVisible(False)
        # A message of two lines must push the next field down, not run over it (the label's
        # height follows its width only when the layout asks it: heightForWidth).
        error.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.MinimumExpanding)
        column.addWidget(error)
        self.errors[field] = error
        if field == "id_number":
            self.same_id_warning = QLabel()
            self.same_id_warning.setObjectName("warning_same_id")
            self.same_id_warning.setStyleSheet("color: #e65100;")
            self.same_id_warning.setWordWrap(True)
            self.same_id_warning.setVisible(False)
            column.addWidget(self.same_id_warning)
        return box

    def _id_changed(self, text: str) -> None:
        self._show("id_number", text.strip())
        self._warn_same_id(text.strip())
        # A resident ID decides gender and birth date; the boxes follow it and stay read-only.
        has_number = bool(text.strip()) or bool(self._person and self._person.id_number_masked)
        derived = self.id_type.currentData() == "01" and has_number
        self.combos["gender"].setEnabled(not derived)
        self.birth_date.setEnabled(not derived)
        if derived and text.strip() and not self.errors["id_number"].text():
            self._show_derived(text.strip())

    def _show_derived(self, number: str) -> None:
        """The read-only boxes show what the number gives (the service derives the same on save)."""
        try:
            resident = parse_resident_id(number)
        except ValidationError:
            return
        self.birth_date.setDate(QDate(resident.birth_date))
        gender = self.combos["gender"]
        gender.setCurrentIndex(max(gender.findData(resident.gender), 0))

    def _warn_same_id(self, number: str) -> None:
        self.same_id_warning.setVisible(False)
        if self._same_id is None or not number or self.errors["id_number"].text() or len(number) < 15:
            return
        exclude = self._person.id if self._person else None
        self._same_id(number, exclude, lambda found: self._show_same_id(number, found))

    def _show_same_id(self, number: str, found) -> None:
        if number != self.id_number.text().strip() or not found:
            return  # the user has typed on, or nobody has this number
        names = "、".join(p.name for p in found[:3])
        self.same_id_warning.setText(self.tr("注意：该证件号码已登记给 %1。仍可保存，将提交审核合并。").replace("%1", names))
        self.same_id_warning.setVisible(True)

    def _show(self, field: str, value) -> None:
        message = self._check(field, value, self.id_type.currentData() or "01")
        self.errors[field].setText(message)
        self.errors[field].setVisible(bool(message))
        self._grow()
        self._update_ok()

    def _grow(self) -> None:
        """Make room for a message that appeared: the dialog grows instead of squeezing rows."""
        layout = self.layout()
        if layout is not None:
            layout.activate()
            self.resize(self.width(), max(self.height(), layout.totalHeightForWidth(self.width())
                                          if layout.hasHeightForWidth() else self.sizeHint().height()))

    def _update_ok(self) -> None:
        has_error = any(label.text() for label in self.errors.values())
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(not has_error and bool(self.name.text().strip()))

    def show_error(self, field: str, message: str) -> bool:
        """Show a service's validation message next to its field; False if the form has no such field."""
        label = self.errors.get(field)
        if label is None:
            return False
        label.setText(message)
        label.setVisible(True)
        self._grow()
        self._update_ok()
        return True

    def restore(self, values: dict, field: str, message: str) -> None:
        """Fill the form again with what the user typed and show the service's message next to the
        field it concerns (the form was closed while the service checked it)."""
        for name, edit in (("name", self.name), ("id_number", self.id_number), ("phone", self.phone),
                           ("current_address", self.current_address)):
            if name in values:
                edit.setText(values[name] or "")
        if "id_type" in values:
            self.id_type.setCurrentIndex(max(self.id_type.findData(values["id_type"]), 0))
        for name, box in self.combos.items():
            if name in values:
                box.setCurrentIndex(max(box.findData(values[name]), 0))
        if values.get("birth_date"):
            self.birth_date.setDate(QDate(values["birth_date"]))
        for name, box in self.dates.items():
            if values.get(name):
                box.setDate(QDate(values[name]))
        for name, edit in (("moved_in_from", self.moved_in_from), ("moved_out_to", self.moved_out_to)):
            if name in values:
                edit.setText(values[name] or "")
        self.show_error(field, message)

    def values(self) -> dict:
        """The fields to send: everything for a new person, only what changed for an existing one."""
        values: dict = {"name": self.name.text().strip(), "id_type": self.id_type.currentData(),
                        "current_address": self.current_address.text().strip()}
        if self.id_number.text().strip():
            values["id_number"] = self.id_number.text().strip()
        if self.phone.text().strip():
            values["phone"] = self.phone.text().strip()
        for field, box in self.combos.items():
            values[field] = box.currentData()
        if self.birth_date.isEnabled():
            values["birth_date"] = self.birth_date.date().toPython()
        for field, box in self.dates.items():
            values[field] = box.date().toPython() if box.isEnabled() and box.date() != _NO_DATE else None
        values["moved_in_from"] = self.moved_in_from.text().strip()
        values["moved_out_to"] = self.moved_out_to.text().strip() if self.moved_out_to.isEnabled() else ""
        if self._person is None:
            return values
        return {k: v for k, v in values.items() if getattr(self._person, k, None) != v}
