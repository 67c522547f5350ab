"""统计汇总表: the inspection summary as inspectors from above read it: cases by village, category
and status with the on-time rate, tasks by village, the register and its (non-sensitive) tag counts,
and the overdue cases with reporters' names masked (张*), closed by the 制表人 / 审核人 / 单位（盖章）
block. Names on this form are always masked."""

from __future__ import annotations

from reportlab.lib.units import mm

from app.reports.context import Disclosure
from app.reports.layout import (
    KeepWithTail,
    RecordMark,
    cell,
    gap,
    grid_table,
    note,
    section,
    signature_boxes,
    title_block,
)
from app.reports.qr import FormCode
from app.reports.summary_data import InspectionSummary, RateRow
from app.rules.masking import mask_name

RATE_WIDTHS = [m * mm for m in (46, 20, 20, 20, 22, 24, 22)]


def _rate_table(rows: tuple[RateRow, ...], first: str, open_label: str, finished_label: str,
                on_time_label: str, overdue_label: str) -> object:
    header = [first, "总数", open_label, finished_label, on_time_label, overdue_label, "按期率"]
    body = [[cell(r.label), r.total, r.open, r.finished, r.on_time, r.overdue_open, r.rate] for r in rows]
    if not body:
        body = [["（无数据）", "", "", "", "", "", ""]]
    total = [-1] if len(rows) > 1 and rows[-1].label == "合计" else []
    return grid_table([header, *body], RATE_WIDTHS, align=dict.fromkeys(range(1, 7), "right"), shade_rows=total)


def _pairs_table(pairs: tuple[tuple[str, int], ...], first: str, second: str, per_row: int = 3) -> object:
    """Label/count pairs laid out `per_row` to a line, so short lists do not waste a page."""
    header = [first, second] * per_row
    body = []
    for start in range(0, len(pairs), per_row):
        row: list[object] = []
        for label, count in pairs[start:start + per_row]:
            row += [cell(label), count]
        body.append(row + ["", ""] * (per_row - len(row) // 2))
    if not body:
        body = [["（无）", ""] + ["", ""] * (per_row - 1)]
    widths = [m * mm for m in (38, 20)] * per_row
    return grid_table([header, *body], widths, align=dict.fromkeys(range(1, 2 * per_row, 2), "right"))


def _register(summary: InspectionSummary) -> list:
    rows = [["村（社区）", "在册户数", "常住及外出人数"]]
    rows += [[cell(v), h, p] for v, h, p in summary.register_by_village]
    total = [-1] if len(rows) > 2 and rows[-1][0] == "合计" else []
    table = grid_table(rows, [m * mm for m in (70, 50, 54)], align={1: "right", 2: "right"}, shade_rows=total)
    return [section("五、登记在册情况"), table, gap(2),
            _pairs_table(summary.tag_counts, "标签", "人（户）数")]


def _overdue(summary: InspectionSummary) -> list:
    rows = [["事件编号", "村（社区）", "事件分类", "反映人", "办结期限", "超期天数"]]
    rows += [[o.case_no, cell(o.village), cell(o.category), cell(mask_name(o.reporter_name)), o.deadline_on.isoformat(),
              o.days_over] for o in summary.overdue_cases]
    if not summary.overdue_cases:
        rows.append(["（无超期未办结事件）", "", "", "", "", ""])
    return [section("六、超期未办结事件清单"),
            grid_table(rows, [m * mm for m in (36, 32, 36, 20, 28, 22)], align={5: "right"})]


def _period_text(summary: InspectionSummary) -> str:
    start, end = summary.period
    if not start and not end:
        return "全部时间"
    return f"{start.isoformat() if start else '最早'} 至 {end.isoformat() if end else '今'}"


def summary_story(summary: InspectionSummary, d: Disclosure | None = None) -> list:
    """The summary; the overdue list's last rows go over with the 制表人/审核人/单位（盖章） block."""
    subtitle = f"{summary.region_name}　　统计期间：{_period_text(summary)}　　统计时间：{summary.as_of:%Y-%m-%d %H:%M}"
    code = FormCode("summary", summary.region_code, f"{summary.as_of:%Y%m%d%H%M}")
    maker = f"制表人：{d.display_name or d.username}　　" if d else ""
    return [
        RecordMark(f"统计区域：{summary.region_name}", code),
        *title_block("基层治理工作统计汇总表", subtitle),
        section("一、事件办理情况（按村、社区）"),
        _rate_table(summary.cases_by_village, "村（社区）", "办理中", "已办结", "按期办结", "超期未办结"),
        section("二、事件办理情况（按分类）"),
        _rate_table(summary.cases_by_category, "事件分类", "办理中", "已办结", "按期办结", "超期未办结"),
        section("三、事件状态分布"),
        _pairs_table(summary.cases_by_status, "状态", "件数"),
        section("四、任务完成情况（按村、社区）"),
        _rate_table(summary.tasks_by_village, "村（社区）", "未完成", "已完成", "按期完成", "超期未完成"),
        *_register(summary),
        KeepWithTail(_overdue(summary), [
            gap(2),
            note("说明：按期率 = 按期办结（完成）数 ÷（已办结（完成）数 + 超期未办结（完成）数）；"
                 "已退回的任务不计入。本表人员姓名已脱敏，不含重点人员等敏感标签信息。"),
            gap(2), note(f"{maker}制表日期：{summary.as_of:%Y-%m-%d}"), gap(1),
            signature_boxes(["制表人", "审核人", "单位（盖章）"], height=22 * mm)]),
    ]
