"""Cases (事件/诉求): register a case (case number, deadline by request type), move it through the
workflow of `app.rules.case_workflow` with an append-only handling-log entry for every move,
record parties, escalate to a department, flag supervision (督办), joint handling (吹哨报到:
summon departments, record each arrival, evaluate it) and the revisit with satisfaction.

Case numbers are unique per township and day without a server round trip: township code (9) +
date (8) + a 3-character tag of the registering device + a 4-digit daily sequence on that device.
Two laptops registering offline on the same day therefore never collide.

Who may do what is data (`ACTION_ROLES`). Department users (条) reach only cases escalated to
their department; everyone else reaches cases inside their region scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import NotFoundError, PermissionDenied, UserFacingError, ValidationError
from app.rules import case_workflow as wf
from app.rules.contact import normalise_phone
from app.rules.deadlines import (
    REQUEST_TYPE_TABLE,
    WEEKENDS_ONLY,
    WorkCalendar,
    case_deadline,
    is_case_due_soon,
    is_case_overdue,
)
from app.rules.masking import mask_phone
from app.rules.regions import validate_grid_code, validate_region_code
from app.services.case_moves import CaseMoves
from app.services.context import (
    CITY_ADMIN,
    DEPARTMENT,
    GRID_WORKER,
    REVEAL_ROLES,
    TOWNSHIP_ADMIN,
    TOWNSHIP_STAFF,
    VILLAGE_CADRE,
    ServiceBase,
    check_code,
    code_book,
    device_tag,
    optional_text,
    require_text,
)
from db.ids import new_id
from db.models import AuditEntry, Case, CaseLogEntry, CaseParty, CaseWhistle

_TOWNSHIP = frozenset({CITY_ADMIN, TOWNSHIP_ADMIN, TOWNSHIP_STAFF})
_FIELD = _TOWNSHIP | {VILLAGE_CADRE, GRID_WORKER}
_HANDLERS = _FIELD | {DEPARTMENT}
# action: roles that may take it. Review steps belong to the township; handling steps to whoever
# the case was dispatched to (a village, a grid worker or a department).
ACTION_ROLES: dict[str, frozenset[str]] = {
    "register": _FIELD, "accept": _TOWNSHIP, "self_handle": _FIELD, "close": _FIELD,
    "dispatch": _TOWNSHIP, "sign": _HANDLERS, "return": _HANDLERS, "handle": _HANDLERS,
    "extend": _HANDLERS, "approve_extension": _TOWNSHIP, "refuse_extension": _TOWNSHIP,
    "submit": _HANDLERS, "approve": _TOWNSHIP, "rework": _TOWNSHIP, "revisit": _TOWNSHIP | {VILLAGE_CADRE},
    "archive": _TOWNSHIP, "escalate": _TOWNSHIP, "supervise": frozenset({CITY_ADMIN, TOWNSHIP_ADMIN}),
    "whistle": _TOWNSHIP, "arrive": _HANDLERS, "evaluate": _TOWNSHIP, "add_party": _HANDLERS,
    "repeat": _FIELD,
}
FIELD_LABELS = {"title": "标题", "description": "诉求内容", "category_code": "事件分类", "place": "地点",
                "occurred_at": "发生时间", "reporter_name": "反映人", "reporter_phone": "联系电话", "grid_code": "网格"}
EDITABLE_FIELDS = frozenset(FIELD_LABELS)
SATISFACTION = {"1": "满意", "2": "基本满意", "3": "不满意"}
WHISTLE_EVALUATION = {"1": "好", "2": "较好", "3": "一般", "4": "差"}


@dataclass(frozen=True)
class CaseView:
    id: str
    case_no: str
    source: str
    request_type: str
    category_code: str
    title: str
    description: str
    occurred_at: dt.datetime | None
    registered_at: dt.datetime
    place: str
    region_code: str
    grid_code: str | None
    reporter_name: str
    reporter_phone_masked: str
    deadline_on: dt.date | None
    status: int
    status_label: str
    supervised: bool
    escalated_to: str | None
    closed_at: dt.datetime | None
    satisfaction: str | None
    satisfaction_comment: str
    overdue: bool
    allowed_actions: tuple[str, ...]
    due_soon: bool = False  # due today or on the next working day
    channel_ref: str | None = None  # the 12345 / WeChat ticket number
    dispatched_to: str | None = None  # the village or grid it was dispatched to
    assignee: str | None = None
    repeat_of: str | None = None
    sync_state: str = ""  # the desk's badge: "pending" (待上传) … as the register's (app.client.browse.sync_states)


@dataclass(frozen=True)
class RevealedReporter:
    case_id: str
    reporter_name: str
    reporter_phone: str | None


@dataclass(frozen=True)
class CaseLogView:
    at: dt.datetime
    actor: str
    action: str
    from_status: int | None
    to_status: int | None
    text: str


@dataclass(frozen=True)
class PartyView:
    id: str
    name: str
    role: str
    phone_masked: str
    person_id: str | None


@dataclass(frozen=True)
class WhistleView:
    id: str
    department_code: str
    summoned_at: dt.datetime
    arrived_at: dt.datetime | None
    evaluation: str | None
    comment: str


@dataclass(frozen=True)
class CaseDetail:
    case: CaseView
    log: tuple[CaseLogView, ...]  # oldest first
    parties: tuple[PartyView, ...]
    whistles: tuple[WhistleView, ...]
    repeats: tuple[CaseView, ...] = ()  # suggested originals of a repeat appeal (the desk fills them)
    original_no: str = ""  # the case number of the original, for a confirmed repeat
    dispatched_name: str = ""  # the village or grid it was dispatched to, by name


def case_view(case: Case, today: dt.date, calendar: WorkCalendar = WEEKENDS_ONLY) -> CaseView:
    return CaseView(
        id=case.id, case_no=case.case_no, source=case.source, request_type=case.request_type,
        category_code=case.category_code, title=case.title, description=case.description or "",
        occurred_at=case.occurred_at, registered_at=case.registered_at, place=case.place or "",
        region_code=case.region_code, grid_code=case.grid_code, reporter_name=case.reporter_name or "",
        reporter_phone_masked=mask_phone(case.reporter_phone), deadline_on=case.deadline_on, status=case.status,
        status_label=wf.status_label(case.status), supervised=bool(case.supervised),
        escalated_to=case.escalated_to, closed_at=case.closed_at, satisfaction=case.satisfaction,
        satisfaction_comment=case.satisfaction_comment or "",
        overdue=is_case_overdue(case.status, case.deadline_on, today),
        allowed_actions=tuple(wf.allowed_actions(case.status)),
        due_soon=is_case_due_soon(case.status, case.deadline_on, today, calendar),
        channel_ref=case.channel_ref, dispatched_to=case.dispatched_to, assignee=case.assignee,
        repeat_of=case.repeat_of,
    )


class CaseService(CaseMoves, ServiceBase):
    """Use cases on cases. Every method is one transaction with its log entry."""

    def create(self, *, source: str, request_type: str, category_code: str, title: str, region_code: str,
               description: str = "", occurred_at: dt.datetime | None = None, place: str = "",
               grid_code: str | None = None, reporter_name: str = "", reporter_phone: str | None = None,
               reporter_person_id: str | None = None) -> CaseView:
        """Register a case (status 10) with its deadline from the request type's working days."""
        self._require_action("register")
        region_code = validate_region_code(region_code)
        grid_code = validate_grid_code(grid_code, region_code)
        self._check_scope(region_code, grid_code)
        if occurred_at is not None and occurred_at > self.now():
            raise ValidationError("occurred_at", "bad_date", label="发生时间")
        with self._unit_of_work() as session:
            book = code_book(session, self.actor.scope)
            configured = {i.code: int(i.attrs["deadline_workdays"]) for i in book.entries(REQUEST_TYPE_TABLE)
                          if "deadline_workdays" in i.attrs}
            case = Case(
                id=new_id(), case_no=self._next_case_no(session, region_code), registered_at=self.now(),
                status=int(wf.CaseStatus.REGISTERED),
                source=check_code(book, "case_source", source, "source", "事件来源"),
                request_type=check_code(book, REQUEST_TYPE_TABLE, request_type, "request_type", "诉求类型"),
                category_code=check_code(book, "case_category", category_code, "category_code", "事件分类"),
                title=require_text(title, "title", "标题", 200),
                description=optional_text(description, "description", "诉求内容", 8000),
                occurred_at=occurred_at, place=optional_text(place, "place", "地点", 200),
                region_code=region_code, grid_code=grid_code,
                reporter_name=optional_text(reporter_name, "reporter_name", "反映人", 50),
                reporter_phone=normalise_phone(reporter_phone, "reporter_phone"),
                reporter_person_id=reporter_person_id, supervised=False, satisfaction_comment="",
            )
            case.deadline_on = case_deadline(self.today(), case.request_type, configured,
                                             WorkCalendar.from_book(book))
            session.add(case)
            self._log(session, case, "register", None, case.status, "")
            session.flush()
            return case_view(case, self.today())

    def transition(self, case_id: str, action: str, text: str = "", *, new_deadline: dt.date | None = None,
                   department_code: str | None = None, satisfaction: str | None = None,
                   dispatched_to: str | None = None, assignee: str | None = None) -> CaseView:
        """Take a workflow action. Extras: `new_deadline` for approve_extension; for dispatch either
        `department_code` (a department) or `dispatched_to` (a village or grid in scope, by default
        the case's own) and/or a named `assignee`; `satisfaction` (1/2/3) for revisit, with `text`
        as comment. A 退单 needs its reason in `text`."""
        self._require_action(action)
        text = optional_text(text, "text", "办理意见", 4000)
        if action == "return" and not text:
            raise ValidationError("text", "required", label="退单理由")
        with self._unit_of_work() as session:
            case = self._load(session, case_id)
            before = case.status
            after = wf.next_status(before, action)
            note = self._apply_extras(session, case, action, text, new_deadline, department_code, satisfaction,
                                      (dispatched_to, assignee))
            case.status = after
            if after == wf.CaseStatus.CLOSED:
                case.closed_at = self.now()
            self._log(session, case, action, before, after, note or text)
            session.flush()
            return case_view(case, self.today())

    def _apply_extras(self, session: Session, case: Case, action: str, text: str, new_deadline: dt.date | None,
                      department_code: str | None, satisfaction: str | None,
                      dispatch: tuple[str | None, str | None]) -> str | None:
        """Apply what the move carries; returns the log text when it says more than `text`."""
        if action in ("approve_extension", "refuse_extension"):
            self._resume_clock(session, case, new_deadline if action == "approve_extension" else None,
                               required=action == "approve_extension")
        elif action == "dispatch":
            return self._dispatch(session, case, department_code, *dispatch, text)
        elif action == "accept" and case.status == wf.CaseStatus.RETURNED:
            case.escalated_to = None  # the department sent it back: the township has it again
        elif action == "revisit":
            if satisfaction not in SATISFACTION:
                raise ValidationError("satisfaction", "satisfaction_invalid")
            case.satisfaction, case.satisfaction_comment = satisfaction, text
        return None

    def edit(self, case_id: str, **changes) -> CaseView:
        """Correct the details of an open case (only changed fields are written; the log names them)."""
        self._require_action("register")
        unknown = set(changes) - EDITABLE_FIELDS
        if unknown:
            raise ValueError(f"not editable: {sorted(unknown)}")
        with self._unit_of_work() as session:
            case = self._load_open(session, case_id)
            clean = self._clean_details(session, case, changes)
            changed = [field for field, value in clean.items() if getattr(case, field) != value]
            for field in changed:
                setattr(case, field, clean[field])
            if changed:
                self._log(session, case, "edit", case.status, case.status, "修改：" + "、".join(
                    FIELD_LABELS[field] for field in changed))
            session.flush()
            return case_view(case, self.today())

    def _clean_details(self, session: Session, case: Case, changes: dict) -> dict:
        clean = dict(changes)
        texts = {"title": ("标题", 200, True), "description": ("诉求内容", 8000, False), "place": ("地点", 200, False),
                 "reporter_name": ("反映人", 50, False)}
        for field, (label, limit, required) in texts.items():
            if field in clean:
                check = require_text if required else optional_text
                clean[field] = check(clean[field], field, label, limit)
        if "category_code" in clean:
            clean["category_code"] = check_code(code_book(session, self.actor.scope), "case_category",
                                                clean["category_code"], "category_code", "事件分类")
        if "reporter_phone" in clean:
            clean["reporter_phone"] = normalise_phone(clean["reporter_phone"], "reporter_phone")
        if "grid_code" in clean:
            clean["grid_code"] = validate_grid_code(clean["grid_code"], case.region_code)
            self._check_scope(case.region_code, clean["grid_code"])
        if clean.get("occurred_at") is not None and clean["occurred_at"] > self.now():
            raise ValidationError("occurred_at", "bad_date", label="发生时间")
        return clean

    def escalate(self, case_id: str, department_code: str, text: str = "") -> CaseView:
        """Hand an open case to a department (it then sees the case); status is unchanged."""
        self._require_action("escalate")
        with self._unit_of_work() as session:
            case = self._load_open(session, case_id)
            case.escalated_to = self._department(session, department_code)
            self._log(session, case, "escalate", case.status, case.status,
                      optional_text(text, "text", "办理意见", 4000))
            session.flush()
            return case_view(case, self.today())

    def supervise(self, case_id: str, supervised: bool = True, text: str = "") -> CaseView:
        """Set or clear the 督办 flag (a superior follows the case)."""
        self._require_action("supervise")
        with self._unit_of_work() as session:
            case = self._load_open(session, case_id)
            if bool(case.supervised) != supervised:
                case.supervised = supervised
                self._log(session, case, "supervise" if supervised else "unsupervise", case.status, case.status,
                          optional_text(text, "text", "办理意见", 4000))
            session.flush()
            return case_view(case, self.today())

    def add_party(self, case_id: str, name: str, role: str = "", phone: str | None = None,
                  person_id: str | None = None) -> PartyView:
        self._require_action("add_party")
        with self._unit_of_work() as session:
            case = self._load_open(session, case_id)
            party = CaseParty(case_id=case.id, region_code=case.region_code,
                              name=require_text(name, "name", "姓名", 50), role=optional_text(role, "role", "身份", 20),
                              phone=normalise_phone(phone), person_id=person_id)
            session.add(party)
            session.flush()
            return PartyView(party.id, party.name, party.role, mask_phone(party.phone), party.person_id)

    def reveal_reporter(self, case_id: str, reason: str) -> RevealedReporter:
        """The reporter's full phone (for the revisit call), for roles allowed to see it, with the
        reason in the append-only audit log."""
        self._require_role(REVEAL_ROLES, "reveal")
        reason = require_text(reason, "reason", "查看原因", 500)
        with self._unit_of_work() as session:
            case = self._load(session, case_id)
            session.add(AuditEntry(at=self.now(), username=self.actor.username, device_id=self.actor.device_id,
                                   action="reveal", entity="case", record_ids=[case.id], reason=reason,
                                   region_code=case.region_code))
            return RevealedReporter(case.id, case.reporter_name or "", case.reporter_phone)

    def get(self, case_id: str) -> CaseDetail:
        with self._read() as session:
            case = self._load(session, case_id)
            log = session.scalars(select(CaseLogEntry).where(CaseLogEntry.case_id == case.id)
                                  .order_by(CaseLogEntry.at, CaseLogEntry.id))
            parties = session.scalars(select(CaseParty).where(CaseParty.case_id == case.id, ~CaseParty.deleted)
                                      .order_by(CaseParty.id))
            whistles = session.scalars(select(CaseWhistle).where(CaseWhistle.case_id == case.id,
                                                                 ~CaseWhistle.deleted).order_by(CaseWhistle.id))
            return CaseDetail(
                case=case_view(case, self.today()),
                log=tuple(CaseLogView(e.at, e.actor, e.action, e.from_status, e.to_status, e.text or "")
                          for e in log),
                parties=tuple(PartyView(p.id, p.name, p.role or "", mask_phone(p.phone), p.person_id)
                              for p in parties),
                whistles=tuple(_whistle_view(w) for w in whistles),
            )

    def list_cases(self, status: int | None = None, overdue_only: bool = False, limit: int = 200) -> list[CaseView]:
        """Cases the actor reaches (scope, or escalated to their department), newest first."""
        with self._read() as session:
            scope = self.actor.scope
            query = select(Case).where(~Case.deleted, Case.region_code.like(scope[:12] + "%"))
            if len(scope) > 12:
                query = query.where(Case.grid_code.like(scope + "%"))
            if self.actor.role == DEPARTMENT:
                query = query.where(Case.escalated_to == self.actor.department_code)
            if status is not None:
                query = query.where(Case.status == int(status))
            if overdue_only:
                query = query.where(Case.deadline_on < self.today(), Case.status < int(wf.FINISHED_FROM))
            rows = session.scalars(query.order_by(Case.registered_at.desc(), Case.id.desc()).limit(limit))
            return [case_view(case, self.today()) for case in rows]

    # -- 吹哨报到: joint handling ---------------------------------------------------------------
    def whistle(self, case_id: str, department_codes: list[str], text: str = "") -> tuple[WhistleView, ...]:
        """Summon departments to an open case; each gets a record for its arrival and evaluation."""
        self._require_action("whistle")
        if not department_codes:
            raise ValidationError("department_code", "department_required")
        with self._unit_of_work() as session:
            case = self._load_open(session, case_id)
            codes = list(dict.fromkeys(self._department(session, code) for code in department_codes))
            whistles = [CaseWhistle(case_id=case.id, region_code=case.region_code, department_code=code,
                                    summoned_at=self.now(), comment="") for code in codes]
            session.add_all(whistles)
            self._log(session, case, "whistle", case.status, case.status,
                      optional_text(text, "text", "办理意见", 4000) or "、".join(codes))
            session.flush()
            return tuple(_whistle_view(w) for w in whistles)

    def record_arrival(self, whistle_id: str, arrived_at: dt.datetime | None = None) -> WhistleView:
        """A summoned department reports (报到); by default now."""
        self._require_action("arrive")
        with self._unit_of_work() as session:
            whistle, case = self._load_whistle(session, whistle_id)
            if whistle.arrived_at is not None:
                raise UserFacingError("whistle_already_arrived")
            arrived_at = arrived_at or self.now()
            if arrived_at < whistle.summoned_at or arrived_at > self.now():
                raise ValidationError("arrived_at", "bad_date", label="报到时间")
            whistle.arrived_at = arrived_at
            self._log(session, case, "arrive", case.status, case.status, whistle.department_code)
            session.flush()
            return _whistle_view(whistle)

    def evaluate_whistle(self, whistle_id: str, evaluation: str, comment: str = "") -> WhistleView:
        """The township's evaluation of a department's response (1 好 … 4 差), after it reported."""
        self._require_action("evaluate")
        if evaluation not in WHISTLE_EVALUATION:
            raise ValidationError("evaluation", "evaluation_invalid")
        with self._unit_of_work() as session:
            whistle, case = self._load_whistle(session, whistle_id)
            if whistle.arrived_at is None:
                raise UserFacingError("whistle_not_arrived")
            whistle.evaluation = evaluation
            whistle.comment = optional_text(comment, "comment", "评价说明", 2000)
            self._log(session, case, "evaluate", case.status, case.status,
                      f"{whistle.department_code}：{WHISTLE_EVALUATION[evaluation]}")
            session.flush()
            return _whistle_view(whistle)

    def _load_whistle(self, session: Session, whistle_id: str) -> tuple[CaseWhistle, Case]:
        whistle = session.get(CaseWhistle, whistle_id) if whistle_id else None
        if whistle is None or whistle.deleted:
            raise NotFoundError("case_whistle", whistle_id)
        if self.actor.role == DEPARTMENT:
            if whistle.department_code != self.actor.department_code:
                raise NotFoundError("case_whistle", whistle_id)
            self._check_scope(whistle.region_code)
            return whistle, session.get(Case, whistle.case_id)
        return whistle, self._get(session, Case, whistle.case_id, "case")

    # -- helpers --------------------------------------------------------------------------------
    def _require_action(self, action: str) -> None:
        roles = ACTION_ROLES.get(action)
        if roles is not None and self.actor.role not in roles:
            raise PermissionDenied(wf.action_label(action))

    def _load(self, session: Session, case_id: str) -> Case:
        if self.actor.role == DEPARTMENT:
            case = session.get(Case, case_id) if case_id else None
            if case is None or case.deleted or case.escalated_to != self.actor.department_code:
                raise NotFoundError("case", case_id)
            self._check_scope(case.region_code)
            return case
        return self._get(session, Case, case_id, "case")

    def _load_open(self, session: Session, case_id: str) -> Case:
        case = self._load(session, case_id)
        if wf.is_finished(case.status):
            raise UserFacingError("case_closed")
        return case

    def _department(self, session: Session, code: str | None) -> str:
        if not (code or "").strip():
            raise ValidationError("department_code", "department_required")
        return check_code(code_book(session, self.actor.scope), "department", code.strip(), "department_code", "部门")

    def _log(self, session: Session, case: Case, action: str, before: int | None, after: int | None,
             text: str) -> None:
        session.add(CaseLogEntry(case_id=case.id, region_code=case.region_code, at=self.now(),
                                 actor=self.actor.username, action=action, from_status=before,
                                 to_status=after, text=text))

    def _next_case_no(self, session: Session, region_code: str) -> str:
        prefix = f"{region_code[:9]}{self.today():%Y%m%d}{device_tag(self.actor.device_id)}"
        last = session.scalar(select(Case.case_no).where(Case.case_no.like(prefix + "%"))
                              .order_by(Case.case_no.desc()).limit(1))
        sequence = int(last[len(prefix):]) + 1 if last else 1
        if sequence > 9999:
            raise UserFacingError("case_no_exhausted")
        return f"{prefix}{sequence:04d}"


def _whistle_view(w: CaseWhistle) -> WhistleView:
    return WhistleView(w.id, w.department_code, w.summoned_at, w.arrived_at, w.evaluation, w.comment or "")
