"""Cases from outside channels (12345 hotline platform, WeChat service backend …).

A submission becomes an ordinary `case` change pushed through the sync store as the channel's own
pseudo-device, so it gets a server_seq and reaches the township's clients by pull like any other
case. The case is routed by region code to the township the region belongs to; the deadline
follows the request type's working days from the code tables. (channel, channel_ref) is unique:
a resubmission answers with the case made the first time. The status feed lists, after a cursor
(the server_seq), the channel's cases whose state changed, with the outcome text once closed; a resident not satisfied reopens a closed case through the channel, its
history kept."""

from __future__ import annotations

import datetime as dt
import re
import time
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.ids import new_id
from db.models import Case, CaseLogEntry, CodeEntry, Person
from db.typed_forms import NotTypedForm, id_number_form, phone_form, valid_resident_id
from server import store as sync_store
from server.errors import ApiError
from server.models import ChannelKey, ChannelSubmission
from server.regions import township_of
from server.store.tables import ChangeLogEntry, DeviceSyncState, RecordVersion
from sync.wire import SCHEMA_VERSION

BEIJING = dt.timezone(dt.timedelta(hours=8))
CLOSED_STATUSES = (70, 80, 90)


def beijing_now() -> dt.datetime:
    return dt.datetime.now(BEIJING).replace(tzinfo=None, microsecond=0)


def work_calendar(session: Session) -> tuple[frozenset[dt.date], frozenset[dt.date]]:
    """(days off, make-up working days) of the city's `work_calendar` code table — the table the
    clients' app.rules.deadlines reads, with the same meaning: attrs.workday false = a holiday."""
    off, work = set(), set()
    for code, attrs in session.execute(select(CodeEntry.code, CodeEntry.attrs).where(
            CodeEntry.table == "work_calendar", CodeEntry.scope_prefix == "", CodeEntry.deleted.is_(False),
            CodeEntry.active.is_(True))):
        try:
            (work if (attrs or {}).get("workday") else off).add(dt.date.fromisoformat(code))
        except ValueError:
            continue
    return frozenset(off), frozenset(work)


def add_workdays(start: dt.date, days: int, calendar: tuple[frozenset, frozenset] = (frozenset(), frozenset())) -> dt.date:
    """`days` working days after `start`: Monday–Friday except the calendar's holidays, plus its
    make-up working weekends."""
    off, work = calendar

    def working(day: dt.date) -> bool:
        return day in work or (day.weekday() < 5 and day not in off)

    current = start
    while not working(current):
        current += dt.timedelta(days=1)
    while days > 0:
        current += dt.timedelta(days=1)
        if working(current):
            days -= 1
    return current


def _deadline_workdays(session: Session, request_type: str) -> int:
    entry = session.scalar(select(CodeEntry).where(CodeEntry.table == "request_type", CodeEntry.code == request_type,
                                                   CodeEntry.scope_prefix == ""))
    return int((entry.attrs or {}).get("deadline_workdays", 10)) if entry else 10


def _reporter_person(session: Session, township: str, typed: str | None) -> str | None:
    id_number = id_number_form(typed)  # an operator's 15042219650808009x is the register's …09X
    if not id_number:
        return None
    if not valid_resident_id(id_number):
        raise ApiError(422, "invalid_id_number")
    return session.scalar(select(Person.id).where(Person.id_number == id_number, Person.deleted.is_(False),
                                                  Person.region_code.startswith(township)).limit(1))


def normal_phone(typed: str | None) -> str | None:
    """A phone as the desktop stores it (db.typed_forms.phone_form, the desk's own rule), so the desk
    masks it, finds it by its digits and sees a repeat appeal from the same phone. A number the desk
    would refuse is kept as the operator typed it (a resident's case is never refused for its phone),
    without a country code and with its separators folded."""
    try:
        return phone_form(typed)
    except NotTypedForm:
        text = (typed or "").strip()
        for prefix in ("+86", "0086"):
            if text.startswith(prefix):
                text = text[len(prefix):].strip(" -")
        return re.sub(r"[\s-]+", "-", text) or None


def _case_fields(session: Session, channel: ChannelKey, body: dict[str, Any], township: str) -> dict[str, Any]:
    now = beijing_now()
    deadline = add_workdays(now.date(), _deadline_workdays(session, body["request_type"]), work_calendar(session))
    return {
        "case_no": f"QD{now:%Y%m%d}{new_id()[-6:].upper()}", "source": channel.source_code,
        "request_type": body["request_type"], "category_code": body["category_code"], "title": body["title"],
        "description": body.get("description") or "", "occurred_at": body.get("occurred_at"),
        "registered_at": now.isoformat(), "place": body.get("place") or "", "region_code": body["region_code"],
        "grid_code": body.get("grid_code"), "reporter_name": body.get("reporter_name") or "",
        "reporter_phone": normal_phone(body.get("reporter_phone")),
        "reporter_person_id": _reporter_person(session, township, body.get("reporter_id_number")),
        "deadline_on": deadline.isoformat(), "status": 10, "channel": channel.channel,
        "channel_ref": body["channel_ref"],
    }


def _next_device_seq(session: Session, channel: ChannelKey) -> int:
    # Touching the key row first serialises submissions of one key (row lock on PostgreSQL, the
    # write lock on SQLite), so two of them never claim the same device_seq.
    session.execute(update(ChannelKey).where(ChannelKey.id == channel.id).values(active=ChannelKey.active))
    state = session.get(DeviceSyncState, channel.device_id)
    return (state.last_device_seq if state else 0) + 1


def submit_case(session: Session, channel: ChannelKey, body: dict[str, Any]) -> tuple[str, bool]:
    """Create (or find) the case for a submission; returns (case_id, created). Commits."""
    existing = session.get(ChannelSubmission, (channel.channel, body["channel_ref"]))
    if existing is not None:
        return existing.case_id, False
    region = body["region_code"]
    township = township_of(session, region)
    if township is None:
        raise ApiError(422, "unknown_region", region=region)
    fields = _case_fields(session, channel, body, township.code[:9])
    seq = _next_device_seq(session, channel)
    record_id = new_id()
    ms = int(time.time() * 1000)
    change = {"change_id": new_id(), "device_id": channel.device_id, "device_seq": seq, "entity": "case",
              "record_id": record_id, "op": "upsert", "fields": fields, "base": {},
              "hlc": f"{ms:013d}-00000-{channel.device_id}", "schema_version": SCHEMA_VERSION}
    [result] = sync_store.push(session, channel.device_id, f"channel:{channel.channel}", [change], ms)
    if result.outcome == "rejected":
        session.rollback()
        raise ApiError(422, "invalid_request", detail=result.message or result.code)
    session.add(ChannelSubmission(channel=channel.channel, channel_ref=body["channel_ref"], case_id=record_id,
                                  created_at=dt.datetime.now(dt.UTC).replace(tzinfo=None)))
    try:
        session.commit()
    except IntegrityError:  # the same reference submitted concurrently through another key
        session.rollback()
        return session.get(ChannelSubmission, (channel.channel, body["channel_ref"])).case_id, False
    return record_id, True


def reopen_case(session: Session, channel: ChannelKey, channel_ref: str, reason: str) -> Case:
    """The resident is not satisfied: a closed case of this channel goes back to 受理 (20) with a new
    deadline, its revisit cleared and a 重新办理 entry in its log; every earlier log entry stays.
    Pushed as the channel's own changes, so it reaches the township by pull. Commits."""
    found = session.get(ChannelSubmission, (channel.channel, channel_ref))
    case = session.get(Case, found.case_id) if found else None
    if case is None:
        raise ApiError(404, "not_found")
    if case.status not in CLOSED_STATUSES:
        raise ApiError(409, "case_not_closed")
    now = beijing_now()
    deadline = add_workdays(now.date(), _deadline_workdays(session, case.request_type), work_calendar(session))
    fields = {"status": 20, "closed_at": None, "satisfaction": None, "satisfaction_comment": "",
              "deadline_on": deadline.isoformat()}
    head = session.get(RecordVersion, ("case", case.id))
    base = {k: v[0] for k, v in ((head.field_versions or {}) if head else {}).items() if k in fields}
    seq, ms = _next_device_seq(session, channel), int(time.time() * 1000)
    log = {"case_id": case.id, "region_code": case.region_code, "at": now.isoformat(),
           "actor": f"channel:{channel.channel}", "action": "reopen", "from_status": case.status, "to_status": 20,
           "text": reason}
    changes = [{"change_id": new_id(), "device_id": channel.device_id, "device_seq": seq + i, "entity": entity,
                "record_id": record_id, "op": "upsert", "fields": body, "base": base if entity == "case" else {},
                "hlc": f"{ms:013d}-{i:05d}-{channel.device_id}", "schema_version": SCHEMA_VERSION}
               for i, (entity, record_id, body) in enumerate((("case", case.id, fields), ("case_log", new_id(), log)))]
    results = sync_store.push(session, channel.device_id, f"channel:{channel.channel}", changes, ms)
    refused = next((r for r in results if r.outcome == "rejected"), None)
    if refused is not None:
        session.rollback()
        raise ApiError(422, "invalid_request", detail=refused.message or refused.code)
    session.commit()
    session.refresh(case)
    return case


def case_state(session: Session, case: Case) -> dict[str, Any]:
    outcome = None
    if case.status in CLOSED_STATUSES:
        outcome = session.scalar(select(CaseLogEntry.text).where(CaseLogEntry.case_id == case.id)
                                 .order_by(CaseLogEntry.at.desc()).limit(1))
    return {"case_no": case.case_no, "status": case.status, "closed_at": case.closed_at,
            "deadline_on": case.deadline_on, "satisfaction": case.satisfaction, "outcome": outcome}


def status_feed(session: Session, channel: str, cursor: int, limit: int) -> dict[str, Any]:
    """The channel's cases changed after `cursor`, each once with its current state."""
    upper = sync_store.current_cursor(session)
    rows = session.execute(
        select(ChangeLogEntry.server_seq, ChangeLogEntry.record_id, ChannelSubmission.channel_ref)
        .join(ChannelSubmission, ChannelSubmission.case_id == ChangeLogEntry.record_id)
        .where(ChannelSubmission.channel == channel, ChangeLogEntry.entity == "case",
               ChangeLogEntry.server_seq > cursor, ChangeLogEntry.server_seq <= upper)
        .order_by(ChangeLogEntry.server_seq).limit(limit + 1)).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    latest: dict[str, tuple[int, str]] = {}
    for seq, case_id, ref in rows:
        latest[case_id] = (seq, ref)
    items = []
    for case_id, (seq, ref) in sorted(latest.items(), key=lambda kv: kv[1][0]):
        case = session.get(Case, case_id)
        if case is not None:
            items.append({"seq": seq, "channel_ref": ref, **case_state(session, case)})
    next_cursor = rows[-1][0] if has_more else max(upper, cursor)
    return {"cursor": cursor, "next_cursor": next_cursor, "has_more": has_more, "items": items}
