"""待审 decisions at the console beyond renumbering (server.console.review_pages): the ones an admin of
the city or a township settles without the records on a PC —

- two edits of one field (`conflict`): keep the value that took effect, or take the other one (an
  ordinary change pushed from the admin's console device, server.pushed_writes, so every PC gets it
  by pull);
- a return or reopen that came too late (`status_conflict`): the further state stays;
- a second person with the same ID number (`duplicate_id`): not the same person, both records stay;
  or one person — the two records merged into the one the admin keeps (db.person_merge, the
  desktop's merge: tags, case parties, reported cases and a household's head move over, the other
  record becomes a tombstone pointing at it), pushed as changes from the admin's console device;
- a delete that met an edit (`delete_conflict`): the record stays as it is now (deleted, or kept),
  or takes the other side (restored with the edit's values, which the server kept; or deleted).

Every decision is confirmed on a page of its own naming the record, the field and both values (or
both persons), who made each, and that the item closes for every PC; the item is closed through the one resolve function
(`server.review_marks.resolve_review`), so the PCs' incremental marks drop it. ID numbers and phones
are masked; the full numbers are shown only after a reason is given, which is audited (action
`reveal`, as on the desktop)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.base import model_for_entity
from db.fields import spec
from db.models import Case, Household, Person, Task
from db.person_merge import merge_writes
from server.accounts import utcnow
from server.console.i18n import request_lang, translator
from server.console.masking import MASKED, mask_value
from server.console.web import PREFIX, ConsoleUser, Denied, form_of, render, require
from server.department_work import region_names
from server.deps import db_session
from server.intake import beijing_now
from server.pushed_writes import Edit, PushRefused, audit, push_edits
from server.review_marks import resolve_review
from server.store.tables import ChangeLogEntry, ReviewItem

router = APIRouter(prefix="/admin", include_in_schema=False)
reviewers = require("city_admin", "township_admin")
# what the console settles, per kind (a duplicate household number: review_pages' renumbering)
DECISIONS: dict[str, tuple[str, ...]] = {
    "conflict": ("keep_winner", "take_loser"),
    "status_conflict": ("keep_winner",),
    "duplicate_id": ("not_duplicate", "merge_first", "merge_second", "close_gone"),
    "delete_conflict": ("keep_winner", "take_loser"),
}
MERGES = {"merge_first": 0, "merge_second": 1}  # which of the two persons (registered first first) is kept


def gone_persons(session: Session, items: list[ReviewItem]) -> set[str]:
    """The persons of the duplicate-ID items shown that are deleted (or merged into another) since."""
    ids = {i for item in items if item.kind == "duplicate_id" for i in (item.record_id, item.related_record_id) if i}
    return set(session.scalars(select(Person.id).where(Person.id.in_(ids), Person.deleted.is_(True)))) if ids else set()


def offered(item: ReviewItem, gone: set[str]) -> tuple[str, ...]:
    """The decisions the list offers for `item`: a duplicate whose one person is gone since is only
    closed (nothing left to merge or to tell apart); else what its kind allows."""
    if item.kind == "duplicate_id":
        if {item.record_id, item.related_record_id} & gone:
            return ("close_gone",)
        return tuple(d for d in DECISIONS["duplicate_id"] if d != "close_gone")
    return DECISIONS.get(item.kind, ())
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


def winner_deleted(item: ReviewItem) -> bool:
    """A delete conflict's side in effect: the record deleted (a delete that missed an edit, or an edit
    that came to a deleted record) — or kept, a stale delete having lost (sync.merge)."""
    return bool(item.winner_value) if item.field == "deleted" else True


def decision_word(item: ReviewItem, decision: str) -> str:
    """The message key of a decision's link, in the words of the item."""
    if item.kind == "status_conflict":
        return "review_keep_status"
    if item.kind == "delete_conflict":
        deleted = winner_deleted(item)
        return {"keep_winner": "review_keep_deleted" if deleted else "review_keep_alive",
                "take_loser": "review_restore" if deleted else "review_delete"}[decision]
    return "review_" + decision.replace("_winner", "").replace("_loser", "")


def done_word(item: ReviewItem, decision: str) -> str:
    """What the list says once the decision is taken (a `done` of review_pages.DONE)."""
    if item.kind == "delete_conflict":
        return decision_word(item, decision).removeprefix("review_")
    return "merged" if decision in MERGES else decision


LIFECYCLE = ("deleted", "deletion_gen", "merged_into")


def _edit_text(item: ReviewItem, t, revealed: bool) -> str:
    """The edit of a delete conflict's other side, field by field (masked unless revealed)."""
    edit = item.loser_value if isinstance(item.loser_value, dict) else \
        {} if item.field == "deleted" else {item.field: item.loser_value}
    return "、".join(f"{field_label(item.entity, name, t)} {value if revealed else mask_value(name, str(value))}"
                    for name, value in edit.items()
                    if name not in LIFECYCLE and not name.startswith("search_") and value not in (None, ""))


def delete_sides(item: ReviewItem, t, revealed: bool = False) -> tuple[str, str]:
    """A delete conflict's two sides in words: (in effect, not in effect)."""
    if not winner_deleted(item):
        return t("review_side_kept"), t("review_side_deleted")
    edit = _edit_text(item, t, revealed)
    return t("review_side_deleted"), t("review_side_edited", values=edit) if edit else t("review_side_kept")


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
    return [{"id": p.id, "name": p.name or "—", "id_number": p.id_number or "", "deleted": bool(p.deleted),
             "region_code": p.region_code or "",
             "household_no": numbers.get(p.household_id, "—"),
             "village": names.get((p.region_code or "")[:12], p.region_code or "—"), "by": _registered(session, p.id)}
            for i in ids if (p := persons.get(i)) is not None]


def _registered(session: Session, person_id: str) -> tuple[str, dt.datetime | None]:
    """Who registered a person, and when the server took it: the record's first change."""
    first = session.execute(select(ChangeLogEntry.username, ChangeLogEntry.recorded_at).where(
        ChangeLogEntry.entity == "person", ChangeLogEntry.record_id == person_id)
        .order_by(ChangeLogEntry.server_seq).limit(1)).first()
    return (first[0] or "—", first[1]) if first else ("—", None)


_UNKNOWN = object()


def _now_value(session: Session, item: ReviewItem) -> Any:
    """What the record holds in the item's field now (the server keeps every record), or _UNKNOWN."""
    if item.kind not in ("conflict", "status_conflict", "delete_conflict") or not item.field:
        return _UNKNOWN
    try:
        record = session.get(model_for_entity(item.entity), item.record_id)
    except KeyError:
        return _UNKNOWN
    if record is None:
        return _UNKNOWN
    return bool(record.deleted) if item.kind == "delete_conflict" else getattr(record, item.field, _UNKNOWN)


def _open_item(session: Session, who: ConsoleUser, item_id: str, decision: str, lock: bool = False) -> ReviewItem:
    item = session.get(ReviewItem, item_id, with_for_update=lock)
    if item is None or not (item.region_code or "").startswith(who.scope) or \
            decision not in DECISIONS.get(item.kind, ()):
        raise Denied(404)
    return item


def _confirm(request: Request, who: ConsoleUser, session: Session, item: ReviewItem, decision: str, back: Back,
             revealed: bool = False, status: int = 200, **extra):
    t = translator(request_lang(request))
    now = _now_value(session, item)
    label = record_labels(session, [item]).get(item.record_id, "")
    entity = t("entity_" + item.entity)
    space = "" if request_lang(request) == "zh" else " "
    record = f"{item.entity if entity.startswith('entity_') else entity}{(space + '“' + label + '”') if label else ''}"
    if item.kind == "delete_conflict":
        field = t("review_record_state")
        current, other = delete_sides(item, t, revealed)
        if now is not _UNKNOWN and now != winner_deleted(item):
            extra.setdefault("message", t("review_state_changed_since",
                                          state=t("review_side_deleted" if now else "review_side_kept")))
        masked = not revealed and bool(_edit_text(item, t, True) != _edit_text(item, t, False))
    else:
        field = field_label(item.entity, item.field, t)
        changed = now is not _UNKNOWN and str(now if now is not None else "") != str(item.winner_value or "")
        current = shown(item, now if changed else item.winner_value, t, revealed)
        other = shown(item, item.loser_value, t, revealed)
        if changed:  # edited again since the item was raised: the page says what the record holds now
            extra.setdefault("message", t("review_changed_since", field=field, value=current))
        masked = item.field in MASKED and not revealed
    persons = _persons(session, item) if item.kind == "duplicate_id" else []
    masked = masked or bool(persons and not revealed)
    for person in persons:
        person["id_number"] = person["id_number"] if revealed else mask_value("id_number", person["id_number"])
    if decision in MERGES and any(not p["region_code"].startswith(who.scope) for p in persons):
        extra.setdefault("error", t("review_merge_outside"))  # said before Confirm is offered
        extra["blocked"] = True
    if decision in MERGES and len(persons) == 2:
        kept, gone = persons[MERGES[decision]], persons[1 - MERGES[decision]]
        said = (t("review_first_said"), t("review_second_said"))
        opened, closed = ("（", "）") if request_lang(request) == "zh" else (" (", ")")
        consequence = t("review_merge_means", kept=f"{kept['name']}{opened}{kept['household_no']}{closed}",
                        gone=f"{gone['name']}{opened}{gone['household_no']}{closed}", kept_order=said[MERGES[decision]],
                        gone_order=said[1 - MERGES[decision]])
    elif item.kind == "delete_conflict":
        consequence = t(decision_word(item, decision) + "_means", record=record, other=other)
    elif decision == "close_gone":
        consequence = t("review_close_gone_means")
    else:
        consequence = {"keep_winner": t("review_keep_means", field=field, current=current, other=other),
                       "take_loser": t("review_take_means", field=field, current=current, other=other),
                       "not_duplicate": t("review_not_duplicate_means")}.get(decision, "")
    return render(request, "admin_review_confirm.html", who, status=status, item=item, decision=decision, back=back,
                  record_label=label, field=field, current=current, other=other, consequence=consequence,
                  persons=persons, masked=masked, merges=MERGES, revealed=revealed,
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
    try:
        resolution = _decide(session, who, item, decision)
    except PushRefused as exc:
        return _confirm(request, who, session, item, decision, back, status=422,
                        error=t("refused_by_server", message=exc.text(request_lang(request))))
    except _Gone as gone:
        session.rollback()
        return _confirm(request, who, session, item, decision, back, status=409, error=t(gone.key))
    if not resolve_review(session, item.id, who.user.username, resolution, utcnow()):
        session.rollback()  # another reviewer closed it meanwhile (SQLite has no row lock): nor is the value taken
        return RedirectResponse(f"{PREFIX}/admin/review{back.query(gone='1')}", status_code=303)
    session.commit()
    return RedirectResponse(f"{PREFIX}/admin/review{back.query(done=done_word(item, decision))}", status_code=303)


class _Gone(Exception):
    """A person of the pair to merge is deleted (or merged) already — or, to close the item as
    gone, neither is."""

    def __init__(self, key: str = "review_merge_gone"):
        super().__init__(key)
        self.key = key


def _decide(session: Session, who: ConsoleUser, item: ReviewItem, decision: str) -> str:
    """Push the decision's writes, if any (raises PushRefused); returns the item's resolution."""
    if decision in MERGES:
        pair = [item.related_record_id, item.record_id]
        survivor, loser = pair[MERGES[decision]], pair[1 - MERGES[decision]]
        persons = [session.get(Person, i) for i in pair if i]
        if len(persons) != 2 or any(p is None or p.deleted for p in persons):
            raise _Gone
        if any(not (p.region_code or "").startswith(who.scope) for p in persons):
            raise _Gone("review_merge_outside")
        push_edits(session, who.user, [Edit(w.model.__sync_entity__, w.record_id, w.fields)
                                       for w in merge_writes(session, survivor, loser)])
        return f"merged: survivor {survivor}"
    if decision == "close_gone":
        if not gone_persons(session, [item]):
            raise _Gone("review_both_there")  # merge them, or tell them apart
        return decision
    if decision == "take_loser" and item.kind == "delete_conflict":
        record = session.get(model_for_entity(item.entity), item.record_id)
        if record is None:
            raise Denied(404)
        deleted = not winner_deleted(item)
        if bool(record.deleted) != deleted:
            push_edits(session, who.user, [Edit(item.entity, item.record_id, {"deleted": True} if deleted else
                                                {"deleted": False, "deletion_gen": (record.deletion_gen or 0) + 1})])
    elif decision == "take_loser":
        push_edits(session, who.user, [Edit(item.entity, item.record_id, {item.field: item.loser_value})])
    return decision
