"""The lists a clerk can export (人员, 户, 任务, 事件, 待审), each declared once: its title, the
entity its audit entry names, and its columns over the row objects the list pages already show
(PersonRow, HouseholdRow, InboxItem, CaseView, ReviewEntry). The desktop client and
`township-desk export` both page through the same queries with the filters applied, so an export
holds exactly what the list shows. ID numbers and phones arrive masked from the list queries and
stay masked (a full-value roster is `ExchangeService.export_roster(reveal=True)`, audited apart)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from app.codes import CodeBook
from app.exchange.list_export import ExportColumn
from app.rules.masking import mask_id, mask_phone

PAGE = 100_000  # rows per query: a township in one (each further page re-walks the sort up to its offset)
PERSONAL_FIELDS = {"id_number": mask_id, "phone": mask_phone, "reporter_phone": mask_phone}


@dataclass(frozen=True)
class ListSpec:
    name: str  # the command line's LIST argument
    title: str
    entity: str  # what the audit entry names
    columns: tuple[ExportColumn, ...]


def _date(value) -> str:
    return value.isoformat(sep=" ", timespec="minutes") if hasattr(value, "hour") else \
        (value.isoformat() if value else "")


def person_spec(codes: CodeBook, regions: dict[str, str]) -> ListSpec:
    return ListSpec("persons", "人员名单", "person", (
        ExportColumn("姓名", "name", width=10),
        ExportColumn("性别", lambda r: codes.label("gender", r.gender, r.gender or ""), width=6),
        ExportColumn("出生日期", lambda r: _date(r.birth_date), width=12),
        ExportColumn("公民身份号码", "id_masked", width=21),
        ExportColumn("联系电话", "phone_masked", width=14),
        ExportColumn("户编号", "household_no", width=21),
        ExportColumn("与户主关系", lambda r: codes.label("relation_to_head", r.relation_to_head, ""), width=10),
        ExportColumn("村（社区）", lambda r: regions.get(r.region_code, r.region_code), width=12),
        ExportColumn("网格", lambda r: regions.get(r.grid_code or "", r.grid_code or ""), width=12),
        ExportColumn("人员状态", lambda r: codes.label("person_status", r.status, r.status or ""), width=8),
        ExportColumn("住址", "address", width=26),
    ))


def household_spec(regions: dict[str, str]) -> ListSpec:
    return ListSpec("households", "户清单", "household", (
        ExportColumn("户编号", "household_no", width=21),
        ExportColumn("户主", "head_name", width=10),
        ExportColumn("人数", "member_count", width=6),
        ExportColumn("联系电话", "phone_masked", width=14),
        ExportColumn("住址", "address", width=26),
        ExportColumn("村（社区）", lambda r: regions.get(r.region_code, r.region_code), width=12),
        ExportColumn("网格", lambda r: regions.get(r.grid_code or "", r.grid_code or ""), width=12),
        ExportColumn("最近走访", lambda r: _date(r.last_visit_on), width=12),
    ))


def task_spec() -> ListSpec:
    return ListSpec("tasks", "任务清单", "task", (
        ExportColumn("任务编号", lambda r: r.view.task_no, width=16),
        ExportColumn("标题", lambda r: r.view.title, width=30),
        ExportColumn("下发部门", "department_label", width=14),
        ExportColumn("类型", "kind_label", width=10),
        ExportColumn("区域", "region_name", width=12),
        ExportColumn("状态", lambda r: r.view.status_label, width=8),
        ExportColumn("截止时间", lambda r: _date(r.view.due_at), width=17),
        ExportColumn("承办人", "assigned_name", width=10),
        ExportColumn("进度", lambda r: f"{r.view.progress.handled}/{r.view.progress.total}", width=8),
        ExportColumn("已超期", lambda r: "是" if r.view.overdue else "", width=7),
    ))


def case_spec(regions: dict[str, str]) -> ListSpec:
    return ListSpec("cases", "事件清单", "case", (
        ExportColumn("事件编号", "case_no", width=18),
        ExportColumn("标题", "title", width=30),
        ExportColumn("来源", "source", width=8),
        ExportColumn("登记时间", lambda r: _date(r.registered_at), width=17),
        ExportColumn("地点", "place", width=20),
        ExportColumn("村（社区）", lambda r: regions.get(r.region_code, r.region_code), width=12),
        ExportColumn("反映人", "reporter_name", "name", width=10),
        ExportColumn("反映人电话", "reporter_phone_masked", width=14),
        ExportColumn("状态", "status_label", width=8),
        ExportColumn("办理期限", lambda r: _date(r.deadline_on), width=12),
        ExportColumn("已超期", lambda r: "是" if r.overdue else "", width=7),
    ))


def _review_value(row, value) -> str:
    mask = PERSONAL_FIELDS.get(row.field or "")
    text = "" if value is None else str(value)
    return mask(text) if mask and text else text


# The review list's kinds and record kinds in the words of the 待审 page (the sheet is in Chinese, as
# its headers; a clerk reading "duplicate_hh_no" in Excel has no way to tell what it is).
REVIEW_KINDS = {"conflict": "同时修改", "delete_conflict": "删除与修改冲突", "status_conflict": "状态分歧",
                "duplicate_id": "证件号码重复", "duplicate_hh_no": "户编号重复"}
REVIEW_ENTITIES = {"household": "户", "person": "人员", "tag_assignment": "标签", "visit": "走访记录", "task": "任务",
                   "task_target": "任务进度", "task_link": "任务关联户", "task_feedback": "任务反馈", "case": "事件",
                   "case_log": "事件处置记录", "case_party": "事件当事人", "case_whistle": "吹哨报到"}

REVIEW_FIELDS = {"address": "住址", "phone": "联系电话", "name": "姓名", "id_number": "证件号码", "household_no": "户编号",
                 "grid_code": "网格", "relation_to_head": "与户主关系", "status": "状态", "current_address": "现住址",
                 "notes": "备注", "deleted": "删除", "title": "标题", "household_id": "所属户", "head_person_id": "户主"}


def review_spec() -> ListSpec:
    return ListSpec("review", "待审事项", "review", (
        ExportColumn("类型", lambda r: REVIEW_KINDS.get(r.kind, r.kind), width=14),
        ExportColumn("对象", lambda r: REVIEW_ENTITIES.get(r.entity, r.entity), width=10),
        ExportColumn("字段", lambda r: REVIEW_FIELDS.get(r.field or "", r.field or ""), width=14),
        ExportColumn("生效的值", lambda r: _review_value(r, r.winner_value), width=20),
        ExportColumn("修改人", lambda r: r.winner_user or "", width=10),
        ExportColumn("另一方的值", lambda r: _review_value(r, r.loser_value), width=20),
        ExportColumn("另一方修改人", lambda r: r.loser_user or "", width=10),
        ExportColumn("发现时间", lambda r: _date(r.created_at), width=17),
    ))


def page_lists(fetch: Callable[[int, int], list], page: int = PAGE) -> Iterator[list]:
    """The pages of a paged list query (offset, limit) → rows, one after the other."""
    offset = 0
    while True:
        rows = fetch(offset, page)
        yield rows
        if len(rows) < page:
            return
        offset += page



def record_id(row) -> str:
    """The id the audit entry lists for an exported row."""
    inner = getattr(row, "view", row)
    return inner.id
