"""The task inbox list: a lazy, paged table model over one inbox group (rows come from
`TaskDesk.inbox_page` as the view scrolls), its columns, and the translatable group names. The
title column stretches and carries the full title, number and department as a tooltip, so a long
title is never only "关于开展…工作…"."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt

from app.rules import task_rules as tr
from ui.lazy_model import Column, Index, LazyTableModel
from ui.register.lists import BADGE_COLOURS, badge_text
from ui.taskdesk.labels import kind_text, status_text

OVERDUE_COLOR, DUE_SOON_COLOR = "#c62828", "#e65100"
GROUPS = {
    "due_today": QT_TRANSLATE_NOOP("TaskGroups", "今日到期"), "overdue": QT_TRANSLATE_NOOP("TaskGroups", "已超期"),
    "open": QT_TRANSLATE_NOOP("TaskGroups", "进行中"), "done": QT_TRANSLATE_NOOP("TaskGroups", "已完成"),
}


# Column headers and deadline flags, listed literally so lupdate extracts them.
TEXTS = (QT_TRANSLATE_NOOP("TaskInbox", "任务"), QT_TRANSLATE_NOOP("TaskInbox", "下发对象"),
         QT_TRANSLATE_NOOP("TaskInbox", "截止时间"), QT_TRANSLATE_NOOP("TaskInbox", "进度（户）"),
         QT_TRANSLATE_NOOP("TaskInbox", "状态"), QT_TRANSLATE_NOOP("TaskInbox", "部门"),
         QT_TRANSLATE_NOOP("TaskInbox", "任务编号"), QT_TRANSLATE_NOOP("TaskInbox", "已超期"),
         QT_TRANSLATE_NOOP("TaskInbox", "即将到期"))


def group_text(group: str) -> str:
    return QCoreApplication.translate("TaskGroups", GROUPS.get(group, group))


def _tr(text: str) -> str:
    return QCoreApplication.translate("TaskInbox", text)


def _place(item) -> str:
    assigned = item.assigned_name if item.assigned_name not in ("", item.region_name) else ""
    return item.region_name + (f"→{assigned}" if assigned else "")


def _badged(item) -> str:
    """"待上传 · 关于开展…": progress or a report made here and not yet uploaded shows on the list."""
    state = badge_text(item.sync_state)
    return f"{state} · {item.view.title}" if state else item.view.title


def _flag(item) -> str:
    view = item.view
    if view.status in (tr.COMPLETED, tr.RETURNED):
        return status_text(view.status)  # finished one way or the other: no deadline warning
    if view.overdue:
        return _tr("已超期")
    return _tr("即将到期") if view.due_soon else status_text(view.status)


def _color(item) -> str | None:
    view = item.view
    if view.status in (tr.COMPLETED, tr.RETURNED):
        return None
    return OVERDUE_COLOR if view.overdue else DUE_SOON_COLOR if view.due_soon else None


def inbox_columns() -> list[Column]:
    """Title first (it wraps onto two lines), then what a clerk sorts work by."""
    return [
        # the badge first, as on the case list: a title is mostly longer than its column
        Column(_tr("任务"), _badged, color=lambda i: BADGE_COLOURS.get(i.sync_state)),
        Column(_tr("截止时间"), lambda i: f"{i.view.due_at:%Y-%m-%d %H:%M}", color=_color),
        Column(_tr("进度（户）"), lambda i: i.view.progress.label if i.view.progress.total else "—", align_right=True),
        Column(_tr("状态"), _flag, color=_color),
        Column(_tr("下发对象"), _place),
        Column(_tr("部门"), lambda i: i.department_label),
        Column(_tr("任务编号"), lambda i: i.view.task_no),
    ]


class InboxModel(LazyTableModel):
    """LazyTableModel plus the full title as a tooltip and the target id as UserRole."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, key=lambda item: item.view.id, **kwargs)  # a row is its target

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if index.isValid() and role == Qt.ItemDataRole.ToolTipRole:
            item = self.row_at(index.row())
            return f"{item.view.title}\n{item.view.task_no} · {item.department_label} · {kind_text(item.kind_label)}"
        if index.isValid() and role == Qt.ItemDataRole.UserRole:
            return self.row_at(index.row()).view.id
        return super().data(index, role)

    def row_of(self, target_id: str) -> int | None:
        """The loaded row of a target, if it is loaded."""
        return next((n for n in range(self.rowCount()) if self.row_at(n).view.id == target_id), None)
