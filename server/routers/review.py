"""The review queue: conflicts and possible duplicates the merge left for a person. Listing is
limited to the caller's jurisdiction; resolving records the decision. The decision's effect (keep
the winner, take the other value, merge two persons) travels as ordinary changes the reviewer's
client pushes — resolving here only closes the item, so the change log stays the one history."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.accounts import utcnow
from server.db import end_read
from server.deps import Principal, db_session, require_roles
from server.errors import ApiError
from server.review_marks import open_marks, resolve_review
from server.store.common import under_prefix
from server.store.tables import ReviewItem
from server.timefmt import UtcTime

router = APIRouter(prefix="/review", tags=["review"])
REVIEWERS = ("city_admin", "township_admin", "township_staff")
# Who holds register records on a PC and is shown which of them wait for a review (冲突待审).
MARK_READERS = (*REVIEWERS, "village_cadre", "grid_worker")


class ReviewInfo(BaseModel):
    id: str
    kind: str
    state: str
    entity: str
    record_id: str
    field: str | None
    related_record_id: str | None
    region_code: str
    winner_value: object | None
    winner_user: str | None
    winner_hlc: str | None
    loser_value: object | None
    loser_user: str | None
    loser_hlc: str | None
    created_at: UtcTime
    resolved_by: str | None
    resolved_at: UtcTime | None
    resolution: str | None


class Resolution(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # "renumbered": one of two households sharing a number took the village's next free one
    decision: Literal["keep_winner", "take_loser", "merged", "not_duplicate", "renumbered", "dismissed"]
    note: str = Field(default="", max_length=500)


def _info(item: ReviewItem) -> ReviewInfo:
    return ReviewInfo.model_validate({k: getattr(item, k) for k in ReviewInfo.model_fields})


@router.get("", response_model=list[ReviewInfo])
def list_review_items(state: Literal["open", "resolved"] = "open",
                      limit: int = Query(default=200, ge=1, le=1000),
                      who: Principal = Depends(require_roles(*REVIEWERS)),
                      session: Session = Depends(db_session)) -> list[ReviewInfo]:
    query = (select(ReviewItem).where(ReviewItem.state == state,
                                      under_prefix(ReviewItem.region_code, who.scope_prefix))
             .order_by(ReviewItem.created_at, ReviewItem.id).limit(limit))
    return [_info(item) for item in session.scalars(query)]


class ReviewMark(BaseModel):
    """That a record has an open review item: what a PC needs for the 冲突待审 badge, nothing of
    the values or the people involved."""

    id: str
    kind: str
    entity: str
    record_id: str
    related_record_id: str | None


@router.get("/marks", response_model=list[ReviewMark])
def list_review_marks(who: Principal = Depends(require_roles(*MARK_READERS)),
                      session: Session = Depends(db_session)) -> list[dict]:
    """The records of the caller's jurisdiction with an open review item (the newest MARK_LIMIT),
    whole: what a PC asked before the history feed carried its marks incrementally, and what an
    older PC still asks. Village cadres and grid workers see the badge on records they hold; only
    reviewers list the items themselves."""
    marks = open_marks(session, who.scope_prefix)
    end_read(session)
    return marks


@router.post("/{item_id}/resolve", response_model=ReviewInfo)
def resolve_review_item(item_id: str, body: Resolution, who: Principal = Depends(require_roles(*REVIEWERS)),
                        session: Session = Depends(db_session)) -> ReviewInfo:
    item = session.get(ReviewItem, item_id, with_for_update=True)
    if item is None or not (item.region_code or "").startswith(who.scope_prefix):
        raise ApiError(404, "not_found")
    if item.state != "open":
        raise ApiError(409, "review_closed")
    # closed by another reviewer since the read above (SQLite has no row lock to order the two)
    if not resolve_review(session, item.id, who.username,
                          f"{body.decision}: {body.note}" if body.note else body.decision, utcnow()):
        session.rollback()
        raise ApiError(409, "review_closed")
    session.commit()
    session.refresh(item)
    return _info(item)
