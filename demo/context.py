"""What every part of the demo generator shares: the seeded random generator, id makers, the
reference date the data is "as of", the places, the staff, and the rows being collected for the
bulk insert."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field

from demo.ids import DemoIds, ResidentIds
from demo.names import NameMaker
from demo.regions import Village

# The data describes the township as of this day (fixed, so a seed always gives the same data).
DEMO_AS_OF = dt.date(2026, 11, 20)


def balinzuoqi_area(birth_year: int) -> str:
    """巴林左旗's address code: 150422 since 1983, 152422 (昭乌达盟) before, as stdnum's table has it."""
    return "150422" if birth_year >= 1983 else "152422"


@dataclass
class DemoContext:
    rng: random.Random
    ids: DemoIds
    resident_ids: ResidentIds
    names: NameMaker
    as_of: dt.date
    township: str  # 9 digits
    township_name: str
    address_prefix: str  # 内蒙古自治区赤峰市巴林左旗林东镇
    villages: list[Village]
    grid_workers: dict[str, str] = field(default_factory=dict)  # grid code → worker name
    staff: list[str] = field(default_factory=list)  # township staff names
    rows: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    # The moment the data is "as of" when it is generated for use today (the demo server's seed): no
    # time is later than it. None for a fixed reference date (tests): the day then ends at 18:00.
    now: dt.datetime | None = None

    @classmethod
    def create(cls, seed: int, as_of: dt.date, township: str, township_name: str, address_prefix: str,
               villages: list[Village], now: dt.datetime | None = None) -> DemoContext:
        rng = random.Random(seed)
        base = dt.datetime.combine(as_of - dt.timedelta(days=1200), dt.time())
        ctx = cls(rng=rng, ids=DemoIds(random.Random(seed + 1), base),
                  resident_ids=ResidentIds(random.Random(seed + 2), balinzuoqi_area),
                  names=NameMaker(random.Random(seed + 3)), as_of=as_of, township=township,
                  township_name=township_name, address_prefix=address_prefix, villages=villages, now=now)
        ctx.staff = ctx.names.staff(30)
        for village in villages:
            for grid in village.grids:
                ctx.grid_workers[grid] = ctx.names.full(rng.choice("12"))
        return ctx

    def days_ago(self, low: int, high: int) -> dt.date:
        return self.as_of - dt.timedelta(days=self.rng.randint(low, high))

    def moment(self, day: dt.date, start_hour: int = 8, end_hour: int = 18) -> dt.datetime:
        """A time of `day` between the hours; on the day of `now`, before it (the day before when
        `now` is earlier than `start_hour`)."""
        if self.now is not None and day >= self.now.date():
            day = self.now.date()
            until = self.now.hour * 60 + self.now.minute
            if until <= start_hour * 60:
                day, until = day - dt.timedelta(days=1), end_hour * 60
            minutes = self.rng.randrange(start_hour * 60, min(end_hour * 60, until))
        else:
            minutes = self.rng.randrange(start_hour * 60, end_hour * 60)
        return dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60))

    def at(self, hour: int, minute: int = 0) -> dt.datetime:
        """That time of the reference day, or `now` when it comes earlier: "as of 09:00" never lies in
        the future of a demo generated at 07:40."""
        moment = dt.datetime.combine(self.as_of, dt.time(hour, minute))
        return min(moment, self.now) if self.now is not None else moment
