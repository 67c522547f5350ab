"""Outcomes a leader reads (and a township admin for its own township): per township and per case
category the share of cases closed on time, residents' satisfaction and repeat appeals; how fast each
department answers a 吹哨 call; the burden a village carries (tasks and data requests received per
week, per department — the 减负 indicator); month-by-month trends; and the case lists behind each
figure. Only outcomes of the work itself are counted — never logins or entries.

Definitions: a case is closed at status 70/80/90; closed on time when it closed on or before its
deadline day (a case without a deadline counts as on time); overdue when open past its deadline.
The on-time rate is closed-on-time over (closed + open overdue). Satisfaction is 满意 or 基本满意
over the rated cases. A repeat appeal is a case after the first from the same phone number in the
same category and township."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field

from sqlalchemy import String, and_, case, cast, func, or_, select
from sqlalchemy.orm import Session

from db.models import Case, CaseWhistle, CodeEntry, Task, TaskTarget
from server.department_work import region_names
from server.store import case_counts
from server.store.common import under_prefix
from server.store.tables import CaseMonthCount, CaseTownCount

CLOSED = (70, 80, 90)
TOWNSHIP_DIGITS = 9


@dataclass
class Outcome:
    key: str
    label: str = ""
    cases: int = 0
    closed: int = 0
    on_time: int = 0
    overdue_open: int = 0
    rated: int = 0
    satisfied: int = 0
    repeats: int = 0

    def add(self, other: Outcome) -> None:
        for name in ("cases", "closed", "on_time", "overdue_open", "rated", "satisfied", "repeats"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def on_time_rate(self) -> float | None:
        late_or_closed = self.closed + self.overdue_open
        return self.on_time / late_or_closed if late_or_closed else None

    @property
    def satisfaction_rate(self) -> float | None:
        return self.satisfied / self.rated if self.rated else None


def _flags(today: dt.date):
    closed = Case.status.in_(CLOSED)
    on_time = and_(closed, or_(Case.deadline_on.is_(None), func.date(Case.closed_at) <= Case.deadline_on))
    overdue_open = and_(~closed, Case.deadline_on < today)
    return closed, on_time, overdue_open


def _in_scope(column, scope: str):
    """The region condition; none at all for the city-wide scope (a LIKE on every row costs)."""
    return column.startswith(scope) if scope else column.is_not(None)


def _count(condition):
    return func.sum(case((condition, 1), else_=0))


def _figures(closed, on_time, overdue_open) -> list:
    return [func.count(), _count(closed), _count(on_time), _count(overdue_open),
            _count(Case.satisfaction.is_not(None)), _count(Case.satisfaction.in_(("1", "2")))]


def scanned_overview(session: Session, scope: str, today: dt.date, months: int = 12) -> Overview:
    """`overview` grouped from the cases themselves: per township and category (one pass, repeat
    appeals counted in it as phone numbers seen more than once) and per registration month. The
    reference the summaries are held to, and the answer for a scope narrower than a township."""
    closed, on_time, overdue_open = _flags(today)
    township = func.substr(Case.region_code, 1, TOWNSHIP_DIGITS)
    phone = func.nullif(Case.reporter_phone, "")
    where = (Case.deleted.is_(False), _in_scope(Case.region_code, scope))
    by_town: dict[str, Outcome] = {}
    by_cat: dict[str, Outcome] = {}
    for town, cat, *numbers, phones, distinct in session.execute(
            select(township, Case.category_code, *_figures(closed, on_time, overdue_open), func.count(phone),
                   func.count(phone.distinct())).where(*where).group_by(township, Case.category_code)):
        part = Outcome("", "", *[int(n or 0) for n in numbers], int(phones or 0) - int(distinct or 0))
        by_town.setdefault(town, Outcome(town)).add(part)
        by_cat.setdefault(cat, Outcome(cat)).add(part)
    month = func.substr(cast(Case.registered_at, String), 1, 7)
    by_month = [Outcome(m, m, *[int(n or 0) for n in numbers]) for m, *numbers in session.execute(
        select(month, *_figures(closed, on_time, overdue_open)).where(*where).group_by(month)
        .order_by(month.desc()).limit(months))]
    return _labelled(session, by_town, by_cat, by_month)


def overview(session: Session, scope: str, today: dt.date, months: int = 12) -> Overview:
    """Per township, per category and per registration month (newest first), within the scope, from
    the summaries the push keeps (server/store/case_counts.py); the open cases past their deadline
    are a range of the open cases' deadline days."""
    if len(scope) > TOWNSHIP_DIGITS:
        return scanned_overview(session, scope, today, months)
    late = {(t, c, m): n for t, c, m, n in case_counts.open_overdue(session, scope, today)}
    by_town: dict[str, Outcome] = {}
    by_cat: dict[str, Outcome] = {}
    for town, cat, outcome, rating, cases, repeats in session.execute(
            select(CaseTownCount.township, CaseTownCount.category_code, CaseTownCount.outcome, CaseTownCount.rating,
                   func.sum(CaseTownCount.cases), func.sum(CaseTownCount.repeats))
            .where(_in_scope(CaseTownCount.township, scope))
            .group_by(CaseTownCount.township, CaseTownCount.category_code, CaseTownCount.outcome,
                      CaseTownCount.rating)):
        part = _part(outcome, rating, int(cases or 0))
        part.repeats = int(repeats or 0)
        by_town.setdefault(town, Outcome(town)).add(part)
        by_cat.setdefault(cat, Outcome(cat)).add(part)
    by_month: dict[str, Outcome] = {}
    for month, outcome, rating, cases in session.execute(
            select(CaseMonthCount.month, CaseMonthCount.outcome, CaseMonthCount.rating, func.sum(CaseMonthCount.cases))
            .where(_in_scope(CaseMonthCount.township, scope))
            .group_by(CaseMonthCount.month, CaseMonthCount.outcome, CaseMonthCount.rating)):
        by_month.setdefault(month, Outcome(month, month)).add(_part(outcome, rating, int(cases or 0)))
    for (town, cat, month), n in late.items():
        by_town.setdefault(town, Outcome(town)).overdue_open += n
        by_cat.setdefault(cat, Outcome(cat)).overdue_open += n
        if month in by_month:
            by_month[month].overdue_open += n
    return _labelled(session, by_town, by_cat, [by_month[m] for m in sorted(by_month, reverse=True)[:months]])


def _part(outcome: str, rating: str, cases: int) -> Outcome:
    closed = cases if outcome in ("C", "L") else 0
    return Outcome("", "", cases, closed, cases if outcome == "C" else 0, 0, cases if rating != "-" else 0,
                   cases if rating == "S" else 0)


def _labelled(session: Session, by_town: dict[str, Outcome], by_cat: dict[str, Outcome],
              by_month: list[Outcome]) -> Overview:
    names = region_names(session, set(by_town))
    for key, row in by_town.items():
        row.label = names.get(key, key)
    labels = category_labels(session)
    for key, row in by_cat.items():
        row.label = labels.get(key, key)
    return Overview(sorted(by_town.values(), key=lambda o: (o.on_time_rate if o.on_time_rate is not None else 2, o.key)),
                    sorted(by_cat.values(), key=lambda o: -o.cases), by_month)


def code_labels(session: Session, table: str, english: bool = False) -> dict[str, str]:
    """City-wide labels of a code table (case categories, departments); `english`: the English label
    where the table has one, else the Chinese."""
    return {code: (en if english and en else zh) for code, zh, en in session.execute(
        select(CodeEntry.code, CodeEntry.label_zh, CodeEntry.label_en).where(
            CodeEntry.table == table, CodeEntry.scope_prefix == ""))}


def category_labels(session: Session) -> dict[str, str]:
    return code_labels(session, "case_category")


@dataclass
class WhistleFigure:
    department: str
    calls: int = 0
    arrived: int = 0
    hours: list[float] = field(default_factory=list)

    @property
    def mean_hours(self) -> float | None:
        return sum(self.hours) / len(self.hours) if self.hours else None


def whistle_response(session: Session, scope: str) -> list[WhistleFigure]:
    figures: dict[str, WhistleFigure] = {}
    for dept, summoned, arrived in session.execute(
            select(CaseWhistle.department_code, CaseWhistle.summoned_at, CaseWhistle.arrived_at).where(
                CaseWhistle.deleted.is_(False), _in_scope(CaseWhistle.region_code, scope))):
        fig = figures.setdefault(dept, WhistleFigure(dept))
        fig.calls += 1
        if arrived is not None:
            fig.arrived += 1
            fig.hours.append(max(0.0, (arrived - summoned).total_seconds() / 3600))
    return sorted(figures.values(), key=lambda f: (-(f.mean_hours or 0), f.department))


@dataclass(frozen=True)
class Overview:
    towns: list[Outcome]
    categories: list[Outcome]
    months: list[Outcome]
    whistles: list[WhistleFigure] = field(default_factory=list)
    computed_at: dt.datetime | None = None


# Outcome indicators are read as of a recent moment, not live: each scope's overview is computed at
# most once per `max_age` seconds per server process (Settings.console_outcomes_seconds, 300 by
# default); the case lists behind the figures are live.
_overviews: dict[tuple[str, dt.date], Overview] = {}
_overviews_lock = threading.Lock()


def cached_overview(session: Session, scope: str, now: dt.datetime, max_age: int) -> Overview:
    """The scope's overview with its whistle figures, computed again when older than `max_age` s."""
    key = (scope, now.date())
    with _overviews_lock:
        found = _overviews.get(key)
    if found is not None and found.computed_at and (now - found.computed_at).total_seconds() < max_age:
        return found
    fresh = overview(session, scope, now.date())
    fresh = Overview(fresh.towns, fresh.categories, fresh.months, whistle_response(session, scope), now)
    with _overviews_lock:
        if len(_overviews) > 1000:
            _overviews.clear()
        _overviews[key] = fresh
    return fresh


@dataclass(frozen=True)
class Burden:
    region: str
    label: str
    department: str
    tasks_per_week: float
    requests_per_week: float
    region_per_week: float  # everything the region received, all departments together


def burden(session: Session, scope: str, today: dt.date, weeks: int = 12) -> list[Burden]:
    """Targets received per week over the last `weeks` weeks, by region (the village a township
    handed the target to, else the target's own region) and issuing department; the most burdened
    regions first."""
    since = dt.datetime.combine(today - dt.timedelta(weeks=weeks), dt.time())
    region = func.coalesce(TaskTarget.assigned_region_code, TaskTarget.region_code)
    counts: dict[tuple[str, str], list[int]] = {}
    for code, dept, kind, n in session.execute(
            select(region, Task.department_code, Task.kind, func.count()).join(Task, Task.id == TaskTarget.task_id)
            .where(TaskTarget.deleted.is_(False), Task.deleted.is_(False), Task.issued_at >= since,
                   _in_scope(region, scope)).group_by(region, Task.department_code, Task.kind)):
        pair = counts.setdefault((code, dept), [0, 0])
        pair[1 if kind == "2" else 0] += n
    totals: dict[str, int] = {}
    for (code, _dept), n in counts.items():
        totals[code] = totals.get(code, 0) + n[0] + n[1]
    names = region_names(session, set(totals))
    rows = [Burden(code, names.get(code, code), dept, (n[0] + n[1]) / weeks, n[1] / weeks, totals[code] / weeks)
            for (code, dept), n in counts.items()]
    return sorted(rows, key=lambda b: (-b.region_per_week, b.region, -b.tasks_per_week, b.department))


@dataclass(frozen=True)
class CaseFilter:
    township: str = ""
    category: str = ""
    month: str = ""
    which: str = "all"  # all, overdue (open past deadline or closed late), repeat
    limit: int = 500


def case_list(session: Session, scope: str, f: CaseFilter, today: dt.date) -> list[Case]:
    """The cases behind a figure, at most `f.limit`, by deadline. The scope and the township are read
    as ranges of the region index (`under_prefix`): a township's overdue list read every case of the city
    either way — in region order as PostgreSQL planned it with the values (49 ms on 100,000 cases),
    through the deadline index in the generic plan of the prepared statement (256 ms; decision 0037)."""
    closed, on_time, overdue_open = _flags(today)
    query = select(Case).where(Case.deleted.is_(False), under_prefix(Case.region_code, scope))
    if f.township:
        query = query.where(under_prefix(Case.region_code, f.township))
    if f.category:
        query = query.where(Case.category_code == f.category)
    if f.month:
        query = query.where(func.substr(cast(Case.registered_at, String), 1, 7) == f.month)
    if f.which == "overdue":
        query = query.where(or_(overdue_open, and_(closed, ~on_time)))
    return list(session.scalars(query.order_by(Case.deadline_on, Case.registered_at).limit(f.limit)))
