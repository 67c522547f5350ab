"""Outside-channel API: POST a resident's appeal (X-Api-Key identifies the channel), read one
case's state, reopen a closed one the resident is not satisfied with, and follow the channel's
status feed with a cursor."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Header, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from db.models import Case
from server.deps import db_session, settings_of
from server.errors import ApiError
from server.intake import case_state, reopen_case, status_feed, submit_case
from server.intake_keys import channel_for_key
from server.models import ChannelKey, ChannelSubmission
from server.timefmt import BeijingTime, to_beijing_naive

router = APIRouter(prefix="/intake", tags=["intake"])


def channel(request: Request, x_api_key: str | None = Header(default=None, max_length=200),
            session: Session = Depends(db_session)) -> ChannelKey:
    return channel_for_key(session, settings_of(request), x_api_key)


class Submission(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel_ref: str = Field(min_length=1, max_length=64)
    request_type: str = Field(pattern=r"^\d{1,2}$")
    category_code: str = Field(min_length=1, max_length=10, pattern=r"^[0-9A-Za-z]+$")
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=20000)
    region_code: str = Field(pattern=r"^\d{12}$")
    grid_code: str | None = Field(default=None, pattern=r"^\d{15}$")
    place: str = Field(default="", max_length=200)
    occurred_at: dt.datetime | None = None
    reporter_name: str = Field(default="", max_length=50)
    reporter_phone: str | None = Field(default=None, max_length=30, pattern=r"^[0-9+\- ]{3,30}$")
    reporter_id_number: str | None = Field(default=None, max_length=24)  # as typed: spaces, a lower-case x


class SubmissionAnswer(BaseModel):
    case_id: str
    case_no: str
    created: bool
    status: int
    deadline_on: dt.date | None


class CaseStateOut(BaseModel):
    channel_ref: str | None = None
    case_no: str
    status: int
    closed_at: BeijingTime | None
    deadline_on: dt.date | None
    satisfaction: str | None
    outcome: str | None


class FeedItem(CaseStateOut):
    seq: int


class Feed(BaseModel):
    cursor: int
    next_cursor: int
    has_more: bool
    items: list[FeedItem]


@router.post("/cases", response_model=SubmissionAnswer)
def submit(body: Submission, key: ChannelKey = Depends(channel),
           session: Session = Depends(db_session)) -> SubmissionAnswer:
    if body.grid_code and not body.grid_code.startswith(body.region_code):
        raise ApiError(422, "invalid_request", detail="grid_code")
    payload = body.model_dump()
    if body.occurred_at is not None:
        payload["occurred_at"] = to_beijing_naive(body.occurred_at).isoformat()
    case_id, created = submit_case(session, key, payload)
    case = session.get(Case, case_id)
    return SubmissionAnswer(case_id=case_id, case_no=case.case_no, created=created, status=case.status,
                            deadline_on=case.deadline_on)


@router.get("/cases/{channel_ref}", response_model=CaseStateOut)
def one_case(channel_ref: str, key: ChannelKey = Depends(channel),
             session: Session = Depends(db_session)) -> dict:
    found = session.get(ChannelSubmission, (key.channel, channel_ref))
    case = session.get(Case, found.case_id) if found else None
    if case is None:
        raise ApiError(404, "not_found")
    return {"channel_ref": channel_ref, **case_state(session, case)}


class Reopening(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000)


@router.post("/cases/{channel_ref}/reopen", response_model=CaseStateOut)
def reopen(channel_ref: str, body: Reopening, key: ChannelKey = Depends(channel),
           session: Session = Depends(db_session)) -> dict:
    """The resident asks again about a closed case: it goes back to 受理 with its history kept."""
    case = reopen_case(session, key, channel_ref, body.reason.strip())
    return {"channel_ref": channel_ref, **case_state(session, case)}


@router.get("/status", response_model=Feed)
def feed(cursor: int = Query(default=0, ge=0, le=2**62), limit: int = Query(default=200, ge=1, le=1000),
         key: ChannelKey = Depends(channel), session: Session = Depends(db_session)) -> dict:
    return status_feed(session, key.channel, cursor, limit)
