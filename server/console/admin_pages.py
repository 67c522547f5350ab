"""The city admin's and township admins' pages: users (create, disable, enable, new password),
devices (revoke, revoke with remote wipe, release an escrowed database key with a reason), the
department request catalogue's approvals (city admin), township code additions (approve or withdraw,
city admin; a township admin sees its own) and the audit search with its export. Rights come from
server.user_admin, the same rules the API applies; a township admin sees only its township."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, StreamingResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import CodeEntry
from server import catalogue, escrow
from server.accounts import create_user, revoke_device, utcnow
from server.console.i18n import MESSAGES, request_lang, translator
from server.console.region_choice import picked, region_choice
from server.console.web import PREFIX, ConsoleUser, Denied, form_of, render, require
from server.console.xlsx import workbook_bytes
from server.department_work import region_names
from server.deps import db_session, forget_principals, settings_of
from server.errors import ApiError
from server.intake import beijing_now
from server.models import ROLES, Device, User
from server.pushed_writes import Edit, PushRefused, audit, console_device_id, push_edits
from server.user_admin import managed_devices, managed_user, managed_users, may_manage, set_password

router = APIRouter(prefix="/admin", include_in_schema=False)
admins = require("city_admin", "township_admin")
city_admin = require("city_admin")
USERNAME = re.compile(r"^[A-Za-z0-9_.-]{2,50}$")
SCOPE = re.compile(r"^(\d{6}|\d{9}|\d{12}|\d{15})?$")


USERS_SHOWN = 300


def _contains(text: str) -> str:
    """A LIKE pattern for names containing `text` as typed: most usernames hold an underscore (demo_city),
    which LIKE would read as any one character, and the search dropped it, finding nothing."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _users_page(request: Request, who: ConsoleUser, session: Session, status: int = 200, q: str = "",
                role: str = "", region: str = "", **extra):
    query = managed_users(who.role, who.scope)
    if region:  # the users of a place: its own staff and those of the places inside it
        query = query.where(User.scope_prefix.startswith(region))
    if q:
        like = _contains(q)
        query = query.where(User.username.like(like, escape="\\") | User.display_name.like(like, escape="\\")
                            | User.scope_prefix.startswith(q))
    if role in ROLES:
        query = query.where(User.role == role)
    values = extra.get("values") or {}
    places = region_choice(session, who.scope, str(values.get("scope", who.scope)), grids=True)
    users = list(session.scalars(query.limit(USERS_SHOWN)))
    return render(request, "admin_users.html", who, status=status, q=q, role_filter=role, shown=USERS_SHOWN,
                  departments=_departments(session),
                  users=users, places=places, filter_places=region_choice(session, who.scope, region, grids=True), names=region_names(session, {u.scope_prefix for u in users if u.scope_prefix}),
                  roles=ROLES if who.role == "city_admin" else ("township_staff", "village_cadre", "grid_worker"),
                  **{"errors": {}, "values": {}, **extra})


@router.get("/users")
def users_page(request: Request, who: ConsoleUser = Depends(admins), session: Session = Depends(db_session),
               saved: str = "", q: str = "", role: str = "", township: str = "", village: str = ""):
    message = translator(request_lang(request))("saved") if saved else ""
    return _users_page(request, who, session, q=q.strip()[:50], role=role, message=message,
                       region=picked(who.scope, township, village))


def _chosen_scope(form: dict) -> str:
    """The new user's scope from the form's region picker: the village (or grid) when one of the chosen
    township's is picked, else the township (or county); checked as typed, so a wrong one is said."""
    township, village = str(form.get("township", "")).strip(), str(form.get("village", "")).strip()
    return village if village and (not township or village.startswith(township)) else township


def _departments(session: Session) -> dict[str, tuple[str, str]]:
    """{code: (Chinese, English)} of the city's departments (the `department` code table, in use):
    a department user is made by choosing one, where its code had to be typed and was not checked."""
    rows = session.execute(select(CodeEntry.code, CodeEntry.label_zh, CodeEntry.label_en).where(
        CodeEntry.table == "department", CodeEntry.scope_prefix == "", CodeEntry.active.is_(True),
        CodeEntry.deleted.is_(False)).order_by(CodeEntry.sort_order, CodeEntry.code))
    return {code: (zh, en or zh) for code, zh, en in rows}


def _new_user_errors(session: Session, who: ConsoleUser, form: dict) -> dict[str, str]:
    errors = {}
    if not USERNAME.match(str(form.get("username", ""))):
        errors["username"] = "username_invalid"
    if not SCOPE.match(str(form.get("scope", ""))):
        errors["scope"] = "scope_invalid"
    role = str(form.get("role", ""))
    if role not in ROLES or not may_manage(who.role, who.scope, role, str(form.get("scope", ""))):
        errors["role"] = "role_not_allowed"
    if role == "department" and not str(form.get("department_code", "")).strip():
        errors["department_code"] = "department_required"
    elif role == "department" and str(form.get("department_code", "")).strip() not in _departments(session):
        errors["department_code"] = "department_unknown"
    if len(str(form.get("display_name", ""))) > 50:
        errors["display_name"] = "too_long"
    return errors


@router.post("/users")
async def add_user(request: Request, who: ConsoleUser = Depends(admins), session: Session = Depends(db_session)):
    form = await form_of(request, who)
    t = translator(request_lang(request))
    form["scope"] = _chosen_scope(form)
    errors = {k: t(v) for k, v in _new_user_errors(session, who, form).items()}
    if not errors:
        role = str(form["role"])
        try:
            create_user(session, settings_of(request), str(form["username"]), str(form.get("password", "")), role,
                        str(form.get("scope", "")), str(form.get("department_code", "")).strip() or None
                        if role == "department" else None, str(form.get("display_name", "")).strip())
        except ApiError as exc:
            session.rollback()
            field = "password" if exc.code == "weak_password" else "username"
            errors[field] = t(exc.code, detail=str(exc.params.get("detail", "")))
    if errors:
        return _users_page(request, who, session, status=422, errors=errors,
                           values={k: v for k, v in form.items() if k != "password"}, error=t("field_errors"))
    session.commit()
    return RedirectResponse(f"{PREFIX}/admin/users?saved=1", status_code=303)


@router.post("/users/{username}/{action}")
async def user_action(username: str, action: str, request: Request, who: ConsoleUser = Depends(admins),
                      session: Session = Depends(db_session)):
    form = await form_of(request, who)
    t = translator(request_lang(request))
    try:
        user = managed_user(session, who.role, who.scope, username)
    except ApiError as exc:
        raise Denied(404) from exc
    if action in ("disable", "enable"):
        if user.id == who.user.id:
            return _users_page(request, who, session, status=409, error=t("cannot_disable_self"))
        user.active = action == "enable"
    elif action == "password":
        try:
            set_password(settings_of(request), user, str(form.get("password", "")))
        except ApiError as exc:
            session.rollback()
            return _users_page(request, who, session, status=422,
                               error=f"{user.username}：{t('weak_password', detail=exc.params.get('detail', ''))}")
    else:
        raise Denied(404)
    session.commit()
    forget_principals(request, user_id=user.id)  # a disabled account stops at its devices' next request
    return RedirectResponse(f"{PREFIX}/admin/users?saved=1", status_code=303)


DEVICES_SHOWN = 300


@dataclass(frozen=True)
class DeviceFilter:
    """The devices asked for: a user or device name (`q`) and a place (township, village or grid) the
    user's scope lies in — a city has thousands of PCs; the one lost is found by either."""

    q: str = ""
    region: str = ""

    def query(self) -> str:
        return urlencode({k: v for k, v in (("q", self.q), ("region", self.region)) if v})


def _devices_page(request: Request, who: ConsoleUser, session: Session, status: int = 200,
                  f: DeviceFilter = DeviceFilter(), **extra):
    query = managed_devices(who.role, who.scope, who.user.id).add_columns(User.scope_prefix, User.display_name)
    if f.q:
        like = _contains(f.q)
        query = query.where(User.username.like(like, escape="\\") | User.display_name.like(like, escape="\\")
                            | Device.name.like(like, escape="\\"))
    if f.region:
        query = query.where(User.scope_prefix.startswith(f.region))
    query = query.order_by(None).order_by(Device.last_seen_at.desc().nullslast(), Device.created_at.desc())
    rows = session.execute(query.limit(DEVICES_SHOWN)).all()
    return render(request, "admin_devices.html", who, status=status, rows=rows, has_key=escrow.has_key, f=f,
                  shown=DEVICES_SHOWN, places=region_choice(session, who.scope, f.region, grids=True),
                  names=region_names(session, {row.scope_prefix for row in rows if row.scope_prefix}), **extra)


@router.get("/devices")
def devices_page(request: Request, who: ConsoleUser = Depends(admins), session: Session = Depends(db_session),
                 saved: str = "", q: str = "", township: str = "", village: str = "", region: str = ""):
    f = DeviceFilter(q.strip()[:50], picked(who.scope, township, village) if township or village
                     else region if region.isdigit() and region.startswith(who.scope) else "")
    return _devices_page(request, who, session, f=f,
                         message=translator(request_lang(request))("saved") if saved else "")


@router.get("/devices/{device_id}/wipe")
def wipe_page(device_id: str, request: Request, who: ConsoleUser = Depends(admins),
              session: Session = Depends(db_session), q: str = "", region: str = ""):
    """A remote wipe is confirmed first: it erases the PC's database at its next contact, changes not
    yet synced with it — said on the page, with the user, the place and when it was last seen."""
    row = session.execute(managed_devices(who.role, who.scope, who.user.id).add_columns(User.scope_prefix)
                          .where(Device.id == device_id)).first()
    if row is None or row[0].revoked:
        raise Denied(404)
    return render(request, "admin_device_wipe.html", who, device=row[0], username=row[1], f=DeviceFilter(q, region),
                  place=region_names(session, {row.scope_prefix}).get(row.scope_prefix, "") if row.scope_prefix else "")


@router.post("/devices/{device_id}/{action}")
async def device_action(device_id: str, action: str, request: Request, who: ConsoleUser = Depends(admins),
                        session: Session = Depends(db_session)):
    form = await form_of(request, who)
    t = translator(request_lang(request))
    row = session.execute(managed_devices(who.role, who.scope, who.user.id).where(Device.id == device_id)).first()
    if row is None or action not in ("revoke", "wipe", "release"):
        raise Denied(404)
    device = row[0]
    if action == "release":
        reason = str(form.get("reason", "")).strip()
        if not reason:
            return _devices_page(request, who, session, status=422, error=t("reason_required"))
        releaser = escrow.Releaser(who.user.username, who.role, who.scope, console_device_id(who.user.id))
        try:
            key, _region = escrow.release_key(session, settings_of(request), releaser, device.id, reason[:500],
                                              beijing_now())
        except ApiError:
            return _devices_page(request, who, session, status=404, error=t("no_key"))
        return _devices_page(request, who, session, released=(device.id, key))
    revoke_device(device, action == "wipe", utcnow())
    session.commit()
    forget_principals(request, device_id=device.id)
    back = DeviceFilter(str(form.get("q") or ""), str(form.get("region") or "")).query()
    return RedirectResponse(f"{PREFIX}/admin/devices?saved=1{'&' + back if back else ''}", status_code=303)


@router.get("/catalogue")
def catalogue_review(request: Request, who: ConsoleUser = Depends(city_admin), session: Session = Depends(db_session),
                     saved: str = ""):
    t = translator(request_lang(request))
    return render(request, "admin_catalogue.html", who, rows=catalogue.entries(session),
                  fields=catalogue.REQUESTABLE_FIELDS, message=t("saved") if saved else "")


@router.post("/catalogue/{entry_id}")
async def catalogue_decide(entry_id: str, request: Request, who: ConsoleUser = Depends(city_admin),
                           session: Session = Depends(db_session)):
    form = await form_of(request, who)
    t = translator(request_lang(request))
    try:
        catalogue.decide(session, entry_id, form.get("decision") == "approve", who.user.username,
                         str(form.get("note", "")), beijing_now())
    except catalogue.CatalogueError as exc:
        session.rollback()
        return render(request, "admin_catalogue.html", who, status=422, rows=catalogue.entries(session),
                      fields=catalogue.REQUESTABLE_FIELDS, error=t(exc.code))
    session.commit()
    return RedirectResponse(f"{PREFIX}/admin/catalogue?saved=1", status_code=303)


def _local_codes(session: Session, who: ConsoleUser) -> list[CodeEntry]:
    query = select(CodeEntry).where(CodeEntry.scope_prefix != "", CodeEntry.deleted.is_(False))
    if who.role != "city_admin":
        query = query.where(CodeEntry.scope_prefix.startswith(who.scope))
    return list(session.scalars(query.order_by(CodeEntry.scope_prefix, CodeEntry.table, CodeEntry.code)))


@router.get("/codes")
def codes_page(request: Request, who: ConsoleUser = Depends(admins), session: Session = Depends(db_session),
               saved: str = ""):
    t = translator(request_lang(request))
    return render(request, "admin_codes.html", who, rows=_local_codes(session, who), message=t(saved) if saved else "")


@router.post("/codes/{entry_id}/{decision}")
async def code_decide(entry_id: str, decision: str, request: Request, who: ConsoleUser = Depends(city_admin),
                      session: Session = Depends(db_session)):
    await form_of(request, who)
    t = translator(request_lang(request))
    entry = session.get(CodeEntry, entry_id)
    if entry is None or not entry.scope_prefix or decision not in ("approve", "refuse"):
        raise Denied(404)
    attrs = {**(entry.attrs or {}), "city_review": decision, "city_reviewer": who.user.username}
    fields = {"attrs": attrs} if decision == "approve" else {"attrs": attrs, "active": False}
    try:
        push_edits(session, who.user, [Edit("code_entry", entry.id, fields)])
    except PushRefused as exc:
        return render(request, "admin_codes.html", who, status=422, rows=_local_codes(session, who),
                      error=t("refused_by_server", message=exc.text(request_lang(request))))
    session.commit()
    return RedirectResponse(f"{PREFIX}/admin/codes?saved=code_{decision}d", status_code=303)


# what the audit records, as the 动作 filter offers it (its words: the catalogue's audit_act_*)
AUDIT_ACTIONS = tuple(key.removeprefix("audit_act_") for key in MESSAGES if key.startswith("audit_act_"))


def _audit_filter(who: ConsoleUser, username: str, action: str, since: str, until: str, limit: int):
    def day(value: str):
        try:
            return dt.datetime.fromisoformat(value) if value else None
        except ValueError:
            return None

    return escrow.AuditFilter(username or None, action or None, None, day(since), day(until), None, limit)


@router.get("/audit")
def audit_page(request: Request, who: ConsoleUser = Depends(city_admin), session: Session = Depends(db_session),
               username: str = "", action: str = "", since: str = "", until: str = ""):
    rows = escrow.query_audit(session, _audit_filter(who, username, action, since, until, 500))
    return render(request, "admin_audit.html", who, rows=rows, actions=AUDIT_ACTIONS,
                  names=region_names(session, {r["region_code"] for r in rows if r["region_code"]}),
                  f={"username": username, "action": action, "since": since, "until": until})


@router.get("/audit.xlsx")
def audit_export(request: Request, who: ConsoleUser = Depends(city_admin), session: Session = Depends(db_session),
                 username: str = "", action: str = "", since: str = "", until: str = ""):
    t = translator(request_lang(request))
    rows = escrow.query_audit(session, _audit_filter(who, username, action, since, until, 20_000))
    data = workbook_bytes(t("audit_title"), [t("time"), t("who"), t("action"), t("entity"), t("region"), t("reason")], (
        [r["at"].strftime("%Y-%m-%d %H:%M:%S"), r["username"], r["action"], r["entity"], r["region_code"], r["reason"]]
        for r in rows))
    audit(session, who.user, "export", "audit_entry", [], f"控制台导出审计记录 {len(rows)} 条", "", beijing_now())
    session.commit()
    return StreamingResponse(iter([data]), headers={"Content-Disposition": 'attachment; filename="audit.xlsx"'},
                             media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
