"""How the signed-in account is named on screen: role codes in the user's language (never the raw
code), and "not signed in" for a PC that was never enrolled (it opens as a guest)."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from app.client.startup import GUEST_SCOPE
from ui.punctuation import aside, clauses

_ROLES = {
    "city_admin": QT_TRANSLATE_NOOP("Roles", "市级管理员"),
    "department": QT_TRANSLATE_NOOP("Roles", "部门用户"),
    "township_admin": QT_TRANSLATE_NOOP("Roles", "乡镇管理员"),
    "township_staff": QT_TRANSLATE_NOOP("Roles", "乡镇工作人员"),
    "village_cadre": QT_TRANSLATE_NOOP("Roles", "村（社区）干部"),
    "grid_worker": QT_TRANSLATE_NOOP("Roles", "网格员"),
}


def role_label(role: str) -> str:
    source = _ROLES.get(role)
    return QCoreApplication.translate("Roles", source) if source else role


def account_text(username: str, role: str, scope: str, place: str = "") -> str:
    """e.g. "demo_staff（乡镇工作人员，林东镇）"; a guest PC: "未登录"."""
    if scope == GUEST_SCOPE:
        return QCoreApplication.translate("Roles", "未登录（请在“设置”中登录）")
    where = place or scope
    return username + aside(clauses((role_label(role), where) if where else (role_label(role),)))
