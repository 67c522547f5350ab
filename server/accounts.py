"""Accounts: argon2 password hashes, per-device opaque tokens, login throttling and device
revocation. Only functions over a Session; the HTTP layer (server/routers/auth.py) calls them.

Tokens are 32 random bytes (URL-safe base64) handed to the client once; the server keeps only
HMAC-SHA256(secret key, token), so a copy of the database alone cannot be turned into working tokens.
Failed logins are remembered per username and per client address within a sliding window; too many
of either answers 429 with the seconds until the oldest failure leaves the window."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from server.config import Settings
from server.errors import ApiError
from server.models import CONSOLE_ONLY_ROLES, ROLES, Device, LoginFailure, User
from server.password_policy import check_password


def password_hasher(settings: Settings) -> PasswordHasher:
    return PasswordHasher(time_cost=settings.argon2_time_cost, memory_cost=settings.argon2_memory_kib)


def token_hash(settings: Settings, token: str) -> str:
    return hmac.new(settings.secret_key.encode(), token.encode(), hashlib.sha256).hexdigest()


def utcnow() -> dt.datetime:
    """Naive UTC: server bookkeeping times are UTC (docs/decisions/0001)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def create_user(session: Session, settings: Settings, username: str, password: str, role: str,
                scope_prefix: str = "", department_code: str | None = None,
                display_name: str = "") -> User:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    check_password(username, password)  # the password policy (server/password_policy.py)
    if role == "department" and not department_code:
        raise ValueError("a department user needs a department code")
    if session.scalar(select(User).where(User.username == username)):
        raise ApiError(409, "username_taken")
    user = User(username=username, display_name=display_name or username, role=role,
                scope_prefix=scope_prefix, department_code=department_code,
                password_hash=password_hasher(settings).hash(password), created_at=utcnow())
    session.add(user)
    session.flush()
    return user


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: dt.datetime
    user: User
    device: Device


# Verified against when the username is unknown, so a miss costs the same time as a wrong password.
_DUMMY_HASH: dict[tuple[int, int], str] = {}


def _verify(settings: Settings, user: User | None, password: str) -> bool:
    hasher = password_hasher(settings)
    if user is None:
        key = (settings.argon2_time_cost, settings.argon2_memory_kib)
        if key not in _DUMMY_HASH:
            _DUMMY_HASH[key] = hasher.hash(secrets.token_hex(8))
        with contextlib.suppress(VerificationError, InvalidHashError):
            hasher.verify(_DUMMY_HASH[key], password)
        return False
    try:
        return hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def check_throttle(session: Session, settings: Settings, username: str, address: str,
                   now: dt.datetime) -> None:
    window_start = now - dt.timedelta(seconds=settings.login_window_seconds)
    session.execute(delete(LoginFailure).where(LoginFailure.at < window_start))
    for column, key, limit in ((LoginFailure.username, username, settings.login_max_failures_user),
                               (LoginFailure.address, address, settings.login_max_failures_address)):
        count, oldest = session.execute(
            select(func.count(), func.min(LoginFailure.at)).where(column == key, LoginFailure.at >= window_start)
        ).one()
        if count >= limit:
            retry = max(1, int((oldest - window_start).total_seconds()) + 1)
            raise ApiError(429, "too_many_attempts", headers={"Retry-After": str(retry)}, retry_after=retry)


def check_credentials(session: Session, settings: Settings, username: str, password: str, address: str,
                      now: dt.datetime) -> User:
    """The active user with this username and password, under the login throttle; the one check
    behind a device's login and a console login. A failure is recorded (the caller commits it)."""
    check_throttle(session, settings, username, address, now)
    user = session.scalar(select(User).where(User.username == username))
    if not _verify(settings, user, password):
        session.add(LoginFailure(username=username[:50], address=address[:64], at=now))
        raise ApiError(401, "bad_credentials")
    assert user is not None
    if not user.active:
        raise ApiError(403, "user_disabled")
    session.execute(delete(LoginFailure).where(LoginFailure.username == username))
    return user


def login(session: Session, settings: Settings, *, username: str, password: str, device_id: str,
          device_name: str, public_key: str | None, address: str, now: dt.datetime) -> IssuedToken:
    """Check the password and issue a fresh token for the device; the caller commits.

    A failed attempt is recorded even though the request answers 401, so the caller must commit
    on ApiError("bad_credentials") too (see routers/auth.py)."""
    user = check_credentials(session, settings, username, password, address, now)
    if user.role in CONSOLE_ONLY_ROLES:
        raise ApiError(403, "console_only")
    device = session.get(Device, device_id)
    if device is not None and device.revoked:
        raise ApiError(403, "device_revoked")
    if device is None:
        device = Device(id=device_id, user_id=user.id, created_at=now)
        session.add(device)
    device.user_id = user.id
    device.name = device_name or device.name
    if public_key:
        device.public_key = public_key
    return _issue(settings, user, device, now)


def _issue(settings: Settings, user: User, device: Device, now: dt.datetime) -> IssuedToken:
    token = secrets.token_urlsafe(32)
    device.token_hash = token_hash(settings, token)
    device.token_expires_at = now + dt.timedelta(hours=settings.token_lifetime_hours)
    device.last_seen_at = now
    return IssuedToken(token, device.token_expires_at, user, device)


def renew(settings: Settings, user: User, device: Device, now: dt.datetime) -> IssuedToken:
    """A new token for the same device; the old one stops working at once."""
    return _issue(settings, user, device, now)


def logout(device: Device) -> None:
    device.token_hash = None
    device.token_expires_at = None


def revoke_device(device: Device, wipe: bool, now: dt.datetime) -> None:
    device.revoked = True
    device.revoked_at = now
    device.wipe = device.wipe or wipe
    # The token hash is kept so the device, when it next calls, is told it is revoked (and whether
    # to wipe) instead of merely being logged out.
