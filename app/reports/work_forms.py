"""事件处置单 (case handling form: registration, parties, the full handling log, summoned departments,
closure and revisit, signature boxes) and 任务清单/反馈单 (a village's task sheet: the task, a
check-box line per linked household to tick on the round, the feedback so far and blank lines for
more, signature boxes). Phones are masked unless revealed."""

from __future__ import annotations

from reportlab.lib.units import mm

from app.reports.context import Disclosure
from app.reports.layout import (
    CONTENT_WIDTH,
    CheckBox,
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
from app.reports.work_data import CaseForm, TaskSheet

BLANK_FEEDBACK_LINES = 3


def _dt(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def _date(value) -> str:
    return value.isoformat() if value else ""


def _case_particulars(form: CaseForm, d: Disclosure) -> list:
    pairs = [
        ("事件编号", form.case_no), ("当前状态", form.status),
        ("事件来源", form.source), ("诉求类型", form.request_type),
        ("事件分类", form.category), ("办结期限", _date(form.deadline_on)),
        ("发生时间", _dt(form.occurred_at)), ("登记时间", _dt(form.registered_at)),
        ("反映人", d.name(form.reporter_name)), ("联系电话", d.phone(form.reporter_phone)),
        ("督办", "是" if form.supervised else "否"), ("上报部门", form.escalated_to or "无"),
    ]
    wide = [("事件标题", form.title), ("发生地点", form.place), ("事件描述", form.description)]
    return [section("一、登记信息"), field_table(pairs), field_table(wide, columns=1)]


def _case_parties(form: CaseForm, d: Disclosure) -> list:
    rows = [["序号", "姓名", "身份", "联系电话"]]
    rows += [[str(i), cell(d.name(name)), cell(role), d.phone(phone)]
             for i, (name, role, phone) in enumerate(form.parties, start=1)]
    if not form.parties:
        rows.append(["", "（无）", "", ""])
    widths = [m * mm for m in (12, 50, 62, 50)]
    return [section("二、当事人"), grid_table(rows, widths)]


def _case_log(form: CaseForm) -> list:
    rows = [["时间", "处理人", "办理动作", "状态变化", "处理意见"]]
    rows += [[_dt(e.at), cell(e.actor), e.action, e.status_change, cell(e.text)] for e in form.log]
    if not form.log:
        rows.append(["", "", "", "", "（暂无处置记录）"])
    widths = [m * mm for m in (29, 20, 19, 36, 70)]
    return [section("三、处置记录"), grid_table(rows, widths)]


def _case_whistles(form: CaseForm) -> list:
    if not form.whistles:
        return []
    rows = [["报到部门", "吹哨时间", "报到时间", "评价", "说明"]]
    rows += [[cell(w.department), _dt(w.summoned_at), _dt(w.arrived_at) or "未报到", w.evaluation,
              cell(w.comment)] for w in form.whistles]
    widths = [m * mm for m in (28, 30, 30, 16, 70)]
    return [section("四、吹哨报到"), grid_table(rows, widths)]


def _case_closure(form: CaseForm) -> list:
    pairs = [("办结时间", _dt(form.closed_at)), ("回访评价", form.satisfaction), ("评价说明", form.satisfaction_comment)]
    result = grid_table([["处置结果（手写）"], [""]], [CONTENT_WIDTH], min_heights=[None, 15 * mm])
    return [section("五、办结与回访"), field_table(pairs, columns=3), gap(1.5), result]


def case_form_story(form: CaseForm, d: Disclosure, code=None) -> list:
    """The case form; the handling log's last rows go over with the closure and signature block
    when that block does not fit under them."""
    return [
        RecordMark(f"事件编号：{form.case_no}", code),
        *title_block("事件处置单", f"编号：{form.case_no}　　状态：{form.status}"),
        *_case_particulars(form, d),
        *_case_parties(form, d),
        KeepWithTail(_case_log(form), [*_case_whistles(form), *_case_closure(form), gap(2),
                                       signature_boxes(["承办人", "审核人", "单位（盖章）"], height=20 * mm)]),
    ]


def _task_particulars(sheet: TaskSheet, village_name: str) -> list:
    done = sum(1 for h in sheet.households if h.handled)
    status = sheet.status + ("（已超期）" if sheet.overdue else "")
    pairs = [
        ("任务编号", sheet.task_no), ("下发部门", sheet.department),
        ("任务类型", sheet.kind), ("优先级", sheet.priority),
        ("下发时间", _dt(sheet.issued_at)), ("完成期限", _dt(sheet.due_at)),
        ("下发人", sheet.issued_by), ("当前状态", status),
        ("承办村", village_name), ("承办人", sheet.assignee),
        ("完成进度", f"已完成 {done} 户，共 {len(sheet.households)} 户"), ("", ""),
    ]
    wide = [("任务名称", sheet.title), ("任务要求", sheet.description)]
    if sheet.requested_fields:
        wide.append(("核采字段", "、".join(sheet.requested_fields)))
    if sheet.request_purpose:
        wide.append(("数据用途", sheet.request_purpose))
    return [section("一、任务信息"), field_table(pairs), field_table(wide, columns=1)]


def _task_households(sheet: TaskSheet, d: Disclosure) -> list:
    person = "核对人" if sheet.field_names else "户主"  # a data request shows whose data was checked
    rows = [["序号", "完成", "户编号", person, "住址", "联系电话", "走访情况（手写）"]]
    for i, h in enumerate(sheet.households, start=1):
        mark = CheckBox(h.handled, f"{h.handled_at:%m-%d}" if h.handled and h.handled_at else "")
        rows.append([str(i), mark, h.household_no, cell(d.name(h.head_name)), cell(h.address),
                     d.phone(h.phone), ""])
    if not sheet.households:
        rows.append(["", "", "（本任务未关联到户）", "", "", "", ""])
    widths = [m * mm for m in (9, 15, 37, 17, 33, 23, 40)]
    table = grid_table(rows, widths, font_size=8.5, vpadding=5.5)
    legend = note("已打勾：已完成（后附完成日期）；空框：未完成，走访后请打勾并填写走访情况。")
    return [section("二、户清单（逐户打勾）"), table, gap(1), legend]


def _task_answers(sheet: TaskSheet, d: Disclosure) -> list:
    """一表通 results: per household the person checked and each requested field's value now in the
    register, a corrected one marked 「已改正」 (ID numbers and phones masked unless revealed)."""
    names = [n for n in sheet.field_names if any(n == a for h in sheet.households for a, _v in h.answers)]
    if not names:
        return []
    shown = {"id_number": d.id_number, "phone": d.phone}
    labels = dict(zip(sheet.field_names, sheet.requested_fields, strict=False))
    rows = [["户编号", "核对人员", *(labels.get(n, n) for n in names)]]
    for h in sheet.households:
        values = dict(h.answers) if h.handled else {}
        rows.append([h.household_no, cell(d.name(h.person_name)),
                     *(cell(shown.get(n, str)(values.get(n, "")) + ("（已改正）" if n in h.corrected else ""))
                       for n in names)])
    rest = 174 - 37 - 17
    widths = [37 * mm, 17 * mm] + [rest / len(names) * mm] * len(names)
    legend = note("一表通核对结果：所列为户籍中现有数据（已改正的已写回户籍，标「已改正」）；未核的户留空待核。")
    return [section("三、一表通核对结果"), grid_table(rows, widths, font_size=8, vpadding=4), gap(1), legend]


def _task_feedback(sheet: TaskSheet, number: str = "三") -> list:
    rows = [["反馈时间", "反馈人", "进度", "反馈内容"]]
    rows += [[_dt(at), cell(author), progress, cell(text)] for at, author, progress, text in sheet.feedback]
    rows += [["", "", "", ""] for _ in range(BLANK_FEEDBACK_LINES)]
    widths = [m * mm for m in (30, 22, 16, 106)]
    table = grid_table(rows, widths, vpadding=5.5)
    return [section(f"{number}、反馈记录"), table]


def task_sheet_story(sheet: TaskSheet, village_name: str, d: Disclosure, code=None) -> list:
    """The task sheet; feedback rows go over with the signature block when it does not fit under them."""
    answers = _task_answers(sheet, d)  # a data request's results, numbered before the feedback
    return [
        RecordMark(f"任务编号：{sheet.task_no}", code),
        *title_block("任务清单/反馈单", f"{village_name}　　任务编号：{sheet.task_no}"),
        *_task_particulars(sheet, village_name),
        *_task_households(sheet, d),
        *answers,
        KeepWithTail(_task_feedback(sheet, "四" if answers else "三"),
                     [gap(4), signature_boxes(["走访人", "村（社区）负责人", "乡镇（街道）审核（盖章）"])]),
    ]
