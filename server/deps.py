"""Request dependencies shared by the routers: the settings, one database session per request
(committed by the handler, rolled back on any error), the authenticated principal taken from the
bearer token, role checks and the schema-version negotiation (X-Schema-Version)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from server.accounts import authenticate, utcnow
from server.config import Settings
from server.errors import ApiError
from sync.wire import ACCEPTED_SCHEMA_VERSIONS

SCHEMA_HEADER = "x-schema-version"


@dataclass(frozen=True)
class Principal:
    """Who is calling: the user (from the token, never from a payload) and their device."""

    user_id: str
    username: str
    role: str
    scope_prefix: str
    department_code: str | None
    device_id: str


def settings_of(request: Request) -> Settings:
    return request.app.state.settings


def db_session(request: Request) -> Iterator[Session]:
    session = request.app.state.sessions()
    try:
        yield session
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "not_authenticated")
    return token.strip()


def principal(request: Request, session: Session = Depends(db_session)) -> Principal:
    settings = settings_of(request)
    token = _bearer(request)
    try:
        user, device = authenticate(session, settings, token, utcnow())
    finally:
        session.commit()  # keeps last_seen_at; nothing else is written by authentication
    request.scope.setdefault("state", {}).update(user_id=user.id, device_id=device.id)
    return Principal(user.id, user.username, user.role, user.scope_prefix, user.department_code, device.id)


def require_roles(*roles: str):
    def check(who: Principal = Depends(principal)) -> Principal:
        if who.role not in roles:
            raise ApiError(403, "forbidden")
        return who

    return check


def schema_version(request: Request) -> int:
    """The client's schema version; a version this server cannot serve gets 426 Upgrade Required."""
    raw = request.headers.get(SCHEMA_HEADER)
    if raw is None:
        raise ApiError(400, "schema_version_missing")
    lo, hi = ACCEPTED_SCHEMA_VERSIONS.start, ACCEPTED_SCHEMA_VERSIONS.stop - 1
    if not raw.strip().isdigit() or int(raw) not in ACCEPTED_SCHEMA_VERSIONS:
        raise ApiError(426, "upgrade_required", version=raw[:10], min=lo, max=hi)
    return int(raw)
