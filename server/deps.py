"""Request dependencies shared by the routers: the settings, one database session per request
(committed by the handler, rolled back on any error), the authenticated principal taken from the
bearer token (server.auth_cache: no database round trip on most requests), role checks and the schema-version negotiation (X-Schema-Version)."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from server.auth_cache import Principal, authenticate_cached, cached_principal
from server.config import Settings
from server.errors import ApiError
from sync.versions import current_version

SCHEMA_HEADER = "x-schema-version"


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


def _bearer(header: str) -> str:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "not_authenticated")
    return token.strip()


async def principal(request: Request) -> Principal:
    """The caller. A token in the cache is answered on the event loop (an HMAC and a dict look-up);
    only a miss goes to a worker thread for its query. (A plain `def` dependency costs a thread
    hand-off on every request: a large part of a no-op pull, docs/perf-notes/server.md.)"""
    return await principal_of(request.app.state, request.headers.get("authorization", ""), request.scope)


async def principal_of(state, authorization: str, scope: dict) -> Principal:
    """`principal` for an Authorization header value (also used outside FastAPI, server.pull_path);
    notes the caller in the request scope's state (the access log, the pull's restore check)."""
    token = _bearer(authorization)
    who = cached_principal(state.principals, state.settings, token)
    if who is None:
        who = await run_in_threadpool(authenticate_cached, state.principals, state.sessions, state.settings, token)
    scope.setdefault("state", {}).update(user_id=who.user_id, device_id=who.device_id)
    return who


def forget_principals(request: Request, *, device_id: str | None = None, user_id: str | None = None) -> None:
    """Make this process refuse a device's (or a user's devices') cached token at once."""
    request.app.state.principals.forget(device_id=device_id, user_id=user_id)


def require_roles(*roles: str):
    async def check(who: Principal = Depends(principal)) -> Principal:
        if who.role not in roles:
            raise ApiError(403, "forbidden")
        return who

    return check


async def schema_version(request: Request) -> int:  # async: no thread hand-off for a header check
    """The client's schema version. The server answers every version from the configured minimum
    (`min_schema_version`) up to its own in that version (sync.versions); below the minimum the
    client gets 426 Upgrade Required, above its own it is told the server is older (409)."""
    return checked_schema_version(request.headers.get(SCHEMA_HEADER), request.app.state.settings)


def checked_schema_version(raw: str | None, settings: Settings) -> int:
    """`schema_version` for a header value (None: no header)."""
    if raw is None:
        raise ApiError(400, "schema_version_missing")
    lo, hi = settings.min_schema_version, current_version()
    # ASCII digits only, stripped as int() strips: a header is read as latin-1, where "²" is a digit to
    # isdigit() and "\x1c" whitespace to strip() that int() refuses (a 500 on every route)
    text = raw.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 6 or int(text) < lo:
        raise ApiError(426, "upgrade_required", version=raw[:10], min=lo, max=hi)
    if int(text) > hi:
        raise ApiError(409, "server_outdated", version=int(text), max=hi)
    return int(text)
