"""What the server store's push and read halves share: the entity class and synced column names
per entity (cached), the scope test in SQL and in Python, the counter row's creation."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator
from typing import Any

from sqlalchemy import ARRAY, String, and_, any_, bindparam, func, literal_column, or_
from sqlalchemy.orm import Session

from db.base import model_for_entity, synced_column_names
from server.store.tables import SyncCounter

_STORE_KEY = "td_merge_store"  # the open push's store, in `Session.info`
_model = functools.cache(model_for_entity)  # db.base looks the class up by a scan of every mapper
_names = synced_column_names


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def in_scope(column, scope_prefix: str):
    """SQL test: the record's region lies under the scope, or is a wider region above it (a task
    aimed at the whole township, a city-wide code entry)."""
    return or_(column.like(f"{scope_prefix}%"), column.in_(wider_regions(scope_prefix)))


def under_prefix(column, prefix: str):
    """`column` starts with the region code prefix `prefix`, also as a range of the column, which its
    index can read with or without the values (a LIKE with a parameter cannot be an index range, and
    under a collation other than "C" not even with a literal): codes are digits, and the codes that
    start with a digit prefix are those from it up to the prefix counted one further. The city's ""
    (every region) is no condition at all."""
    if not prefix:
        return column.is_not(None)
    if not prefix.isdigit():
        return column.startswith(prefix)
    bounds = [column >= prefix]
    if prefix.strip("9"):  # else every code from the prefix on starts with it
        bounds.append(column < str(int(prefix) + 1).zfill(len(prefix)))
    return and_(*bounds, column.startswith(prefix))


def in_scope_bound(column, postgres: bool):
    """`in_scope` with the scope as parameters (`scope_params`), for a statement built once."""
    return or_(column.like(bindparam("pattern")), one_of(column, "wider", postgres))


def scope_params(scope_prefix: str) -> dict[str, Any]:
    return {"pattern": f"{scope_prefix}%", "wider": wider_regions(scope_prefix)}


def wider_regions(scope_prefix: str) -> list[str]:
    """The region codes above a scope: its shorter prefixes, down to the city's ""."""
    return [scope_prefix[:n] for n in range(len(scope_prefix))]


SCOPE_KEY_LENGTHS = (9, 12)  # a township's and a village's codes: indexed with server_seq (server migration 0023)


def scope_key(column, length: int):
    """`substr(column, 1, length)` with literal bounds, so it matches the expression indexes."""
    return func.substr(column, literal_column("1"), literal_column(str(length)))


def one_of(column, name: str, postgres: bool):
    """SQL test: `column` is one of the list bound as `name`. On PostgreSQL `column = ANY(:name)`,
    the list one array parameter: one SQL text whatever its length, so psycopg prepares it and
    PostgreSQL plans it once, where an expanding IN rendered a new text (and a cast per value) for
    every length and was planned again each time. Elsewhere an expanding IN. The array's items are
    cast without the column's length: PostgreSQL cuts a value cast to VARCHAR(n) to n characters, so
    a longer value would match the row whose id is its first n characters (IN compares whole values)."""
    if postgres:
        item = String() if type(column.type) is String and column.type.length else column.type
        return column == any_(bindparam(name, type_=ARRAY(item)))
    return column.in_(bindparam(name, expanding=True))


def region_in_scope(region: str, scope_prefix: str) -> bool:
    return region.startswith(scope_prefix) or scope_prefix.startswith(region)


def init_store(session: Session) -> None:
    """Create the counter row if missing (call once after creating the tables)."""
    if session.get(SyncCounter, 1) is None:
        session.add(SyncCounter(id=1, last_seq=0))
        session.flush()


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def insert_for(session: Session, target):
    """The database's own INSERT for `target` (a model or table), which has `on_conflict_do_update`."""
    if _is_postgres(session):
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(target)


def _chunks(ids: list[str], size: int = 500) -> Iterator[list[str]]:
    for start in range(0, len(ids), size):
        yield ids[start:start + size]

