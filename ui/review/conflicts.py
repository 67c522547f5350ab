"""冲突与重复: the server's review items for this user's area — concurrent edits of one field, a
delete racing an edit, branching status changes, and duplicate ID numbers. Each row shows the value
that took effect and the other one, with who wrote each and when; the reviewer keeps the current
value, takes the other, or types a new one.

Data contract (the review source, built on the sync transport): `open_items()` returns objects with
the server's review item fields (`id, kind, entity, record_id, field, winner_value, winner_user,
winner_hlc, loser_value, loser_user, loser_hlc, created_at`), and `resolve(item_id, choice, value)`
with `choice` one of "keep", "take_other", "edit" records the decision as an ordinary change."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.services.context import BEIJING
from ui.punctuation import aside, clauses
from ui.review.merge import ask_survivor
from ui.review.renumber import ask_renumber

translate = QCoreApplication.translate


def kind_label(kind: str) -> str:
    return {
        "conflict": translate("ConflictsTab", "同时修改"),
        "delete_conflict": translate("ConflictsTab", "删除与修改冲突"),
        "status_conflict": translate("ConflictsTab", "状态分歧"),
        "duplicate_id": translate("ConflictsTab", "证件号码重复"),
        "duplicate_hh_no": translate("ConflictsTab", "户编号重复"),
    }.get(kind, kind)


def entity_label(entity: str) -> str:
    return {
        "household": translate("ReviewPage", "户"), "person": translate("ReviewPage", "人员"),
        "tag_assignment": translate("ReviewPage", "标签"), "visit": translate("ReviewPage", "走访记录"),
        "task": translate("ReviewPage", "任务"), "task_target": translate("ReviewPage", "任务进度"),
        "task_link": translate("ReviewPage", "任务关联户"), "task_feedback": translate("ReviewPage", "任务反馈"),
        "case": translate("ReviewPage", "事件"), "case_log": translate("ReviewPage", "事件处置记录"),
        "case_party": translate("ReviewPage", "事件当事人"), "case_whistle": translate("ReviewPage", "吹哨报到"),
        "audit_entry": translate("ReviewPage", "审计记录"), "code_entry": translate("ReviewPage", "代码表"),
    }.get(entity, entity)


def field_label(field: str | None) -> str:
    if not field:
        return ""
    return {
        "address": translate("ConflictsTab", "住址"), "phone": translate("ConflictsTab", "联系电话"),
        "name": translate("ConflictsTab", "姓名"), "id_number": translate("ConflictsTab", "证件号码"),
        "household_no": translate("ConflictsTab", "户编号"), "grid_code": translate("ConflictsTab", "网格"),
        "relation_to_head": translate("ConflictsTab", "与户主关系"), "status": translate("ConflictsTab", "状态"),
        "current_address": translate("ConflictsTab", "现住址"), "notes": translate("ConflictsTab", "备注"),
        "deleted": translate("ConflictsTab", "删除"), "title": translate("ConflictsTab", "标题"),
        "household_id": translate("ConflictsTab", "所属户"), "head_person_id": translate("ConflictsTab", "户主"),
    }.get(field, field)


def hlc_time(hlc: str | None) -> str:
    """The wall-clock part of a hybrid logical clock stamp (`{ms:013d}-…`), in Beijing time as every
    time the desktop shows (the PC's own zone may be anything)."""
    try:
        ms = int((hlc or "").split("-")[0])
    except ValueError:
        return ""
    return dt.datetime.fromtimestamp(ms / 1000, BEIJING).strftime("%m-%d %H:%M")


def _value(value) -> str:
    if value is None:
        return translate("ConflictsTab", "（空）")
    return str(value)


def short_id(record_id: str) -> str:
    """A record id shortened to its last 8 characters: a UUIDv7 begins with its creation time, so two
    records made the same minute share their first ones."""
    return record_id[-8:]


def _record(item) -> str:
    """The record as the reviewer knows it — a household's number, a person's name — where this PC
    holds it, else the tail of its id."""
    return f"{entity_label(item.entity)} {getattr(item, 'record_label', '') or short_id(item.record_id)}"


def _other(item) -> str:
    """The other value's cell: its author and time, or — for a duplicate, where the other value is
    the one another record already held — that record."""
    if item.loser_user is None and item.related_record_id:
        held = translate("ConflictsTab", "%1 %2 已在用").replace("%1", entity_label(item.entity)) \
            .replace("%2", short_id(item.related_record_id))
        return _value(item.loser_value) + aside(held)
    return _value(item.loser_value) + aside(clauses((item.loser_user or "?", hlc_time(item.loser_hlc))))


class ConflictsTab(QWidget):
    def __init__(self, source, runner, dialogs, on_error, ask_survivor=ask_survivor,
                 ask_renumber=ask_renumber) -> None:
        super().__init__()
        self._source = source
        self._ask_survivor = ask_survivor
        self._ask_renumber = ask_renumber
        self._runner = runner
        self._dialogs = dialogs
        self._on_error = on_error
        self.items: list = []
        self._notice = ""  # what the last decision did, shown once above the refreshed list
        self._general = ""  # the list's message, shown again when a row without a hint of its own is selected
        self.table = QTableWidget(0, 6)
        self.table.setHorizontalHeaderLabels([self.tr("类型"), self.tr("记录"), self.tr("字段"),
                                              self.tr("当前值（作者，时间）"), self.tr("另一值（作者，时间）"),
                                              self.tr("发现时间")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()  # the two values get the width: an 18-digit number must show whole
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)  # alone on the page too
        self.keep_button = QPushButton(self.tr("保留当前值"))
        self.take_button = QPushButton(self.tr("采用另一值"))
        self.edit_button = QPushButton(self.tr("改为新值…"))
        self.merge_button = QPushButton(self.tr("合并重复人员…"))
        self.distinct_button = QPushButton(self.tr("不是同一人"))
        self.renumber_button = QPushButton(self.tr("重新编号…"))
        self.keep_button.clicked.connect(lambda: self.resolve("keep"))
        self.take_button.clicked.connect(lambda: self.resolve("take_other"))
        self.edit_button.clicked.connect(lambda: self.resolve("edit"))
        self.merge_button.clicked.connect(self.merge)
        self.distinct_button.clicked.connect(lambda: self.resolve("not_duplicate"))
        self.renumber_button.clicked.connect(self.renumber)
        self.table.itemSelectionChanged.connect(self._enable_buttons)
        buttons = QHBoxLayout()
        for button in (self.keep_button, self.take_button, self.edit_button, self.merge_button,
                       self.distinct_button, self.renumber_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self._show([], None)

    def refresh(self) -> None:
        if self._source is not None and getattr(self._source, "may_review", True):
            self._runner.run_network(self._source.open_items, self._show)

    def _show(self, items, error) -> None:
        if error is not None:
            self._on_error(error)
            items = []
        self.items = list(items or [])
        self.table.setRowCount(len(self.items))
        for r, item in enumerate(self.items):
            cells = [kind_label(item.kind), _record(item), field_label(item.field),
                     _value(item.winner_value) + aside(clauses((item.winner_user or "?", hlc_time(item.winner_hlc)))),
                     _other(item),
                     item.created_at.strftime("%m-%d %H:%M") if item.created_at else ""]
            for c, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                cell.setToolTip(text)
                self.table.setItem(r, c, cell)
        if self._source is None:
            self.message.setText(self.tr("登录城市服务器并同步后，这里会列出您负责区域内需要审核的冲突和重复人员。"))
        elif not getattr(self._source, "may_review", True):
            # a village cadre or grid worker: the city lists review items to the township only
            self.message.setText(self.tr("冲突和重复人员由乡镇（街道）审核。您负责的记录有冲突时，在户籍人口列表和表单中标为“冲突待审”；"
                                         "服务器退回的您的修改见“被退回的修改”。"))
            for widget in (self.table, self.keep_button, self.take_button, self.edit_button, self.merge_button,
                           self.distinct_button, self.renumber_button):
                widget.setVisible(False)
        elif not self.items:
            self.message.setText(self.tr("没有待审核的冲突。"))
        else:
            self.message.setText(self.tr("请逐条审核：保留当前值、采用另一值，或改为新值。您的决定会像普通修改一样同步。"))
        self._general = self.message.text()
        self._enable_buttons()
        if self._notice:
            self.message.setText(self._notice + " " + self.message.text())
            self._notice = ""

    def _selected(self):
        row = self.table.currentRow()
        return self.items[row] if 0 <= row < len(self.items) else None

    def _enable_buttons(self) -> None:
        item = self._selected()
        kind = item.kind if item is not None else None
        for button in (self.keep_button, self.take_button, self.edit_button):
            button.setEnabled(item is not None and kind not in ("duplicate_id", "duplicate_hh_no"))
        for button in (self.merge_button, self.distinct_button):
            button.setEnabled(kind == "duplicate_id")
        self.renumber_button.setEnabled(kind == "duplicate_hh_no")
        hint = self._hints().get(kind)
        if hint:  # what the buttons do for the kind selected: a duplicate is not settled by keeping a value
            self.message.setText(hint)
        elif item is not None:
            self.message.setText(self._general)

    def _hints(self) -> dict[str, str]:
        return {"duplicate_hh_no": self.tr("两户使用了同一个户编号：点“重新编号…”，比较两户后为其中一户换上本村下一个空闲编号，"
                                           "另一户保留原编号。"),
                "duplicate_id": self.tr("两条人员记录的证件号码相同：是同一人请点“合并重复人员…”，不是请点“不是同一人”。")}

    def merge(self) -> None:
        item = self._selected()
        if item is None or item.kind != "duplicate_id":
            return
        self._runner.run_db(lambda: self._source.duplicates(item.id),
                            lambda sides, error: self._merge_chosen(item, sides, error))

    def _merge_chosen(self, item, sides, error) -> None:
        if error is not None:
            self._on_error(error)
            return
        survivor = self._ask_survivor(self, *sides)
        if survivor is not None:
            self._runner.run_network(lambda: self._source.merge(item.id, survivor),
                                     lambda _r, err: self._on_error(err) if err else self.refresh())

    def renumber(self) -> None:
        """户编号重复: the reviewer picks one of the two households; it takes the village's next free number."""
        item = self._selected()
        if item is None or item.kind != "duplicate_hh_no":
            return
        self._runner.run_db(lambda: self._source.households(item.id),
                            lambda sides, error: self._renumber_chosen(item, sides, error))

    def _renumber_chosen(self, item, sides, error) -> None:
        if error is not None:
            self._on_error(error)
            return
        household_id = self._ask_renumber(self, *sides)
        if household_id is not None:
            self._runner.run_network(lambda: self._source.renumber(item.id, household_id), self._renumbered)

    def _renumbered(self, number, error) -> None:
        if error is not None:
            self._on_error(error)
            return
        self._notice = self.tr("已改为新户编号 %1，将随下次同步上传。").replace("%1", number)
        self.refresh()

    def resolve(self, choice: str) -> None:
        item = self._selected()
        if item is None:
            return
        value = None
        if choice == "edit":
            value = self._dialogs.ask_text(self, self.tr("改为新值"), self.tr("新值："), _value(item.winner_value))
            if value is None:
                return
        elif not self._dialogs.confirm(self, self.tr("确认审核决定"), self._consequence(item, choice)):
            return  # a decision closes the item for everyone: said before, never on a slipped click
        self._runner.run_network(lambda: self._source.resolve(item.id, choice, value),
                                 lambda _r, error: self._resolved(choice, error))

    def _consequence(self, item, choice: str) -> str:
        """What a decision does, in the words of the item, for the confirmation."""
        field, current, other = field_label(item.field), _value(item.winner_value), _value(item.loser_value)
        if choice == "keep":
            text = self.tr("%1保留“%2”，不采用“%3”。").replace("%1", field).replace("%2", current).replace("%3", other)
        elif choice == "take_other":
            text = self.tr("%1由“%2”改为“%3”，随下次同步上传。").replace("%1", field).replace("%2", current) \
                .replace("%3", other)
        else:
            text = self.tr("两条记录都保留，今后不再作为重复提示。")
        return text + self.tr("该待审项将关闭，所有电脑都不再显示；如需再改，请在记录中直接修改。")

    def _resolved(self, choice: str, error) -> None:
        if error is not None:
            self._on_error(error)
            return
        self._notice = {"keep": self.tr("已保留当前值。"), "take_other": self.tr("已采用另一值，将随下次同步上传。"),
                        "edit": self.tr("已改为新值，将随下次同步上传。"),
                        "not_duplicate": self.tr("已标记为不是同一人。")}.get(choice, "")
        self.refresh()
