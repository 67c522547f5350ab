"""One case opened on the case desk: its particulars, 12345 ticket number and deadline (red when
overdue), the fixed action bar (ui/casedesk/action_bar.py: the 意见 box and one button per move of
the user's role, enabled only when legal now AND allowed to the role, the next step highlighted),
escalation to a department, suggested repeat appeals to confirm, the append-only handling log,
吹哨报到 joint handling (summon departments, record each arrival, evaluate it) and the parties.
A move asks at most one question beyond the 意见 box: dispatch (to which village, grid, person
or department), extension approval (the new deadline), revisit (the resident's satisfaction)."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.client.case_desk import EVALUATION_OPTIONS, SATISFACTION_OPTIONS
from app.errors import ValidationError
from app.rules import case_workflow as wf
from ui.attachments import AttachmentStrip
from ui.casedesk.action_bar import CaseActionBar
from ui.casedesk.dispatch import ask_dispatch
from ui.casedesk.labels import action_text, status_text
from ui.detail_layout import stack_detail, stale_hint
from ui.history_tab import HistoryTab
from ui.punctuation import aside, fact, listing, on_one_line
from ui.register.lists import BADGE_COLOURS, badge_text

# Moves beside the workflow, after its buttons in the bar.
SIDE_SLOTS = ("escalate", "supervise", "add_party", "repeat", "reveal")


def _table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setStretchLastSection(True)
    table.setWordWrap(True)
    return table


def _fill(table: QTableWidget, rows: list[list[str]]) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.setItem(r, c, QTableWidgetItem(text))
    table.resizeColumnsToContents()
    table.horizontalHeader().setSectionResizeMode(table.columnCount() - 1, QHeaderView.ResizeMode.Stretch)


class CaseDetailPanel(QWidget):
    changed = Signal()  # the case moved: queues and list should reload

    def __init__(self, desk, runner, dialogs, on_error, parent: QWidget | None = None, printer=None,
                 reports=None, language: str = "zh_CN", dispatch_input=ask_dispatch, history=None) -> None:
        super().__init__(parent)
        self._desk, self._runner, self._dialogs, self._on_error = desk, runner, dialogs, on_error
        # ui.printing.Printer, and a callable giving the ReportService (reportlab loads at the first print)
        self._printer, self._reports = printer, reports
        self._language, self._dispatch_input = language, dispatch_input
        self.detail = None
        self.repeats: list = []
        self._departments: list[tuple[str, str]] = []
        self.title = QLabel(self.tr("请在左侧选择一件事件"))
        self.title.setWordWrap(True)
        self.title.setStyleSheet("font-size: 15px; font-weight: bold;")
        self.print_button = QPushButton(self.tr("打印事件处置单…"))
        self.print_button.clicked.connect(self.print_form)
        self.print_button.setVisible(printer is not None and reports is not None)
        self.meta = QLabel()
        self.meta.setWordWrap(True)
        self.meta.setTextFormat(Qt.TextFormat.RichText)
        self.meta.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.bar = CaseActionBar([(a, action_text(a)) for a in desk.slots(SIDE_SLOTS)])
        self.bar.triggered.connect(self.take)
        self.actions_row = QHBoxLayout()
        self.actions_row.addWidget(self.bar)
        self.log = _table([self.tr("时间"), self.tr("人员"), self.tr("动作"), self.tr("状态"), self.tr("意见")])
        self.tabs = QTabWidget()
        self.tabs.addTab(self.log, self.tr("办理记录"))
        self.tabs.addTab(self._build_whistles(), self.tr("吹哨报到"))
        self.parties = _table([self.tr("姓名"), self.tr("身份"), self.tr("电话")])
        self.tabs.addTab(self.parties, self.tr("当事人"))
        context = getattr(desk, "context", None)
        self.attachments = None
        if context is not None:  # 附件: photos and signed scans of the case (ui/attachments.py)
            self.attachments = AttachmentStrip(lambda: context.attachments, runner, dialogs, on_error,
                                               scans=lambda: context.scans)
            self.tabs.addTab(self.attachments, self.tr("附件"))
        self.history = None
        if history is not None:  # 历史: every change of the case this PC holds (app.client.history)
            self.history = HistoryTab(history, runner, on_error, printer, reports, "case")
            self.tabs.addTab(self.history, self.tr("历史"))
        self.stale = stale_hint()
        stack_detail(self, self.title, self.print_button, self.meta, self.actions_row, self.tabs, self.stale)
        self.setEnabled(False)

    @property
    def action_buttons(self) -> dict[str, QPushButton]:
        """The moves offered now (enabled buttons of the fixed bar)."""
        return self.bar.enabled()

    def _build_whistles(self) -> QWidget:
        self.whistles = _table([self.tr("部门"), self.tr("吹哨时间"), self.tr("报到时间"), self.tr("评价")])
        self.summon_list = QListWidget()
        self.summon_list.setMaximumWidth(150)
        self.whistle_button = QPushButton(self.tr("吹哨（召集所选部门）"))
        self.whistle_button.clicked.connect(self.whistle)
        self.arrive_button = QPushButton(self.tr("记录报到"))
        self.arrive_button.clicked.connect(self.record_arrival)
        self.evaluate_button = QPushButton(self.tr("评价"))
        self.evaluate_button.clicked.connect(self.evaluate)
        side = QVBoxLayout()
        side.addWidget(QLabel(self.tr("召集部门")))
        side.addWidget(self.summon_list, 1)
        side.addWidget(self.whistle_button)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.arrive_button)
        buttons.addWidget(self.evaluate_button)
        main = QVBoxLayout()
        main.addWidget(self.whistles, 1)
        main.addLayout(buttons)
        page = QWidget()
        layout = QHBoxLayout(page)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(main, 1)
        layout.addLayout(side)
        return page

    def set_departments(self, departments: list[tuple[str, str]]) -> None:
        self._departments = list(departments)
        self.summon_list.clear()
        for code, label in departments:
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, code)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.summon_list.addItem(item)

    # -- showing ---------------------------------------------------------------------------------
    def has_unsaved_edit(self) -> bool:
        """The user is typing an 意见 that no move has taken yet."""
        return self.detail is not None and bool(self.bar.text())

    def show_stale(self) -> None:
        """A sync brought news while an 意见 is being typed: say so, reload nothing under the user."""
        self.stale.show()

    def open(self, case_id: str) -> None:
        self._opening = case_id  # a slower load of an earlier choice must not replace this one
        self._runner.run_db(lambda: self._desk.detail(case_id), self._show)

    def _show(self, detail, error) -> None:
        if error is not None:
            self._on_error(error)
            return
        if detail.case.id != getattr(self, "_opening", detail.case.id):
            return
        self.detail = detail
        case = detail.case
        self.stale.hide()
        self.setEnabled(True)
        self.title.setText(case.title + aside(status_text(case.status)))
        self.repeats = list(detail.repeats)
        self.meta.setText(self._meta_html(case))
        if self.attachments is not None:
            self.attachments.set_owner("case", case.id)
        if self.history is not None:
            self.history.show_for(case.id)
        self._show_actions(case)
        departments = dict(self._departments)
        _fill(self.log, [[f"{e.at:%m-%d %H:%M}", e.actor, action_text(e.action),
                          _status_move(e.from_status, e.to_status), _log_text(e, departments)] for e in detail.log])
        self.log.scrollToBottom()
        evaluations = dict(EVALUATION_OPTIONS)
        _fill(self.whistles, [[departments.get(w.department_code, w.department_code), f"{w.summoned_at:%m-%d %H:%M}",
                               f"{w.arrived_at:%m-%d %H:%M}" if w.arrived_at else self.tr("未报到"),
                               evaluations.get(w.evaluation or "", "") + (aside(w.comment) if w.comment else "")]
                              for w in detail.whistles])
        _fill(self.parties, [[p.name, p.role, p.phone_masked] for p in detail.parties])
        open_case = not wf.is_finished(case.status)
        may_whistle = "whistle" in self._desk.side_actions_for(case)
        self.whistle_button.setEnabled(open_case and may_whistle)
        self.summon_list.setEnabled(open_case and may_whistle)
        self.arrive_button.setEnabled(open_case and bool(detail.whistles))
        self.evaluate_button.setEnabled(open_case and may_whistle and bool(detail.whistles))

    def _meta_html(self, case) -> str:
        choices = dict(self._departments)
        deadline = case.deadline_on.isoformat() if case.deadline_on else "—"
        if case.overdue:
            overdue = self.tr("已超期")
            deadline = f"<span style='color:#c62828;font-weight:bold'>{deadline} {overdue}</span>"
        elif case.due_soon:
            soon = self.tr("临期（下一个工作日前到期）")
            deadline = f"<span style='color:#e65100;font-weight:bold'>{deadline} {soon}</span>"
        number, registered, limit = self.tr("编号"), self.tr("登记"), self.tr("办理期限")
        reporter, place, content = self.tr("反映人"), self.tr("地点"), self.tr("诉求内容")
        lines = [
            on_one_line(fact(number, case.case_no + _badge_html(case)), fact(registered, f"{case.registered_at:%Y-%m-%d %H:%M}"),
                        fact(limit, deadline)),
            on_one_line(fact(reporter, f"{case.reporter_name or '—'} {case.reporter_phone_masked}".strip()),
                        fact(place, case.place or "—")),
        ]
        ticket, sent, repeat, original = self.tr("工单号"), self.tr("分派至"), self.tr("重复诉求"), self.tr("原诉求")
        if case.channel_ref:
            lines[0] = on_one_line(fact(ticket, f"<b>{case.channel_ref}</b>"), lines[0])
        detail = self.detail
        if case.dispatched_to or case.assignee:
            where = detail.dispatched_name if detail is not None else case.dispatched_to
            lines.append(fact(sent, where or "—") + (aside(case.assignee) if case.assignee else ""))
        if detail is not None and detail.original_no:
            lines.append(fact(f"<b>{repeat}</b>", f"{original} {detail.original_no}"))
        elif self.repeats:
            maybe = self.tr("疑似重复诉求")
            lines.append(fact(f"<span style='color:#e65100'>{maybe}</span>", listing(c.case_no for c in self.repeats[:3])))
        if case.escalated_to or case.supervised:
            escalated, supervised = self.tr("转交部门"), self.tr("督办")
            lines.append(on_one_line(fact(escalated, choices.get(case.escalated_to or "", case.escalated_to or "—")),
                                     f"<b>{supervised}</b>" if case.supervised else ""))
        satisfaction = dict(SATISFACTION_OPTIONS).get(case.satisfaction or "", "")
        if satisfaction:
            revisit = self.tr("回访评价")
            lines.append(on_one_line(fact(revisit, satisfaction), case.satisfaction_comment))
        lines.append(fact(content, case.description or "—"))
        return "<br>".join(lines)

    def _show_actions(self, case) -> None:
        enabled = list(self._desk.actions_for(case)) + [
            a for a in self._desk.side_actions_for(case) if a != "repeat" or self.repeats]
        supervise = self.tr("取消督办") if case.supervised else self.tr("督办")
        self.bar.show_moves(enabled, {"supervise": supervise})

    # -- moves -----------------------------------------------------------------------------------
    def take(self, action: str) -> None:
        """Run a move with the 意见 box's text, asking at most one question first."""
        if self.detail is None:
            return
        case_id, text = self.detail.case.id, self.bar.text()
        side = {"escalate": self._escalate, "add_party": self._add_party, "supervise": self._supervise,
                "reveal": self._reveal, "repeat": self._link_repeat}
        if action in side:
            side[action](case_id)
            return
        extras = self._extras(action)
        if extras is None:
            return
        self._run(lambda: self._desk.act(case_id, action, text, **extras))

    def _extras(self, action: str) -> dict | None:
        """What a move needs besides its 意见; None when the user cancelled."""
        if action == "dispatch":
            options = self._desk.dispatch_options(self.detail.case.id)
            return self._dispatch_input(self, options)
        if action == "approve_extension":
            text = self._dialogs.ask_text(self, action_text(action), self.tr("新的办理期限（年-月-日）"))
            try:
                return {"new_deadline": dt.date.fromisoformat((text or "").strip())} if text else None
            except ValueError:
                self.bar.show_problem(self.tr("日期格式应为 2026-12-31"))
                return None
        if action == "revisit":
            if not self.bar.text():
                self.bar.show_problem(self.tr("请在意见栏写明回访情况（居民的意见）"))
                return None
            index = self._dialogs.choose(self, action_text(action), self.tr("居民满意度"),
                                         [label for _code, label in SATISFACTION_OPTIONS])
            return None if index is None else {"satisfaction": SATISFACTION_OPTIONS[index][0]}
        return {}

    def _link_repeat(self, case_id: str) -> None:
        """The clerk confirms which suggested earlier case this one repeats."""
        options = [f"{c.case_no} {c.title}" + aside(f"{c.registered_at:%Y-%m-%d}") for c in self.repeats]
        index = self._dialogs.choose(self, self.tr("关联重复诉求"), self.tr("本件重复以下哪件诉求？"), options)
        if index is not None:
            original = self.repeats[index].id
            self._run(lambda: self._desk.link_repeat(case_id, original))

    def _escalate(self, case_id: str) -> None:
        index = self._dialogs.choose(self, self.tr("转交部门"), self.tr("转交给哪个部门办理"),
                                     [label for _code, label in self._departments])
        if index is None:
            return
        text, code = self.bar.text(), self._departments[index][0]
        self._run(lambda: self._desk.escalate(case_id, code, text))

    def _supervise(self, case_id: str) -> None:
        supervised, text = not self.detail.case.supervised, self.bar.text()
        self._run(lambda: self._desk.supervise(case_id, supervised, text))

    def _reveal(self, case_id: str) -> None:
        """The reporter's full phone for the revisit call: asks why, and the service audits it."""
        reason = self._dialogs.ask_text(self, self.tr("查看电话"), self.tr("查看原因（将记入审计日志）"))
        if not reason:
            return

        def shown(revealed, error) -> None:
            if error is not None:
                self._on_error(error)
                return
            self._dialogs.info(self, self.tr("反映人电话"), fact(revealed.reporter_name, revealed.reporter_phone or "—"))

        self._runner.run_db(lambda: self._desk.reveal_reporter(case_id, reason), shown)

    def _add_party(self, case_id: str) -> None:
        name = self._dialogs.ask_text(self, self.tr("添加当事人"), self.tr("姓名"))
        if not name:
            return
        role = self._dialogs.ask_text(self, self.tr("添加当事人"), self.tr("身份（如：被反映人、邻居）")) or ""
        self._run(lambda: self._desk.add_party(case_id, name, role))

    def whistle(self) -> None:
        codes = [self.summon_list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.summon_list.count())
                 if self.summon_list.item(i).checkState() == Qt.CheckState.Checked]
        if self.detail is None or not codes:
            return
        case_id = self.detail.case.id
        self._run(lambda: self._desk.whistle(case_id, codes))

    def _selected_whistle(self):
        rows = self.whistles.selectionModel().selectedRows()
        return self.detail.whistles[rows[0].row()] if rows and self.detail else None

    def record_arrival(self) -> None:
        whistle = self._selected_whistle()
        if whistle is not None:
            self._run(lambda: self._desk.arrive(whistle.id))

    def evaluate(self) -> None:
        whistle = self._selected_whistle()
        if whistle is None:
            return
        index = self._dialogs.choose(self, self.tr("评价"), self.tr("部门到场处置情况"),
                                     [label for _code, label in EVALUATION_OPTIONS])
        if index is None:
            return
        comment = self._dialogs.ask_text(self, self.tr("评价"), self.tr("评价说明（可不填）")) or ""
        self._run(lambda: self._desk.evaluate(whistle.id, EVALUATION_OPTIONS[index][0], comment))

    def print_form(self) -> None:
        """事件处置单 of the open case, with its log and signature boxes; phones masked (the service
        checks, watermarks and audits)."""
        if self.detail is None or self._printer is None or self._reports is None:
            return
        case, reports = self.detail.case, self._reports()
        self._printer.print_pdf(self, self.tr("打印事件处置单"), f"事件处置单_{case.case_no}.pdf",
                                lambda path, purpose: reports.print_case_form(case.id, path, purpose))

    def _run(self, job) -> None:
        self._runner.run_db(job, self._after)

    def _after(self, _result, error) -> None:
        if isinstance(error, ValidationError) and error.field == "text":
            self.bar.show_problem(error.message(self._language))  # at the 意见 box; nothing changed
            return
        if error is not None:
            self._on_error(error)
        else:
            self.bar.opinion.clear()
        if self.detail is not None:
            self.open(self.detail.case.id)
        self.changed.emit()


def _status_move(before, after) -> str:
    if before is None and after is not None:
        return status_text(after)
    if before is None or after is None or before == after:
        return ""
    return f"{status_text(before)}→{status_text(after)}"


def _log_text(entry, departments: dict[str, str]) -> str:
    """The log's text, with the department codes the service records for 吹哨 moves shown by name."""
    if entry.action in ("arrive", "evaluate", "whistle"):
        head, sep, rest = entry.text.partition("：")
        if entry.action == "whistle" and not sep:
            return "、".join(departments.get(code, code) for code in entry.text.split("、"))
        return departments.get(head, head) + sep + rest
    return entry.text


def _badge_html(case) -> str:
    """· 待上传 (and the like) after the number: the case has not reached the city yet — its number,
    made on this PC, stays."""
    text = badge_text(case.sync_state)
    return f" <span style='color:{BADGE_COLOURS[case.sync_state]}'>· {text}</span>" if text else ""
