"""Translatable names of the task workflow's actions and statuses and of the task kinds. The Chinese
texts are those of `app.rules.task_rules` and `app.client.task_desk` (a test keeps them equal);
listed literally so lupdate extracts them for the English catalogue."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

ACTIONS = {
    "accept": QT_TRANSLATE_NOOP("TaskActions", "接收"), "complete": QT_TRANSLATE_NOOP("TaskActions", "完成"),
    "return": QT_TRANSLATE_NOOP("TaskActions", "退回"), "reissue": QT_TRANSLATE_NOOP("TaskActions", "重新下发"),
    "reopen": QT_TRANSLATE_NOOP("TaskActions", "重新打开"),
}
STATUSES = {
    "10": QT_TRANSLATE_NOOP("TaskStatuses", "未接收"), "20": QT_TRANSLATE_NOOP("TaskStatuses", "进行中"),
    "30": QT_TRANSLATE_NOOP("TaskStatuses", "已完成"), "40": QT_TRANSLATE_NOOP("TaskStatuses", "已退回"),
}
KINDS = {"走访巡查": QT_TRANSLATE_NOOP("TaskKinds", "走访巡查"), "数据核采": QT_TRANSLATE_NOOP("TaskKinds", "数据核采"),
         "指令下达": QT_TRANSLATE_NOOP("TaskKinds", "指令下达")}
# Register fields a data-verification task may request (app.client.task_desk.FIELD_LABELS).
FIELDS = {
    "phone": QT_TRANSLATE_NOOP("TaskFields", "联系电话"), "current_address": QT_TRANSLATE_NOOP("TaskFields", "现住址"),
    "residence_type": QT_TRANSLATE_NOOP("TaskFields", "人员类别"), "id_number": QT_TRANSLATE_NOOP("TaskFields", "证件号码"),
    "hukou_address": QT_TRANSLATE_NOOP("TaskFields", "户籍地"), "political_status": QT_TRANSLATE_NOOP("TaskFields", "政治面貌"),
    "marital_status": QT_TRANSLATE_NOOP("TaskFields", "婚姻状况"), "education": QT_TRANSLATE_NOOP("TaskFields", "文化程度"),
    "ethnicity": QT_TRANSLATE_NOOP("TaskFields", "民族"),
}


def field_text(name: str) -> str:
    return QCoreApplication.translate("TaskFields", FIELDS[name]) if name in FIELDS else name


def action_text(action: str) -> str:
    return QCoreApplication.translate("TaskActions", ACTIONS.get(action, action))


def status_text(status: str) -> str:
    return QCoreApplication.translate("TaskStatuses", STATUSES.get(status, status))


def kind_text(label: str) -> str:
    return QCoreApplication.translate("TaskKinds", KINDS.get(label, label))
