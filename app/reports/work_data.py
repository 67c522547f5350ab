"""Read functions for the work forms: a case with its parties, handling log and summoned departments
(事件处置单), and one village's copy of a task with its linked households and feedback (任务清单/反馈单).
Frozen dataclasses with raw values and resolved labels; masking happens when the form is drawn."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.codes import CodeBook
from app.reports.context import people_names
from app.rules import case_workflow, task_rules
from db.models import (
    Case,
    CaseLogEntry,
    CaseParty,
    CaseWhistle,
    Household,
    Person,
    Task,
    TaskFeedback,
    TaskLink,
    TaskTarget,
)


@dataclass(frozen=True)
class CaseLogRow:
    at: dt.datetime
    actor: str
    action: str
    status_change: str
    text: str


@dataclass(frozen=True)
class WhistleRow:
    department: str
    summoned_at: dt.datetime
    arrived_at: dt.datetime | None
    evaluation: str
    comment: str


@dataclass(frozen=True)
class CaseForm:
    case_id: str
    case_no: str
    region_code: str
    title: str
    description: str
    source: str
    request_type: str
    category: str
    status: str
    occurred_at: dt.datetime | None
    registered_at: dt.datetime
    deadline_on: dt.date | None
    closed_at: dt.datetime | None
    place: str
    reporter_name: str
    reporter_phone: str | None
    supervised: bool
    escalated_to: str
    satisfaction: str
    satisfaction_comment: str
    parties: tuple[tuple[str, str, str | None], ...]  # (name, role, phone)
    log: tuple[CaseLogRow, ...]
    whistles: tuple[WhistleRow, ...]


def category_path(codes: CodeBook, code: str) -> str:
    """"矛盾纠纷 / 邻里纠纷" for a two-level category code."""
    item = codes.get("case_category", code)
    if item is None:
        return code
    parent = codes.get("case_category", item.parent_code) if item.parent_code else None
    return f"{parent.label_zh} / {item.label_zh}" if parent else item.label_zh


def _status_change(old: int | None, new: int | None) -> str:
    if new is None:
        return ""
    if old is None:
        return case_workflow.status_label(new)
    return f"{case_workflow.status_label(old)} → {case_workflow.status_label(new)}"


def _log_action(action: str) -> str:
    return case_workflow.ACTION_LABELS.get(action, {"register": "登记"}.get(action, action))


def case_form(session: Session, case: Case, codes: CodeBook) -> CaseForm:
    names = people_names(session)
    parties = session.scalars(select(CaseParty).where(CaseParty.case_id == case.id, CaseParty.deleted.is_(False))
                              .order_by(CaseParty.id)).all()
    log = session.scalars(select(CaseLogEntry).where(CaseLogEntry.case_id == case.id)
                          .order_by(CaseLogEntry.at, CaseLogEntry.id)).all()
    whistles = session.scalars(select(CaseWhistle).where(CaseWhistle.case_id == case.id,
                                                         CaseWhistle.deleted.is_(False))
                               .order_by(CaseWhistle.summoned_at)).all()
    return CaseForm(
        case_id=case.id, case_no=case.case_no, region_code=case.region_code, title=case.title,
        description=case.description or "",
        source=codes.label("case_source", case.source, case.source)
        + (f"（工单号 {case.channel_ref}）" if case.channel_ref else ""),
        request_type=codes.label("request_type", case.request_type, case.request_type),
        category=category_path(codes, case.category_code), status=case_workflow.status_label(case.status),
        occurred_at=case.occurred_at, registered_at=case.registered_at, deadline_on=case.deadline_on,
        closed_at=case.closed_at, place=case.place or "", reporter_name=case.reporter_name or "",
        reporter_phone=case.reporter_phone, supervised=bool(case.supervised),
        escalated_to=codes.label("department", case.escalated_to, case.escalated_to or ""),
        satisfaction=codes.label("satisfaction", case.satisfaction),
        satisfaction_comment=case.satisfaction_comment or "",
        parties=tuple((p.name, p.role or "", p.phone) for p in parties),
        log=tuple(CaseLogRow(e.at, names.get(e.actor, e.actor), _log_action(e.action), _status_change(e.from_status, e.to_status),
                             e.text or "") for e in log),
        whistles=tuple(WhistleRow(codes.label("department", w.department_code, w.department_code), w.summoned_at,
                                  w.arrived_at, codes.label("whistle_evaluation", w.evaluation), w.comment or "")
                       for w in whistles),
    )


@dataclass(frozen=True)
class TaskHouseholdRow:
    household_no: str
    head_name: str
    address: str
    phone: str | None
    handled: bool
    handled_at: dt.datetime | None
    handled_by: str
    person_name: str = ""  # whose data the row shows: the link's person (confirmed or linked), else the head
    # the requested fields as (name, value) — raw values, coded ones as labels; masking when drawn
    answers: tuple[tuple[str, str], ...] = ()
    corrected: tuple[str, ...] = ()  # requested field names 一表通 corrected in the register


@dataclass(frozen=True)
class TaskSheet:
    task_id: str
    target_ids: tuple[str, ...]
    village_code: str
    task_no: str
    title: str
    description: str
    department: str
    kind: str
    priority: str
    issued_at: dt.datetime
    due_at: dt.datetime
    issued_by: str
    status: str
    assignee: str
    overdue: bool
    requested_fields: tuple[str, ...]
    households: tuple[TaskHouseholdRow, ...]
    feedback: tuple[tuple[dt.datetime, str, str, str], ...]  # (at, author, progress, text)
    field_names: tuple[str, ...] = ()  # the requested fields' names, in the order of requested_fields
    request_purpose: str = ""


def _village_targets(session: Session, task_id: str, village_code: str) -> list[TaskTarget]:
    """The task copies that concern a village: aimed at it, assigned to it, or aimed at its township
    (then only the village's households are listed)."""
    targets = session.scalars(select(TaskTarget).where(TaskTarget.task_id == task_id,
                                                       TaskTarget.deleted.is_(False))).all()
    own = [t for t in targets if village_code in (t.region_code, t.assigned_region_code)]
    return own or [t for t in targets if village_code.startswith(t.region_code.rstrip("0") or "#")]


def _task_households(session: Session, target_ids: list[str], village_code: str, fields: list[str],
                     codes: CodeBook) -> list[TaskHouseholdRow]:
    """The village's linked households, each with the person whose data it shows (the link's person —
    the member 一表通 confirmed or the person linked — else the head), that person's own phone, and
    for a data request the requested fields' values as the register holds them now (so corrections
    reach paper) with the corrected ones named."""
    rows = session.execute(
        select(TaskLink, Household).join(Household, Household.id == TaskLink.household_id)
        .where(TaskLink.target_id.in_(target_ids), TaskLink.deleted.is_(False),
               Household.region_code.startswith(village_code))
        .order_by(Household.household_no)
    ).all()
    person_ids = {link.person_id or h.head_person_id for link, h in rows} - {None}
    persons = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(person_ids)))}
    known = [f for f in fields if f in task_rules.FIELD_LABELS]
    result = []
    for link, h in rows:
        person = persons.get(link.person_id or h.head_person_id or "")
        answers = tuple((name, _value(codes, person, name)) for name in known) if person is not None else ()
        result.append(TaskHouseholdRow(
            h.household_no, person.name if person else "", h.address or "",
            (person.phone if person else None) or h.phone,  # the person's own phone, the household's when none
            bool(link.handled), link.handled_at, link.handled_by or "", person.name if person else "",
            answers, tuple(link.corrected or ()) if link.handled else ()))
    return result


def _value(codes: CodeBook, person: Person, name: str) -> str:
    value = getattr(person, name, None) or ""
    table = task_rules.CODED_FIELDS.get(name)
    return codes.label(table, value, value) if table and value else str(value)


def task_sheet(session: Session, task: Task, village_code: str, codes: CodeBook, now: dt.datetime) -> TaskSheet:
    targets = _village_targets(session, task.id, village_code)
    target_ids = [t.id for t in targets]
    households = _task_households(session, target_ids, village_code, list(task.requested_fields or ()), codes)
    feedback = session.scalars(select(TaskFeedback).where(TaskFeedback.target_id.in_(target_ids))
                               .order_by(TaskFeedback.at)).all()
    status = targets[0].status if targets else task_rules.NOT_ACCEPTED
    names = people_names(session)
    return TaskSheet(
        task_id=task.id, target_ids=tuple(target_ids), village_code=village_code, task_no=task.task_no,
        title=task.title, description=task.description or "",
        department=codes.label("department", task.department_code, task.department_code),
        kind=codes.label("task_kind", task.kind), priority=codes.label("task_priority", str(task.priority)),
        issued_at=task.issued_at, due_at=task.due_at, issued_by=names.get(task.issued_by, task.issued_by or ""),
        status=task_rules.status_label(status),
        assignee="、".join(sorted({names.get(t.assignee, t.assignee) for t in targets if t.assignee})),
        overdue=task_rules.is_overdue(status, task.due_at, now),
        requested_fields=tuple(task_rules.FIELD_LABELS.get(f, f) for f in task.requested_fields or ()),
        households=tuple(households),
        field_names=tuple(task.requested_fields or ()), request_purpose=task.request_purpose or "",
        feedback=tuple((f.at, names.get(f.author, f.author), f"{f.handled_count}/{f.total_count}", f.text or "") for f in feedback),
    )
