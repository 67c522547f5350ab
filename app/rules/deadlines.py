"""Case deadlines by request type, in working days, and the derived overdue flag.

Working days skip Saturdays and Sundays only: public holidays and the make-up working weekends
(调休) of the State Council calendar are NOT modelled, so a deadline over a holiday comes out
earlier than the official one; a city that needs them must extend the deadline by hand (or a later
version loads the yearly calendar as a code table). Day 0 is the registration day, so "10 working
days" from a Monday is the Monday two weeks later.

Deadlines are configurable through code-table entries (table "request_type",
attrs {"deadline_workdays": N}); `DEFAULT_REQUEST_TYPES` below is the built-in fallback used when
the table has no entry for a type."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from app.rules.case_workflow import is_finished

REQUEST_TYPE_TABLE = "request_type"

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


def is_workday(day: dt.date) -> bool:
    return day.weekday() < 5


def add_workdays(start: dt.date, workdays: int) -> dt.date:
    """The date `workdays` working days after `start` (weekends skipped, holidays not modelled)."""
    if workdays < 0:
        raise ValueError("workdays must not be negative")
    day = start
    while not is_workday(day):  # registered at the weekend: the count starts on Monday
        day += dt.timedelta(days=1)
    full_weeks, rest = divmod(workdays, 5)
    day += dt.timedelta(weeks=full_weeks)
    while rest:
        day += dt.timedelta(days=1)
        if is_workday(day):
            rest -= 1
    return day


def deadline_workdays(request_type: str, configured: Mapping[str, int] | None = None) -> int:
    """Working days allowed for a request type: the code table's value, else the built-in default."""
    if configured and request_type in configured:
        return int(configured[request_type])
    default = DEFAULT_REQUEST_TYPES.get(request_type)
    return default[1] if default else FALLBACK_WORKDAYS


def case_deadline(registered_on: dt.date, request_type: str,
                  configured: Mapping[str, int] | None = None) -> dt.date:
    return add_workdays(registered_on, deadline_workdays(request_type, configured))


def is_case_overdue(status: int, deadline_on: dt.date | None, today: dt.date) -> bool:
    """超期: past the deadline and not yet closed (status below 70)."""
    return deadline_on is not None and today > deadline_on and not is_finished(status)
