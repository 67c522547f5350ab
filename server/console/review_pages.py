"""待审 at the console: the open review items of the signed-in admin's area (the city admin's: the
city; a township admin's: the township) in the words of the desktop's review desk, Chinese and
English. Two households of a village holding one household number (`duplicate_hh_no`, decision
0041) are resolved here as well: the admin picks the household that takes the village's next free
number — after every number the village's households have had on the server, which holds them all —
pushed as an ordinary change from the admin's console device (server.pushed_writes), and the item
is closed as "renumbered". The other kinds are resolved on the desktop, where the records are."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Household
from server.accounts import utcnow
from server.console.i18n import request_lang, translator
from server.console.web import PREFIX, ConsoleUser, Denied, form_of, render, require
from server.deps import db_session
from server.pushed_writes import Edit, PushRefused, push_edits
from server.review_marks import resolve_review
from server.store.common import under_prefix
from server.store.tables import ReviewItem

router = APIRouter(prefix="/admin", include_in_schema=False)
reviewers = require("city_admin", "township_admin")
SHOWN = 200


def next_free_number(session: Session, household: Household) -> str:
    """The number after the highest any household has had in `household`'s village and group."""
    prefix = household.region_code + (household.household_no[12:14] if household.household_no[12:14].isdigit()
                                      else "00")
    last = session.scalar(select(func.max(Household.household_no)).where(
        Household.household_no >= prefix, Household.household_no < prefix + "~")) or ""
    sequence = int(last[14:]) + 1 if last[14:].isdigit() else 1
    if sequence > 9999:
        raise PushRefused("household_no_full", f"{prefix} 组的户编号已用完")
    return f"{prefix}{sequence:04d}"


def _page(request: Request, who: ConsoleUser, session: Session, status: int = 200, **extra):
    items = list(session.scalars(select(ReviewItem).where(
        ReviewItem.state == "open", under_prefix(ReviewItem.region_code, who.scope))
        .order_by(ReviewItem.created_at, ReviewItem.id).limit(SHOWN)))
    wanted = {i for item in items if item.kind == "duplicate_hh_no" for i in (item.record_id, item.related_record_id)}
    households = {h.id: h for h in session.scalars(select(Household).where(Household.id.in_(wanted)))} if wanted else {}
    return render(request, "admin_review.html", who, status=status, items=items, households=households,
                  shown=SHOWN, **extra)


@router.get("/review")
def review_page(request: Request, who: ConsoleUser = Depends(reviewers), session: Session = Depends(db_session),
                saved: str = ""):
    message = translator(request_lang(request))("review_renumbered", number=saved) if saved else ""
    return _page(request, who, session, message=message)


@router.post("/review/{item_id}/renumber")
async def renumber(item_id: str, request: Request, who: ConsoleUser = Depends(reviewers),
                   session: Session = Depends(db_session)):
    form = await form_of(request, who)
    item = session.get(ReviewItem, item_id, with_for_update=True)
    if item is None or not (item.region_code or "").startswith(who.scope) or item.kind != "duplicate_hh_no":
        raise Denied(404)
    chosen = str(form.get("household") or "")
    household = session.get(Household, chosen) if chosen in (item.record_id, item.related_record_id) else None
    if item.state != "open" or household is None or household.deleted:
        return _page(request, who, session, status=409, error=translator(request_lang(request))("review_gone"))
    try:
        number = next_free_number(session, household)
        push_edits(session, who.user, [Edit("household", household.id, {"household_no": number})])
    except PushRefused as exc:
        return _page(request, who, session, status=422, error=translator(request_lang(request))(
            "refused_by_server", message=exc.text(request_lang(request))))
    if not resolve_review(session, item.id, who.user.username, f"renumbered: {household.id} → {number}", utcnow()):
        session.rollback()  # another reviewer closed it meanwhile (SQLite has no row lock): no renumbering either
        return _page(request, who, session, status=409, error=translator(request_lang(request))("review_gone"))
    session.commit()
    return RedirectResponse(f"{PREFIX}/admin/review?saved={number}", status_code=303)
