"""Names and phone numbers for the demo township: surnames weighted by their frequency in China
(Faker's zh_CN person data, which carries the published frequencies), given names of one or two
characters from Faker's lists, drawn with the generator's seeded random source (not Faker's own, so
the same seed gives the same people whatever Faker's internal state). A handful of names
use a character outside the Basic Multilingual Plane (𠮷, 𡈽) on purpose: they must survive the
database, the wire, search and printing."""

from __future__ import annotations

import itertools
import random

from faker.providers.person.zh_CN import Provider as _ZhPerson

# Characters common in given names in northern China, to widen Faker's short lists.
_EXTRA_MALE = "志国建文海东春红明永金宝福德俊成利兵立新学振中玉庆军树长生"
_EXTRA_FEMALE = "秀桂英兰凤玉梅淑珍霞芳丽红艳燕萍娟琴雪春荣美月小晓慧"
RARE_NAMES = ("𠮷祥", "𠮷庆", "𡈽山")  # Ext-B given names; paired with ordinary surnames


class NameMaker:
    def __init__(self, rng: random.Random):
        self._rng = rng
        surnames = list(_ZhPerson.last_names.items())
        self._surnames = [name for name, _w in surnames]
        self._cum = list(itertools.accumulate(weight for _n, weight in surnames))
        self._male = sorted(set(_ZhPerson.first_names_male) | set(_EXTRA_MALE))
        self._female = sorted(set(_ZhPerson.first_names_female) | set(_EXTRA_FEMALE))

    def surname(self) -> str:
        return self._rng.choices(self._surnames, cum_weights=self._cum, k=1)[0]

    def given(self, gender: str) -> str:
        pool = self._male if gender == "1" else self._female
        first = self._rng.choice(pool)
        if len(first) == 1 and self._rng.random() < 0.7:
            first += self._rng.choice(pool)[-1]
        return first

    def full(self, gender: str, surname: str | None = None) -> str:
        if self._rng.random() < 0.0002:
            return (surname or self.surname()) + self._rng.choice(RARE_NAMES)
        return (surname or self.surname()) + self.given(gender)

    def staff(self, count: int) -> list[str]:
        """Names of township staff and grid workers (actors in logs, visitors)."""
        return [self.full(self._rng.choice("12")) for _ in range(count)]


_MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152",
                    "155", "156", "157", "158", "159", "176", "177", "180", "181", "182", "183",
                    "185", "186", "187", "188", "189", "191", "199")


def mobile(rng: random.Random) -> str:
    return rng.choice(_MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def landline(rng: random.Random) -> str:
    return f"0476-{rng.randrange(10**7):07d}"  # 0476: the 赤峰 area code
