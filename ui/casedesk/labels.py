"""Translatable names of the case workflow's actions and statuses. The Chinese texts are those of
`app.rules.case_workflow` (a test keeps them equal); they are listed here literally so lupdate
extracts them and the English catalogue can name them, while app/ stays free of Qt."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

ACTIONS = {
    "accept": QT_TRANSLATE_NOOP("CaseActions", "受理"), "self_handle": QT_TRANSLATE_NOOP("CaseActions", "网格自办"),
    "dispatch": QT_TRANSLATE_NOOP("CaseActions", "分派"), "sign": QT_TRANSLATE_NOOP("CaseActions", "签收"),
    "return": QT_TRANSLATE_NOOP("CaseActions", "退单"), "handle": QT_TRANSLATE_NOOP("CaseActions", "开始处置"),
    "extend": QT_TRANSLATE_NOOP("CaseActions", "申请延期"),
    "approve_extension": QT_TRANSLATE_NOOP("CaseActions", "批准延期"),
    "refuse_extension": QT_TRANSLATE_NOOP("CaseActions", "驳回延期"), "submit": QT_TRANSLATE_NOOP("CaseActions", "回单"),
    "approve": QT_TRANSLATE_NOOP("CaseActions", "审核通过"), "rework": QT_TRANSLATE_NOOP("CaseActions", "退回重办"),
    "close": QT_TRANSLATE_NOOP("CaseActions", "办结"), "revisit": QT_TRANSLATE_NOOP("CaseActions", "回访"),
    "archive": QT_TRANSLATE_NOOP("CaseActions", "归档"),
    # moves beside the workflow, and what the handling log records
    "escalate": QT_TRANSLATE_NOOP("CaseActions", "转交部门"), "whistle": QT_TRANSLATE_NOOP("CaseActions", "吹哨"),
    "add_party": QT_TRANSLATE_NOOP("CaseActions", "添加当事人"), "supervise": QT_TRANSLATE_NOOP("CaseActions", "督办"),
    "unsupervise": QT_TRANSLATE_NOOP("CaseActions", "取消督办"), "reveal": QT_TRANSLATE_NOOP("CaseActions", "查看电话"),
    "register": QT_TRANSLATE_NOOP("CaseActions", "登记"), "edit": QT_TRANSLATE_NOOP("CaseActions", "修改"),
    "arrive": QT_TRANSLATE_NOOP("CaseActions", "报到"), "evaluate": QT_TRANSLATE_NOOP("CaseActions", "评价"),
    "repeat": QT_TRANSLATE_NOOP("CaseActions", "重复诉求"), "reopen": QT_TRANSLATE_NOOP("CaseActions", "重新办理"),
}
STATUSES = {
    10: QT_TRANSLATE_NOOP("CaseStatuses", "登记"), 20: QT_TRANSLATE_NOOP("CaseStatuses", "受理"),
    25: QT_TRANSLATE_NOOP("CaseStatuses", "网格自办"), 30: QT_TRANSLATE_NOOP("CaseStatuses", "分派"),
    40: QT_TRANSLATE_NOOP("CaseStatuses", "签收"), 45: QT_TRANSLATE_NOOP("CaseStatuses", "退单"),
    50: QT_TRANSLATE_NOOP("CaseStatuses", "处置中"), 55: QT_TRANSLATE_NOOP("CaseStatuses", "延期申请"),
    60: QT_TRANSLATE_NOOP("CaseStatuses", "回单待审"), 70: QT_TRANSLATE_NOOP("CaseStatuses", "办结"),
    80: QT_TRANSLATE_NOOP("CaseStatuses", "已回访"), 90: QT_TRANSLATE_NOOP("CaseStatuses", "归档"),
}


def action_text(action: str) -> str:
    return QCoreApplication.translate("CaseActions", ACTIONS.get(action, action))


def status_text(status: int | None) -> str:
    if status is None:
        return ""
    return QCoreApplication.translate("CaseStatuses", STATUSES.get(int(status), str(status)))
