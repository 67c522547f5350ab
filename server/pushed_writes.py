"""Writes made on the server on a person's behalf (the city console's task issuing, deadline
extensions, 吹哨 responses, audit entries) travel as ordinary sync changes: each user has one
console pseudo-device (a stable id derived from the user id, never a device with a token), its
changes are numbered like a client's and pushed through `server.sync_service.push_batch` with the
user's own role and scope, so the same scope rules decide and clients receive the result by pull.

Field values are sent in their wire form (date-times as ISO text); an update carries, as its base,
the versions the server holds now, so it is an informed edit rather than a concurrent one."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from db.ids import new_id
from server.deps import Principal
from server.models import User
from server.store.tables import DeviceSyncState, RecordVersion
from server.sync_service import push_batch
from sync.messages import change_message
from sync.wire import SCHEMA_VERSION

CONSOLE_DEVICE_NAMESPACE = uuid.UUID("6f1d3c0e-2a57-4b8e-9d41-0c5e7a9b2f63")


def console_device_id(user_id: str) -> str:
    return str(uuid.uuid5(CONSOLE_DEVICE_NAMESPACE, f"console:{user_id}"))


class PushRefused(Exception):
    """A change the sync store refused: `code` is its machine code, `message` its (Chinese) text,
    `params` what fills the code's message in another language (`text`)."""

    def __init__(self, code: str, message: str, params: dict[str, Any] | None = None):
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.params = code, message, dict(params or {})

    def text(self, lang: str) -> str:
        """The refusal in `lang` ("zh" or "en"), as a client reads its push answer."""
        translated = change_message(self.code, lang, **self.params) if lang != "zh" and self.params else None
        return translated or self.message


@dataclass(frozen=True)
class Edit:
    entity: str
    record_id: str
    fields: dict[str, Any]


def _wire(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _base(session: Session, edit: Edit) -> dict[str, int]:
    head = session.get(RecordVersion, (edit.entity, edit.record_id))
    if head is None:
        return {}
    return {name: version[0] for name, version in (head.field_versions or {}).items() if name in edit.fields}


def principal_of(user: User, system: bool = False) -> Principal:
    """The user as the push sees them; `system` (audit entries of the console itself only) writes
    with city-wide rights, still from the user's console device and in the user's name."""
    role, scope = ("city_admin", "") if system else (user.role, user.scope_prefix or "")
    return Principal(user.id, user.username, role, scope, user.department_code, console_device_id(user.id))


def push_edits(session: Session, user: User, edits: list[Edit], system: bool = False) -> None:
    """Push `edits` in order as one batch from the user's console device; raises PushRefused (after
    rolling back) when any is refused, so nothing is half-saved. The caller commits."""
    who = principal_of(user, system)
    # One console request of a user at a time: the user row is touched first (a row lock on
    # PostgreSQL, the write lock on SQLite), so two never claim the same device_seq.
    session.execute(update(User).where(User.id == user.id).values(active=User.active))
    last = session.scalar(select(DeviceSyncState.last_device_seq).where(DeviceSyncState.device_id == who.device_id))
    ms = int(time.time() * 1000)
    changes = []
    for i, edit in enumerate(edits, start=1):
        changes.append({"change_id": new_id(), "device_id": who.device_id, "device_seq": (last or 0) + i,
                        "entity": edit.entity, "record_id": edit.record_id, "op": "upsert",
                        "fields": {k: _wire(v) for k, v in edit.fields.items()}, "base": _base(session, edit),
                        "hlc": f"{ms:013d}-{i:05d}-{who.device_id}", "schema_version": SCHEMA_VERSION})
    results = push_batch(session, who, changes)
    refused = next((r for r in results if r.outcome == "rejected"), None)
    if refused is not None:
        session.rollback()
        raise PushRefused(refused.code or "rejected", refused.message or "", refused.params)


def audit(session: Session, user: User, action: str, entity: str, record_ids: list[str], reason: str,
          region_code: str, at: dt.datetime) -> None:
    """An audit entry (export, key release, reveal …) made in the console, synced like a client's."""
    push_edits(session, user, [Edit("audit_entry", new_id(), {
        "at": at, "username": user.username, "device_id": console_device_id(user.id), "action": action,
        "entity": entity, "record_ids": record_ids[:500], "reason": reason[:2000], "region_code": region_code[:12]})],
        system=True)
