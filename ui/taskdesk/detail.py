"""One task target opened in the inbox: what the department asked (department, kind, deadline,
description, requested fields), the buttons for the moves legal now (accept, complete, return; a
department's reissue and reopen), hand-on to a village, the linked households with their handled
flags (progress counted in households), the feedback entries with a box to report back, and the
一表通 tab for data-verification tasks."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.rules import task_rules as tr
from app.rules.regions import VILLAGE, region_level
from ui.attachments import AttachmentStrip
from ui.detail_layout import stack_detail, stale_hint
from ui.history_tab import HistoryTab
from ui.oneform.answers import AnswersPanel
from ui.oneform.panel import OneFormPanel
from ui.punctuation import aside, fact, listing, on_one_line
from ui.register.lists import BADGE_COLOURS, badge_text
from ui.taskdesk.labels import action_text, field_text, kind_text, status_text


class TaskDetailPanel(QWidget):
    changed = Signal()  # the target moved: the inbox should reload

    def __init__(self, desk, one_form, runner, dialogs, on_error, parent: QWidget | None = None, printer=None,
                 reports=None, language: str = "zh_CN", history=None) -> None:
        super().__init__(parent)
        self._desk, self._runner, self._dialogs, self._on_error = desk, runner, dialogs, on_error
        # ui.printing.Printer, and a callable giving the ReportService (reportlab loads at the first print)
        self._printer, self._reports = printer, reports
        self.card = None
        self.title = QLabel(self.tr("请在左侧选择一项任务"))
        self.title.setWordWrap(True)
        self.title.setStyleSheet("font-size: 15px; font-weight: bold;")
        self.print_button = QPushButton(self.tr("打印任务清单/反馈单…"))
        self.print_button.clicked.connect(self.print_sheet)
        self.print_button.setVisible(printer is not None and reports is not None)
        self.meta = QLabel()
        self.meta.setWordWrap(True)
        self.meta.setTextFormat(Qt.TextFormat.RichText)
        self.actions_row = QHBoxLayout()
        self.action_buttons: dict[str, QPushButton] = {}
        self.assign_button = QPushButton(self.tr("指派到村…"))
        self.assign_button.clicked.connect(self.assign)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._build_households(), self.tr("关联户"))
        self.tabs.addTab(self._build_feedback(), self.tr("反馈"))
        self.one_form = OneFormPanel(one_form, runner, dialogs, on_error, language=language)
        self.one_form.changed.connect(self._reload_after_form)
        self.tabs.addTab(self.one_form, self.tr("一表通"))
        self.description = QPlainTextEdit()
        self.description.setReadOnly(True)
        self.tabs.addTab(self.description, self.tr("任务说明"))
        self.answers = AnswersPanel(desk, runner, on_error)
        self.tabs.addTab(self.answers, self.tr("收到的数据"))  # a department's view of 一表通 answers
        context = getattr(desk, "context", None)
        self.attachments = None
        if context is not None:  # 附件: the village's feedback photos and the signed task sheet
            self.attachments = AttachmentStrip(lambda: context.attachments, runner, dialogs, on_error,
                                               scans=lambda: context.scans)
            self.tabs.addTab(self.attachments, self.tr("附件（下发与反馈）"))  # the department's files too
        self.history = None
        if history is not None:  # 历史: the target's changes and its task's (app.client.history)
            self.history = HistoryTab(history, runner, on_error, printer, reports, "task_target")
            self.tabs.addTab(self.history, self.tr("历史"))
        self.stale = stale_hint()
        stack_detail(self, self.title, self.print_button, self.meta, self.actions_row, self.tabs, self.stale)
        self.setEnabled(False)

    def _build_households(self) -> QWidget:
        self.households = QTableWidget(0, 4)
        self.households.setHorizontalHeaderLabels([self.tr("户编号"), self.tr("户主"), self.tr("住址"), self.tr("已处理")])
        self.households.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.households.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.households.verticalHeader().setVisible(False)
        self.households.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.households.itemChanged.connect(self._handled_toggled)
        self.link_search = QLineEdit()
        self.link_search.setPlaceholderText(self.tr("户编号、户内人员姓名或拼音首字母"))
        self.link_search.returnPressed.connect(self.link)
        self.link_button = QPushButton(self.tr("关联户"))
        self.link_button.clicked.connect(self.link)
        self.unlink_button = QPushButton(self.tr("取消关联"))
        self.unlink_button.clicked.connect(self.unlink)
        self.link_person_button = QPushButton(self.tr("关联人员"))
        self.link_person_button.setToolTip(self.tr("任务针对户内某一人时：按姓名、拼音首字母或证件尾号找到此人并关联"))
        self.link_person_button.clicked.connect(self.link_person)
        row = QHBoxLayout()
        row.addWidget(self.link_search, 1)
        row.addWidget(self.link_button)
        row.addWidget(self.link_person_button)
        row.addWidget(self.unlink_button)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.households, 1)
        layout.addLayout(row)
        return page

    def _build_feedback(self) -> QWidget:
        self.feedback = QListWidget()
        self.feedback.setWordWrap(True)
        self.feedback_text = QPlainTextEdit()
        self.feedback_text.setPlaceholderText(self.tr("向下发部门报告进展，例如：已入户核实28户，2户外出已电话联系。"))
        self.feedback_text.setMaximumHeight(70)
        self.feedback_button = QPushButton(self.tr("发送反馈"))
        self.feedback_button.clicked.connect(self.send_feedback)
        row = QHBoxLayout()
        row.addWidget(self.feedback_text, 1)
        row.addWidget(self.feedback_button)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.feedback, 1)
        layout.addLayout(row)
        return page

    # -- showing ---------------------------------------------------------------------------------
    def has_unsaved_edit(self) -> bool:
        """Feedback or a household search being typed, or 一表通 corrections not confirmed yet."""
        if self.card is None:
            return False
        typed = self.feedback_text.toPlainText().strip() or self.link_search.text().strip()
        return bool(typed) or self.one_form.edited

    def show_stale(self) -> None:
        """A sync brought news while the user types: say so, reload nothing under them."""
        self.stale.show()

    def reopen(self) -> None:
        if self.card is not None:
            self.open(self.card.detail.target.id)

    def open(self, target_id: str) -> None:
        self._opening = target_id  # a slower load of an earlier choice must not replace this one
        self._runner.run_db(lambda: self._desk.card(target_id), self._show)

    def clear(self) -> None:
        self.card = None
        self.title.setText(self.tr("请在左侧选择一项任务"))
        self.meta.clear()
        self.setEnabled(False)

    def _show(self, card, error) -> None:
        if error is not None:
            self._on_error(error)
            return
        if card.detail.target.id != getattr(self, "_opening", card.detail.target.id):
            return
        self.card = card
        view = card.detail.target
        self.stale.hide()
        self.setEnabled(True)
        if self.attachments is not None:
            self.attachments.set_owner("task_target", view.id)
        if self.history is not None:
            self.history.show_for(view.id)
        self.title.setText(on_one_line(view.task_no, view.title))
        self.meta.setText(self._meta_html(card))
        self.description.setPlainText(card.detail.description)
        self._show_actions(card)
        self._show_households(card)
        self.feedback.clear()
        for entry in reversed(card.detail.feedback):
            self.feedback.addItem(on_one_line(f"{entry.at:%Y-%m-%d %H:%M}", entry.author,
                                              aside(f"{entry.handled_count}/{entry.total_count}")) + f"\n{entry.text}")
        working = view.status == tr.IN_PROGRESS and not self._desk.is_department
        for widget in (self.link_search, self.link_button, self.link_person_button, self.unlink_button):
            widget.setEnabled(working)
        self.feedback_button.setEnabled(not self._desk.is_department and view.status != tr.RETURNED)
        has_form = bool(card.detail.requested_fields) and not self._desk.is_department
        self.tabs.setTabEnabled(2, has_form)
        if has_form:
            self.one_form.load(view.id)
        receives = bool(card.detail.requested_fields) and self._desk.is_department
        self.tabs.setTabVisible(2, not self._desk.is_department)
        self.tabs.setTabVisible(4, receives)
        if receives:
            self.answers.load(view.id)

    def _meta_html(self, card) -> str:
        view, item = card.detail.target, card.item
        flag = ""
        if view.overdue or view.due_soon:
            colour, text = ("#c62828", self.tr("已超期")) if view.overdue else ("#e65100", self.tr("即将到期"))
            flag = f" <span style='color:{colour};font-weight:bold'>{text}</span>"
        department, kind, target = self.tr("下发部门"), self.tr("类型"), self.tr("下发对象")
        due, status, progress = self.tr("截止时间"), self.tr("状态"), self.tr("进度")
        households = self.tr("%1/%n 户", "", view.progress.total).replace("%1", str(view.progress.handled))
        lines = [
            on_one_line(fact(department, item.department_label), fact(kind, kind_text(item.kind_label)),
                        fact(target, item.region_name)),
            on_one_line(fact(due, f"{view.due_at:%Y-%m-%d %H:%M}{flag}"),
                        fact(status, status_text(view.status) + _badge_html(item.sync_state)),
                        fact(progress, households)),
        ]
        if item.assigned_name or view.assignee:
            assigned, person = self.tr("指派"), self.tr("责任人")
            lines.append(on_one_line(fact(assigned, item.assigned_name or "—"), fact(person, view.assignee or "—")))
        if card.detail.requested_fields:
            fields = self.tr("需核对的户籍字段")
            lines.append(fact(fields, listing(field_text(name) for name in card.detail.requested_fields)))
        return "<br>".join(lines)

    def _show_actions(self, card) -> None:
        while self.actions_row.count():
            widget = self.actions_row.takeAt(0).widget()
            if widget is not None and widget is not self.assign_button:
                widget.hide()  # at once: deleteLater waits for the event loop
                widget.deleteLater()
        self.action_buttons = {}
        for action in card.actions:
            button = QPushButton(action_text(action))
            button.clicked.connect(lambda _checked=False, a=action: self.take(a))
            self.actions_row.addWidget(button)
            self.action_buttons[action] = button
        view = card.detail.target
        in_village = len(self._desk.actor.scope) == 12  # a village cadre names who does it (网格员)
        show_assign = (view.status == tr.IN_PROGRESS and not self._desk.is_department
                       and len(self._desk.actor.scope) <= 12)
        self.assign_button.setText(self.tr("指派责任人…") if in_village else self.tr("指派到村…"))
        self.assign_button.setVisible(show_assign)
        if show_assign:
            self.actions_row.addWidget(self.assign_button)
        self.actions_row.addStretch(1)

    def _show_households(self, card) -> None:
        table = self.households
        table.blockSignals(True)
        table.setRowCount(len(card.households))
        editable = card.detail.target.status == tr.IN_PROGRESS and not self._desk.is_department
        for r, household in enumerate(card.households):
            head = household.head_name
            if household.person_name and household.person_name != head:  # the link names another member
                head = self.tr("%1（核对：%2）").replace("%1", head).replace("%2", household.person_name)
            for c, text in enumerate((household.household_no, head, household.address)):
                table.setItem(r, c, QTableWidgetItem(text))
            check = QTableWidgetItem(self.tr("已处理") if household.handled else self.tr("未处理"))
            check.setData(Qt.ItemDataRole.UserRole, household.household_id)
            check.setData(Qt.ItemDataRole.UserRole + 1, household.person_id)  # one member's row of several
            flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
            check.setFlags(flags | Qt.ItemFlag.ItemIsUserCheckable if editable else flags)
            check.setCheckState(Qt.CheckState.Checked if household.handled else Qt.CheckState.Unchecked)
            check.setForeground(QColor("#2e7d32" if household.handled else "#e65100"))
            table.setItem(r, 3, check)
        table.resizeColumnsToContents()
        table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        table.blockSignals(False)

    # -- moves -----------------------------------------------------------------------------------
    def take(self, action: str) -> None:
        """One workflow move; returning a task asks why (the reason goes to the department)."""
        text = ""
        if action == "return":
            text = self._dialogs.ask_text(self, action_text(action), self.tr("退回原因"))
            if not text:
                return
        ready = self.card.detail.target.progress.complete  # else the desk says how many remain, asks nothing
        if action == "complete" and ready and not self._just_reported():
            text = self._completion_report()
            if text is None:
                return
        target_id = self.card.detail.target.id
        typed = self.feedback_text.toPlainText().strip()

        def done(result, error) -> None:
            if error is None and text and text == typed:
                self.feedback_text.clear()  # it went to the department as the completion report
            self._after(result, error)

        self._runner.run_db(lambda: self._desk.act(target_id, action, text), done)

    def _just_reported(self) -> bool:
        """The last entry is the village's own report at today's progress (a 一表通 answer or a
        feedback just sent): that is what the department reads, so 完成 asks nothing more."""
        view, entries = self.card.detail.target, self.card.detail.feedback
        if not entries:
            return False
        last = entries[-1]
        return (not last.text.startswith("【") and last.handled_count == view.progress.handled
                and last.total_count == view.progress.total)

    def _completion_report(self) -> str | None:
        """Decision 0050: 完成 asks for a one-line report (prefilled with feedback being typed) and says
        it cannot be taken back; a blank report completes nothing. None: not completed."""
        view = self.card.detail.target
        department = self.card.item.department_label
        label = self.tr("向%1报告完成情况（必填，一句话）。").replace("%1", department)
        if view.progress.total:
            label += "\n" + self.tr("已处理：%1").replace("%1", self.tr("%1/%n 户", "", view.progress.total)
                                                         .replace("%1", str(view.progress.handled)))
        label += "\n" + self.tr("完成后不能撤回，需改动时只能由下发部门重新打开。")
        text = self._dialogs.ask_text(self, self.tr("完成任务"), label, self.feedback_text.toPlainText().strip())
        if text is None:
            return None
        if not text.strip():
            self._dialogs.error(self, self.tr("完成任务"), self.tr("请写明完成情况，任务未完成。"))
            return None
        return text.strip()

    def assign(self) -> None:
        target_id = self.card.detail.target.id
        if len(self._desk.actor.scope) == 12:  # a village cadre: the village is theirs, only the person
            person = self._dialogs.ask_text(self, self.tr("指派责任人"), self.tr("交给谁办理（如本村网格员姓名）"),
                                            self.card.detail.target.assignee or "")
            if person is not None:
                self._run(lambda: self._desk.assign(target_id, None, person.strip() or None))
            return

        def chosen(villages, error) -> None:
            if error is not None:
                self._on_error(error)
                return
            index = self._dialogs.choose(self, self.tr("指派到村"), self.tr("交给哪个村（社区）办理"),
                                         [v.name for v in villages])
            if index is None:
                return
            person = self._dialogs.ask_text(self, self.tr("指派到村"), self.tr("责任人（可不填）"))
            code = villages[index].code
            self._run(lambda: self._desk.assign(target_id, code, person or None))

        self._runner.run_db(lambda: self._desk.villages_of(target_id), chosen)

    def link(self) -> None:
        """Link a household found by number, head's name or address in the task's area."""
        self._pick_and_link(
            self.tr("关联户"), self.tr("在任务范围内没有找到匹配的户"), self.tr("选择要关联的户"),
            self._desk.find_households, lambda c: on_one_line(c.household_no, c.head_name, c.address),
            lambda target_id, c: self._desk.link(target_id, [c.household_id]))

    def link_person(self) -> None:
        """Link one person (the task concerns them, not the whole household): found by name,
        initials or ID tail in the task's area; the link is then found by (task, person)."""
        self._pick_and_link(
            self.tr("关联人员"), self.tr("在任务范围内没有找到匹配的人员"), self.tr("选择要关联的人员"),
            self._desk.find_persons, lambda c: on_one_line(c.name, c.id_masked, c.household_no),
            lambda target_id, c: self._desk.link_persons(target_id, [c.person_id]))

    def _pick_and_link(self, title: str, none_found: str, prompt: str, find, label_of, link) -> None:
        """Search with the text typed, let the user choose one of the matches, and link it."""
        text = self.link_search.text().strip()
        if self.card is None or not text:
            return
        target_id = self.card.detail.target.id

        def found(choices, error) -> None:
            if error is not None:
                self._on_error(error)
                return
            if not choices:
                self._dialogs.info(self, title, none_found)
                return
            index = self._dialogs.choose(self, title, prompt, [label_of(c) for c in choices])
            if index is not None:
                chosen = choices[index]
                self.link_search.clear()
                self._run(lambda: link(target_id, chosen))

        self._runner.run_db(lambda: find(target_id, text), found)

    def unlink(self) -> None:
        rows = self.households.selectionModel().selectedRows()
        if self.card is None or not rows:
            return
        item = self.households.item(rows[0].row(), 3)
        household_id, person_id = item.data(Qt.ItemDataRole.UserRole), item.data(Qt.ItemDataRole.UserRole + 1)
        target_id = self.card.detail.target.id
        self._run(lambda: self._desk.unlink(target_id, household_id, person_id))

    def _handled_toggled(self, item: QTableWidgetItem) -> None:
        if item.column() != 3 or self.card is None:
            return
        household_id, person_id = item.data(Qt.ItemDataRole.UserRole), item.data(Qt.ItemDataRole.UserRole + 1)
        handled = item.checkState() == Qt.CheckState.Checked
        target_id = self.card.detail.target.id
        self._run(lambda: self._desk.mark_handled(target_id, household_id, handled, person_id))

    def send_feedback(self) -> None:
        text = self.feedback_text.toPlainText().strip()
        if self.card is None or not text:
            return
        target_id = self.card.detail.target.id

        def done(result, error) -> None:
            if error is None:
                self.feedback_text.clear()
            self._after(result, error)

        self._runner.run_db(lambda: self._desk.feedback(target_id, text), done)

    def print_sheet(self) -> None:
        """任务清单/反馈单 of the open target for one village: the target's own village (or the one it
        was handed on to); a township-wide target asks which village's households to list."""
        if self.card is None or self._printer is None or self._reports is None:
            return
        view = self.card.detail.target
        code = view.assigned_region_code or view.region_code
        if region_level(code) >= VILLAGE:
            self._print_sheet(view, code[:12])
            return

        def chosen(villages, error) -> None:
            if error is not None:
                self._on_error(error)
                return
            index = self._dialogs.choose(self, self.tr("打印任务清单/反馈单"), self.tr("打印哪个村（社区）的清单"),
                                         [v.name for v in villages])
            if index is not None:
                self._print_sheet(view, villages[index].code)

        target_id = view.id
        self._runner.run_db(lambda: self._desk.villages_of(target_id), chosen)

    def _print_sheet(self, view, village_code: str) -> None:
        reports = self._reports()
        self._printer.print_pdf(self, self.tr("打印任务清单/反馈单"), f"任务清单_{view.task_no}_{village_code}.pdf",
                                lambda path, purpose: reports.print_task_sheet(view.task_id, village_code, path,
                                                                               purpose))

    def _run(self, job) -> None:
        self._runner.run_db(job, self._after)

    def _after(self, _result, error) -> None:
        if error is not None:
            self._on_error(error)
        if self.card is not None:
            self.open(self.card.detail.target.id)
        self.changed.emit()

    def _reload_after_form(self) -> None:
        if self.card is not None:
            target_id = self.card.detail.target.id  # read here: the job runs on the database thread
            self._runner.run_db(lambda: self._desk.card(target_id), self._show_quietly)
        self.changed.emit()

    def _show_quietly(self, card, error) -> None:
        """Refresh the card after a 一表通 change without reloading the form under the user."""
        if error is not None:
            self._on_error(error)
            return
        self.card = card
        self.meta.setText(self._meta_html(card))
        self._show_households(card)
        self._show_actions(card)


def _badge_html(state: str) -> str:
    """· 待上传 (and the like) after the status: this PC's progress or report has not reached the city."""
    text = badge_text(state)
    return f" <span style='color:{BADGE_COLOURS[state]}'>· {text}</span>" if text else ""
