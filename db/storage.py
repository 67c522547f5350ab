"""The SQLite storage format of the shared entity tables: how each column's value is written in a
client's database file (dates as "YYYY-MM-DD", date-times as "YYYY-MM-DD HH:MM:SS.ffffff", booleans
as 0/1, JSON as text). It is SQLAlchemy's own SQLite bind processing, so a row in this format is
exactly what the ORM would have stored.

A snapshot travels in this format (server.snapshot, sync.client): the client inserts the rows as
they come, with no per-value decoding. A SQLite city server already holds its rows this way and
sends them untouched; a PostgreSQL one converts its values with `encoders`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import sqlite

_SQLITE = sqlite.dialect()

Converter = Callable[[Any], Any]


@cache
def _column_processors(table: Table, name: str) -> tuple[Converter | None, Converter | None]:
    impl = table.columns[name].type.dialect_impl(_SQLITE)
    return impl.bind_processor(_SQLITE), impl.result_processor(_SQLITE, None)


def encoders(table: Table, names: Sequence[str]) -> list[Converter | None]:
    """Per column: Python value → storage value (None where the value is stored as it is)."""
    return [_column_processors(table, n)[0] for n in names]


def decoders(table: Table, names: Sequence[str]) -> list[Converter | None]:
    """Per column: storage value → Python value (None where it reads back as it is)."""
    return [_column_processors(table, n)[1] for n in names]


def convert_rows(rows: Sequence[Sequence[Any]], converters: list[Converter | None]) -> list[list[Any]]:
    """`rows` with each value passed through its column's converter (None values stay None)."""
    work = [(i, f) for i, f in enumerate(converters) if f is not None]
    if not work:
        return [list(row) for row in rows]
    out = []
    for row in rows:
        values = list(row)
        for i, convert in work:
            if values[i] is not None:
                values[i] = convert(values[i])
        out.append(values)
    return out
