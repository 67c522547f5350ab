"""Personal-data access audit for city admins (who, what, when, why) and the escrow of client database
keys: a device stores its key (PUT /escrow/key), a township admin or the city admin has one released
with a reason (POST /escrow/{device_id}/release), and the city admin queries the audit trail
(GET /audit) by user, action, region, record and time. The logic lives in server/escrow.py."""

from __future__ import annotations

import datetime as dt
import logging

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from server import escrow
from server.accounts import utcnow
from server.deps import Principal, db_session, principal, require_roles, settings_of
from server.timefmt import BeijingTime, UtcTime, to_beijing_naive

router = APIRouter(tags=["audit"])
log = logging.getLogger(__name__)


class EscrowKey(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=16, max_length=200)


class EscrowStored(BaseModel):
    device_id: str
    stored_at: UtcTime


class ReleaseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500)


class ReleasedKey(BaseModel):
    device_id: str
    key: str


class AuditRow(BaseModel):
    at: BeijingTime  # client audit times are Beijing time (docs/decisions/0001)
    username: str
    device_id: str
    action: str
    entity: str
    record_ids: list[str]
    reason: str
    region_code: str


@router.put("/escrow/key", response_model=EscrowStored)
def store_escrow_key(body: EscrowKey, request: Request, who: Principal = Depends(principal)) -> EscrowStored:
    now = utcnow()
    escrow.store_key(settings_of(request), who.device_id, body.key, now)
    log.info("database key escrowed", extra={"event": "escrow_store", "device_id": who.device_id})
    return EscrowStored(device_id=who.device_id, stored_at=now)


@router.post("/escrow/{device_id}/release", response_model=ReleasedKey)
def release_escrow_key(device_id: str, body: ReleaseRequest, request: Request,
                       who: Principal = Depends(require_roles("city_admin", "township_admin")),
                       session: Session = Depends(db_session)) -> ReleasedKey:
    releaser = escrow.Releaser(who.username, who.role, who.scope_prefix, who.device_id)
    now = to_beijing_naive(dt.datetime.now(dt.UTC))  # listed beside the clients' entries, in their time
    key, _region = escrow.release_key(session, settings_of(request), releaser, device_id, body.reason, now)
    log.info("database key released", extra={"event": "escrow_release", "device_id": device_id,
                                             "user_id": who.user_id})
    return ReleasedKey(device_id=device_id, key=key)


@router.get("/audit", response_model=list[AuditRow])
def audit(who: Principal = Depends(require_roles("city_admin")), session: Session = Depends(db_session),
          username: str | None = Query(default=None, max_length=50),
          action: str | None = Query(default=None, max_length=20),
          region: str | None = Query(default=None, max_length=15, pattern=r"^\d*$"),
          record_id: str | None = Query(default=None, max_length=36),
          since: dt.datetime | None = None, until: dt.datetime | None = None,
          limit: int = Query(default=500, ge=1, le=5000)) -> list[AuditRow]:
    def local(value: dt.datetime | None) -> dt.datetime | None:
        return None if value is None else to_beijing_naive(value)

    rows = escrow.query_audit(session, escrow.AuditFilter(username, action, region, local(since),
                                                          local(until), record_id, limit))
    return [AuditRow(**row) for row in rows]
