"""任务 page: the task inbox (条→块). The tree groups the targets the actor reaches by department,
status, deadline or task (a department user follows its tasks across townships grouped by task);
overdue ones are red, the ones due within a day orange; each group shows its progress counted in
households. Selecting a target opens it in the detail panel on the right. Department users (and the
city admin) issue new tasks from here (Ctrl+N)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.rules import task_rules as tr
from app.services.context import CITY_ADMIN, DEPARTMENT
from ui.roster.export_action import in_memory
from ui.taskdesk.detail import TaskDetailPanel
from ui.taskdesk.issue_form import TaskForms
from ui.taskdesk.labels import group_text, kind_text, status_text

OVERDUE, DUE_SOON = "#c62828", "#e65100"


class TaskDeskPage(QWidget):
    def __init__(self, desk, one_form, runner, dialogs, on_error, forms: TaskForms | None = None,
                 parent: QWidget | None = None, printer=None, reports=None, exporter=None) -> None:
        super().__init__(parent)
        self._desk, self._runner, self._dialogs, self._on_error = desk, runner, dialogs, on_error
        self._forms = forms or TaskForms()
        self.groups = []
        heading = QLabel(self.tr("任务收件箱：上级部门下发的任务") if not desk.is_department
                         else self.tr("本部门下发的任务及各乡镇（村）办理进度"))
        heading.setStyleSheet("font-size: 15px; font-weight: bold;")
        self.group_by = QComboBox()
        for key, label in (("department", self.tr("按部门")), ("status", self.tr("按状态")),
                           ("deadline", self.tr("按截止时间")), ("task", self.tr("按任务"))):
            self.group_by.addItem(label, key)
        self.group_by.setCurrentIndex(3 if desk.is_department else 2)
        self.group_by.currentIndexChanged.connect(self.reload)
        self.include_done = QCheckBox(self.tr("含已完成、已退回"))
        self.include_done.setChecked(desk.is_department)
        self.include_done.toggled.connect(self.reload)
        self.issue_button = QPushButton(self.tr("下发新任务…"))
        self.issue_button.clicked.connect(self.create_new)
        self.issue_button.setVisible(desk.actor.role in (DEPARTMENT, CITY_ADMIN))
        self.tree = self._build_tree()
        self.detail = TaskDetailPanel(desk, one_form, runner, dialogs, on_error, printer=printer, reports=reports)
        self.detail.changed.connect(self.reload)
        bar = QHBoxLayout()
        bar.addWidget(heading)
        bar.addStretch(1)
        bar.addWidget(QLabel(self.tr("分组")))
        bar.addWidget(self.group_by)
        bar.addWidget(self.include_done)
        bar.addWidget(self.issue_button)
        if exporter is not None:  # 导出: the targets listed now (grouping and 含已完成 as chosen)
            bar.addWidget(exporter.button(self, lambda: ("tasks", in_memory(
                [item for group in self.groups for item in group.items]))))
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.tree)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 5)
        self.splitter.setStretchFactor(1, 6)
        self.splitter.setSizes([620, 600])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 4)
        layout.addLayout(bar)
        layout.addWidget(self.splitter, 1)

    def _build_tree(self) -> QTreeWidget:
        tree = QTreeWidget()
        tree.setHeaderLabels([self.tr("任务"), self.tr("下发对象"), self.tr("截止时间"), self.tr("进度（户）"),
                              self.tr("提醒")])
        tree.setRootIsDecorated(True)
        tree.setAlternatingRowColors(True)
        tree.currentItemChanged.connect(self._selected)
        return tree

    def activate(self) -> None:
        self.reload()

    def reload(self) -> None:
        by, include_done = self.group_by.currentData(), self.include_done.isChecked()
        self._runner.run_db(lambda: self._desk.grouped(by, include_done), self._show)

    def _show(self, groups, error) -> None:
        if error is not None:
            self._on_error(error)
            return
        current = self.current_target_id()
        by = self.group_by.currentData()
        self.groups = groups
        self.tree.blockSignals(True)
        self.tree.clear()
        bold = QFont()
        bold.setBold(True)
        for group in groups:
            progress = self.tr("已处理 %1/%2 户").replace("%1", str(group.handled)).replace("%2", str(group.total))
            label = group_text(by, group.label)
            parent = QTreeWidgetItem([f"{label}（{len(group.items)}）　{progress if group.total else ''}"])
            parent.setFont(0, bold)
            parent.setFlags(parent.flags() & ~Qt.ItemFlag.ItemIsSelectable)
            self.tree.addTopLevelItem(parent)
            parent.setFirstColumnSpanned(True)  # a long task title reads in full across the columns
            for item in group.items:
                parent.addChild(self._row(item))
            parent.setExpanded(True)
        for column, width in enumerate((250, 104, 118, 64)):
            self.tree.setColumnWidth(column, width)
        self.tree.blockSignals(False)
        if not (current and self.select_target(current)) and groups:
            self.tree.setCurrentItem(self.tree.topLevelItem(0).child(0))  # open the first, not an empty panel

    def _row(self, item) -> QTreeWidgetItem:
        view = item.view
        assigned = item.assigned_name if item.assigned_name not in ("", item.region_name) else ""
        place = item.region_name + (f"→{assigned}" if assigned else "")
        flag, color = "", None
        if view.status in (tr.COMPLETED, tr.RETURNED):
            pass  # finished one way or the other: a past deadline is no longer a warning
        elif view.overdue:
            flag, color = self.tr("已超期"), OVERDUE
        elif view.due_soon:
            flag, color = self.tr("明天到期"), DUE_SOON
        progress = view.progress.label if view.progress.total else "—"
        row = QTreeWidgetItem([f"{view.title}（{status_text(view.status)}）", place, f"{view.due_at:%Y-%m-%d %H:%M}",
                               progress, flag])
        row.setData(0, Qt.ItemDataRole.UserRole, view.id)
        row.setToolTip(0, f"{view.task_no} {item.department_label} {kind_text(item.kind_label)}")
        if color:
            for column in (2, 4):
                row.setForeground(column, QBrush(QColor(color)))
        return row

    def current_target_id(self) -> str | None:
        item = self.tree.currentItem()
        return item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None

    def select_target(self, target_id: str) -> bool:
        """Select (and open) the row of a target; returns whether it is in the tree."""
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            for j in range(group.childCount()):
                if group.child(j).data(0, Qt.ItemDataRole.UserRole) == target_id:
                    self.tree.setCurrentItem(group.child(j))
                    return True
        return False

    def _selected(self, item, _previous) -> None:
        target_id = item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None
        if target_id:
            self.detail.open(target_id)

    # -- the department's side ---------------------------------------------------------------
    def create_new(self) -> None:
        """Ctrl+N: issue a task (department users and the city admin)."""
        if not self.issue_button.isVisible() and self._desk.actor.role not in (DEPARTMENT, CITY_ADMIN):
            return
        self._runner.run_db(self._desk.issue_options, self._ask_issue)

    def _ask_issue(self, options, error) -> None:
        if error is not None:
            self._on_error(error)
            return
        regions, departments = options
        values = self._forms.issue_input(self, regions, departments, self._desk.now())
        if values is None:
            return

        def issued(targets, failure) -> None:
            if failure is not None:
                self._on_error(failure)
                return
            self._dialogs.info(self, self.tr("下发任务"), self.tr("任务已下发到 %1 个乡镇（村）。同步后对方即可收到。")
                               .replace("%1", str(len(targets))))
            self.reload()

        self._runner.run_db(lambda: self._desk.issue(**values), issued)
