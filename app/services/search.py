"""Search-as-you-type over persons: by name substring (汉字), pinyin initials prefix ("zsf" for 张三丰),
ID-number tail and phone tail, within the user's region scope, skipping tombstones and persons
merged into another record. Results are frozen dataclasses with the ID number and phone masked.

Every query shape is an index range scan, not a table scan, so it stays fast on a township of
40,000 persons: initials use (region_code, search_initials) with one range per village of the scope
(`region_code IN (…) AND search_initials >= q AND < q‖U+FFFF`); ID and phone tails use the reversed
columns with the same range form (a LIKE would not use the index: SQLite's LIKE is case-insensitive
unless `case_sensitive_like` is on). Only the name substring has to read every name in scope, which
it does over the covering region index. The search keys themselves are kept by db.search_keys."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import Select, func, literal, literal_column, select
from sqlalchemy.orm import Session, sessionmaker

from app.rules.masking import mask_id, mask_phone
from db.models import Person, Region
from db.search_keys import reverse_digits

DEFAULT_LIMIT = 200
MAX_LIMIT = 1000
_TOP = "\uffff"  # sorts after every character of a key: key >= q AND key < q + _TOP is a prefix test
_DIGITS = re.compile(r"^[0-9]+[xX]?$")
_LETTERS = re.compile(r"^[a-zA-Z]+$")
_SEPARATORS = re.compile(r"[\s\-]+")


@dataclass(frozen=True)
class PersonHit:
    """One person found; `matched_by` says which key matched: name, initials, id_tail, phone_tail."""

    id: str
    name: str
    gender: str | None
    birth_date: dt.date | None
    id_masked: str
    phone_masked: str
    household_id: str | None
    region_code: str
    grid_code: str | None
    relation_to_head: str | None
    matched_by: str


def query_kind(text: str) -> str:
    """How typed text is read: "digits" (ID or phone tail), "initials" or "name" (substring)."""
    text = _SEPARATORS.sub("", text or "")
    if not text:
        return "empty"
    if _DIGITS.match(text):
        return "digits"
    if _LETTERS.match(text):
        return "initials"
    return "name"


def search_persons(session: Session, text: str, scope: str = "", limit: int = DEFAULT_LIMIT) -> list[PersonHit]:
    """Persons in `scope` (a region-code prefix, "" = all) matching `text`, at most `limit`."""
    limit = max(1, min(int(limit), MAX_LIMIT))
    cleaned = _SEPARATORS.sub("", text or "")
    kind = query_kind(cleaned)
    if kind == "empty":
        return []
    if kind == "initials":
        return _run(session, _by_initials(session, cleaned.lower(), scope, limit), "initials", limit)
    if kind == "name":
        return sorted(_run(session, _by_name(cleaned, scope), "name", limit), key=_name_rank(cleaned))
    hits = _run(session, _by_tail(Person.search_id_rev, cleaned, scope), "id_tail", limit)
    if not cleaned[-1].isdigit() or len(hits) >= limit:
        return hits
    seen = {hit.id for hit in hits}
    phone_hits = _run(session, _by_tail(Person.search_phone_rev, cleaned, scope), "phone_tail", limit)
    return hits + [hit for hit in phone_hits if hit.id not in seen][: limit - len(hits)]


_COLUMNS = (Person.id, Person.name, Person.gender, Person.birth_date, Person.id_number, Person.phone,
            Person.household_id, Person.region_code, Person.grid_code, Person.relation_to_head)


def _live() -> tuple:
    return (Person.deleted.is_(False), Person.merged_into.is_(None))


def _scope_filter(scope: str) -> list:
    """Scope as range conditions the region index can use (grid scopes also test the grid)."""
    if not scope:
        return []
    if len(scope) <= 12:
        return [Person.region_code >= scope, Person.region_code < scope + _TOP]
    return [Person.region_code == scope[:12], Person.grid_code >= scope, Person.grid_code < scope + _TOP]


def _prefix(column, value: str) -> list:
    return [column >= value, column < value + _TOP]


def _villages_in_scope(session: Session, scope: str) -> list[str]:
    """Region codes persons in `scope` can carry: the villages under it (from the regions table,
    or from the persons themselves on a database without regions)."""
    if len(scope) >= 12:
        return [scope[:12]]
    stmt = select(Region.code).where(Region.level == 5, *_prefix(Region.code, scope)) if scope else \
        select(Region.code).where(Region.level == 5)
    codes = list(session.scalars(stmt))
    if not codes:
        codes = list(session.scalars(select(Person.region_code).where(*_scope_filter(scope)).distinct()))
    return codes


def _row_key(session: Session):
    """SQLite's rowid (in every index entry, so ranking can stay inside a covering index); the
    primary key elsewhere."""
    return literal_column("persons.rowid") if session.get_bind().dialect.name == "sqlite" else Person.id


def _by_initials(session: Session, initials: str, scope: str, limit: int = DEFAULT_LIMIT) -> Select:
    """Ranked inside the (region_code, search_initials) index: whole-name matches ("zsf" for 张三丰)
    before longer names that merely start with the initials; only the winners are read from the
    table. Tombstones are dropped after ranking, so a page may hold a few fewer than the limit."""
    key = _row_key(session)
    ranked = select(key).where(Person.region_code.in_(_villages_in_scope(session, scope)),
                               *_prefix(Person.search_initials, initials))
    if len(scope) > 12:
        ranked = ranked.where(*_prefix(Person.grid_code, scope))
    ranked = ranked.order_by(func.length(Person.search_initials), Person.search_initials, key)
    return select(*_COLUMNS).where(key.in_(ranked.limit(2 * limit).scalar_subquery()), *_live()) \
        .order_by(func.length(Person.search_initials), Person.search_initials, Person.name, Person.id)


def _by_name(name: str, scope: str) -> Select:
    """Substring match needs every name in scope: one sequential scan of the table (the scope test
    is written so SQLite does not walk the region index and look up each row), stopping as soon as
    `limit` names match. Ranking happens on those rows in Python (`_name_rank`): when more persons
    match than the limit (a lone common surname), the page is not the best-ranked of all of them,
    and typing one more character narrows it."""
    stmt = select(*_COLUMNS).where(func.instr(Person.name, literal(name)) > 0, *_live())
    if scope:
        stmt = stmt.where(func.substr(Person.region_code, 1, min(len(scope), 12)) == scope[:12])
    if len(scope) > 12:
        stmt = stmt.where(func.substr(Person.grid_code, 1, len(scope)) == scope)
    return stmt


def _name_rank(name: str):
    return lambda hit: (hit.name != name, not hit.name.startswith(name), len(hit.name), hit.name, hit.id)


def _by_tail(column, tail: str, scope: str) -> Select:
    reversed_tail = reverse_digits(tail)
    # Index order of the reversed key: the closest (shortest) matches come first, no sort needed.
    return select(*_COLUMNS).where(*_prefix(column, reversed_tail), *_scope_filter(scope), *_live()) \
        .order_by(column)


def _run(session: Session, stmt: Select, matched_by: str, limit: int) -> list[PersonHit]:
    return [
        PersonHit(id=r.id, name=r.name, gender=r.gender, birth_date=r.birth_date, id_masked=mask_id(r.id_number),
                  phone_masked=mask_phone(r.phone), household_id=r.household_id, region_code=r.region_code,
                  grid_code=r.grid_code, relation_to_head=r.relation_to_head, matched_by=matched_by)
        for r in session.execute(stmt.limit(limit))
    ]


class PersonSearch:
    """The search as a service for the UI: bound to a session factory and the actor's scope."""

    def __init__(self, sessions: sessionmaker[Session], scope: str):
        self._sessions = sessions
        self._scope = scope

    def search(self, text: str, limit: int = DEFAULT_LIMIT) -> list[PersonHit]:
        with self._sessions() as session:
            return search_persons(session, text, self._scope, limit)


def explain(session: Session, text: str, scope: str = "") -> list[str]:
    """SQLite's query plan for a search (for tests and the bench: proves index use)."""
    kind = query_kind(text)
    cleaned = _SEPARATORS.sub("", text)
    stmt = {"initials": lambda: _by_initials(session, cleaned.lower(), scope),
            "name": lambda: _by_name(cleaned, scope),
            "digits": lambda: _by_tail(Person.search_id_rev, cleaned, scope)}[kind]()
    compiled = stmt.limit(DEFAULT_LIMIT).compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    return [row[-1] for row in session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}")]


__all__ = ["DEFAULT_LIMIT", "PersonHit", "PersonSearch", "explain", "query_kind", "search_persons"]
