"""Declarative bases and the mixin every synced entity shares.

Three metadata collections live side by side:
- `Base.metadata`: the entity tables (regions, households, persons, tasks, cases, …), identical on
  client and server;
- `db.client.ClientBase.metadata`: client-only tables (outbox, sync state);
- `server.models.ServerBase.metadata`: server-only tables (users, devices, change log, …).

Sync metadata on models (read by `sync/`):
- `__sync_entity__`: the entity name on the wire (e.g. "person"); absent = not synced.
- `__sync_kind__`: "record" (plain per-field merge), "append_only" (inserts only, never conflict),
  "set_element" (an element of a set such as a tag: merged, never a conflict).
- column `info["sync"]`: False for derived/local columns never sent on the wire (search keys);
  "status" for the workflow status field; default: a plain field.
"""

from __future__ import annotations

import functools

from sqlalchemy import Boolean, Integer, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

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


class SyncedMixin:
    """Columns every synced record has: a UUIDv7 id made locally and a tombstone.

    `deleted` is the tombstone (records are never physically removed by sync); `deletion_gen`
    counts delete/restore generations so a restore can be told from a stale delete.
    """

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False, server_default="0")
    deletion_gen: Mapped[int] = mapped_column(Integer, default=0, nullable=False, server_default="0")


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
    names = []
    for col in cls.__table__.columns:
        if col.name == "id" or col.info.get("sync") is False:
            continue
        names.append(col.key)
    return names


@functools.cache
def scope_columns(entity: str) -> tuple[str, ...]:
    """The columns a record of `entity` is scoped by, most specific first: a grid (15 characters)
    when the model has one, then its region (12); code entries by their scope prefix. A record's
    scope code is the first of them that is set (sync.merge.scope_region), so a grid worker's
    households, persons and cases are told apart from the rest of the village."""
    if entity == "code_entry":
        return ("scope_prefix",)
    columns = model_for_entity(entity).__table__.columns
    return tuple(name for name in ("grid_code", "region_code") if name in columns)
