"""Schema versions: which synced entities and fields a client of a given version knows.

Read from the one declaration of each field and entity: a field's `since` in its declaration
(`db.fields.declare(since=N)`, read back by `db.fields.specs`; absent means 1) and a model's
`__sync_since__` (absent means 1). The
code's own version is the highest `since` declared, so adding a field with `since=N` is what makes
this code version N — no separate number to bump.

The server answers every client in its version: a pulled record, a snapshot row or image carries
only the fields that version knows, and records of entities it does not know are left out. A push
from an older client cannot name a newer field, and a field it does not send is never written, so
its changes never clear what it cannot see. When a client upgrades, what its old version was not
sent is sent once (`brings_new`: the sync loop then loads a snapshot over the records it holds).
"""

from __future__ import annotations

import functools
from typing import Any

from db import fields
from db.base import model_for_entity, synced_columns, synced_models
from sync.pages import Page, PulledRecord, SnapshotChunk

FIRST_VERSION = 1


def entity_since(entity: str) -> int:
    return getattr(model_for_entity(entity), "__sync_since__", FIRST_VERSION)


def field_since(entity: str, name: str) -> int:
    return fields.specs(model_for_entity(entity))[name].since


@functools.cache
def current_version() -> int:
    """This code's schema version: the highest `since` of any synced entity or field."""
    found = [FIRST_VERSION]
    for cls in synced_models():
        entity = cls.__sync_entity__
        found.append(entity_since(entity))
        found += [field_since(entity, c.key) for c in cls.__table__.columns]
    return max(found)


def knows_entity(entity: str, version: int) -> bool:
    return entity_since(entity) <= version


@functools.cache
def known_fields(entity: str, version: int) -> frozenset[str]:
    """The synced fields of `entity` a client of `version` knows."""
    return frozenset(n for n in synced_columns(model_for_entity(entity)) if field_since(entity, n) <= version)


def known_columns(entity: str, columns: list[str], version: int) -> list[str]:
    """`columns` of `entity`'s table (snapshot rows and images) that a client of `version` has."""
    return [c for c in columns if field_since(entity, c) <= version]


def newer_fields(entity: str, fields: dict[str, Any], version: int) -> list[str]:
    """The fields of a change that a client of `version` cannot know (it could not have sent them)."""
    return [name for name in fields if name in model_for_entity(entity).__table__.columns
            and field_since(entity, name) > version]


def brings_new(old: int, new: int) -> bool:
    """Whether an entity or field was introduced after `old`, up to `new`: a client moving from
    `old` to `new` has records or fields to receive that it was not sent."""
    if new <= old:
        return False
    for cls in synced_models():
        entity = cls.__sync_entity__
        if old < entity_since(entity) <= new:
            return True
        if any(old < field_since(entity, c.key) <= new for c in cls.__table__.columns):
            return True
    return False


def for_version(version: int, records: list[PulledRecord]) -> list[PulledRecord]:
    """The records as a client of `version` receives them."""
    if version >= current_version():
        return records
    out = []
    for record in records:
        if not knows_entity(record.entity, version):
            continue
        known = known_fields(record.entity, version)
        out.append(PulledRecord(record.entity, record.record_id, record.seq,
                                {k: v for k, v in record.fields.items() if k in known}))
    return out


def page_for_version(page: Page, version: int) -> Page:
    page.records = for_version(version, page.records)
    page.evictions = [e for e in page.evictions if knows_entity(e[0], version)]
    return page


def chunk_for_version(chunk: SnapshotChunk, version: int) -> SnapshotChunk:
    chunk.records = for_version(version, chunk.records)
    return chunk


def clear_caches() -> None:
    """Forget what was worked out from the declarations (a test that changes one)."""
    current_version.cache_clear()
    known_fields.cache_clear()
    fields.specs.cache_clear()
