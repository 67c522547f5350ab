"""The three tabs of the household form: members (add, edit, move to another household, set as
head, audited reveal), tags with their dates, and visits. Each tab reaches the services through the
panel that owns it and asks the panel to reload the household after a change."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.client.browse import RegisterFilter
from app.errors import ValidationError
from ui.flow_layout import FlowLayout
from ui.register.lists import BADGE_COLOURS, badge_text
from ui.register.person_form import FIELDS_WITH_MESSAGES as PERSON_FORM_FIELDS


def _table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _fill(table: QTableWidget, rows: list[list[str]], keys: list[str]) -> None:
    table.setRowCount(len(rows))
    for r, (row, key) in enumerate(zip(rows, keys, strict=True)):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, key)
            table.setItem(r, c, item)


def _selected_key(table: QTableWidget) -> str | None:
    row = table.currentRow()
    item = table.item(row, 0) if row >= 0 else None
    return item.data(Qt.ItemDataRole.UserRole) if item else None


class _Tab(QWidget):
    def __init__(self, panel, headers: list[str]) -> None:
        super().__init__()
        self.panel = panel
        self.table = _table(headers)
        self.buttons = FlowLayout()  # wraps when a translation is wider than the panel
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.table, 1)
        layout.addLayout(self.buttons)

    def _button(self, text: str, slot) -> QPushButton:
        button = QPushButton(text)
        button.clicked.connect(lambda *_checked: slot())  # a click's `checked` is no argument of ours
        self.buttons.addWidget(button)
        return button

    def _run(self, job, on_success=None) -> None:
        def done(result, error) -> None:
            if error is not None:
                self.panel.report(error)
                return
            if on_success is not None:
                on_success(result)
            self.panel.reload()

        self.panel.runner.run_db(job, done)


class MembersTab(_Tab):
    def __init__(self, panel) -> None:
        super().__init__(panel, [self.tr("姓名"), self.tr("与户主关系"), self.tr("性别"), self.tr("出生日期"),
                                 self.tr("公民身份号码"), self.tr("联系电话"), self.tr("状态")])
        self.members: tuple = ()
        self.add_button = self._button(self.tr("添加成员"), self.add_member)
        self.edit_button = self._button(self.tr("编辑"), self.edit_member)
        self.move_button = self._button(self.tr("迁至他户"), self.move_member)
        self.head_button = self._button(self.tr("设为户主"), self.set_head)
        self.delete_button = self._button(self.tr("删除"), self.delete_member)
        self.reveal_button = self._button(self.tr("查看完整号码"), self.reveal)
        self.reveal_button.setVisible(panel.context.may_reveal)
        self.table.doubleClicked.connect(self.edit_member)

    def show_members(self, members, labels, focus_person: str | None = None) -> None:
        self.members = tuple(members)
        rows = [[m.name + (self.tr("（户主）") if m.is_head else ""), labels.code("relation_to_head", m.relation_to_head),
                 labels.code("gender", m.gender), m.birth_date.isoformat() if m.birth_date else "",
                 m.id_number_masked, m.phone_masked, _status_text(labels, m)] for m in self.members]
        _fill(self.table, rows, [m.id for m in self.members])
        for row, member in enumerate(self.members):
            if member.id == focus_person:
                self.table.selectRow(row)

    def show_states(self, states: dict[str, str]) -> None:
        """Each member's sync badge after the name (待上传 / 被退回 / 冲突待审), coloured."""
        for row, member in enumerate(self.members):
            item = self.table.item(row, 0)
            if item is None:
                continue
            state = states.get(member.id, "")
            name = member.name + (self.tr("（户主）") if member.is_head else "")
            item.setText(name + (" · " + badge_text(state) if state else ""))
            if state:
                item.setForeground(QColor(BADGE_COLOURS[state]))

    def selected(self):
        key = _selected_key(self.table)
        return next((m for m in self.members if m.id == key), None)

    def add_member(self, retry=None) -> None:
        detail = self.panel.detail
        if detail is None:  # a new household: saved first, then its first member
            self.panel.save_then(self.add_member)
            return
        values = self.panel.forms.person_input(self, self.panel.labels, self.panel.check_person, retry=retry,
                                               same_id=self.panel.same_id,
                                               head=not any(m.is_head for m in self.members))
        if values:
            fields = {k: v for k, v in values.items() if k != "name"}
            self._run_form(lambda: self.panel.context.persons.create(detail.household.id, values["name"], **fields),
                           values, self.add_member)

    def edit_member(self, *_args, retry=None) -> None:
        member = self.selected()
        if member is None:
            return
        values = self.panel.forms.person_input(self, self.panel.labels, self.panel.check_person, member, retry,
                                               same_id=self.panel.same_id)
        if values:
            self._run_form(lambda: self.panel.context.persons.edit(member.id, **values), values,
                           lambda retry: self.edit_member(retry=retry))

    def _run_form(self, job, values: dict, reopen) -> None:
        """Run a person form's save; a field the service refuses reopens the form at that field."""
        def done(_result, error) -> None:
            if isinstance(error, ValidationError) and error.field in PERSON_FORM_FIELDS:
                reopen((values, error.field, error.message(self.panel.language)))
                return
            if error is not None:
                self.panel.report(error)
                return
            self.panel.reload()

        self.panel.runner.run_db(job, done)

    def move_member(self) -> None:
        member = self.selected()
        if member is None:
            return
        dialogs = self.panel.dialogs
        text = dialogs.ask_text(self, self.tr("迁至他户"), self.tr("目标户的户编号或户主姓名："))
        if not text:
            return
        flt = RegisterFilter(text=text.strip())
        self.panel.runner.run_db(lambda: self.panel.context.register.households_page(flt, 0, 30),
                                  lambda rows, error: self._move_to_chosen(member, rows, error))

    def _move_to_chosen(self, member, rows, error) -> None:
        if error is not None:
            self.panel.report(error)
            return
        rows = [r for r in rows or [] if r.id != member.household_id]
        dialogs = self.panel.dialogs
        if not rows:
            dialogs.info(self, self.tr("迁至他户"), self.tr("没有找到符合条件的户。"))
            return
        options = [f"{r.household_no}  {r.head_name}  {r.address}" for r in rows]
        index = dialogs.choose(self, self.tr("迁至他户"), self.tr("将 %1 迁至：").replace("%1", member.name), options)
        if index is not None:
            target = rows[index].id
            self._run(lambda: self.panel.context.persons.move(member.id, target))

    def set_head(self) -> None:
        member = self.selected()
        if member is not None and not member.is_head:
            self._run(lambda: self.panel.context.persons.set_head(member.id))

    def delete_member(self) -> None:
        """A wrong entry or a duplicate typed by mistake: the record becomes a tombstone (it syncs and
        can be restored); people who moved away or died keep their record with a status instead."""
        member = self.selected()
        if member is None:
            return
        question = self.tr("确定删除“%1”？仅用于录入错误；迁出、死亡请修改人员状态。").replace("%1", member.name)
        if self.panel.dialogs.confirm(self, self.tr("删除人员"), question):
            self._run(lambda: self.panel.context.persons.delete(member.id))

    def reveal(self) -> None:
        member = self.selected()
        if member is None:
            return
        dialogs = self.panel.dialogs
        reason = dialogs.ask_text(self, self.tr("查看完整号码"),
                                  self.tr("请填写查看原因（将记入审计日志）："))
        if reason is None or not reason.strip():
            return

        def shown(contact, error) -> None:
            if error is not None:
                self.panel.report(error)
                return
            text = self.tr("姓名：%1\n证件号码：%2\n联系电话：%3").replace("%1", member.name) \
                .replace("%2", contact.id_number or "—").replace("%3", contact.phone or "—")
            dialogs.info(self, self.tr("完整号码（已记录审计）"), text)

        self.panel.runner.run_db(lambda: self.panel.context.persons.reveal(member.id, reason), shown)


class TagsTab(_Tab):
    def __init__(self, panel) -> None:
        super().__init__(panel, [self.tr("标签"), self.tr("对象"), self.tr("开始日期"), self.tr("结束日期"),
                                 self.tr("状态")])
        self.tags: tuple = ()
        self._button(self.tr("给户添加标签"), lambda: self.add_tag("household"))
        self._button(self.tr("给所选成员添加标签"), lambda: self.add_tag("person"))
        self._button(self.tr("移除标签"), self.remove_tag)

    def show_tags(self, tags) -> None:
        self.tags = tuple(tags)
        names = {m.id: m.name for m in self.panel.members.members}
        rows = [[t.label, self.tr("本户") if t.subject_type == "household" else names.get(t.subject_id, ""),
                 t.start_on.isoformat() if t.start_on else "", t.end_on.isoformat() if t.end_on else "",
                 self.tr("有效") if t.active else self.tr("已过期")] for t in self.tags]
        _fill(self.table, rows, [t.id for t in self.tags])

    def add_tag(self, subject_type: str) -> None:
        detail = self.panel.detail
        if detail is None:
            self.panel.save_then(lambda: self.add_tag(subject_type))
            return
        if subject_type == "household":
            subject_id = detail.household.id
        else:
            member = self.panel.members.selected()
            if member is None:
                self.panel.dialogs.info(self, self.tr("添加标签"), self.tr("请先在“成员”页选择一位成员。"))
                return
            subject_id = member.id
        options = [(code, label) for code, label in self.panel.labels.options("tag")]
        chosen = self.panel.forms.tag_input(self, options, self.panel.today())
        if chosen:
            code, start, end = chosen
            self._run(lambda: self.panel.context.tags.tag(subject_type, subject_id, code, start, end))

    def remove_tag(self) -> None:
        key = _selected_key(self.table)
        tag = next((t for t in self.tags if t.id == key), None)
        if tag is None:
            return
        if self.panel.dialogs.confirm(self, self.tr("移除标签"), self.tr("确定移除标签“%1”？").replace("%1", tag.label)):
            self._run(lambda: self.panel.context.tags.untag(tag.subject_type, tag.subject_id, tag.tag_code))


class VisitsTab(_Tab):
    def __init__(self, panel) -> None:
        super().__init__(panel, [self.tr("走访日期"), self.tr("方式"), self.tr("走访人"), self.tr("走访情况"),
                                 self.tr("后续跟进")])
        self.add_button = self._button(self.tr("添加走访记录"), self.add_visit)

    def show_visits(self, visits, labels) -> None:
        rows = [[v.visited_on.isoformat(), labels.code("visit_kind", v.kind), v.visitor, v.findings, v.follow_up]
                for v in visits]
        _fill(self.table, rows, [v.id for v in visits])

    def add_visit(self) -> None:
        detail = self.panel.detail
        if detail is None:
            self.panel.save_then(self.add_visit)
            return
        values = self.panel.forms.visit_input(self, self.panel.labels.options("visit_kind"), self.panel.today())
        if values:
            self._run(lambda: self.panel.context.households.add_visit(detail.household.id, **values))


def _status_text(labels, member) -> str:
    """人员状态 with its event: "迁出 2026-12-01 → 赤峰市红山区", "死亡 2026-03-02"."""
    text = labels.code("person_status", member.status)
    when = {"3": getattr(member, "moved_out_on", None), "4": getattr(member, "died_on", None)}.get(member.status)
    if when:
        text += f" {when.isoformat()}"
    if member.status == "3" and getattr(member, "moved_out_to", ""):
        text += f" → {member.moved_out_to}"
    return text
