"""Declarative bases and the mixin every synced entity shares.

Three metadata collections live side by side:
- `Base.metadata`: the entity tables (regions, households, persons, tasks, cases, …), identical on
  client and server;
- `db.client.ClientBase.metadata`: client-only tables (outbox, sync state);
- `server.store.tables.ServerBase.metadata`: server-only tables (users, devices, change log, …).

Sync metadata on models (read by `sync/`):
- `__sync_entity__`: the entity name on the wire (e.g. "person"); absent = not synced.
- `__sync_kind__`: "record" (plain per-field merge), "append_only" (inserts only, never conflict),
  "set_element" (an element of a set such as a tag: merged, never a conflict).
- column `info["sync"]`: False for derived/local columns never sent on the wire (search keys);
  "status" for the workflow status field; default: a plain field.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Boolean, Integer, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from db.fields import declare
from db.ids import new_id

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


@dataclass(frozen=True)
class DuplicateKey:
    """A field two live records should not share (a person's resident ID number, a household's
    number within its village): a second record with the same value is accepted and raised for
    review as `review_kind`, never refused. Only records whose fields match `when` are compared
    (e.g. the ID type of a resident ID), and only records that also share the fields `within`
    (a household number is its village's: the same region_code)."""

    field: str
    when: dict[str, Any]
    review_kind: str
    within: tuple[str, ...] = ()


class SyncedMixin:
    """Columns every synced record has: a UUIDv7 id made locally and a tombstone.

    `deleted` is the tombstone (records are never physically removed by sync); `deletion_gen`
    counts delete/restore generations so a restore can be told from a stale delete.

    What sync needs to know of an entity is declared on its model, so sync/ holds no rule about a
    particular entity:
    - `__sync_entity__`, `__sync_kind__` ("record", "append_only", "set_element");
    - `__sync_scope_columns__`: the columns the record is scoped by, most specific first (default:
      `grid_code` then `region_code`, whichever the table has);
    - `__sync_status_rank__`: for a status column (`info={"sync": "status"}`) whose codes do not
      sort in workflow order, the rank of each code (default: numeric codes rank themselves);
    - `__sync_duplicate_key__`: a `DuplicateKey`, or None;
    - `__sync_push_only__`: pushed up, never served down (the audit log);
    - `__sync_derive__(row)`: derived local columns of a row of synced values (search keys), for
      bulk loads that bypass the ORM's flush hooks; None when there are none;
    - `__sync_since__`: the schema version that introduced the entity (sync.versions; a field's
      own `since` is in its declaration, db.fields.declare).
    References: every foreign key of a synced table points at its parent's table (`ForeignKey`),
    which the server resolves per change.
    """

    # plain class attributes (no annotations: the declarative scan must not take them for columns)
    __sync_scope_columns__ = None
    __sync_status_rank__ = None
    __sync_duplicate_key__ = None
    __sync_push_only__ = False
    __sync_derive__ = None
    __sync_since__ = 1

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False, server_default="0")
    # a generation only counts up from 0: a negative one would be a stale lifecycle edit the merge
    # answers with a review instead of refusing the value (db.fields: checked at the edge)
    deletion_gen: Mapped[int] = mapped_column(Integer, default=0, nullable=False, server_default="0",
                                              info=declare(minimum=0))


def synced_models() -> list[type]:
    """Every mapped entity class that takes part in sync, in a stable order (parents first)."""
    return list(_sync_registry()[0])


def model_for_entity(entity: str) -> type:
    """The mapped class of a synced entity name; KeyError when there is none."""
    return _sync_registry()[1][entity]


@functools.cache
def _sync_registry() -> tuple[tuple[type, ...], dict[str, type]]:
    """The synced classes in order and by entity name, worked out once (all of them are declared in
    db.models): sync looks a class up for every change and record, and scanning the mapper registry
    each time was most of parsing a pushed change."""
    import db.models  # noqa: F401  (registers the mappers)

    found = [m.class_ for m in Base.registry.mappers if getattr(m.class_, "__sync_entity__", None)]
    order = {name: i for i, name in enumerate(db.models.SYNC_ORDER)}
    ordered = tuple(sorted(found, key=lambda cls: order.get(cls.__sync_entity__, 999)))
    return ordered, {cls.__sync_entity__: cls for cls in ordered}


def synced_columns(cls: type) -> list[str]:
    """Column names sent on the wire for a synced model (all but id and local/derived columns)."""
    return list(synced_column_names(cls))


@functools.cache
def synced_column_names(cls: type) -> tuple[str, ...]:
    """`synced_columns`, worked out once per model: every pushed change and pulled record reads it."""
    return tuple(col.key for col in cls.__table__.columns if col.name != "id" and col.info.get("sync") is not False)


@functools.cache
def dated_column_names(cls: type) -> tuple[str, ...]:
    """The synced columns whose values are dates or date-times (or of a type SQLAlchemy cannot name):
    the only ones whose wire value differs from the column's value (sync.wire.encode_value), so the
    only ones a record's fields need encoded."""
    def dated(column_type) -> bool:
        try:
            return issubclass(column_type.python_type, dt.date)
        except NotImplementedError:
            return True
    return tuple(name for name in synced_column_names(cls) if dated(cls.__table__.columns[name].type))


@functools.cache
def column_keys(cls: type) -> frozenset[str]:
    """Every column of a model, by attribute key."""
    return frozenset(c.key for c in cls.__table__.columns)


@functools.cache
def scope_columns(entity: str) -> tuple[str, ...]:
    """The columns a record of `entity` is scoped by, most specific first: a grid (15 characters)
    when the model has one, then its region (12); code entries by their scope prefix. A record's
    scope code is the first of them that is set (sync.merge.scope_region), so a grid worker's
    households, persons and cases are told apart from the rest of the village."""
    cls = model_for_entity(entity)
    if cls.__sync_scope_columns__ is not None:
        return cls.__sync_scope_columns__
    return tuple(name for name in ("grid_code", "region_code") if name in cls.__table__.columns)


@functools.cache
def push_only_entities() -> frozenset[str]:
    """Entities pushed up and never served down (`__sync_push_only__`)."""
    return frozenset(cls.__sync_entity__ for cls in synced_models() if cls.__sync_push_only__)
