"""Statistic periods the inspection summary offers on screen: 本月, 上月, 本季度, 全部时间 and a
custom range, worked out from today's date (the widget only shows the choice)."""

from __future__ import annotations

import datetime as dt

from app.errors import ValidationError

Period = tuple[dt.date | None, dt.date | None]
KINDS = ("this_month", "last_month", "this_quarter", "all", "custom")


def period_for(kind: str, today: dt.date, start: dt.date | None = None, end: dt.date | None = None) -> Period:
    """The (first day, last day) of a period; "custom" takes `start` and `end` as given."""
    first_of_month = today.replace(day=1)
    if kind == "this_month":
        return first_of_month, _month_end(first_of_month)
    if kind == "last_month":
        last_end = first_of_month - dt.timedelta(days=1)
        return last_end.replace(day=1), last_end
    if kind == "this_quarter":
        first = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
        return first, _month_end(first.replace(month=first.month + 2))
    if kind == "all":
        return None, None
    if kind == "custom":
        if start is None or end is None or start > end:
            raise ValidationError("period", "period_invalid")
        return start, end
    raise ValidationError("period", "period_invalid")


def _month_end(first: dt.date) -> dt.date:
    following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)
