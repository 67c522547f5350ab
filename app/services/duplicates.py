"""Likely duplicates (疑似重复人员): persons in the actor's scope who may be one person registered
twice, found without an ID number too (newborns, elderly without cards, typos). Candidates come
from blocks — same pinyin initials and birth date, same name, same phone, same initials in one
household — so the township is never compared pair by pair; each pair in a block is scored on the
name (same characters, same pinyin, same initials), birth date, sex, phone, ID number and
household, and kept above a threshold with the reasons in words. Pairs a clerk marked 不是同一人
(PersonDistinction, synced) are never proposed again; two different ID numbers are two people.

pypinyin (already used for the search keys) reads homophones: 王丽 and 王莉 are the same pinyin."""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.ids import person_distinction_id
from db.models import Person, PersonDistinction

THRESHOLD = 60
MAX_BLOCK = 60  # a block bigger than this (a very common name) is compared by birth date only


@dataclass(frozen=True)
class _P:
    id: str
    name: str
    gender: str | None
    birth_date: dt.date | None
    phone: str | None
    id_number: str | None
    household_id: str | None
    region_code: str
    initials: str


@dataclass(frozen=True)
class Candidate:
    first_id: str
    second_id: str
    first_name: str
    second_name: str
    score: int
    reasons: tuple[str, ...]


@functools.lru_cache(maxsize=65_536)
def _pinyin(name: str) -> str:
    from pypinyin import lazy_pinyin

    return " ".join(lazy_pinyin(name))


def score_pair(a: _P, b: _P) -> tuple[int, list[str]]:
    """How alike two persons are (higher: more likely one person) and why, in words."""
    if a.id_number and b.id_number and a.id_number.upper() != b.id_number.upper():
        return 0, []  # two different documents: two people
    score, reasons = 0, []
    if a.id_number and b.id_number:
        score, reasons = 60, ["证件号码相同"]
    if a.name == b.name:
        score += 35
        reasons.append("姓名相同")
    elif _pinyin(a.name) == _pinyin(b.name):
        score += 25
        reasons.append("姓名同音")
    elif a.initials and a.initials == b.initials:
        score += 10
        reasons.append("姓名拼音首字母相同")
    if a.birth_date and a.birth_date == b.birth_date:
        score += 30
        reasons.append("出生日期相同")
    elif a.birth_date and b.birth_date and (a.birth_date.year, a.birth_date.month) == (b.birth_date.year,
                                                                                      b.birth_date.month):
        score += 10
        reasons.append("出生年月相同")
    if a.gender and b.gender and a.gender != b.gender:
        score -= 30
    if a.phone and a.phone == b.phone:
        score += 25
        reasons.append("联系电话相同")
    if a.household_id and a.household_id == b.household_id:
        score += 15
        reasons.append("同一户")
    elif a.region_code == b.region_code:
        score += 5
        reasons.append("同村（社区）")
    return score, reasons


def _blocks(people: list[_P]) -> Iterable[list[_P]]:
    by: dict[tuple, list[_P]] = defaultdict(list)
    for p in people:
        if p.birth_date and p.initials:
            by[("ib", p.initials, p.birth_date)].append(p)
        by[("n", p.name)].append(p)
        if p.phone:
            by[("p", p.phone)].append(p)
        if p.household_id and p.initials:
            by[("h", p.household_id, p.initials)].append(p)
    for key, block in by.items():
        if len(block) < 2:
            continue
        if len(block) > MAX_BLOCK and key[0] in ("n", "p"):
            continue  # a common name or a shared office phone: the birth-date block still meets them
        yield block


def likely_duplicates(session: Session, scope_filter, limit: int = 500) -> list[Candidate]:
    """Candidates among the live persons `scope_filter` (an SQL condition on Person) selects, best
    first, at most `limit`."""
    rows = session.execute(select(
        Person.id, Person.name, Person.gender, Person.birth_date, Person.phone, Person.id_number,
        Person.household_id, Person.region_code, Person.search_initials)
        .where(scope_filter, Person.deleted.is_(False), Person.merged_into.is_(None))).all()
    people = [_P(*row) for row in rows]
    distinct = set(session.scalars(select(PersonDistinction.id).where(PersonDistinction.deleted.is_(False))))
    seen: set[tuple[str, str]] = set()
    found: list[Candidate] = []
    for block in _blocks(people):
        for i, a in enumerate(block):
            for b in block[i + 1:]:
                pair = (a.id, b.id) if a.id < b.id else (b.id, a.id)
                if pair in seen:
                    continue
                seen.add(pair)
                score, reasons = score_pair(a, b)
                if score >= THRESHOLD and person_distinction_id(*pair) not in distinct:
                    first, second = (a, b) if a.id == pair[0] else (b, a)
                    found.append(Candidate(first.id, second.id, first.name, second.name, score, tuple(reasons)))
    found.sort(key=lambda c: (-c.score, c.first_name, c.first_id, c.second_id))
    return found[:limit]


def mark_distinct(session: Session, first: Person, second: Person, username: str) -> PersonDistinction:
    """Record 不是同一人 for a pair (through the ORM: synced like any edit); idempotent."""
    record_id = person_distinction_id(first.id, second.id)
    low, high = sorted((first.id, second.id))
    existing = session.get(PersonDistinction, record_id)
    if existing is not None:
        if existing.deleted:
            existing.deleted = False
            existing.deletion_gen = (existing.deletion_gen or 0) + 1
        return existing
    decision = PersonDistinction(id=record_id, first_person_id=low, second_person_id=high,
                                 region_code=first.region_code, decided_by=username)
    session.add(decision)
    return decision
