"""Login, logout, token renewal, who-am-I, and device management (list, revoke with optional
remote wipe). The user always comes from the token, never from a request body."""

from __future__ import annotations

import datetime as dt
import uuid

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy.orm import Session

from server import accounts
from server.accounts import utcnow
from server.bundles import server_public_key
from server.deps import Principal, db_session, forget_principals, principal, settings_of
from server.errors import ApiError
from server.models import ROLE_LABELS, Device, User
from server.store.tables import DeviceSyncState
from server.timefmt import UtcTime
from server.user_admin import managed_devices
from sync.versions import current_version

router = APIRouter(tags=["accounts"])


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=50)
    password: str = Field(min_length=1, max_length=200)
    device_id: str = Field(min_length=36, max_length=36)
    device_name: str = Field(default="", max_length=100)
    public_key: str | None = Field(default=None, max_length=4000)

    @field_validator("device_id")
    @classmethod
    def _uuid(cls, value: str) -> str:
        return str(uuid.UUID(value))


class UserInfo(BaseModel):
    username: str
    display_name: str
    role: str
    role_label: str
    scope_prefix: str
    department_code: str | None


class TokenAnswer(BaseModel):
    token: str
    expires_at: UtcTime
    device_id: str
    user: UserInfo
    server_time: UtcTime
    schema_version: int
    accepted_schema_versions: list[int]
    server_public_key: str  # base64 Ed25519: the signer of answer bundles (USB sync)


class DeviceInfo(BaseModel):
    id: str
    name: str
    username: str
    revoked: bool
    wipe: bool
    created_at: UtcTime
    last_seen_at: UtcTime | None
    token_expires_at: UtcTime | None
    has_public_key: bool
    clock_flagged_at: UtcTime | None = None  # the device's clock ran > 5 min ahead (HLC clamped)


class RevokeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    wipe: bool = False


def _user_info(user: User) -> UserInfo:
    return UserInfo(username=user.username, display_name=user.display_name, role=user.role,
                    role_label=ROLE_LABELS.get(user.role, user.role), scope_prefix=user.scope_prefix,
                    department_code=user.department_code)


def _answer(issued: accounts.IssuedToken, now: dt.datetime, settings) -> TokenAnswer:
    return TokenAnswer(token=issued.token, expires_at=issued.expires_at, device_id=issued.device.id,
                       user=_user_info(issued.user), server_time=now, schema_version=current_version(),
                       accepted_schema_versions=list(range(settings.min_schema_version, current_version() + 1)),
                       server_public_key=server_public_key(settings))


@router.post("/login", response_model=TokenAnswer)
def login(body: LoginRequest, request: Request, session: Session = Depends(db_session)) -> TokenAnswer:
    now = utcnow()
    address = request.client.host if request.client else "-"
    try:
        issued = accounts.login(session, settings_of(request), username=body.username, password=body.password,
                                device_id=body.device_id, device_name=body.device_name,
                                public_key=body.public_key, address=address, now=now)
    except ApiError as exc:
        if exc.code == "bad_credentials":
            session.commit()  # the failure must be remembered for throttling
        raise
    session.commit()
    return _answer(issued, now, settings_of(request))


@router.post("/logout", status_code=204)
def logout(request: Request, who: Principal = Depends(principal), session: Session = Depends(db_session)) -> None:
    device = session.get(Device, who.device_id)
    accounts.logout(device)
    session.commit()
    forget_principals(request, device_id=who.device_id)


@router.post("/renew", response_model=TokenAnswer)
def renew(request: Request, who: Principal = Depends(principal),
          session: Session = Depends(db_session)) -> TokenAnswer:
    now = utcnow()
    issued = accounts.renew(settings_of(request), session.get(User, who.user_id),
                            session.get(Device, who.device_id), now)
    session.commit()
    forget_principals(request, device_id=who.device_id)
    return _answer(issued, now, settings_of(request))


@router.get("/me", response_model=UserInfo)
def me(who: Principal = Depends(principal), session: Session = Depends(db_session)) -> UserInfo:
    return _user_info(session.get(User, who.user_id))


def _manageable(session: Session, who: Principal):
    """Devices a caller may see and revoke (server.user_admin.managed_devices)."""
    return managed_devices(who.role, who.scope_prefix, who.user_id)


def _device_info(device: Device, username: str, session: Session) -> DeviceInfo:
    sync_state = session.get(DeviceSyncState, device.id)
    return DeviceInfo(id=device.id, name=device.name, username=username, revoked=device.revoked,
                      wipe=device.wipe, created_at=device.created_at, last_seen_at=device.last_seen_at,
                      token_expires_at=device.token_expires_at, has_public_key=bool(device.public_key),
                      clock_flagged_at=sync_state.clock_flagged_at if sync_state else None)


@router.get("/devices", response_model=list[DeviceInfo])
def list_devices(who: Principal = Depends(principal), session: Session = Depends(db_session)) -> list[DeviceInfo]:
    return [_device_info(d, name, session) for d, name in session.execute(_manageable(session, who))]


@router.post("/devices/{device_id}/revoke", response_model=DeviceInfo)
def revoke_device(request: Request, device_id: str, body: RevokeRequest, who: Principal = Depends(principal),
                  session: Session = Depends(db_session)) -> DeviceInfo:
    row = session.execute(_manageable(session, who).where(Device.id == device_id)).first()
    if row is None:
        raise ApiError(404, "not_found")
    device, username = row
    accounts.revoke_device(device, body.wipe, utcnow())
    session.commit()
    forget_principals(request, device_id=device_id)
    return _device_info(device, username, session)
