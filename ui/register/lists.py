"""Columns of the person and household lists, and the labels they show for codes and regions
(code tables and region names are loaded once per page activation, off the GUI thread)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from app.client.browse import HouseholdRow, PersonRow
from app.codes import CodeBook
from ui.lazy_model import Column

translate = QCoreApplication.translate


class Labels:
    """Readable labels for codes and region codes; falls back to the raw code until loaded."""

    def __init__(self) -> None:
        self.codes = CodeBook([])
        self.regions: dict[str, str] = {}

    def code(self, table: str, code: str | None) -> str:
        return self.codes.label(table, code, code or "")

    def region(self, code: str | None) -> str:
        return self.regions.get(code or "", code or "")

    def options(self, table: str) -> list[tuple[str, str]]:
        return [(item.code, item.label) for item in self.codes.entries(table)]


def person_columns(labels: Labels) -> list[Column]:
    return [
        Column(translate("RegisterLists", "姓名"), lambda p: p.name),
        Column(translate("RegisterLists", "性别"), lambda p: labels.code("gender", p.gender)),
        Column(translate("RegisterLists", "出生日期"), lambda p: p.birth_date.isoformat() if p.birth_date else ""),
        Column(translate("RegisterLists", "公民身份号码"), lambda p: p.id_masked),
        Column(translate("RegisterLists", "联系电话"), lambda p: p.phone_masked),
        Column(translate("RegisterLists", "与户主关系"), lambda p: labels.code("relation_to_head", p.relation_to_head)),
        Column(translate("RegisterLists", "村（社区）"), lambda p: labels.region(p.region_code)),
        Column(translate("RegisterLists", "户编号"), lambda p: p.household_no),
        Column(translate("RegisterLists", "状态"), lambda p: labels.code("person_status", p.status)),
    ]


def household_columns(labels: Labels) -> list[Column]:
    return [
        Column(translate("RegisterLists", "户编号"), lambda h: h.household_no),
        Column(translate("RegisterLists", "户主"), lambda h: h.head_name),
        Column(translate("RegisterLists", "人数"), lambda h: str(h.member_count), align_right=True),
        Column(translate("RegisterLists", "村（社区）"), lambda h: labels.region(h.region_code)),
        Column(translate("RegisterLists", "住址"), lambda h: h.address),
        Column(translate("RegisterLists", "联系电话"), lambda h: h.phone_masked),
        Column(translate("RegisterLists", "上次走访"), lambda h: h.last_visit_on.isoformat() if h.last_visit_on else translate("RegisterLists", "未走访")),
    ]


__all__ = ["HouseholdRow", "Labels", "PersonRow", "household_columns", "person_columns"]
