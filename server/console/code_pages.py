"""The city admin's code tables: pick a table, change an entry's Chinese and English labels or switch
it off, or add an entry. Each edit is a `code_entry` sync change pushed by the admin (a new entry
gets the stable id every client computes for it, server.codes.code_entry_id), so every client
receives the published table on its next sync. The holiday calendar (`work_calendar`: a date per
entry, a day off unless marked a make-up working day) is edited here like any table. Township admins add their own local entries in the
desktop client; the city admin approves or withdraws those on the local-additions page."""

from __future__ import annotations

import datetime as dt
import re

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import CodeEntry
from server.codes import code_entry_id, table_names
from server.console.i18n import request_lang, translator
from server.console.web import PREFIX, ConsoleUser, Denied, form_of, render, require
from server.deps import db_session
from server.pushed_writes import Edit, PushRefused, push_edits

router = APIRouter(prefix="/admin/code-tables", include_in_schema=False)
city_admin = require("city_admin")
CODE = re.compile(r"^[A-Za-z0-9_.-]{1,20}$")
CALENDAR = "work_calendar"  # codes are dates (YYYY-MM-DD); attrs.workday false = a holiday


def _is_date(code: str) -> bool:
    try:
        dt.date.fromisoformat(code)
    except ValueError:
        return False
    return len(code) == 10


def _tables(session: Session) -> list[str]:
    return list(session.scalars(select(CodeEntry.table).where(CodeEntry.scope_prefix == "")
                                .group_by(CodeEntry.table).order_by(CodeEntry.table)))


def _page(request: Request, who: ConsoleUser, session: Session, table: str, status: int = 200, **extra):
    entries = list(session.scalars(select(CodeEntry).where(CodeEntry.table == table, CodeEntry.scope_prefix == "",
                                                           CodeEntry.deleted.is_(False))
                                   .order_by(CodeEntry.sort_order, CodeEntry.code)))
    return render(request, "admin_code_tables.html", who, status=status, tables=_tables(session), table=table,
                  table_names=table_names(),
                  entries=entries, **{"errors": {}, "values": {}, **extra})


@router.get("")
def code_tables(request: Request, who: ConsoleUser = Depends(city_admin), session: Session = Depends(db_session),
                table: str = "case_category", saved: str = ""):
    message = translator(request_lang(request))("saved") if saved else ""
    return _page(request, who, session, table[:30], message=message)


def _push(request: Request, who: ConsoleUser, session: Session, table: str, edit: Edit):
    t = translator(request_lang(request))
    try:
        push_edits(session, who.user, [edit])
    except PushRefused as exc:
        return _page(request, who, session, table, status=422, error=t("refused_by_server", message=exc.text(request_lang(request))))
    session.commit()
    return RedirectResponse(f"{PREFIX}/admin/code-tables?table={table}&saved=1", status_code=303)


@router.post("/{entry_id}")
async def edit_entry(entry_id: str, request: Request, who: ConsoleUser = Depends(city_admin),
                     session: Session = Depends(db_session)):
    form = await form_of(request, who)
    entry = session.get(CodeEntry, entry_id)
    if entry is None or entry.scope_prefix:
        raise Denied(404)
    label_zh, label_en = str(form.get("label_zh", "")).strip(), str(form.get("label_en", "")).strip()
    if not label_zh or len(label_zh) > 100 or len(label_en) > 100:
        t = translator(request_lang(request))
        return _page(request, who, session, entry.table, status=422, errors={entry.id: t("name_required")},
                     error=t("field_errors"))
    return _push(request, who, session, entry.table, Edit("code_entry", entry.id, {
        "label_zh": label_zh, "label_en": label_en, "active": form.get("active") == "1"}))


@router.post("")
async def add_entry(request: Request, who: ConsoleUser = Depends(city_admin), session: Session = Depends(db_session)):
    form = await form_of(request, who)
    t = translator(request_lang(request))
    table, code = str(form.get("table", ""))[:30], str(form.get("code", "")).strip()
    label_zh, parent = str(form.get("label_zh", "")).strip(), str(form.get("parent_code", "")).strip() or None
    errors = {}
    if table not in _tables(session):
        raise Denied(404)
    if not CODE.match(code) or (table == CALENDAR and not _is_date(code)):
        errors["code"] = t("calendar_code" if table == CALENDAR else "required")
    elif session.get(CodeEntry, code_entry_id(table, code)) is not None:
        errors["code"] = t("code_exists")
    if not label_zh or len(label_zh) > 100:
        errors["label_zh"] = t("name_required")
    if errors:
        return _page(request, who, session, table, status=422, errors=errors, values=form, error=t("field_errors"))
    last = session.scalar(select(func.max(CodeEntry.sort_order)).where(CodeEntry.table == table)) or 0
    return _push(request, who, session, table, Edit("code_entry", code_entry_id(table, code), {
        "table": table, "code": code, "label_zh": label_zh, "label_en": str(form.get("label_en", "")).strip(),
        "parent_code": parent, "scope_prefix": "", "sort_order": last + 10, "active": True,
        # the holiday calendar: a date is a day off unless marked a make-up working day (调休上班)
        "attrs": {"workday": form.get("workday") == "1"} if table == CALENDAR else {}}))
