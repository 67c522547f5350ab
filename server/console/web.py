"""The console's request plumbing: browser sessions (an opaque cookie whose HMAC is the key of a
`ConsoleSession` row, with idle and absolute expiry), the signed-in user as a dependency with a role
check, the CSRF check every form post passes through, and rendering a template with the translator,
the user and the navigation of their role. Jinja2 autoescapes every template, so names are shown as
text whatever they contain."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from db.models import CodeEntry, Region
from server.accounts import token_hash, utcnow
from server.config import Settings
from server.console.i18n import request_lang, translator
from server.deps import db_session, settings_of
from server.models import ConsoleSession, User

COOKIE = "td_console"
LOGIN_CSRF_COOKIE = "td_login_csrf"
PREFIX = "/console"
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))

NAV = {
    "department": (("nav_progress", "/dept/progress"), ("nav_tasks", "/dept/tasks"), ("nav_issue", "/dept/issue"),
                   ("nav_whistles", "/dept/whistles"), ("nav_catalogue", "/dept/catalogue")),
    "city_admin": (("nav_users", "/admin/users"), ("nav_devices", "/admin/devices"),
                   ("nav_catalogue_review", "/admin/catalogue"), ("nav_code_tables", "/admin/code-tables"),
                   ("nav_codes", "/admin/codes"),
                   ("nav_audit", "/admin/audit"), ("nav_channels", "/admin/channels"), ("nav_builds", "/admin/builds"),
                   ("nav_review", "/admin/review"), ("nav_overview", "/leader"), ("nav_burden", "/leader/burden")),
    "township_admin": (("nav_users", "/admin/users"), ("nav_devices", "/admin/devices"),
                       ("nav_codes", "/admin/codes"), ("nav_review", "/admin/review"), ("nav_overview", "/leader"),
                       ("nav_burden", "/leader/burden")),
    "leader": (("nav_overview", "/leader"), ("nav_burden", "/leader/burden")),
}
CONSOLE_ROLES = tuple(NAV)


class LoginRequired(Exception):
    """No valid session: the handler sends the browser to the login page."""

    def __init__(self, expired: bool = False):
        super().__init__("login required")
        self.expired = expired


class Denied(Exception):
    """Signed in, but the page or record is outside the user's role or scope (answered 403/404)."""

    def __init__(self, status: int = 403):
        super().__init__("denied")
        self.status = status


@dataclass(frozen=True)
class ConsoleUser:
    user: User
    session_id: str
    csrf: str
    place: str = ""  # the scope's name (林东镇), else its code
    department: tuple[str, str] = ("", "")  # the department's Chinese and English names

    @property
    def role(self) -> str:
        return self.user.role

    @property
    def scope(self) -> str:
        return self.user.scope_prefix or ""


def start_session(session: Session, settings: Settings, user: User, address: str) -> str:
    """A new console session for `user`; returns the cookie value (kept only as its HMAC)."""
    now = utcnow()
    session.execute(delete(ConsoleSession).where(ConsoleSession.expires_at < now))
    cookie = secrets.token_urlsafe(32)
    session.add(ConsoleSession(id=token_hash(settings, cookie), user_id=user.id, csrf_token=secrets.token_urlsafe(32),
                               created_at=now, last_seen_at=now, address=address[:64],
                               expires_at=now + dt.timedelta(hours=settings.console_session_hours)))
    return cookie


def end_session(session: Session, settings: Settings, cookie: str | None) -> None:
    if cookie:
        session.execute(delete(ConsoleSession).where(ConsoleSession.id == token_hash(settings, cookie)))


def console_user(request: Request, session: Session = Depends(db_session)) -> ConsoleUser:
    settings = settings_of(request)
    cookie = request.cookies.get(COOKIE)
    if not cookie:
        raise LoginRequired()
    row = session.get(ConsoleSession, token_hash(settings, cookie))
    now = utcnow()
    if row is None:
        raise LoginRequired(expired=True)
    idle = dt.timedelta(minutes=settings.console_idle_minutes)
    user = session.get(User, row.user_id)
    if row.expires_at <= now or now - row.last_seen_at > idle or user is None or not user.active:
        session.delete(row)
        session.commit()
        raise LoginRequired(expired=True)
    if now - row.last_seen_at > dt.timedelta(seconds=30):
        row.last_seen_at = now
        session.commit()
    return ConsoleUser(user, row.id, row.csrf_token, *_header_words(session, user))


def _header_words(session: Session, user: User) -> tuple[str, tuple[str, str]]:
    """The user's place and department as the header says them (林东镇, 民政 / Civil Affairs): codes
    meant nothing to the person signed in. Two primary-key-sized lookups per page."""
    scope = user.scope_prefix or ""
    place = session.get(Region, scope.ljust(12, "0") if len(scope) < 12 else scope) if scope else None
    words = ("", "")
    if user.department_code:
        found = session.execute(select(CodeEntry.label_zh, CodeEntry.label_en).where(
            CodeEntry.table == "department", CodeEntry.code == user.department_code,
            CodeEntry.scope_prefix == "")).first()
        words = (found[0], found[1] or found[0]) if found else (user.department_code, user.department_code)
    return (place.name if place else scope), words


def require(*roles: str):
    def check(who: ConsoleUser = Depends(console_user)) -> ConsoleUser:
        if who.role not in roles:
            raise Denied()
        return who

    return check


async def form_of(request: Request, who: ConsoleUser) -> dict[str, Any]:
    """The posted form after the CSRF check (hidden field `csrf`, or the X-CSRF-Token header of an
    htmx request); multi-valued fields come back as lists, files of a multipart form (`files_of`)
    as the uploads Starlette spooled — a file input left empty sends none."""
    form = await request.form()
    token = str(form.get("csrf") or request.headers.get("x-csrf-token") or "")
    if not hmac.compare_digest(token.encode(), who.csrf.encode()):
        raise Denied(400)
    out: dict[str, Any] = {}
    for key in form:
        values = [v if isinstance(v, UploadFile) else str(v) for v in form.getlist(key)]
        out[key] = values if len(values) > 1 or key.endswith("[]") else values[0]
    return out


def files_of(form: dict[str, Any], key: str) -> list[UploadFile]:
    """The files posted under `key` (or `key[]`), without the empty part of an unused file input."""
    value = form.get(key + "[]", form.get(key, []))
    found = value if isinstance(value, list) else [value]
    return [f for f in found if isinstance(f, UploadFile) and (f.filename or f.size)]


def listed(form: dict, key: str) -> list[str]:
    value = form.get(key + "[]", form.get(key, []))
    return [value] if isinstance(value, str) else list(value)


def beijing(value: dt.datetime | None) -> str:
    """A server bookkeeping time (naive UTC) as Beijing time for the page."""
    return "—" if value is None else (value + dt.timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")


def page_before(request: Request) -> str:
    """For a page answering a form (a POST: a refusal, the full numbers after a reason), the console
    page the form was on — where switching the language returns: the answer's own address takes no
    GET (it answered 405)."""
    if request.method == "GET":
        return ""
    back = request.headers.get("referer", "")
    base = str(request.base_url).rstrip("/")
    return back[len(base):] if back.startswith(base + PREFIX + "/") else ""


def render(request: Request, name: str, who: ConsoleUser | None, status: int = 200, **context) -> HTMLResponse:
    lang = request_lang(request)
    nav = NAV.get(who.role, ()) if who else ()
    return templates.TemplateResponse(request, name, {
        "t": translator(lang), "lang": lang, "who": who, "csrf": who.csrf if who else "", "nav": nav,
        "prefix": PREFIX, "path": request.url.path, "beijing": beijing, "page_before": page_before(request),
        **context}, status_code=status)
