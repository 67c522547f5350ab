"""任务 and 事件 pages. The task inbox lists what departments sent down with progress counted in
households handled and overdue / due-tomorrow flags; the case list shows each case's status and
deadline. Lists load lazily through the task runner like the register."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from app.codes import CodeBook
from app.rules import case_workflow, task_rules
from ui.lazy_model import Column, LazyTableModel

translate = QCoreApplication.translate
_CODES = CodeBook.from_resources()


def _flag(row) -> str:
    if row.overdue:
        return translate("WorkPages", "已超期")
    if getattr(row, "due_soon", False):
        return translate("WorkPages", "明天到期")
    return ""


def _alert_color(row) -> str | None:
    if row.overdue:
        return "#c62828"
    return "#e65100" if getattr(row, "due_soon", False) else None


def _progress(row) -> str:
    return f"{row.handled}/{row.total}" if row.total else "—"


def task_columns() -> list[Column]:
    return [
        Column(translate("WorkPages", "任务编号"), lambda r: r.task_no),
        Column(translate("WorkPages", "标题"), lambda r: r.title),
        Column(translate("WorkPages", "下发部门"), lambda r: _CODES.label("department", r.department_code,
                                                                          r.department_code)),
        Column(translate("WorkPages", "村（社区）"), lambda r: r.region_name),
        Column(translate("WorkPages", "状态"), lambda r: task_rules.status_label(r.status)),
        Column(translate("WorkPages", "截止时间"), lambda r: r.due_at.strftime("%Y-%m-%d %H:%M")),
        Column(translate("WorkPages", "进度（户）"), _progress, align_right=True),
        Column(translate("WorkPages", "提醒"), _flag, color=_alert_color),
    ]


def case_columns() -> list[Column]:
    return [
        Column(translate("WorkPages", "事件编号"), lambda r: r.case_no),
        Column(translate("WorkPages", "标题"), lambda r: r.title),
        Column(translate("WorkPages", "类别"), lambda r: _CODES.label("case_category", r.category_code,
                                                                      r.category_code)),
        Column(translate("WorkPages", "来源"), lambda r: _CODES.label("case_source", r.source, r.source)),
        Column(translate("WorkPages", "村（社区）"), lambda r: r.region_name),
        Column(translate("WorkPages", "状态"), lambda r: case_workflow.status_label(r.status)),
        Column(translate("WorkPages", "登记时间"), lambda r: r.registered_at.strftime("%Y-%m-%d")),
        Column(translate("WorkPages", "办理期限"), lambda r: r.deadline_on.isoformat() if r.deadline_on else "",
               color=_alert_color),
        Column(translate("WorkPages", "提醒"), _flag, color=_alert_color),
    ]


class _ListPage(QWidget):
    def __init__(self, columns: list[Column], fetch, runner, on_error, heading: str) -> None:
        super().__init__()
        self.model = LazyTableModel(columns, runner, parent=self)
        self.model.failed.connect(on_error)
        self._fetch = fetch
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().setVisible(False)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.horizontalHeader().setStretchLastSection(True)
        title = QLabel(heading)
        title.setStyleSheet("font-size: 15px; font-weight: bold;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 4)
        layout.addWidget(title)
        layout.addWidget(self.view, 1)
        self._loaded = False

    def activate(self) -> None:
        if not self._loaded:
            self._loaded = True
            self.model.page_loaded.connect(self._fit_columns)
            self.model.set_query(self._fetch)

    def _fit_columns(self, _count: int) -> None:
        self.view.resizeColumnsToContents()
        for column in range(self.model.columnCount()):
            # Long titles would push the alert column off screen; the tooltip-free cut is enough here.
            self.view.setColumnWidth(column, min(self.view.columnWidth(column), 340))
        self.model.page_loaded.disconnect(self._fit_columns)


class TasksPage(_ListPage):
    def __init__(self, work, runner, on_error) -> None:
        super().__init__(task_columns(), work.tasks_page, runner, on_error,
                         translate("WorkPages", "任务收件箱：上级部门下发的任务（按状态和截止时间排列）"))


class CasesPage(_ListPage):
    def __init__(self, work, runner, on_error) -> None:
        super().__init__(case_columns(), work.cases_page, runner, on_error,
                         translate("WorkPages", "事件与诉求（按状态和办理期限排列）"))
