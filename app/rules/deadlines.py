"""Deadlines in working days on the city's calendar, and the derived overdue and due-soon flags.

A working day is Monday to Friday, except the statutory holidays (法定节假日) the city's calendar
lists, plus the make-up working weekends (调休) it lists. The calendar is the code table
`work_calendar` (resources/codes/calendar.json, synced like every code table and edited by the city):
code = the date, attrs {"workday": false} for a day off, {"workday": true} for a working weekend.
`WorkCalendar.from_book` reads it; `WEEKENDS_ONLY` is the calendar without any entry.

Day 0 is the registration day, so "10 working days" from a Monday with no holiday in between is
the Monday two weeks later; registered on a day off, the count starts on the next working day.

Case deadlines come from the request type (code table "request_type", attrs
{"deadline_workdays": N}; `DEFAULT_REQUEST_TYPES` is the fallback). A case waiting for a decision
on its extension request (延期申请, status 55) is never flagged overdue: its clock is paused, and
the approval moves the deadline on by the working days the request waited plus those granted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from app.rules.case_workflow import CaseStatus, is_finished

REQUEST_TYPE_TABLE = "request_type"
CALENDAR_TABLE = "work_calendar"

# request type code: (label, deadline in working days). The one place the defaults live.
DEFAULT_REQUEST_TYPES: dict[str, tuple[str, int]] = {
    "1": ("咨询", 5),
    "2": ("求助", 5),
    "3": ("投诉", 10),
    "4": ("建议", 15),
    "5": ("举报", 10),
    "6": ("感谢", 5),
    "9": ("其他", 10),
}
FALLBACK_WORKDAYS = 10


@dataclass(frozen=True)
class WorkCalendar:
    """Days off and make-up working days beyond the plain Monday-to-Friday week."""

    days_off: frozenset[dt.date] = frozenset()
    workdays: frozenset[dt.date] = frozenset()

    @classmethod
    def from_entries(cls, entries: Iterable[tuple[str, bool]]) -> WorkCalendar:
        """From (ISO date, is a working day) pairs; malformed dates are skipped."""
        off, work = set(), set()
        for code, workday in entries:
            try:
                day = dt.date.fromisoformat(code)
            except ValueError:
                continue
            (work if workday else off).add(day)
        return cls(frozenset(off), frozenset(work))

    @classmethod
    def from_book(cls, book) -> WorkCalendar:
        """The calendar of a CodeBook's `work_calendar` table (active entries)."""
        return cls.from_entries((e.code, bool(e.attrs.get("workday"))) for e in book.entries(CALENDAR_TABLE))

    def is_workday(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.days_off

    def next_workday(self, day: dt.date) -> dt.date:
        """The first working day after `day`."""
        day += dt.timedelta(days=1)
        while not self.is_workday(day):
            day += dt.timedelta(days=1)
        return day

    def add_workdays(self, start: dt.date, workdays: int) -> dt.date:
        """The date `workdays` working days after `start`."""
        if workdays < 0:
            raise ValueError("workdays must not be negative")
        day = start
        while not self.is_workday(day):  # registered on a day off: the count starts on the next working day
            day += dt.timedelta(days=1)
        for _ in range(workdays):
            day = self.next_workday(day)
        return day

    def workdays_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end` (0 when end <= start)."""
        count, day = 0, start
        while day < end:
            day += dt.timedelta(days=1)
            count += self.is_workday(day)
        return count


WEEKENDS_ONLY = WorkCalendar()


def is_workday(day: dt.date, calendar: WorkCalendar = WEEKENDS_ONLY) -> bool:
    return calendar.is_workday(day)


def add_workdays(start: dt.date, workdays: int, calendar: WorkCalendar = WEEKENDS_ONLY) -> dt.date:
    """The date `workdays` working days after `start` on `calendar`."""
    return calendar.add_workdays(start, workdays)


def deadline_workdays(request_type: str, configured: Mapping[str, int] | None = None) -> int:
    """Working days allowed for a request type: the code table's value, else the built-in default."""
    if configured and request_type in configured:
        return int(configured[request_type])
    default = DEFAULT_REQUEST_TYPES.get(request_type)
    return default[1] if default else FALLBACK_WORKDAYS


def case_deadline(registered_on: dt.date, request_type: str, configured: Mapping[str, int] | None = None,
                  calendar: WorkCalendar = WEEKENDS_ONLY) -> dt.date:
    return calendar.add_workdays(registered_on, deadline_workdays(request_type, configured))


def is_case_overdue(status: int, deadline_on: dt.date | None, today: dt.date) -> bool:
    """超期: past the deadline, not yet closed (status below 70) and not waiting on an extension."""
    return (deadline_on is not None and today > deadline_on and not is_finished(status)
            and int(status) != CaseStatus.EXTENSION_REQUESTED)


def is_case_due_soon(status: int, deadline_on: dt.date | None, today: dt.date,
                     calendar: WorkCalendar = WEEKENDS_ONLY) -> bool:
    """临期: open and due today or on the next working day (the warning a day before)."""
    if deadline_on is None or is_finished(status) or today > deadline_on:
        return False
    return deadline_on <= calendar.next_workday(today)


def task_due_soon(due_at: dt.datetime, now: dt.datetime, calendar: WorkCalendar = WEEKENDS_ONLY) -> bool:
    """A task warns from the working day before it falls due (not yet past due)."""
    return now <= due_at and due_at.date() <= calendar.next_workday(now.date())
