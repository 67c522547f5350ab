"""待审 decisions at the console beyond renumbering (server.console.review_pages): the ones an admin of
the city or a township settles without the records on a PC —

- two edits of one field (`conflict`): keep the value that took effect, or take the other one (an
  ordinary change pushed from the admin's console device, server.pushed_writes, so every PC gets it
  by pull);
- a return or reopen that came too late (`status_conflict`): the further state stays;
- a second person with the same ID number (`duplicate_id`): not the same person, both records stay.
  Merging two records of one person moves tags, case parties and household heads: the desktop's.

Every decision is confirmed on a page of its own naming the field and both values (or both persons)
and that the item closes for every PC; the item is closed through the one resolve function
(`server.review_marks.resolve_review`), so the PCs' incremental marks drop it. ID numbers and phones
are masked; the full numbers are shown only after a reason is given, which is audited (action
`reveal`, as on the desktop)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.base import model_for_entity
from db.fields import spec
from db.models import Case, Household, Person, Task
from server.accounts import utcnow
from server.console.i18n import request_lang, translator
from server.console.masking import MASKED, mask_value
from server.console.web import PREFIX, ConsoleUser, Denied, form_of, render, require
from server.department_work import region_names
from server.deps import db_session
from server.intake import beijing_now
from server.pushed_writes import Edit, PushRefused, audit, push_edits
from server.review_marks import resolve_review
from server.store.tables import ReviewItem

router = APIRouter(prefix="/admin", include_in_schema=False)
reviewers = require("city_admin", "township_admin")
# what the console settles, per kind; the rest (and merging duplicates) stays with the desktop
DECISIONS: dict[str, tuple[str, ...]] = {
    "conflict": ("keep_winner", "take_loser"),
    "status_conflict": ("keep_winner",),
    "duplicate_id": ("not_duplicate",),
}
STATUS_WORDS = {"case": "cs_", "task_target": "status_"}


@dataclass(frozen=True)
class Back:
    """Where the admin came from in the list (kind, region, offset), carried through the confirmation."""

    kind: str = ""
    region: str = ""
    offset: str = ""

    @classmethod
    def of(cls, values: Any) -> Back:
        def digits(key: str) -> str:
            value = str(values.get(key) or "")
            return value if value.isdigit() else ""
        kind = str(values.get("kind") or "")
        return cls(kind if kind.replace("_", "").isalpha() else "", digits("region"), digits("offset"))

    def query(self, **extra: str) -> str:
        values = {"kind": self.kind, "region": self.region, "offset": self.offset, **extra}
        return "?" + "&".join(f"{k}={v}" for k, v in values.items() if v)


def field_label(entity: str, field: str | None, t) -> str:
    """A field as the admin knows it: the console's words, else the label declared on the column."""
    if not field:
        return ""
    key = f"field_{field}"
    if t(key) != key:
        return t(key)
    try:
        return spec(entity, field).label or field
    except KeyError:
        return field


def shown(item: ReviewItem, value: Any, t, revealed: bool) -> str:
    """A value of the item as the page shows it: a status in words, an ID number or phone masked
    unless revealed, nothing as —."""
    if value is None or value == "":
        return "—"
    text = str(value)
    if item.field == "status" and item.entity in STATUS_WORDS:
        words = t(STATUS_WORDS[item.entity] + text)
        return text if words.startswith(STATUS_WORDS[item.entity]) else words
    return text if revealed else mask_value(item.field or "", text)


NUMBERED = {"household": (Household, "household_no"), "case": (Case, "case_no"), "task": (Task, "task_no")}


def record_labels(session: Session, items: list[ReviewItem]) -> dict[str, str]:
    """A household's, case's or task's number for the items shown, a person's name and household
    number (a record id means nothing to an admin deciding whose phone or ID number it is)."""
    numbers: dict[str, str] = {}
    for entity, (model, column) in NUMBERED.items():
        ids = {item.record_id for item in items if item.entity == entity}
        if ids:
            numbers.update(session.execute(select(model.id, getattr(model, column)).where(model.id.in_(ids))).all())
    persons = {item.record_id for item in items if item.entity == "person"}
    if persons:
        rows = session.execute(select(Person.id, Person.name, Household.household_no)
                               .outerjoin(Household, Household.id == Person.household_id).where(Person.id.in_(persons)))
        numbers.update({pid: f"{name or '—'} · {number}" if number else name or "" for pid, name, number in rows})
    return numbers


def _persons(session: Session, item: ReviewItem) -> list[dict[str, str]]:
    """Both persons of a duplicate ID number, the one registered first first: name, ID number,
    household number, village."""
    ids = [i for i in (item.related_record_id, item.record_id) if i]
    persons = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(ids)))}
    homes = {p.household_id for p in persons.values() if p.household_id}
    numbers = dict(session.execute(select(Household.id, Household.household_no).where(Household.id.in_(homes))).all()) \
        if homes else {}
    names = region_names(session, {p.region_code[:12] for p in persons.values() if p.region_code})
    return [{"name": p.name or "—", "id_number": p.id_number or "", "household_no": numbers.get(p.household_id, "—"),
             "village": names.get((p.region_code or "")[:12], p.region_code or "—")}
            for i in ids if (p := persons.get(i)) is not None]


_UNKNOWN = object()


def _now_value(session: Session, item: ReviewItem) -> Any:
    """What the record holds in the item's field now (the server keeps every record), or _UNKNOWN."""
    if item.kind not in ("conflict", "status_conflict") or not item.field:
        return _UNKNOWN
    try:
        record = session.get(model_for_entity(item.entity), item.record_id)
    except KeyError:
        return _UNKNOWN
    return _UNKNOWN if record is None else getattr(record, item.field, _UNKNOWN)


def _open_item(session: Session, who: ConsoleUser, item_id: str, decision: str, lock: bool = False) -> ReviewItem:
    item = session.get(ReviewItem, item_id, with_for_update=lock)
    if item is None or not (item.region_code or "").startswith(who.scope) or \
            decision not in DECISIONS.get(item.kind, ()):
        raise Denied(404)
    return item


def _confirm(request: Request, who: ConsoleUser, session: Session, item: ReviewItem, decision: str, back: Back,
             revealed: bool = False, status: int = 200, **extra):
    t = translator(request_lang(request))
    field = field_label(item.entity, item.field, t)
    now = _now_value(session, item)
    changed = now is not _UNKNOWN and str(now if now is not None else "") != str(item.winner_value or "")
    current = shown(item, now if changed else item.winner_value, t, revealed)
    other = shown(item, item.loser_value, t, revealed)
    if changed:  # edited again since the item was raised: the page says what the record holds now
        extra.setdefault("message", t("review_changed_since", field=field, value=current))
    consequence = {"keep_winner": t("review_keep_means", field=field, current=current, other=other),
                   "take_loser": t("review_take_means", field=field, current=current, other=other),
                   "not_duplicate": t("review_not_duplicate_means")}[decision]
    persons = _persons(session, item) if item.kind == "duplicate_id" else []
    masked = (item.field in MASKED and not revealed) or bool(persons and not revealed)
    for person in persons:
        person["id_number"] = person["id_number"] if revealed else mask_value("id_number", person["id_number"])
    return render(request, "admin_review_confirm.html", who, status=status, item=item, decision=decision, back=back,
                  record_label=record_labels(session, [item]).get(item.record_id, ""),
                  field=field, current=current, other=other, consequence=consequence, persons=persons, masked=masked,
                  village=region_names(session, {item.region_code[:12]}).get(item.region_code[:12], ""), **extra)


@router.get("/review/{item_id}/decide")
def confirm_page(item_id: str, request: Request, decision: str = "", who: ConsoleUser = Depends(reviewers),
                 session: Session = Depends(db_session)):
    item = _open_item(session, who, item_id, decision)
    back = Back.of(request.query_params)
    if item.state != "open":
        return RedirectResponse(f"{PREFIX}/admin/review{back.query(gone='1')}", status_code=303)
    return _confirm(request, who, session, item, decision, back)


@router.post("/review/{item_id}/reveal")
async def reveal(item_id: str, request: Request, who: ConsoleUser = Depends(reviewers),
                 session: Session = Depends(db_session)):
    """The full ID numbers and phones of the item, after a reason, which the audit keeps."""
    form = await form_of(request, who)
    decision, back = str(form.get("decision") or ""), Back.of(form)
    item = _open_item(session, who, item_id, decision)
    reason = str(form.get("reason") or "").strip()
    if not reason:
        return _confirm(request, who, session, item, decision, back, status=422,
                        error=translator(request_lang(request))("reason_required"))
    record_ids = [i for i in (item.record_id, item.related_record_id) if i]
    audit(session, who.user, "reveal", item.entity, record_ids, f"待审 {item.id}：{reason[:500]}",
          item.region_code or "", beijing_now())
    session.commit()
    return _confirm(request, who, session, item, decision, back, revealed=True)


@router.post("/review/{item_id}/resolve")
async def resolve(item_id: str, request: Request, who: ConsoleUser = Depends(reviewers),
                  session: Session = Depends(db_session)):
    form = await form_of(request, who)
    t = translator(request_lang(request))
    decision, back = str(form.get("decision") or ""), Back.of(form)
    item = _open_item(session, who, item_id, decision, lock=True)
    if item.state != "open":
        return RedirectResponse(f"{PREFIX}/admin/review{back.query(gone='1')}", status_code=303)
    if decision == "take_loser":
        try:
            push_edits(session, who.user, [Edit(item.entity, item.record_id, {item.field: item.loser_value})])
        except PushRefused as exc:
            return _confirm(request, who, session, item, decision, back, status=422,
                            error=t("refused_by_server", message=exc.text(request_lang(request))))
    if not resolve_review(session, item.id, who.user.username, decision, utcnow()):
        session.rollback()  # another reviewer closed it meanwhile (SQLite has no row lock): nor is the value taken
        return RedirectResponse(f"{PREFIX}/admin/review{back.query(gone='1')}", status_code=303)
    session.commit()
    return RedirectResponse(f"{PREFIX}/admin/review{back.query(done=decision)}", status_code=303)
