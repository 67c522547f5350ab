"""The window's global search (Ctrl+F from any page): one typed text looked up at once among
persons (name, pinyin initials, ID or phone tail — app/services/search.py), households (number,
head, address), cases (number, title) and tasks (number, title), within the actor's scope, a few
of each, masked. Each hit names the page and record it opens.

Every lookup reads an index, never a table (a keystroke must cost milliseconds on a 40,000-person
township: bench group register): names in (region_code, name), household numbers and case/task
numbers as index ranges, and Chinese text — which no B-tree orders — by one pass over a covering
index holding the text beside what the lookup filters and sorts on (addresses:
ix_households_search; case titles: ix_cases_search, walked newest first; task titles:
ix_tasks_search, latest deadline first), so only the few rows shown are read from the tables.
Text is matched as a literal substring (`%` and `_` are characters, not wildcards), ASCII letters in
either case as before."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import String, and_, bindparam, func, literal_column, or_, select
from sqlalchemy.orm import Session

from app.services.search import query_kind, search_persons
from db.models import Case, Household, Person, Region, Task, TaskTarget

PER_KIND = 5
_TOP = "\uffff"  # after every character: number >= text AND number < text‖U+FFFF is a prefix range


@dataclass(frozen=True)
class Hit:
    """One hit: `kind` is person, household, case or task; `record_id` what the page opens (a task
    hit opens the scope's target of the task)."""

    kind: str
    record_id: str
    title: str
    detail: str


def search_everything(session: Session, scope: str, text: str, per_kind: int = PER_KIND) -> list[Hit]:
    """Only the lookups the text can match run: digits look up ID and phone tails and household,
    case and task numbers; pinyin initials only persons; Chinese text names, addresses and titles."""
    text = (text or "").strip()
    kind = query_kind(text)
    if kind == "empty":
        return []
    conn = session.connection()
    names = dict(conn.execute(_REGION_NAMES, {"scope": scope[:12] + "%"}).all())
    persons = search_persons(session, text, scope, per_kind)
    hits = [Hit("person", h.id, h.name, " · ".join(filter(None, (
        names.get(h.grid_code or "", "") or names.get(h.region_code, ""), h.id_masked)))) for h in persons]
    if kind == "initials" and not any(ch.isdigit() for ch in text):
        return hits + _numbered(conn, scope, text.upper(), per_kind)
    if kind == "name" and len(text) < 2:
        return hits  # one character names half the township's addresses and titles: persons only
    # persons named exactly so may head their household (looked up by its key, not by a scan)
    heads = [(h.household_id, h.id) for h in persons if h.name == text and h.household_id]
    households = _households(conn, scope, text, per_kind, names, kind, heads)
    if kind == "digits" and len(text) < 8:
        return hits + households  # an ID or phone tail: case and task numbers need more digits
    return hits + households + _cases(conn, scope, text, per_kind, kind) + _tasks(conn, scope, text, per_kind, kind)


_REGION_NAMES = select(Region.code, Region.name).where(Region.code.like(bindparam("scope")), Region.level >= 5)


def _numbered(conn, scope: str, text: str, limit: int) -> list[Hit]:
    """Latin letters may start a case or task number (SJ…, RW…): looked up as a prefix."""
    if len(text) < 2:
        return []
    return _cases(conn, scope, text, limit, "prefix") + _tasks(conn, scope, text, limit, "prefix")


# Statements are built once per shape with bound parameters, like the person search's: a keystroke
# costs their executions, not building and compiling SQL.
def _params(scope: str, text: str) -> dict[str, str]:
    """Bound values: the scope as browse.scoped's LIKE prefixes, the text as a number range and as a
    literal LIKE pattern (and as itself, for instr())."""
    escaped = text.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return {"scope_like": scope + "%", "village_like": scope[:12] + "%",
            "lo": text, "hi": text + _TOP, "pattern": f"%{escaped}%", "text": text}


def _contains(column, fold: bool):
    """The text inside the column: LIKE where ASCII letters must match either case, else instr(),
    the same test without LIKE's per-character folding (a third less per row over Chinese text)."""
    if fold:
        return column.like(bindparam("pattern"), escape="/")
    return func.instr(column, bindparam("text", type_=String)) > 0


def _folds(text: str) -> bool:
    return any("a" <= c.lower() <= "z" for c in text)


def _prefix(column):
    return and_(column >= bindparam("lo"), column < bindparam("hi"))


def _scoped(model, grid: bool):
    """browse.scoped with bound values (a grid scope tests the grid where the model has one)."""
    if grid and "grid_code" in model.__table__.columns:
        return model.grid_code.like(bindparam("scope_like"))
    return model.region_code.like(bindparam("village_like"))


_ROW = literal_column("households.rowid")
_UNINDEXED_NUMBER = literal_column("+households.household_no")
_LIVE_HOUSEHOLD = (Household.deleted.is_(False), Household.merged_into.is_(None))


@lru_cache(maxsize=32)
def _household_statement(by: str, fold: bool, grid: bool, limit: int):
    """The first `limit` live households in scope by number: `by` "number" (a range on the number
    index), "address" (the text tested on each entry of ix_households_search, which holds the scope,
    liveness and number too, so the table is read only for the rows shown; the scope as LIKE after
    the text, not as a range: a range is tested on every entry before it) or "head" (given
    households headed by given persons, by key)."""
    if by == "number":
        match = (_scoped(Household, grid), _prefix(Household.household_no))
    elif by == "address":
        match = (_contains(Household.address, fold), _scoped(Household, grid))
    else:
        match = (_scoped(Household, grid), Household.id.in_(bindparam("households", expanding=True)),
                 Household.head_person_id.in_(bindparam("heads", expanding=True)))
    # For an address, "+number" keeps SQLite from walking the number index into the table to save the
    # sort (2.5 ms): it scans ix_households_search, which covers the lookup, and sorts the matches.
    order = _UNINDEXED_NUMBER if by == "address" else Household.household_no
    rowids = select(_ROW).where(*match, *_LIVE_HOUSEHOLD).order_by(order).limit(limit)
    return (select(Household.id, Household.household_no, Household.address, Household.region_code, Person.name)
            .outerjoin(Person, Person.id == Household.head_person_id).where(_ROW.in_(rowids)))


def _households(conn, scope: str, text: str, limit: int, names: dict, kind: str,
                heads: list[tuple[str, str]] = ()) -> list[Hit]:
    """Households numbered so (digits: the start of the number), or — for text — at an address
    containing it or headed by a person the person search found named exactly so (`heads`:
    (household id, person id) of such persons); the first `limit` by number."""
    params, grid = _params(scope, text), len(scope) > 12
    found = {}
    if kind == "digits":
        lookups = [("number", params)]
    else:
        lookups = [("address", params)] + ([("head", {**params, "households": [h for h, _p in heads],
                                                       "heads": [p for _h, p in heads]})] if heads else [])
    for by, values in lookups:
        found.update((row[0], row) for row in conn.execute(_household_statement(by, _folds(text), grid, limit),
                                                           values))
    rows = sorted(found.values(), key=lambda r: (r[1], r[0]))[:limit]
    return [Hit("household", hid, f"{number} {head_name or ''}".strip(),
                " · ".join(filter(None, (names.get(region, ""), address))))
            for hid, number, address, region, head_name in rows]


def _text_match(number, title, kind: str, ascii_text: bool, fold: bool):
    if kind == "prefix":  # an index range on the number (a LIKE 'x%' would read every row)
        return _prefix(number)
    if kind == "digits":
        return _contains(number, fold)
    # Letters with digits (a whole case number, SJ20261205…) are a number; Chinese text a title.
    return or_(_contains(number, fold), _contains(title, fold)) if ascii_text else _contains(title, fold)


@lru_cache(maxsize=32)
def _case_statement(kind: str, ascii_text: bool, fold: bool, grid: bool, limit: int):
    """Newest first; text is tested inside ix_cases_search walked in that order (scope, liveness,
    number and title are in it), so the walk stops at the `limit`-th match; a number prefix is a
    range on the number index."""
    stmt = (select(Case.id, Case.case_no, Case.title)
            # the text first: SQLite tests the terms in this order, and most entries fail the text
            .where(_text_match(Case.case_no, Case.title, kind, ascii_text, fold), _scoped(Case, grid),
                   Case.deleted.is_(False))
            .order_by(Case.registered_at.desc()).limit(limit))
    return stmt


def _cases(conn, scope: str, text: str, limit: int, kind: str) -> list[Hit]:
    stmt = _case_statement(kind, any(c.isascii() for c in text), _folds(text), len(scope) > 12, limit)
    return [Hit("case", cid, title, number) for cid, number, title in conn.execute(stmt, _params(scope, text))]


@lru_cache(maxsize=32)
def _task_statement(kind: str, ascii_text: bool, fold: bool, grid: bool, limit: int):
    """The matching tasks first (a number range, or titles tested inside ix_tasks_search), then
    their targets in scope by the task index; latest deadline first."""
    tasks = select(Task.id).where(_text_match(Task.task_no, Task.title, kind, ascii_text, fold), Task.deleted.is_(False))
    return (select(TaskTarget.id, Task.task_no, Task.title)
            .join(Task, Task.id == TaskTarget.task_id)
            .where(TaskTarget.task_id.in_(tasks), TaskTarget.deleted.is_(False),
                   or_(_scoped(TaskTarget, grid), TaskTarget.assigned_region_code.like(bindparam("village_like"))))
            .order_by(Task.due_at.desc()).limit(limit))


def _tasks(conn, scope: str, text: str, limit: int, kind: str) -> list[Hit]:
    stmt = _task_statement(kind, any(c.isascii() for c in text), _folds(text), len(scope) > 12, limit)
    return [Hit("task", tid, title, number) for tid, number, title in conn.execute(stmt, _params(scope, text))]
