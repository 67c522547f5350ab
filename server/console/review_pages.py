"""待审 at the console: the open review items of the signed-in admin's area (the city admin's: the
city; a township admin's: the township) in the words of the desktop's review desk, Chinese and
English, oldest first, a page at a time and filtered by kind and village — a township with a backlog
has more than one page. Values are masked as on the desktop (an ID number or a phone in full only
there, after a reason). Two households of a village holding one household number (`duplicate_hh_no`,
decision 0041) are resolved here as well: the admin picks the household that takes the village's
next free number — after every number the village's households have had on the server, which holds
them all, and shown on the button before it is pressed — pushed as an ordinary change from the
admin's console device (server.pushed_writes), and the item is closed as "renumbered". Concurrent
edits, diverging status, duplicate ID numbers (merging the two, or not the same person) and delete
conflicts are decided in server.console.review_decisions."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.household_numbers import group_of, last_sequence
from db.models import Household, Person
from server.accounts import utcnow
from server.console.i18n import request_lang, translator
from server.console.region_choice import picked, region_choice
from server.console.review_decisions import (
    decision_word,
    delete_sides,
    gone_persons,
    offered,
    record_labels,
    shown,
)
from server.console.web import PREFIX, ConsoleUser, Denied, form_of, render, require
from server.department_work import region_names
from server.deps import db_session
from server.pushed_writes import Edit, PushRefused, push_edits
from server.review_marks import resolve_review
from server.store.common import under_prefix
from server.store.tables import ReviewItem

router = APIRouter(prefix="/admin", include_in_schema=False)
reviewers = require("city_admin", "township_admin")
PAGE = 100
DONE = ("keep_winner", "take_loser", "not_duplicate", "merged", "keep_deleted", "restore", "keep_alive",
        "delete", "close_gone")  # server.console.review_decisions.done_word
KINDS = ("duplicate_hh_no", "conflict", "delete_conflict", "status_conflict", "duplicate_id")


def next_free_number(session: Session, household: Household) -> str:
    """The number after the highest any household has had in `household`'s village and group."""
    group = group_of(household.household_no)
    prefix = f"{household.region_code}{group:02d}"
    sequence = last_sequence(session, household.region_code, group) + 1
    if sequence > 9999:
        raise PushRefused("household_no_full", f"{prefix} 组的户编号已用完")
    return f"{prefix}{sequence:04d}"


@dataclass(frozen=True)
class ReviewFilter:
    """What the admin asked to see: a kind, a village (12 digits) or township (9), and where the page starts."""

    kind: str = ""
    region: str = ""
    offset: int = 0

    def query(self, **changed) -> str:
        values = {"kind": self.kind, "region": self.region, "offset": self.offset, **changed}
        return "?" + "&".join(f"{k}={v}" for k, v in values.items() if v)


def _open_under(scope: str):
    return (ReviewItem.state == "open", under_prefix(ReviewItem.region_code, scope))


def _counts(session: Session, scope: str, f: ReviewFilter) -> tuple[dict[str, int], dict[str, int]]:
    """Open items per kind (within the chosen region) and per village (of the chosen kind)."""
    village = func.substr(ReviewItem.region_code, 1, 12)
    kinds = select(ReviewItem.kind, func.count()).where(*_open_under(scope)).group_by(ReviewItem.kind)
    if f.region:
        kinds = kinds.where(under_prefix(ReviewItem.region_code, f.region))
    villages = select(village, func.count()).where(*_open_under(scope)).group_by(village).order_by(village)
    if f.kind:
        villages = villages.where(ReviewItem.kind == f.kind)
    return dict(session.execute(kinds).all()), dict(session.execute(villages).all())


def _households(session: Session, items: list[ReviewItem]) -> dict[str, dict]:
    """Both households of each duplicate-number item shown: number, address, head and the next free number."""
    wanted = {i for item in items if item.kind == "duplicate_hh_no" for i in (item.record_id, item.related_record_id)}
    if not wanted:
        return {}
    households = list(session.scalars(select(Household).where(Household.id.in_(wanted))))
    heads = {h.head_person_id for h in households if h.head_person_id}
    names = dict(session.execute(select(Person.id, Person.name).where(Person.id.in_(heads))).all()) if heads else {}
    shown = {}
    for h in households:
        try:
            proposed = next_free_number(session, h)
        except PushRefused:
            proposed = ""
        shown[h.id] = {"id": h.id, "household_no": h.household_no, "address": h.address or "",
                       "head": names.get(h.head_person_id, ""), "proposed": proposed, "deleted": h.deleted}
    return shown


def _page(request: Request, who: ConsoleUser, session: Session, f: ReviewFilter, status: int = 200, **extra):
    where = [*_open_under(who.scope)]
    if f.kind:
        where.append(ReviewItem.kind == f.kind)
    if f.region:
        where.append(under_prefix(ReviewItem.region_code, f.region))
    total = session.scalar(select(func.count()).select_from(ReviewItem).where(*where)) or 0
    offset = min(max(0, f.offset), max(0, (total - 1) // PAGE * PAGE))
    items = list(session.scalars(select(ReviewItem).where(*where).order_by(ReviewItem.created_at, ReviewItem.id)
                                 .offset(offset).limit(PAGE)))
    kinds, villages = _counts(session, who.scope, f)
    places = region_choice(session, who.scope, f.region, counts={c: n for c, n in villages.items() if len(c) >= 9})
    names = region_names(session, {i.region_code[:12] for i in items})
    f = ReviewFilter(f.kind, f.region, offset)
    return render(request, "admin_review.html", who, status=status, items=items, households=_households(session, items),
                  numbers=record_labels(session, items), f=f, total=total, first=offset + 1 if total else 0, last=offset + len(items), page_size=PAGE,
                  kinds=[(k, kinds.get(k, 0)) for k in KINDS], places=places, names=names,
                  shown_value=lambda item, value: shown(item, value, translator(request_lang(request)), False),
                  offered=lambda item, gone=gone_persons(session, items): offered(item, gone), decision_word=decision_word,
                  delete_sides=lambda item: delete_sides(item, translator(request_lang(request))),
                  **extra)


@router.get("/review")
def review_page(request: Request, who: ConsoleUser = Depends(reviewers), session: Session = Depends(db_session),
                saved: str = "", kind: str = "", region: str = "", township: str = "", village: str = "",
                offset: int = 0, done: str = "", gone: str = ""):
    t = translator(request_lang(request))
    message = t("review_renumbered", number=saved) if saved else t(f"review_done_{done}") if done in DONE else ""
    if township or village:  # the filter form's picker; the pager's links name the one code
        region = picked(who.scope, township, village)
    f = ReviewFilter(kind if kind in KINDS else "", region if region.isdigit() else "", offset)
    return _page(request, who, session, f, message=message, error=t("review_gone") if gone else "")


@router.post("/review/{item_id}/renumber")
async def renumber(item_id: str, request: Request, who: ConsoleUser = Depends(reviewers),
                   session: Session = Depends(db_session)):
    form = await form_of(request, who)
    f = ReviewFilter(str(form.get("kind") or "") if form.get("kind") in KINDS else "",
                     str(form.get("region") or "") if str(form.get("region") or "").isdigit() else "",
                     int(form.get("offset")) if str(form.get("offset") or "").isdigit() else 0)
    item = session.get(ReviewItem, item_id, with_for_update=True)
    if item is None or not (item.region_code or "").startswith(who.scope) or item.kind != "duplicate_hh_no":
        raise Denied(404)
    chosen = str(form.get("household") or "")
    household = session.get(Household, chosen) if chosen in (item.record_id, item.related_record_id) else None
    if item.state != "open" or household is None or household.deleted:
        return _page(request, who, session, f, status=409, error=translator(request_lang(request))("review_gone"))
    try:
        number = next_free_number(session, household)
        push_edits(session, who.user, [Edit("household", household.id, {"household_no": number})])
    except PushRefused as exc:
        return _page(request, who, session, f, status=422, error=translator(request_lang(request))(
            "refused_by_server", message=exc.text(request_lang(request))))
    if not resolve_review(session, item.id, who.user.username, f"renumbered: {household.id} → {number}", utcnow()):
        session.rollback()  # another reviewer closed it meanwhile (SQLite has no row lock): no renumbering either
        return _page(request, who, session, f, status=409, error=translator(request_lang(request))("review_gone"))
    session.commit()
    back = f.query(saved=number)
    return RedirectResponse(f"{PREFIX}/admin/review{back}", status_code=303)
