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

    def place(self, region_code: str | None, grid_code: str | None) -> str:
        """村/网格 in a few characters: "福山地村·2网格" (the grid's name without its village)."""
        village = self.region(region_code)
        if not grid_code:
            return village
        grid = self.regions.get(grid_code, "")
        grid = grid.removeprefix(village).removeprefix("第") if grid else f"{int(grid_code[-3:])}"
        return f"{village}·{grid}" if grid.endswith("网格") else f"{village}·{grid}{translate('RegisterLists', '网格')}"

    def short_address(self, region_code: str | None, address: str) -> str:
        """住址 below the village ("3组12号"): the province … village, shown in the 村/网格 column, are
        left out; an address elsewhere is shown whole."""
        short = address or ""
        for code in ((region_code or "")[:9].ljust(12, "0"), region_code or ""):
            name = self.regions.get(code)
            at = short.find(name) if name else -1
            if at >= 0 and len(short) > at + len(name):
                short = short[at + len(name):]
        return short

    def options(self, table: str) -> list[tuple[str, str]]:
        return [(item.code, item.label) for item in self.codes.entries(table)]


# Person columns by key, in their default order; those in PERSON_HIDDEN start hidden (the user shows,
# hides and reorders them from the header's menu; the choice is remembered).
PERSON_HIDDEN = ("phone", "status")


BADGE_COLOURS = {"rejected": "#c62828", "conflict": "#b35c00", "pending": "#1f6fb2"}


def badge_text(state: str) -> str:
    """The words of a record's sync badge: 被退回 (the server refused a local change), 冲突待审 (an
    open review item), 待上传 (a local change not yet sent); "" for none."""
    if state == "rejected":
        return translate("RegisterLists", "被退回")
    if state == "conflict":
        return translate("RegisterLists", "冲突待审")
    if state == "pending":
        return translate("RegisterLists", "待上传")
    return ""


def badge(row) -> str:
    """The sync badge after a name or number: " · 待上传" and the like."""
    text = badge_text(row.sync_state)
    return " · " + text if text else ""


def _badge_colour(row) -> str | None:
    return BADGE_COLOURS.get(row.sync_state)


def person_columns(labels: Labels) -> list[Column]:
    return [
        Column(translate("RegisterLists", "姓名"), lambda p: p.name + badge(p), color=_badge_colour),
        Column(translate("RegisterLists", "性别"), lambda p: labels.code("gender", p.gender)),
        Column(translate("RegisterLists", "出生日期"), lambda p: p.birth_date.isoformat() if p.birth_date else ""),
        Column(translate("RegisterLists", "与户主关系"), lambda p: labels.code("relation_to_head", p.relation_to_head)),
        Column(translate("RegisterLists", "村/网格"), lambda p: labels.place(p.region_code, p.grid_code)),
        Column(translate("RegisterLists", "户编号"), lambda p: p.household_no),
        Column(translate("RegisterLists", "住址"), lambda p: labels.short_address(p.region_code, p.address)),
        Column(translate("RegisterLists", "公民身份号码"), lambda p: p.id_masked),
        Column(translate("RegisterLists", "联系电话"), lambda p: p.phone_masked),
        Column(translate("RegisterLists", "状态"), lambda p: labels.code("person_status", p.status)),
    ]


PERSON_KEYS = ("name", "gender", "birth_date", "relation", "place", "household_no", "address", "id_number",
               "phone", "status")


HOUSEHOLD_PHONE = 5  # the household list's 联系电话 column


def household_columns(labels: Labels) -> list[Column]:
    return [
        Column(translate("RegisterLists", "户编号"), lambda h: h.household_no + badge(h), color=_badge_colour),
        Column(translate("RegisterLists", "户主"), lambda h: h.head_name),
        Column(translate("RegisterLists", "人数"), lambda h: str(h.member_count), align_right=True),
        Column(translate("RegisterLists", "村/网格"), lambda h: labels.place(h.region_code, h.grid_code)),
        Column(translate("RegisterLists", "住址"), lambda h: labels.short_address(h.region_code, h.address)),
        Column(translate("RegisterLists", "联系电话"), lambda h: h.phone_masked),
        Column(translate("RegisterLists", "上次走访"), lambda h: h.last_visit_on.isoformat() if h.last_visit_on else translate("RegisterLists", "未走访")),
    ]


__all__ = ["BADGE_COLOURS", "HOUSEHOLD_PHONE", "PERSON_HIDDEN", "badge", "badge_text", "PERSON_KEYS", "HouseholdRow", "Labels", "PersonRow", "household_columns",
           "person_columns"]
