"""Accounts tables of the city server, on `server.store.tables.ServerBase` beside the sync bookkeeping:

- `User`: a person with a role (roles: docs/ARCHITECTURE.md "Glossary"), a region scope (a code prefix) and, for
  department users, the department code; the password is kept only as an argon2 hash.
- `Device`: one client installation (its id is made by the client). Holds the SHA-256/HMAC hash of
  its current opaque token (never the token), the expiry, revocation and remote-wipe flags, the
  public key its offline bundles are signed with, and when it was last seen.
- `LoginFailure`: failed logins within the throttle window, per username and per address.
- `AuthChange`: a device or user whose token checks changed (revoked, disabled, renewed, logged
  out, moved to another role or scope), written by database triggers (server.auth_changes) so that
  every worker's token cache hears it within seconds, however the row was changed.
- `ChannelKey`: an outside intake channel (12345 hotline platform, WeChat backend …) with its
  hashed API key and the pseudo-device its cases are pushed as.
- `ChannelSubmission`: (channel, channel_ref) → case, so a resubmission creates no second case.
- `ConsoleSession`: a browser login to the city console (server/console): the HMAC of its cookie
  value, its CSRF token and its idle and absolute expiry. Device tokens are never console sessions.
- `RequestCatalogueEntry`: 报表准入, one data request a department may send down (its name and the
  register fields it may ask for), proposed by the department and approved or refused by the city
  admin. A data-verification task may request only the fields of an approved entry.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.ids import new_id
from server.store.tables import ServerBase

ROLES = ("city_admin", "department", "township_admin", "township_staff", "village_cadre", "grid_worker",
         "leader")
ROLE_LABELS = {
    "city_admin": "市级管理员", "department": "部门用户", "township_admin": "乡镇管理员",
    "township_staff": "乡镇工作人员", "village_cadre": "村（社区）干部", "grid_worker": "网格员",
    "leader": "领导",
}
# Roles that work only in the city console (read-only outcome screens): they never enrol a device.
CONSOLE_ONLY_ROLES = ("leader",)


class User(ServerBase):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(50), unique=True)
    display_name: Mapped[str] = mapped_column(String(50), default="")
    role: Mapped[str] = mapped_column(String(20))
    scope_prefix: Mapped[str] = mapped_column(String(15), default="")
    department_code: Mapped[str | None] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Device(ServerBase):
    __tablename__ = "devices"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    token_expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    wipe: Mapped[bool] = mapped_column(Boolean, default=False)
    public_key: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class AuthChange(ServerBase):
    __tablename__ = "auth_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)  # the database's clock, UTC
    device_id: Mapped[str | None] = mapped_column(String(36))
    user_id: Mapped[str | None] = mapped_column(String(36))


class LoginFailure(ServerBase):
    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(50), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)


class ChannelKey(ServerBase):
    __tablename__ = "channel_keys"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    channel: Mapped[str] = mapped_column(String(20), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    device_id: Mapped[str] = mapped_column(String(36), default=new_id)
    source_code: Mapped[str] = mapped_column(String(2), default="1")  # case source 来源 code
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class ChannelSubmission(ServerBase):
    __tablename__ = "channel_submissions"

    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    channel_ref: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(36), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)

    __table_args__ = (Index("ix_channel_submissions_case", "case_id", "channel"),)


class ConsoleSession(ServerBase):
    __tablename__ = "console_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # HMAC of the cookie value
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    address: Mapped[str] = mapped_column(String(64), default="")


class RequestCatalogueEntry(ServerBase):
    __tablename__ = "request_catalogue"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    department_code: Mapped[str] = mapped_column(String(20), index=True)
    name: Mapped[str] = mapped_column(String(100))
    purpose: Mapped[str] = mapped_column(Text, default="")
    fields: Mapped[list] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(10), default="pending")  # pending, approved, refused
    proposed_by: Mapped[str] = mapped_column(String(50), default="")
    proposed_at: Mapped[dt.datetime] = mapped_column(DateTime)
    decided_by: Mapped[str | None] = mapped_column(String(50))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    decision_note: Mapped[str] = mapped_column(Text, default="")


class ClientBuild(ServerBase):
    """A desktop client build on the update channel (server/updates.py): its signed manifest (version,
    platform, SHA-256, size) and the release-key signature; the file itself lives in the builds
    directory under its SHA-256, outside the database."""

    __tablename__ = "client_builds"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    version: Mapped[str] = mapped_column(String(20))
    platform: Mapped[str] = mapped_column(String(40), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    signature: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")
    published_by: Mapped[str] = mapped_column(String(50))
    published_at: Mapped[dt.datetime] = mapped_column(DateTime)
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (Index("ix_client_builds_platform_version", "platform", "version", unique=True),)


class ServerEpoch(ServerBase):
    """One epoch of this server's database (server/identity.py): a restore from a backup starts a new one,
    so devices learn that accepted changes after `head_at_start` may have been lost and offer them again.
    The newest row is the current epoch; the rows are the audit trail of restores (who, why, when).
    `installation_id` is the same in every row: it tells this city's server from any other."""

    __tablename__ = "server_epochs"

    epoch: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    installation_id: Mapped[str] = mapped_column(String(36))
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    started_by: Mapped[str] = mapped_column(String(50), default="")
    head_at_start: Mapped[int] = mapped_column(BigInteger, default=0)
    pg_timeline: Mapped[int | None] = mapped_column(Integer)

