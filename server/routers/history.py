"""记录历史: one record's change log as its readers see it — for every accepted change, each field's
old → new value (replayed from the log in server order), who made it on which device and when,
and whether it came from a merge of duplicates or left a conflict for review. Only records inside
the caller's jurisdiction; ID numbers and phones are masked (a full value is a separate, audited
reveal). Clients cache what they fetched, so the history stays readable offline."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.console.masking import mask_value
from server.deps import Principal, db_session, require_roles
from server.errors import ApiError
from server.scope import REGION_ROLES, read_prefix
from server.store.common import region_in_scope
from server.store.tables import ChangeLogEntry, RecordVersion, ReviewItem
from server.timefmt import UtcTime

router = APIRouter(prefix="/history", tags=["history"])
MASKED_FIELDS = ("id_number", "phone", "reporter_phone")
HIDDEN_FIELDS = ("search_initials", "search_id_rev", "search_phone_rev")


class FieldChange(BaseModel):
    field: str
    old: Any = None
    new: Any = None


class HistoryEntry(BaseModel):
    server_seq: int
    change_id: str
    at: UtcTime
    username: str
    device_id: str
    op: str
    origin: str  # edit | merge | conflict
    changes: list[FieldChange]


def _masked(field: str, value: Any) -> Any:
    if field in MASKED_FIELDS and isinstance(value, str):
        return mask_value("id_number" if field == "id_number" else "phone", value)
    return value


@router.get("/{entity}/{record_id}", response_model=list[HistoryEntry])
def record_history(entity: str, record_id: str, limit: int = Query(default=500, ge=1, le=2000),
                   who: Principal = Depends(require_roles(*REGION_ROLES)),
                   session: Session = Depends(db_session)) -> list[dict]:
    head = session.get(RecordVersion, (entity, record_id))
    if head is None or not region_in_scope(head.region_code or "", read_prefix(who) or ""):
        raise ApiError(404, "not_found", entity=entity)  # outside the jurisdiction reads as unknown
    log = session.scalars(select(ChangeLogEntry).where(
        ChangeLogEntry.entity == entity, ChangeLogEntry.record_id == record_id)
        .order_by(ChangeLogEntry.server_seq)).all()
    conflicted = set(session.scalars(select(ReviewItem.change_id).where(
        ReviewItem.change_id.in_([e.change_id for e in log])))) if log else set()
    state: dict[str, Any] = {}
    entries = []
    for entry in log:
        changes = []
        for field, value in sorted((entry.fields or {}).items()):
            if field in HIDDEN_FIELDS:
                continue
            old = state.get(field)
            state[field] = value
            if old != value:
                changes.append({"field": field, "old": _masked(field, old), "new": _masked(field, value)})
        origin = ("merge" if (entry.fields or {}).get("merged_into") else
                  "conflict" if entry.change_id in conflicted else "edit")
        entries.append({"server_seq": entry.server_seq, "change_id": entry.change_id, "at": entry.recorded_at,
                        "username": entry.username, "device_id": entry.device_id, "op": entry.op,
                        "origin": origin, "changes": changes})
    return entries[-limit:]
