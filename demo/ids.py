"""Deterministic identifiers for the demo township: UUIDv7 record ids drawn from the seeded random
generator (so the same seed gives byte-identical data) and valid resident ID numbers (GB 11643,
ISO 7064 MOD 11-2 check character) for the demo county."""

from __future__ import annotations

import datetime as dt
import random

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def check_character(first17: str) -> str:
    """The GB 11643 check character of the first 17 digits."""
    total = sum(map(int.__mul__, map(int, first17), _WEIGHTS))
    return _CHECK[total % 11]


class DemoIds:
    """UUIDv7 ids with a fixed base time and seeded random bits: time-ordered like real ids, and
    reproducible. Each call advances a counter so ids never collide within one run."""

    def __init__(self, rng: random.Random, base: dt.datetime):
        self._rng = rng
        self._ms = int(base.replace(tzinfo=dt.UTC).timestamp() * 1000)
        self._counter = 0

    def new(self) -> str:
        self._counter += 1
        ms = self._ms + self._counter // 4096
        value = (ms & ((1 << 48) - 1)) << 80
        value |= 0x7 << 76
        value |= (self._counter % 4096) << 64
        value |= 0b10 << 62
        value |= self._rng.getrandbits(62)
        text = f"{value:032x}"  # the canonical form, without building a uuid.UUID per record
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


class ResidentIds:
    """Unique resident ID numbers for people registered in one county. `area_for_year` picks the
    address code by birth year, because a county code can change (巴林左旗 was 152422 before 1983)."""

    def __init__(self, rng: random.Random, area_for_year):
        self._rng = rng
        self._area_for_year = area_for_year
        self._used: set[str] = set()

    def new(self, birth: dt.date, gender: str) -> str:
        area = self._area_for_year(birth.year)
        stem = f"{area}{birth:%Y%m%d}"
        for _attempt in range(2000):
            seq = self._rng.randrange(0, 500) * 2 + (1 if gender == "1" else 2)
            if seq > 999:
                continue
            first17 = f"{stem}{seq:03d}"
            number = first17 + check_character(first17)
            if number not in self._used:
                self._used.add(number)
                return number
        raise RuntimeError("no free ID sequence left for this birth date")
