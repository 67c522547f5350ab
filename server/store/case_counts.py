"""The leader's case outcomes as summaries the push keeps current, so the overview never groups every
case (server/outcomes.py reads them):

- `CaseTownCount`: per township, category, outcome class and rating class, how many live cases, and
  the repeat appeals among them (cases after the first from one phone in that township and category);
- `CaseMonthCount`: per township, registration month, outcome class and rating class;
- `CasePhoneCount`: per township, category and phone (its SHA-256, never the number) how many live
  cases — what tells whether a case is a repeat appeal when it arrives, leaves or moves.

Outcome class: "C" closed on time (on or before its deadline day, or without one), "L" closed late,
"O" open. Whether an open case is overdue depends on the day, so the overview counts those live
(a range of the deadline index over open cases). Rating class: "-" not rated, "S" 满意/基本满意,
"U" rated otherwise.

The push path works as for the progress summary (server/store/progress.py): the state of each case
before the push first touches it, the state after the push's rows are flushed, the difference added
with ordered upserts. `rebuild` counts everything again (the migration, seed-demo's adoption)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from typing import Any

from sqlalchemy import String, cast, delete, func, insert, select, tuple_
from sqlalchemy.orm import Session

from db.models import Case
from server.store.common import _chunks, _is_postgres
from server.store.tables import CaseMonthCount, CasePhoneCount, CaseTownCount

CLOSED = (70, 80, 90)
TOWNSHIP_DIGITS = 9
State = tuple[str, str, str, str, str, str]  # township, category, month, outcome, rating, phone hash ("" none)


def outcome_class(status: int | None, deadline_on: dt.date | None, closed_at: dt.datetime | None) -> str:
    if status not in CLOSED:
        return "O"
    return "C" if deadline_on is None or (closed_at is not None and closed_at.date() <= deadline_on) else "L"


def rating_class(satisfaction: str | None) -> str:
    return "-" if satisfaction is None else ("S" if satisfaction in ("1", "2") else "U")


def phone_hash(phone: str | None) -> str:
    return hashlib.sha256(phone.encode()).hexdigest() if phone else ""


def _state(row: Any) -> State | None:
    """A case's place in the summaries (None: deleted, so counted nowhere)."""
    if row is None or row.deleted or row.registered_at is None:
        return None
    return ((row.region_code or "")[:TOWNSHIP_DIGITS], row.category_code or "", row.registered_at.strftime("%Y-%m"),
            outcome_class(row.status, row.deadline_on, row.closed_at), rating_class(row.satisfaction),
            phone_hash(row.reporter_phone))


class CaseTracker:
    """What one push changed of cases, as their state before it."""

    def __init__(self) -> None:
        self.before_push: dict[str, State | None] = {}

    def before(self, entity: str, record_id: str, record: Any) -> None:
        if entity == "case" and record_id not in self.before_push:
            self.before_push[record_id] = _state(record)

    def apply(self, session: Session) -> None:
        if not self.before_push:
            return
        now: dict[str, State | None] = dict.fromkeys(self.before_push)
        for part in _chunks(sorted(self.before_push)):
            now.update((row.id, _state(row)) for row in session.execute(
                select(Case.id, Case.deleted, Case.region_code, Case.category_code, Case.registered_at, Case.status,
                       Case.deadline_on, Case.closed_at, Case.satisfaction, Case.reporter_phone)
                .where(Case.id.in_(part))))
        towns: Counter = Counter()
        months: Counter = Counter()
        phones: Counter = Counter()
        for case_id, after in now.items():
            for state, sign in ((self.before_push[case_id], -1), (after, 1)):
                if state is None:
                    continue
                town, category, month, outcome, rating, phone = state
                towns[(town, category, outcome, rating)] += sign
                months[(town, month, outcome, rating)] += sign
                if phone:
                    phones[(town, category, phone)] += sign
        repeats = _phone_repeats(session, {k: n for k, n in phones.items() if n})
        rows = [dict(township=k[0], category_code=k[1], outcome=k[2], rating=k[3], cases=n, repeats=0)
                for k, n in towns.items() if n]
        rows += [dict(township=t, category_code=c, outcome="O", rating="-", cases=0, repeats=r)
                 for (t, c), r in repeats.items() if r]
        _upsert(session, CaseTownCount, ["township", "category_code", "outcome", "rating"], rows,
                ("cases", "repeats"))
        _upsert(session, CaseMonthCount, ["township", "month", "outcome", "rating"],
                [dict(township=k[0], month=k[1], outcome=k[2], rating=k[3], cases=n) for k, n in months.items() if n],
                ("cases",))


def _phone_repeats(session: Session, delta: dict[tuple[str, str, str], int]) -> Counter:
    """Apply the phone counts' `delta`; returns the change of repeat appeals per (township, category):
    a phone with n cases makes n - 1 of them repeats."""
    repeats: Counter = Counter()
    if not delta:
        return repeats
    held: dict[tuple[str, str, str], int] = {}
    for part in _chunks(sorted(delta)):
        for town, category, phone, n in session.execute(
                select(CasePhoneCount.township, CasePhoneCount.category_code, CasePhoneCount.phone_sha256,
                       CasePhoneCount.cases).where(tuple_(CasePhoneCount.township, CasePhoneCount.category_code,
                                                          CasePhoneCount.phone_sha256).in_(part))):
            held[(town, category, phone)] = n
    for key, d in delta.items():
        before = held.get(key, 0)
        repeats[key[:2]] += max(before + d - 1, 0) - max(before - 1, 0)
    _upsert(session, CasePhoneCount, ["township", "category_code", "phone_sha256"],
            [dict(township=k[0], category_code=k[1], phone_sha256=k[2], cases=n) for k, n in delta.items()], ("cases",))
    return repeats


def _upsert(session: Session, model, keys: list[str], rows: list[dict], added: tuple[str, ...]) -> None:
    """Add each row's `added` columns to the row with its key (made when missing), in key order;
    rows left at zero are removed."""
    if not rows:
        return
    if _is_postgres(session):
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    merged: dict[tuple, dict] = {}
    for row in rows:
        key = tuple(row[k] for k in keys)
        if key in merged:
            for name in added:
                merged[key][name] += row[name]
        else:
            merged[key] = dict(row)
    statement = upsert(model)
    session.execute(statement.on_conflict_do_update(
        index_elements=keys, set_={name: getattr(model, name) + getattr(statement.excluded, name) for name in added}),
        [merged[k] for k in sorted(merged)])
    session.execute(delete(model).where(*[getattr(model, name) == 0 for name in added]))


def rebuild(session: Session) -> None:
    """Count the summaries again from the cases (rows written outside the push)."""
    session.flush()
    for model in (CaseTownCount, CaseMonthCount, CasePhoneCount):
        session.execute(delete(model))
    counts: dict[str, Counter] = {"towns": Counter(), "months": Counter(), "phones": Counter()}
    last = ""
    while True:
        rows = session.execute(
            select(Case.id, Case.deleted, Case.region_code, Case.category_code, Case.registered_at, Case.status,
                   Case.deadline_on, Case.closed_at, Case.satisfaction, Case.reporter_phone)
            .where(Case.id > last, Case.deleted.is_(False)).order_by(Case.id).limit(5000)).all()
        if not rows:
            break
        last = rows[-1].id
        for row in rows:
            state = _state(row)
            if state is None:
                continue
            town, category, month, outcome, rating, phone = state
            counts["towns"][(town, category, outcome, rating)] += 1
            counts["months"][(town, month, outcome, rating)] += 1
            if phone:
                counts["phones"][(town, category, phone)] += 1
    repeats: Counter = Counter()
    for (town, category, _phone), n in counts["phones"].items():
        repeats[(town, category)] += n - 1
    town_rows = [dict(township=k[0], category_code=k[1], outcome=k[2], rating=k[3], cases=n, repeats=0)
                 for k, n in counts["towns"].items()]
    town_rows += [dict(township=k[0], category_code=k[1], outcome="O", rating="-", cases=0, repeats=r)
                  for k, r in repeats.items() if r]
    _upsert(session, CaseTownCount, ["township", "category_code", "outcome", "rating"], town_rows,
            ("cases", "repeats"))
    for model, key_names, found in (
            (CaseMonthCount, ("township", "month", "outcome", "rating"), counts["months"]),
            (CasePhoneCount, ("township", "category_code", "phone_sha256"), counts["phones"])):
        items = [dict(zip(key_names, k, strict=True), cases=n) for k, n in sorted(found.items())]
        for start in range(0, len(items), 5000):
            session.execute(insert(model), items[start:start + 5000])


def open_overdue(session: Session, scope_condition, today: dt.date) -> list[tuple[str, str, str, int]]:
    """(township, category, month, open cases past their deadline) — live: it changes with the day."""
    township = func.substr(Case.region_code, 1, TOWNSHIP_DIGITS)
    month = func.substr(cast(Case.registered_at, String), 1, 7)
    return [tuple(r) for r in session.execute(
        select(township, Case.category_code, month, func.count())
        .where(Case.deleted.is_(False), Case.deadline_on < today, Case.status.not_in(CLOSED), scope_condition)
        .group_by(township, Case.category_code, month))]
