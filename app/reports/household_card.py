"""户情登记表: the household card as an inspector or a family checks it on paper: the household's
particulars, every member (ID and phone masked unless revealed), further particulars and tags, the
latest visits, and boxes for the signatures of the household, the registrar and the village."""

from __future__ import annotations

from reportlab.lib.units import mm

from app.reports.context import Disclosure
from app.reports.layout import (
    KeepWithTail,
    RecordMark,
    cell,
    field_table,
    gap,
    grid_table,
    note,
    section,
    signature_boxes,
    title_block,
)
from app.reports.register_data import HouseholdCard

MEMBER_WIDTHS = [m * mm for m in (9, 18, 18, 9, 20, 12, 36, 24, 17, 11)]
DETAIL_WIDTHS = [m * mm for m in (9, 18, 25, 24, 17, 45, 36)]
VISIT_WIDTHS = [m * mm for m in (21, 18, 13, 70, 52)]


def _date(value) -> str:
    return value.isoformat() if value else ""


def _particulars(card: HouseholdCard, d: Disclosure) -> list:
    pairs = [
        ("户编号", card.household_no), ("户主", d.name(card.head_name)),
        ("户别", card.household_kind), ("户口类型", card.hukou_type),
        ("联系电话", d.phone(card.phone)), ("上次走访", _date(card.last_visit_on)),
        ("所属区域", card.region_path), ("户标签", "、".join(card.tags) or "无"),
        ("住址", card.address), ("备注", card.notes),
    ]
    return [section("一、户基本信息"), field_table(pairs)]


def _members(card: HouseholdCard, d: Disclosure) -> list:
    header = ["序号", "姓名", "与户主关系", "性别", "出生日期", "民族", "公民身份号码", "联系电话",
              "人员类别", "状态"]
    rows = [header]
    for number, m in enumerate(card.members, start=1):
        rows.append([str(number), cell(d.name(m.name)), cell(m.relation), m.gender, _date(m.birth_date),
                     m.ethnicity, d.id_number(m.id_number), d.phone(m.phone), m.residence_type, m.status])
    if not card.members:
        rows.append(["", "（本户暂无在册成员）"] + [""] * 8)
    details = [["序号", "姓名", "文化程度", "政治面貌", "婚姻状况", "现住址", "标签"]]
    for number, m in enumerate(card.members, start=1):
        details.append([str(number), cell(d.name(m.name)), cell(m.education),
                        cell(m.political_status), m.marital_status,
                        cell(m.current_address), cell("、".join(m.tags))])
    parts = [section(f"二、家庭成员（共 {len(card.members)} 人）"), grid_table(rows, MEMBER_WIDTHS, font_size=8.5)]
    if card.members:
        parts += [gap(2), grid_table(details, DETAIL_WIDTHS, font_size=8.5)]
    return parts


def _visits(card: HouseholdCard) -> list:
    rows = [["走访日期", "走访人", "方式", "走访情况", "后续跟进"]]
    for v in card.visits:
        rows.append([_date(v.visited_on), cell(v.visitor), v.kind, cell(v.findings),
                     cell(v.follow_up)])
    if not card.visits:
        rows.append(["", "", "", "（暂无走访记录）", ""])
    return [section("三、近期走访记录"), grid_table(rows, VISIT_WIDTHS, font_size=8.5)]


def household_card_story(card: HouseholdCard, d: Disclosure, code=None) -> list:
    """The flowables of one household card (one or more pages); the confirmation and signature
    block goes over with the visits when it does not fit under them."""
    masked = "证件号码、联系电话已按规定脱敏显示。" if not d.reveal else "本表含完整证件号码和联系电话，请妥善保管。"
    return [
        RecordMark(f"户编号：{card.household_no}", code),
        *title_block("户情登记表", f"户编号：{card.household_no}　　{card.region_path}"),
        *_particulars(card, d),
        *_members(card, d),
        KeepWithTail(_visits(card), [
            section("四、核对确认"), note("经核对，以上信息属实。如有变化请在空白处注明，由登记人更新系统。"),
            gap(1.5), signature_boxes(["户主或家庭成员", "登记人（网格员）", "村（社区）审核（盖章）"]),
            gap(2), note(masked)]),
    ]
