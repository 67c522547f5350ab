"""Date-times in API answers carry their zone (RFC 3339), though the database keeps them naive:
server bookkeeping (token expiry, device times, review items) is UTC, business times (task due
dates, case times) are Beijing time by the project's convention (docs/decisions/0001)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator

BEIJING = dt.timezone(dt.timedelta(hours=8))


def _zoned(zone: dt.tzinfo):
    def attach(value: dt.datetime) -> dt.datetime:
        return value if value.tzinfo is not None else value.replace(tzinfo=zone)

    return attach


UtcTime = Annotated[dt.datetime, AfterValidator(_zoned(dt.UTC))]
BeijingTime = Annotated[dt.datetime, AfterValidator(_zoned(BEIJING))]


def to_beijing_naive(value: dt.datetime) -> dt.datetime:
    """An incoming time as stored: naive Beijing time (an aware value is converted first)."""
    return value if value.tzinfo is None else value.astimezone(BEIJING).replace(tzinfo=None)
