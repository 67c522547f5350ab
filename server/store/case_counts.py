"""The leader's case outcomes as summaries the push keeps current, so the overview never groups every
case (server/outcomes.py reads them):

- `CaseTownCount`: per township, category, outcome class and rating class, how many live cases, and
  the repeat appeals among them (cases after the first from one phone in that township and category);
- `CaseMonthCount`: per township, registration month, outcome class and rating class;
- `CasePhoneCount`: per township, category and phone (its SHA-256, never the number) how many live
  cases — what tells whether a case is a repeat appeal when it arrives, leaves or moves;
- `CaseOpenCount`: open cases with a deadline per township, category, month and deadline day, so
  those overdue today are a range of it.

Outcome class: "C" closed on time (on or before its deadline day, or without one), "L" closed late,
"O" open (overdue when its deadline day has passed: `CaseOpenCount`). Rating class: "-" not rated, "S" 满意/基本满意,
"U" rated otherwise.

The push path works as for the progress summary (server/store/progress.py): the state of each case
before the push first touches it, the state after the push's rows are flushed, the difference added
with ordered upserts. `rebuild` counts everything again (the migration, seed-demo's adoption)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from typing import Any

from sqlalchemy import delete, func, insert, select, tuple_
from sqlalchemy.orm import Session

from db.models import Case
from server.store.common import _chunks, insert_for
from server.store.tables import CaseMonthCount, CaseOpenCount, CasePhoneCount, CaseTownCount

CLOSED = (70, 80, 90)
TOWNSHIP_DIGITS = 9
# township, category, month, outcome, rating, phone hash ("" none), deadline of an open case (None)
State = tuple[str, str, str, str, str, str, dt.date | None]


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
    outcome = outcome_class(row.status, row.deadline_on, row.closed_at)
    return ((row.region_code or "")[:TOWNSHIP_DIGITS], row.category_code or "", row.registered_at.strftime("%Y-%m"),
            outcome, rating_class(row.satisfaction), phone_hash(row.reporter_phone),
            row.deadline_on if outcome == "O" else None)


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
        counts = _Counts()
        for case_id, after in now.items():
            counts.add(self.before_push[case_id], -1)
            counts.add(after, 1)
        towns, months, phones = counts.towns, counts.months, counts.phones
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
        _upsert(session, CaseOpenCount, ["township", "category_code", "month", "deadline_on"],
                [dict(township=k[0], category_code=k[1], month=k[2], deadline_on=k[3], cases=n)
                 for k, n in counts.open.items() if n], ("cases",))


class _Counts:
    """Cases counted (or uncounted, sign -1) into each summary's keys."""

    def __init__(self) -> None:
        self.towns: Counter = Counter()
        self.months: Counter = Counter()
        self.phones: Counter = Counter()
        self.open: Counter = Counter()

    def add(self, state: State | None, sign: int) -> None:
        if state is None:
            return
        town, category, month, outcome, rating, phone, deadline = state
        self.towns[(town, category, outcome, rating)] += sign
        self.months[(town, month, outcome, rating)] += sign
        if phone:
            self.phones[(town, category, phone)] += sign
        if deadline is not None:
            self.open[(town, category, month, deadline)] += sign


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
    merged: dict[tuple, dict] = {}
    for row in rows:
        key = tuple(row[k] for k in keys)
        if key in merged:
            for name in added:
                merged[key][name] += row[name]
        else:
            merged[key] = dict(row)
    statement = insert_for(session, model)
    session.execute(statement.on_conflict_do_update(
        index_elements=keys, set_={name: getattr(model, name) + getattr(statement.excluded, name) for name in added}),
        [merged[k] for k in sorted(merged)])
    # only the keys just written can have reached zero: looked up by the primary key (`cases = 0` over
    # the whole summary read every row of it, the phone counts growing with the city's cases)
    key = tuple_(*[getattr(model, k) for k in keys])
    for part in _chunks(sorted(merged)):
        session.execute(delete(model).where(key.in_(part), *[getattr(model, name) == 0 for name in added]))


def rebuild(session: Session) -> None:
    """Count the summaries again from the cases (rows written outside the push)."""
    session.flush()
    for model in (CaseTownCount, CaseMonthCount, CasePhoneCount, CaseOpenCount):
        session.execute(delete(model))
    counts = _Counts()
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
            counts.add(_state(row), 1)
    repeats: Counter = Counter()
    for (town, category, _phone), n in counts.phones.items():
        repeats[(town, category)] += n - 1
    town_rows = [dict(township=k[0], category_code=k[1], outcome=k[2], rating=k[3], cases=n, repeats=0)
                 for k, n in counts.towns.items()]
    town_rows += [dict(township=k[0], category_code=k[1], outcome="O", rating="-", cases=0, repeats=r)
                  for k, r in repeats.items() if r]
    _upsert(session, CaseTownCount, ["township", "category_code", "outcome", "rating"], town_rows,
            ("cases", "repeats"))
    for model, key_names, found in (
            (CaseMonthCount, ("township", "month", "outcome", "rating"), counts.months),
            (CasePhoneCount, ("township", "category_code", "phone_sha256"), counts.phones),
            (CaseOpenCount, ("township", "category_code", "month", "deadline_on"), counts.open)):
        items = [dict(zip(key_names, k, strict=True), cases=n) for k, n in sorted(found.items())]
        for start in range(0, len(items), 5000):
            session.execute(insert(model), items[start:start + 5000])


def open_overdue(session: Session, scope: str, today: dt.date) -> list[tuple[str, str, str, int]]:
    """(township, category, month, open cases past their deadline) within the township prefix `scope`."""
    where = [CaseOpenCount.deadline_on < today]
    if scope:
        where.append(CaseOpenCount.township.startswith(scope))
    return [(t, c, m, int(n)) for t, c, m, n in session.execute(
        select(CaseOpenCount.township, CaseOpenCount.category_code, CaseOpenCount.month, func.sum(CaseOpenCount.cases))
        .where(*where).group_by(CaseOpenCount.township, CaseOpenCount.category_code, CaseOpenCount.month))]
