"""What the user sees and does about local edits the server has not (yet) accepted: the sync state of
one record (synced, pending, or rejected with the server's reason), the list of rejected changes,
fix-and-resubmit (the record's current values go again as a new change) and discard, which is
audited. Nothing disappears silently: a rejected change stays until the user decides."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.errors import UserFacingError
from app.services.context import beijing_now
from db.base import model_for_entity
from db.client import OutboxChange, RecordSeen
from db.ids import new_id
from db.models import AuditEntry
from sync.capture import read_state, write_state
from sync.clock import HybridClock
from sync.wire import encode_value


@dataclass(frozen=True)
class RejectedChange:
    """A local change the server refused, with its reason, until the user resubmits or discards it."""

    device_seq: int
    entity: str
    record_id: str
    op: str
    field_names: tuple[str, ...]
    code: str
    message: str
    created_at: dt.datetime


@dataclass(frozen=True)
class RecordSyncState:
    """`status` is "synced", "pending" (local edits not yet accepted) or "rejected" (wins over pending)."""

    status: str
    pending: int
    rejected: tuple[RejectedChange, ...]


def _rejected(row: OutboxChange) -> RejectedChange:
    return RejectedChange(row.device_seq, row.entity, row.record_id, row.op, tuple(sorted(row.fields)),
                          row.reject_code or "", row.reject_message or "", row.created_at)


class OutboxReview:
    """What the user sees and does about unsynced edits: per-record state, the list of rejected
    changes, fix-and-resubmit, and audited discard. `actor` is the signed-in `Actor`."""

    def __init__(self, sessions: sessionmaker[Session], actor: Any,
                 clock: Callable[[], dt.datetime] = beijing_now) -> None:
        self._sessions = sessions
        self._actor = actor
        self._clock = clock

    def record_state(self, entity: str, record_id: str) -> RecordSyncState:
        with self._sessions() as session:
            rows = session.scalars(select(OutboxChange).where(
                OutboxChange.entity == entity, OutboxChange.record_id == record_id)
                .order_by(OutboxChange.device_seq)).all()
        rejected = tuple(_rejected(r) for r in rows if r.state == "rejected")
        pending = sum(1 for r in rows if r.state == "pending")
        status = "rejected" if rejected else "pending" if pending else "synced"
        return RecordSyncState(status, pending, rejected)

    def rejected_changes(self) -> list[RejectedChange]:
        with self._sessions() as session:
            rows = session.scalars(select(OutboxChange).where(OutboxChange.state == "rejected")
                                   .order_by(OutboxChange.device_seq)).all()
        return [_rejected(r) for r in rows]

    def _rejected_row(self, session: Session, device_seq: int) -> OutboxChange:
        row = session.get(OutboxChange, device_seq)
        if row is None or row.state != "rejected":
            raise UserFacingError("change_not_rejected")
        return row

    def resubmit(self, device_seq: int) -> int:
        """Queue a rejected change again, carrying the record's current local values for its fields
        (so the user's fix goes with it). It becomes a new change (new id, next device_seq, fresh HLC
        and base): the server answers a change id once and for all, so the old id cannot be reused.
        Returns the new device_seq."""
        with self._sessions.begin() as session:
            row = self._rejected_row(session, device_seq)
            fields = self._current_fields(session, row)
            seq = int(read_state(session, "device_seq") or 0) + 1
            kept: list[str] = []
            clock = HybridClock(self._actor.device_id, load=lambda: read_state(session, "hlc"), save=kept.append)
            base = _record_base(session, row.entity, row.record_id, list(fields))
            session.delete(row)
            session.flush()
            session.add(OutboxChange(
                device_seq=seq, change_id=new_id(), entity=row.entity, record_id=row.record_id,
                op="delete" if fields.get("deleted") is True else "upsert",
                fields={k: encode_value(v) for k, v in fields.items()}, base=base,
                hlc=str(clock.tick()), schema_version=row.schema_version,
                created_at=dt.datetime.now(dt.UTC).replace(tzinfo=None), state="pending"))
            write_state(session, "device_seq", str(seq))
            write_state(session, "hlc", kept[-1])
        return seq

    @staticmethod
    def _current_fields(session: Session, row: OutboxChange) -> dict[str, Any]:
        record = session.get(model_for_entity(row.entity), row.record_id)
        if record is None:  # nothing local to take values from: resend what was refused
            return dict(row.fields)
        return {name: getattr(record, name) for name in row.fields}

    def discard(self, device_seq: int, reason: str = "") -> None:
        """Drop a rejected change for good; who dropped what, when and why goes to the audit log."""
        with self._sessions.begin() as session:
            row = self._rejected_row(session, device_seq)
            record = session.get(model_for_entity(row.entity), row.record_id)
            region = getattr(record, "region_code", "") or ""
            if not region.startswith(self._actor.scope):
                # A change refused as out of scope names a region the server will not take from
                # this user; the audit entry is filed under the user's own area instead.
                region = self._actor.scope
            session.delete(row)
            note = f"{row.reject_code or ''}; {reason}".strip("; ")
            session.add(AuditEntry(at=self._clock(), username=self._actor.username,
                                   device_id=self._actor.device_id, action="discard", entity=row.entity,
                                   record_ids=[row.record_id], reason=note[:2000], region_code=region[:12]))


def _record_base(session: Session, entity: str, record_id: str, names: list[str]) -> dict[str, int]:
    seen = session.get(RecordSeen, (entity, record_id))
    return dict.fromkeys(names, seen.seq if seen else 0)
