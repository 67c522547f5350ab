"""Figures for the inspection summary (统计汇总表) of a township or village: cases by village, by
category and by status with the on-time rate, task targets by village with their on-time rate, the
register by village and its tag counts. Sensitive tags (level 3, 重点人员) are never counted here,
and the list of overdue cases carries reporters' names for masking by the form (张*).

On-time rules (printed under the tables): a case is on time when it was closed (办结 or later) on or
before its deadline; the rate is on-time closures / (closures + open cases past their deadline).
Task targets alike: completed by `due_at`, over completed + open targets past due."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.codes import CodeBook
from app.reports.context import SENSITIVE_LEVEL
from app.rules import case_workflow, task_rules
from db.models import Case, Household, Person, Region, TagAssignment, Task, TaskTarget


@dataclass(frozen=True)
class RateRow:
    label: str
    total: int
    open: int
    finished: int
    on_time: int
    overdue_open: int

    @property
    def rate(self) -> str:
        base = self.finished + self.overdue_open
        return f"{100 * self.on_time / base:.1f}%" if base else "—"


@dataclass(frozen=True)
class OverdueCase:
    case_no: str
    village: str
    category: str
    reporter_name: str
    deadline_on: dt.date
    days_over: int


@dataclass(frozen=True)
class InspectionSummary:
    region_code: str
    region_name: str
    period: tuple[dt.date | None, dt.date | None]
    as_of: dt.datetime
    cases_by_village: tuple[RateRow, ...]
    cases_by_category: tuple[RateRow, ...]
    cases_by_status: tuple[tuple[str, int], ...]
    tasks_by_village: tuple[RateRow, ...]
    register_by_village: tuple[tuple[str, int, int], ...]  # (village, households, persons)
    tag_counts: tuple[tuple[str, int], ...]
    overdue_cases: tuple[OverdueCase, ...]


class _Tally:
    def __init__(self) -> None:
        self.counts: dict[str, Counter] = defaultdict(Counter)

    def add(self, key: str, finished: bool, on_time: bool, overdue_open: bool) -> None:
        c = self.counts[key]
        c["total"] += 1
        c["finished" if finished else "open"] += 1
        c["on_time"] += on_time
        c["overdue_open"] += overdue_open

    def rows(self, label_of) -> tuple[RateRow, ...]:
        rows = [RateRow(label_of(key), c["total"], c["open"], c["finished"], c["on_time"], c["overdue_open"])
                for key, c in sorted(self.counts.items())]
        if len(rows) > 1:
            total = sum((c for c in self.counts.values()), Counter())
            rows.append(RateRow("合计", total["total"], total["open"], total["finished"], total["on_time"],
                                total["overdue_open"]))
        return tuple(rows)


def _region_names(session: Session, prefix: str) -> dict[str, str]:
    return dict(session.execute(select(Region.code, Region.name).where(Region.code.startswith(prefix))).all())


def _village_of(code: str, prefix: str) -> str:
    """The village-level key of a record: its 12-digit code, or the township itself when the record
    sits at township level."""
    return code[:12] if len(prefix) < 12 else prefix[:12]


def _case_figures(session: Session, prefix: str, period, today: dt.date, codes: CodeBook, names: dict):
    stmt = select(Case).where(Case.region_code.startswith(prefix), Case.deleted.is_(False))
    if period[0]:
        stmt = stmt.where(Case.registered_at >= dt.datetime.combine(period[0], dt.time()))
    if period[1]:
        stmt = stmt.where(Case.registered_at < dt.datetime.combine(period[1] + dt.timedelta(days=1), dt.time()))
    by_village, by_category, by_status, overdue = _Tally(), _Tally(), Counter(), []
    for case in session.scalars(stmt):
        finished = case_workflow.is_finished(case.status)
        late = bool(case.deadline_on and case.closed_at and case.closed_at.date() > case.deadline_on)
        overdue_open = bool(not finished and case.deadline_on and case.deadline_on < today)
        village = _village_of(case.region_code, prefix)
        for tally, key in ((by_village, village), (by_category, case.category_code[:2])):
            tally.add(key, finished, finished and not late, overdue_open)
        by_status[case.status] += 1
        if overdue_open:
            overdue.append(OverdueCase(case.case_no, names.get(village, village),
                                       codes.label("case_category", case.category_code, case.category_code),
                                       case.reporter_name or "", case.deadline_on, (today - case.deadline_on).days))
    statuses = tuple((case_workflow.status_label(s), n) for s, n in sorted(by_status.items()))
    overdue.sort(key=lambda o: (-o.days_over, o.case_no))
    return (by_village.rows(lambda k: names.get(k, k)),
            by_category.rows(lambda k: codes.label("case_category", k, k)), statuses, tuple(overdue))


def _task_figures(session: Session, prefix: str, now: dt.datetime, names: dict) -> tuple[RateRow, ...]:
    tally = _Tally()
    rows = session.execute(
        select(TaskTarget.region_code, TaskTarget.status, TaskTarget.completed_at, Task.due_at)
        .join(Task, Task.id == TaskTarget.task_id)
        .where(TaskTarget.region_code.startswith(prefix), TaskTarget.deleted.is_(False), Task.deleted.is_(False))
    )
    for region_code, status, completed_at, due_at in rows:
        if status == task_rules.RETURNED:
            continue
        done = status == task_rules.COMPLETED
        on_time = done and (completed_at is None or completed_at <= due_at)
        tally.add(_village_of(region_code, prefix), done, on_time, task_rules.is_overdue(status, due_at, now))
    return tally.rows(lambda k: names.get(k, k))


def _register_figures(session: Session, prefix: str, names: dict, codes: CodeBook, today: dt.date):
    households = Counter(dict(session.execute(
        select(func.substr(Household.region_code, 1, 12), func.count())
        .where(Household.region_code.startswith(prefix), Household.deleted.is_(False))
        .group_by(func.substr(Household.region_code, 1, 12))).all()))
    persons = Counter(dict(session.execute(
        select(func.substr(Person.region_code, 1, 12), func.count())
        .where(Person.region_code.startswith(prefix), Person.deleted.is_(False),
               Person.status.in_(("1", "2")))  # 在册 and 外出; 迁出 and 死亡 are no longer residents
        .group_by(func.substr(Person.region_code, 1, 12))).all()))
    villages = sorted(set(households) | set(persons))
    by_village = [(names.get(v, v), households[v], persons[v]) for v in villages]
    if len(by_village) > 1:
        by_village.append(("合计", sum(households.values()), sum(persons.values())))
    tags = Counter()
    for tag, start, end in session.execute(
        select(TagAssignment.tag_code, TagAssignment.start_on, TagAssignment.end_on)
        .where(TagAssignment.region_code.startswith(prefix), TagAssignment.deleted.is_(False))
    ):
        if codes.attr("tag", tag, "sensitivity", 1) >= SENSITIVE_LEVEL:
            continue  # 重点人员 never appear on an inspection summary, not even as a count
        if (start is None or start <= today) and (end is None or end >= today):
            tags[tag] += 1
    tag_rows = tuple((codes.label("tag", t, t), n) for t, n in sorted(tags.items(), key=lambda i: -i[1]))
    return tuple(by_village), tag_rows


def inspection_summary(session: Session, region_code: str, codes: CodeBook, now: dt.datetime,
                       period: tuple[dt.date | None, dt.date | None] = (None, None)) -> InspectionSummary:
    """The summary of a township (9-digit scope) or village (12-digit scope); `region_code` may be a
    12-digit code with trailing zeros, which is reduced to its prefix."""
    prefix = region_code[:12]
    while len(prefix) > 6 and prefix.endswith("000"):
        prefix = prefix[:-3]
    names = _region_names(session, prefix)
    by_village, by_category, by_status, overdue = _case_figures(session, prefix, period, now.date(), codes, names)
    register, tags = _register_figures(session, prefix, names, codes, now.date())
    return InspectionSummary(
        region_code=region_code, region_name=names.get(region_code, names.get(prefix.ljust(12, "0"), region_code)),
        period=period, as_of=now, cases_by_village=by_village, cases_by_category=by_category,
        cases_by_status=by_status, tasks_by_village=_task_figures(session, prefix, now, names),
        register_by_village=register, tag_counts=tags, overdue_cases=overdue,
    )
