"""Escrow of client database keys, and the audit trail of personal-data access as the city sees it.

Escrow: a client whose register is encrypted sends its SQLCipher key once, over its authenticated
link, right after enrolment. The server keeps it sealed with AES-256-GCM under a key derived (HKDF)
from the server secret, bound to the device id as associated data, in one file per device under the
server data directory (`escrow/<device id>.key`, mode 0600). A copy of the database alone, or of the
escrow folder alone, therefore yields no key; only the running server with its secret can unseal one.
A township admin (for a device of a user inside its township) or the city admin releases a key with
a stated reason; every release is appended to `escrow/releases.jsonl` and shows in the audit query as
action "key_release".

Audit: the clients' `AuditEntry` rows (reveal, print, export, discard …) arrive through ordinary sync
into the server's entity table; `query_audit` filters them for a city admin by who, what, when and
region, merged with the key releases."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import AuditEntry
from server.config import Settings, data_dir
from server.errors import ApiError
from server.models import Device, User

RELEASE_ACTION = "key_release"


def escrow_dir() -> Path:
    path = data_dir() / "escrow"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _sealing_key(settings: Settings) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"township-desk escrow v1", info=b"database keys")
    return hkdf.derive(settings.secret_key.encode("utf-8"))


def _key_file(device_id: str) -> Path:
    return escrow_dir() / f"{uuid.UUID(device_id)}.key"  # a UUID: no path tricks through the id


def store_key(settings: Settings, device_id: str, key: str, now: dt.datetime) -> None:
    """Seal and keep the database key of `device_id` (a newer key replaces the older one)."""
    nonce = os.urandom(12)
    sealed = AESGCM(_sealing_key(settings)).encrypt(nonce, key.encode("utf-8"), device_id.encode("ascii"))
    record = {"v": 1, "stored_at": now.isoformat(), "nonce": base64.b64encode(nonce).decode(),
              "sealed": base64.b64encode(sealed).decode()}
    path = _key_file(device_id)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(record, fh)
    os.replace(tmp, path)


def has_key(device_id: str) -> bool:
    return _key_file(device_id).exists()


def _unseal(settings: Settings, device_id: str) -> str:
    path = _key_file(device_id)
    if not path.exists():
        raise ApiError(404, "not_found", entity="escrowed key")
    record = json.loads(path.read_text())
    nonce, sealed = base64.b64decode(record["nonce"]), base64.b64decode(record["sealed"])
    return AESGCM(_sealing_key(settings)).decrypt(nonce, sealed, device_id.encode("ascii")).decode("utf-8")


@dataclass(frozen=True)
class Releaser:
    """Who asks for a key: a user with role and scope (from a token, or the operator at the CLI)."""

    username: str
    role: str
    scope_prefix: str
    device_id: str = ""


def may_release(releaser: Releaser, owner: User) -> bool:
    """The city admin for any device; a township admin for devices of users inside its township."""
    if releaser.role == "city_admin":
        return True
    return (releaser.role == "township_admin" and len(releaser.scope_prefix) >= 9
            and (owner.scope_prefix or "").startswith(releaser.scope_prefix))


def release_key(session: Session, settings: Settings, releaser: Releaser, device_id: str, reason: str,
                now: dt.datetime) -> tuple[str, str]:
    """The escrowed key of `device_id` and the region of its owner, after the rights check; the
    release is recorded before the key is returned."""
    if not reason.strip():
        raise ApiError(422, "reason_required")
    device = session.get(Device, device_id)
    owner = session.get(User, device.user_id) if device is not None else None
    if owner is None or not may_release(releaser, owner):
        raise ApiError(404, "not_found", entity="device")  # never confirm a device outside one's scope
    key = _unseal(settings, device_id)
    entry = {"at": now.isoformat(), "username": releaser.username, "device_id": releaser.device_id,
             "action": RELEASE_ACTION, "entity": "device", "record_ids": [device_id],
             "reason": reason.strip(), "region_code": owner.scope_prefix or ""}
    with (escrow_dir() / "releases.jsonl").open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
    return key, owner.scope_prefix or ""


@dataclass(frozen=True)
class AuditFilter:
    username: str | None = None
    action: str | None = None
    region_prefix: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    record_id: str | None = None
    limit: int = 500


def _releases() -> list[dict]:
    path = escrow_dir() / "releases.jsonl"
    if not path.exists():
        return []
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for row in rows:
        row["at"] = dt.datetime.fromisoformat(row["at"])
    return rows


def _matches(row: dict, f: AuditFilter) -> bool:
    return ((f.username is None or row["username"] == f.username)
            and (f.action is None or row["action"] == f.action)
            and (f.region_prefix is None or (row["region_code"] or "").startswith(f.region_prefix))
            and (f.since is None or row["at"] >= f.since) and (f.until is None or row["at"] < f.until)
            and (f.record_id is None or f.record_id in (row["record_ids"] or [])))


def query_audit(session: Session, f: AuditFilter) -> list[dict]:
    """Audit entries (newest first) matching the filter: synced client entries and key releases."""
    query = select(AuditEntry).where(AuditEntry.deleted.is_(False)).order_by(AuditEntry.at.desc())
    if f.username:
        query = query.where(AuditEntry.username == f.username)
    if f.action:
        query = query.where(AuditEntry.action == f.action)
    if f.region_prefix:
        query = query.where(AuditEntry.region_code.startswith(f.region_prefix))
    if f.since:
        query = query.where(AuditEntry.at >= f.since)
    if f.until:
        query = query.where(AuditEntry.at < f.until)
    rows = [{"at": e.at, "username": e.username, "device_id": e.device_id, "action": e.action,
             "entity": e.entity, "record_ids": list(e.record_ids or []), "reason": e.reason,
             "region_code": e.region_code} for e in session.scalars(query if f.record_id else query.limit(f.limit))]
    # record ids are a JSON list: matched here, so with a record filter the SQL is not limited
    rows = [r for r in rows if _matches(r, f)] + [r for r in _releases() if _matches(r, f)]
    rows.sort(key=lambda r: r["at"], reverse=True)
    return rows[:f.limit]
