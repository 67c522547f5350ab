"""Who may manage which accounts and devices, answered once for the users API, the devices API and
the city console: the city admin manages everyone; a township admin the staff, village cadres and
grid workers of its own township (never an admin, a department user or anyone outside it); anyone
else only their own devices. Disabling an account and setting a new password are here too, so the
password policy and the rights check are the same wherever they are done."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from server.accounts import password_hasher
from server.config import Settings
from server.errors import ApiError
from server.models import Device, User
from server.password_policy import check_password

TOWNSHIP_MANAGED = ("township_staff", "village_cadre", "grid_worker")


def may_manage(role: str, scope_prefix: str, target_role: str, target_scope: str) -> bool:
    if role == "city_admin":
        return True
    return (role == "township_admin" and target_role in TOWNSHIP_MANAGED and bool(target_scope)
            and target_scope.startswith(scope_prefix))


def managed_users(role: str, scope_prefix: str) -> Select:
    query = select(User).order_by(User.username)
    if role != "city_admin":
        query = query.where(User.scope_prefix.startswith(scope_prefix), User.role.in_(TOWNSHIP_MANAGED))
    return query


def managed_devices(role: str, scope_prefix: str, user_id: str) -> Select:
    """(Device, username) rows the caller may see and revoke: the city admin all; a township admin
    those of users inside its scope; anyone else their own."""
    query = select(Device, User.username).join(User, User.id == Device.user_id).order_by(Device.created_at)
    if role == "city_admin":
        return query
    if role == "township_admin":
        return query.where(User.scope_prefix.startswith(scope_prefix))
    return query.where(Device.user_id == user_id)


def managed_user(session: Session, role: str, scope_prefix: str, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not may_manage(role, scope_prefix, user.role, user.scope_prefix):
        raise ApiError(404, "not_found")
    return user


def set_password(settings: Settings, user: User, password: str) -> None:
    """A new password under the policy (ApiError weak_password otherwise); the old one stops working."""
    check_password(user.username, password)
    user.password_hash = password_hasher(settings).hash(password)
