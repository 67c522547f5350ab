"""Search-as-you-type over persons: by name substring (汉字), pinyin initials prefix ("zsf" for 张三丰),
ID-number tail and phone tail, within the user's region scope, skipping tombstones and persons
merged into another record. Results are frozen dataclasses with the ID number and phone masked.

Every query shape is an index range scan, not a table scan, so it stays fast on a township of
40,000 persons: initials use (region_code, search_initials) with one range per village of the scope
(`region_code IN (…) AND search_initials >= q AND < q‖U+FFFF`); ID and phone tails use the reversed
columns with the same range form (a LIKE would not use the index: SQLite's LIKE is case-insensitive
unless `case_sensitive_like` is on). Only the name substring has to read every name in scope, which
it does in the covering (region_code, name) index, never in the table; the matching rows alone are
then read. The search keys themselves are kept by db.search_keys. (`persons.rowid` keeps the ranking
inside the indexes on SQLite, the client's database; other databases use the primary key.)"""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import Select, String, bindparam, func, literal_column, select
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
_RANK_WINDOW = 5  # initials: index entries ranked per result wanted (see _initials_statement)


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
    conn = session.connection()
    if kind == "initials":
        params = {"villages": _villages_in_scope(conn, scope), **_range("key", cleaned.lower()), **_grid(scope)}
        return _run(conn, _initials_statement(_is_sqlite(conn), len(scope) > 12, limit), params, "initials")
    if kind == "name":
        params = {"needle": cleaned, **_scope_params(scope)}
        hits = _run(conn, _name_statement(_is_sqlite(conn), _scope_shape(scope), limit), params, "name")
        return sorted(hits, key=_name_rank(cleaned))
    tail = {**_range("key", reverse_digits(cleaned)), **_scope_params(scope)}
    hits = _run(conn, _tail_statement("id", _scope_shape(scope), limit), tail, "id_tail")
    if not cleaned[-1].isdigit() or len(hits) >= limit:
        return hits
    seen = {hit.id for hit in hits}
    phone_hits = _run(conn, _tail_statement("phone", _scope_shape(scope), limit), tail, "phone_tail")
    return hits + [hit for hit in phone_hits if hit.id not in seen][: limit - len(hits)]


# Statements are built once per shape with bound parameters (the values differ per keystroke, the
# SQL does not), so typing costs one cached execution, not a fresh statement build and compile.
_COLUMNS = (Person.id, Person.name, Person.gender, Person.birth_date, Person.id_number, Person.phone,
            Person.household_id, Person.region_code, Person.grid_code, Person.relation_to_head)
_LIVE = (Person.deleted.is_(False), Person.merged_into.is_(None))


def _range(name: str, prefix: str) -> dict[str, str]:
    """Parameters for `column >= prefix AND column < prefix‖U+FFFF`: a prefix test as an index range."""
    return {f"{name}_lo": prefix, f"{name}_hi": prefix + _TOP}


def _between(column, name: str) -> tuple:
    return (column >= bindparam(f"{name}_lo"), column < bindparam(f"{name}_hi"))


def _scope_shape(scope: str) -> str:
    return "all" if not scope else "region" if len(scope) <= 12 else "grid"


def _scope_params(scope: str) -> dict[str, str]:
    if not scope:
        return {}
    return {**_range("scope", scope[:12]), **_grid(scope), "scope_like": scope[:12] + "%"}


def _grid(scope: str) -> dict[str, str]:
    return _range("grid", scope) if len(scope) > 12 else {}


def _scope_clause(shape: str) -> tuple:
    """The scope as a region range the indexes can use (grid scopes also test the grid)."""
    if shape == "all":
        return ()
    return _between(Person.region_code, "scope") + (_between(Person.grid_code, "grid") if shape == "grid" else ())


def _is_sqlite(conn) -> bool:
    return conn.dialect.name == "sqlite"


@lru_cache(maxsize=64)
def _initials_statement(sqlite: bool, grid: bool, limit: int) -> Select:
    """Ranked inside the (region_code, search_initials) index: whole-name matches ("zsf" for 张三丰)
    before longer names that merely start with the initials; only the winners are read from the
    table. At most `_RANK_WINDOW × limit` index entries are ranked: a single letter matches
    thousands of people, and ranking all of them would cost more than it tells the user (who types
    on); two or more letters match fewer than that. Tombstones are dropped after ranking, so a
    page may hold a few fewer than the limit."""
    key = _row_key(sqlite)
    candidates = select(key.label("row_key"), Person.search_initials.label("initials")).where(
        Person.region_code.in_(bindparam("villages", expanding=True)), *_between(Person.search_initials, "key"))
    if grid:
        candidates = candidates.where(*_between(Person.grid_code, "grid"))
    window = candidates.limit(_RANK_WINDOW * limit).subquery()
    ranked = (select(window.c.row_key)
              .order_by(func.length(window.c.initials), window.c.initials, window.c.row_key).limit(2 * limit))
    return (select(*_COLUMNS).where(key.in_(ranked.scalar_subquery()), *_LIVE)
            .order_by(func.length(Person.search_initials), Person.search_initials, Person.name, Person.id)
            .limit(limit))


@lru_cache(maxsize=64)
def _name_statement(sqlite: bool, shape: str, limit: int) -> Select:
    """Substring match needs every name in scope: one pass over the (region_code, name) index, which
    holds both columns, so the table itself is read only for the names that match; the pass stops
    once enough names match. Ranking happens on those rows in Python (`_name_rank`): when more
    persons match than the limit (a lone common surname), the page is not the best-ranked of all of
    them, and typing one more character narrows it."""
    key = _row_key(sqlite)
    position = func.instr if sqlite else func.strpos  # PostgreSQL spells SQLite's instr() strpos()
    # A township's or village's scope is tested as LIKE after the name, not as an index range: on a
    # PC that holds its jurisdiction only, the range spans the whole index anyway and costs a
    # comparison per entry before the name's (2.9 → 2.1 ms over 40,000 names); a grid's stays a range.
    scope = (Person.region_code.like(bindparam("scope_like")),) if sqlite and shape == "region" else \
        _scope_clause(shape)
    matching = (select(key).where(position(Person.name, bindparam("needle", type_=String)) > 0, *scope)
                .limit(2 * limit))
    return select(*_COLUMNS).where(key.in_(matching.scalar_subquery()), *_LIVE).limit(limit)


def _row_key(sqlite: bool):
    """SQLite's rowid is in every index entry, so a pass can stay inside a covering index; other
    databases use the primary key."""
    return literal_column("persons.rowid") if sqlite else Person.id


@lru_cache(maxsize=64)
def _tail_statement(which: str, shape: str, limit: int) -> Select:
    """ID or phone tail on the reversed column; index order puts the closest matches first."""
    column = Person.search_id_rev if which == "id" else Person.search_phone_rev
    return (select(*_COLUMNS).where(*_between(column, "key"), *_scope_clause(shape), *_LIVE)
            .order_by(column).limit(limit))


_VILLAGE_CACHE: dict[tuple[str, str], tuple[float, list[str]]] = {}
_VILLAGE_TTL = 60.0  # regions are reference data; a minute-old list of villages is fine


def _villages_in_scope(conn, scope: str) -> list[str]:
    """Region codes persons in `scope` can carry: the villages under it in the regions table and
    every code persons in scope actually have (a client may hold persons of a village its regions
    table does not list yet), cached for a minute per database and scope."""
    if len(scope) >= 12:
        return [scope[:12]]
    cache_key = (str(conn.engine.url), scope)
    cached = _VILLAGE_CACHE.get(cache_key)
    if cached and time.monotonic() - cached[0] < _VILLAGE_TTL:
        return cached[1]
    in_scope = (Region.code >= scope, Region.code < scope + _TOP) if scope else ()
    codes = set(conn.scalars(select(Region.code).where(Region.level == 5, *in_scope)))
    codes.update(_person_region_codes(conn, scope))
    _VILLAGE_CACHE[cache_key] = (time.monotonic(), sorted(codes))
    return _VILLAGE_CACHE[cache_key][1]


_NEXT_REGION = select(func.min(Person.region_code)).where(
    Person.region_code > bindparam("after", type_=String), Person.region_code < bindparam("before", type_=String))


def _person_region_codes(conn, scope: str) -> list[str]:
    """The distinct region codes of persons in scope, one index seek per code (a skip scan):
    a few dozen seeks instead of reading 40,000 index entries."""
    found, after, before = [], scope, scope + _TOP
    while (code := conn.scalar(_NEXT_REGION, {"after": after, "before": before})) is not None:
        found.append(code)
        after = code
    return found


def _name_rank(name: str):
    return lambda hit: (hit.name != name, not hit.name.startswith(name), len(hit.name), hit.name, hit.id)


def _run(conn, stmt: Select, params: dict, matched_by: str) -> list[PersonHit]:
    # Rows unpacked as tuples (in _COLUMNS order): attribute access by name costs more per row here.
    return [
        PersonHit(pid, name, gender, birth, mask_id(number), mask_phone(phone), household, region, grid, relation,
                  matched_by)
        for pid, name, gender, birth, number, phone, household, region, grid, relation
        in conn.execute(stmt, params).all()
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
    conn = session.connection()
    if kind == "initials":
        stmt = _initials_statement(True, len(scope) > 12, DEFAULT_LIMIT)
        params = {"villages": _villages_in_scope(conn, scope), **_range("key", cleaned.lower()), **_grid(scope)}
    elif kind == "name":
        stmt = _name_statement(True, _scope_shape(scope), DEFAULT_LIMIT)
        params = {"needle": cleaned, **_scope_params(scope)}
    else:
        stmt = _tail_statement("id", _scope_shape(scope), DEFAULT_LIMIT)
        params = {**_range("key", reverse_digits(cleaned)), **_scope_params(scope)}
    compiled = stmt.params(**params).compile(conn, compile_kwargs={"literal_binds": True})
    return [row[-1] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}")]


__all__ = ["DEFAULT_LIMIT", "PersonHit", "PersonSearch", "explain", "query_kind", "search_persons"]
