"""Signing in and out of the console, the language switch and the home page of each role. The login
form checks the password with the same account rules as a device's login (throttle, lockout,
disabled accounts); its CSRF token is a double-submit cookie, since there is no session yet."""

from __future__ import annotations

import hmac
import secrets

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from server.accounts import check_credentials, utcnow
from server.console.i18n import LANG_COOKIE, LANGS, request_lang, translator
from server.console.web import (
    CONSOLE_ROLES,
    COOKIE,
    LOGIN_CSRF_COOKIE,
    NAV,
    PREFIX,
    ConsoleUser,
    Denied,
    console_user,
    end_session,
    form_of,
    render,
    start_session,
)
from server.deps import db_session, settings_of
from server.errors import ApiError

router = APIRouter(include_in_schema=False)
MESSAGE_OF = {"bad_credentials": "login_failed", "too_many_attempts": "login_throttled",
              "user_disabled": "login_disabled"}


def _safe_next(value: str) -> str:
    return value if value.startswith(PREFIX + "/") and "//" not in value and "\\" not in value else PREFIX + "/"


def _login_page(request: Request, next_url: str, error: str = "", username: str = "", status: int = 200):
    token = secrets.token_urlsafe(24)
    response = render(request, "login.html", None, status=status, login_csrf=token, next=next_url,
                      username=username, error=error)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", path=PREFIX)
    return response


@router.get("/login")
def login_form(request: Request, next: str = "", expired: str = ""):
    t = translator(request_lang(request))
    return _login_page(request, _safe_next(next), t("session_expired") if expired else "")


@router.post("/login")
async def login(request: Request, session: Session = Depends(db_session)):
    form = await request.form()
    t = translator(request_lang(request))
    username, password = str(form.get("username") or "")[:50], str(form.get("password") or "")[:200]
    next_url = _safe_next(str(form.get("next") or ""))
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected.encode(), str(form.get("csrf") or "").encode()):
        return _login_page(request, next_url, t("csrf_failed"), username, status=400)
    settings = settings_of(request)
    address = request.client.host if request.client else "-"
    try:
        user = check_credentials(session, settings, username, password, address, utcnow())
    except ApiError as exc:
        session.commit()  # a failure is remembered for the throttle
        return _login_page(request, next_url, t(MESSAGE_OF.get(exc.code, "login_failed")), username,
                           status=exc.status)
    if user.role not in CONSOLE_ROLES:
        session.commit()
        return _login_page(request, next_url, t("login_no_console"), username, status=403)
    cookie = start_session(session, settings, user, address)
    session.commit()
    response = RedirectResponse(next_url, status_code=303)
    response.set_cookie(COOKIE, cookie, httponly=True, samesite="strict", path=PREFIX,
                        secure=request.url.scheme == "https")
    response.delete_cookie(LOGIN_CSRF_COOKIE, path=PREFIX)
    return response


@router.post("/logout")
async def logout(request: Request, who: ConsoleUser = Depends(console_user), session: Session = Depends(db_session)):
    await form_of(request, who)
    end_session(session, settings_of(request), request.cookies.get(COOKIE))
    session.commit()
    response = RedirectResponse(PREFIX + "/login", status_code=303)
    response.delete_cookie(COOKIE, path=PREFIX)
    return response


@router.get("/lang")
def switch_language(request: Request, to: str = "zh", next: str = "") -> Response:
    """Back to the page the link was on (its Referer) — or, from a page answering a form, to the
    page the form was on (`next`, web.page_before)."""
    back = request.headers.get("referer", "")
    path = back.split(str(request.base_url).rstrip("/"), 1)[-1] if back.startswith(str(request.base_url)) else ""
    path = next or path
    response = RedirectResponse(_safe_next(path), status_code=303)
    response.set_cookie(LANG_COOKIE, to if to in LANGS else "zh", samesite="lax", path=PREFIX, max_age=365 * 86400)
    return response


@router.get("/")
def home(who: ConsoleUser = Depends(console_user)):
    entries = NAV.get(who.role)
    if not entries:
        raise Denied()
    return RedirectResponse(PREFIX + entries[0][1], status_code=303)
