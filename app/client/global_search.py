"""The window's global search (Ctrl+F from any page): one typed text looked up at once among
persons (name, pinyin initials, ID or phone tail — app/services/search.py), households (number,
head, address), cases (number, title) and tasks (number, title), within the actor's scope, a few
of each, masked. Each hit names the page and record it opens."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, aliased

from app.client.browse import scoped
from app.services.search import query_kind, search_persons
from db.models import Case, Household, Person, Region, Task, TaskTarget

PER_KIND = 5


@dataclass(frozen=True)
class Hit:
    """One hit: `kind` is person, household, case or task; `record_id` what the page opens (a task
    hit opens the scope's target of the task)."""

    kind: str
    record_id: str
    title: str
    detail: str


def search_everything(session: Session, scope: str, text: str, per_kind: int = PER_KIND) -> list[Hit]:
    """Only the lookups the text can match run: digits look up ID and phone tails and household,
    case and task numbers; pinyin initials only persons; Chinese text names, addresses and titles."""
    text = (text or "").strip()
    kind = query_kind(text)
    if kind == "empty":
        return []
    names = dict(session.execute(select(Region.code, Region.name).where(
        Region.code.startswith(scope[:12]), Region.level >= 5)).all())
    hits = _persons(session, scope, text, per_kind, names)
    if kind == "initials" and not any(ch.isdigit() for ch in text):
        return hits + _numbered(session, scope, text.upper(), per_kind)
    if kind == "name" and len(text) < 2:
        return hits  # one character names half the township's addresses and titles: persons only
    heads = [hit.record_id for hit in hits if hit.title == text]  # persons named exactly so may head a household
    households = _households(session, scope, text, per_kind, names, kind, heads)
    if kind == "digits" and len(text) < 8:
        return hits + households  # an ID or phone tail: case and task numbers need more digits
    return hits + households + _cases(session, scope, text, per_kind, kind) + _tasks(session, scope, text, per_kind, kind)


def _numbered(session: Session, scope: str, text: str, limit: int) -> list[Hit]:
    """Latin letters may start a case or task number (SJ…, RW…): looked up as a prefix."""
    if len(text) < 2:
        return []
    return _cases(session, scope, text, limit, "prefix") + _tasks(session, scope, text, limit, "prefix")


def _persons(session: Session, scope: str, text: str, limit: int, names: dict) -> list[Hit]:
    return [Hit("person", h.id, h.name, " · ".join(filter(None, (
        names.get(h.grid_code or "", "") or names.get(h.region_code, ""), h.id_masked))))
        for h in search_persons(session, text, scope, limit)]


def _households(session: Session, scope: str, text: str, limit: int, names: dict, kind: str,
                heads: list[str] = ()) -> list[Hit]:
    head = aliased(Person)
    if kind == "digits":  # the start of a household number: an index range, not a scan
        match = and_(Household.household_no >= text, Household.household_no < text + "\uffff")
    else:  # heads named so come from the person search (its own index), not from a join per household
        match = or_(Household.head_person_id.in_(list(heads)), Household.address.contains(text))
    rows = session.execute(
        select(Household.id, Household.household_no, Household.address, Household.region_code, head.name)
        .outerjoin(head, head.id == Household.head_person_id)
        .where(scoped(Household, scope), Household.deleted.is_(False), Household.merged_into.is_(None), match)
        .limit(limit)).all()  # unordered: a plain table scan, not a walk of the number index
    rows = sorted(rows, key=lambda r: r[1])
    return [Hit("household", hid, f"{number} {head_name or ''}".strip(),
                " · ".join(filter(None, (names.get(region, ""), address))))
            for hid, number, address, region, head_name in rows]


def _text_match(number, title, text: str, kind: str):
    if kind == "prefix":
        return number.startswith(text)
    if kind == "digits":
        return number.contains(text)
    # Letters with digits (a whole case number, SJ20261205…) are a number; Chinese text a title.
    return or_(number.contains(text), title.contains(text)) if any(c.isascii() for c in text) else title.contains(text)


def _cases(session: Session, scope: str, text: str, limit: int, kind: str) -> list[Hit]:
    rows = session.execute(
        select(Case.id, Case.case_no, Case.title)
        .where(scoped(Case, scope), Case.deleted.is_(False), _text_match(Case.case_no, Case.title, text, kind))
        .order_by(Case.registered_at.desc()).limit(limit)).all()
    return [Hit("case", cid, title, number) for cid, number, title in rows]


def _tasks(session: Session, scope: str, text: str, limit: int, kind: str) -> list[Hit]:
    rows = session.execute(
        select(TaskTarget.id, Task.task_no, Task.title)
        .join(Task, Task.id == TaskTarget.task_id)
        .where(or_(scoped(TaskTarget, scope), TaskTarget.assigned_region_code.startswith(scope[:12])),
               TaskTarget.deleted.is_(False), Task.deleted.is_(False),
               _text_match(Task.task_no, Task.title, text, kind))
        .order_by(Task.due_at.desc()).limit(limit)).all()
    return [Hit("task", tid, title, number) for tid, number, title in rows]
