"""User administration over the API: the city admin manages every account; a township admin adds
and disables the accounts of its own township (staff, village cadres, grid workers) — never an
admin, a department user or anyone outside its scope. Passwords are set here and stored only as
argon2 hashes; disabling an account stops every one of its devices at their next request."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.accounts import create_user
from server.deps import Principal, db_session, forget_principals, require_roles, settings_of
from server.errors import ApiError
from server.models import ROLE_LABELS, ROLES, User
from server.timefmt import UtcTime
from server.user_admin import managed_users, may_manage

router = APIRouter(prefix="/users", tags=["accounts"])
ADMINS = ("city_admin", "township_admin")


class UserOut(BaseModel):
    username: str
    display_name: str
    role: str
    role_label: str
    scope_prefix: str
    department_code: str | None
    active: bool
    created_at: UtcTime


class NewUser(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=2, max_length=50, pattern=r"^[A-Za-z0-9_.-]+$")
    password: str = Field(min_length=8, max_length=200)
    role: str = Field(max_length=20)
    scope_prefix: str = Field(default="", max_length=15, pattern=r"^(\d{6}|\d{9}|\d{12}|\d{15})?$")
    department_code: str | None = Field(default=None, max_length=20)
    display_name: str = Field(default="", max_length=50)


def _out(user: User) -> UserOut:
    return UserOut(username=user.username, display_name=user.display_name, role=user.role,
                   role_label=ROLE_LABELS.get(user.role, user.role), scope_prefix=user.scope_prefix,
                   department_code=user.department_code, active=user.active,
                   created_at=user.created_at or dt.datetime(1970, 1, 1))


def _may_manage(who: Principal, role: str, scope_prefix: str) -> bool:
    return may_manage(who.role, who.scope_prefix, role, scope_prefix)


@router.get("", response_model=list[UserOut])
def list_users(who: Principal = Depends(require_roles(*ADMINS)),
               session: Session = Depends(db_session)) -> list[UserOut]:
    return [_out(u) for u in session.scalars(managed_users(who.role, who.scope_prefix))]


@router.post("", response_model=UserOut, status_code=201)
def add_user(body: NewUser, request: Request, who: Principal = Depends(require_roles(*ADMINS)),
             session: Session = Depends(db_session)) -> UserOut:
    if body.role not in ROLES or (body.role == "department") != bool(body.department_code):
        raise ApiError(422, "invalid_request", detail="role / department_code")
    if not _may_manage(who, body.role, body.scope_prefix):
        raise ApiError(403, "forbidden")
    user = create_user(session, settings_of(request), body.username, body.password, body.role, body.scope_prefix,
                       body.department_code, body.display_name)
    session.commit()
    return _out(user)


@router.post("/{username}/disable", response_model=UserOut)
def disable_user(request: Request, username: str, who: Principal = Depends(require_roles(*ADMINS)),
                 session: Session = Depends(db_session)) -> UserOut:
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not _may_manage(who, user.role, user.scope_prefix):
        raise ApiError(404, "not_found")
    if user.id == who.user_id:
        raise ApiError(409, "conflict", detail="不能停用自己的账号")
    user.active = False
    session.commit()
    forget_principals(request, user_id=user.id)
    return _out(user)
