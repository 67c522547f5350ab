"""Print snapshots: what a printed form showed of its record, kept as an append-only synced record
whose id is the "version printed" in the form's QR code (app/reports/qr.py). When the signed page
comes back as a scan, `changes_since` compares the snapshot with the record as it is now, so the
clerk sees what changed after the paper was printed ("当前状态：处置中 → 已办结", "处置记录：新增 2 条").

The fields are the form's own labels and printed texts (masking as the form printed them), so a
snapshot never holds more personal data than the paper did."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.reports.context import Disclosure
from app.reports.register_data import HouseholdCard
from app.reports.work_data import CaseForm, TaskSheet
from db.ids import new_id
from db.models import PrintSnapshot


def case_fields(form: CaseForm, d: Disclosure) -> dict[str, str]:
    return {"事件标题": form.title, "当前状态": form.status, "事件分类": form.category,
            "发生地点": form.place, "事件描述": form.description, "反映人": d.name(form.reporter_name),
            "办结期限": form.deadline_on.isoformat() if form.deadline_on else "",
            "处置记录": str(len(form.log)), "当事人": str(len(form.parties)),
            "回访评价": form.satisfaction}


def task_fields(sheet: TaskSheet) -> dict[str, str]:
    done = sum(1 for h in sheet.households if h.handled)
    return {"任务名称": sheet.title, "当前状态": sheet.status, "承办人": sheet.assignee,
            "完成进度": f"{done}/{len(sheet.households)}", "反馈记录": str(len(sheet.feedback))}


def household_fields(card: HouseholdCard, d: Disclosure) -> dict[str, str]:
    return {"户主": d.name(card.head_name), "住址": card.address, "联系电话": d.phone(card.phone),
            "户标签": "、".join(card.tags), "家庭成员": "、".join(d.name(m.name) for m in card.members),
            "走访记录": str(len(card.visits))}


COUNTED = {"处置记录", "当事人", "反馈记录", "走访记录"}  # counts: shown as "新增 n 条"


def take(session: Session, entity: str, record_id: str, region_code: str, fields: dict[str, str],
         d: Disclosure) -> PrintSnapshot:
    """Adds the snapshot of one printed record (the caller's unit of work commits it)."""
    snapshot = PrintSnapshot(id=new_id(), entity=entity, record_id=record_id, region_code=region_code[:12],
                             printed_at=d.at, printed_by=d.username, fields=dict(fields))
    session.add(snapshot)
    return snapshot


def changes_since(printed: dict[str, str], now: dict[str, str]) -> list[str]:
    """One line per field that differs between the printed snapshot and the record now."""
    lines = []
    for label, value in now.items():
        before = printed.get(label, "")
        if before == value:
            continue
        if label in COUNTED and before.isdigit() and value.isdigit():
            added = int(value) - int(before)
            lines.append(f"{label}：新增 {added} 条" if added > 0 else f"{label}：{before} → {value} 条")
        else:
            lines.append(f"{label}：{before or '（空）'} → {value or '（空）'}")
    return lines


def current_fields(session: Session, entity: str, record_id: str, codes, d: Disclosure,
                   today, now) -> dict[str, str] | None:
    """The fields a form of this record would print now (as its snapshot holds them), or None
    when the record is gone."""
    from app.reports.register_data import household_card
    from app.reports.work_data import case_form, task_sheet
    from db.models import Case, Household, Task, TaskTarget

    if entity == "case":
        case = session.get(Case, record_id)
        return None if case is None or case.deleted else case_fields(case_form(session, case, codes), d)
    if entity == "household":
        household = session.get(Household, record_id)
        return None if household is None or household.deleted else household_fields(
            household_card(session, household, codes, today), d)
    if entity == "task_target":
        target = session.get(TaskTarget, record_id)
        task = session.get(Task, target.task_id) if target is not None else None
        if task is None:
            return None
        return task_fields(task_sheet(session, task, target.assigned_region_code or target.region_code, codes, now))
    return None
