"""Plausible household make-up for the demo register: household sizes as in a rural township of
northern China (mean about 3.3 people), a head aged 25-80, a spouse a few years apart, children
22-36 years younger than the head, a married son's wife and grandchildren in older households,
the head's parents in younger ones. Relations use GB/T 4761 codes; ages are whole years."""

from __future__ import annotations

import random
from dataclasses import dataclass

HEAD, SPOUSE, SON, DAUGHTER = "02", "10", "20", "30"
GRANDCHILD, DAUGHTER_IN_LAW, FATHER, MOTHER = "40", "38", "51", "52"
YOUNGER_BROTHER, YOUNGER_SISTER, OTHER_RELATIVE, NON_RELATIVE = "73", "77", "97", "99"

SIZE_WEIGHTS = {1: 10, 2: 24, 3: 22, 4: 21, 5: 14, 6: 7, 7: 2}


@dataclass(frozen=True)
class Member:
    relation: str
    gender: str  # GB/T 2261.1: 1 男, 2 女
    age: int


def _other(gender: str) -> str:
    return "2" if gender == "1" else "1"


def household_size(rng: random.Random) -> int:
    return rng.choices(list(SIZE_WEIGHTS), weights=list(SIZE_WEIGHTS.values()), k=1)[0]


def plan_family(rng: random.Random, size: int) -> list[Member]:
    """The members of one family household, head first."""
    head_age = int(rng.triangular(25, 80, 62 if size == 1 else 50))
    head_gender = "1" if rng.random() < 0.82 else "2"
    members = [Member(HEAD, head_gender, head_age)]
    if size >= 2 and rng.random() < 0.93:
        gap = rng.randint(0, 5) if head_gender == "1" else -rng.randint(0, 5)
        members.append(Member(SPOUSE, _other(head_gender), max(20, head_age - gap)))
    _add_children(rng, members, size, head_age)
    _add_grandchildren(rng, members, size)
    _add_parents(rng, members, size, head_age)
    while len(members) < size:
        younger = rng.randint(2, 10)
        if head_age - younger >= 16:
            brother = rng.random() < 0.5
            members.append(Member(YOUNGER_BROTHER if brother else YOUNGER_SISTER, "1" if brother else "2",
                                  head_age - younger))
        else:
            members.append(Member(OTHER_RELATIVE, rng.choice("12"), rng.randint(16, 70)))
    return members


def _add_children(rng: random.Random, members: list[Member], size: int, head_age: int) -> None:
    wanted = min(size - len(members), rng.choice((1, 2, 2, 2, 3, 3, 4)))
    first_gap = rng.randint(22, 32)
    for n in range(wanted):
        age = head_age - first_gap - n * rng.randint(1, 4)
        if age < 0:
            break
        son = rng.random() < 0.52
        members.append(Member(SON if son else DAUGHTER, "1" if son else "2", age))


def _add_grandchildren(rng: random.Random, members: list[Member], size: int) -> None:
    sons = [m for m in members if m.relation == SON and m.age >= 23]
    if not sons or len(members) >= size:
        return
    son = sons[0]
    members.append(Member(DAUGHTER_IN_LAW, "2", max(20, son.age - rng.randint(0, 4))))
    first_gap = rng.randint(22, 30)
    n = 0
    while len(members) < size and son.age - first_gap - n * 2 >= 0 and n < 3:
        members.append(Member(GRANDCHILD, rng.choice("12"), son.age - first_gap - n * 2))
        n += 1


def _add_parents(rng: random.Random, members: list[Member], size: int, head_age: int) -> None:
    if len(members) >= size or head_age > 58:
        return
    father_age = head_age + rng.randint(22, 34)
    mother_age = max(head_age + 20, father_age - rng.randint(0, 4))
    if mother_age <= 95:
        members.append(Member(MOTHER, "2", mother_age))
    if len(members) < size and father_age <= 92 and rng.random() < 0.7:
        members.append(Member(FATHER, "1", father_age))


def plan_collective(rng: random.Random) -> list[Member]:
    """A collective household (集体户: e.g. a care home or a workers' dormitory): unrelated adults."""
    size = rng.randint(2, 6)
    head = Member(HEAD, rng.choice("12"), rng.randint(35, 60))
    return [head] + [Member(NON_RELATIVE, rng.choice("12"), rng.randint(18, 85)) for _ in range(size - 1)]
