"""The records that hold a duplicate key's value (db.base.DuplicateKey: a person's resident ID
number, a household's number in its village) as one push transaction sees them.

The values a batch writes are locked first (PostgreSQL: one transaction-level advisory lock per
value, all taken in one statement in sorted order, so two pushes writing the same values cannot
deadlock and each waits until the other has committed), then the records holding them are read in
one query per entity — not one query (and one autoflush of the batch's new rows) per change, which
made a 500-household push seven times slower. During the merge a record's state is this push's
own object when the push touched it (the batch's writes, not yet flushed), else the row read here.
A value the batch did not name (a restore brings its number back) is locked and read on demand.
Under READ COMMITTED the read after the lock sees every transaction that held the lock before
(docs/decisions/0041)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from server.store.common import _chunks, _model
from sync.wire import Change

LOCK_VALUES = text("SELECT count(pg_advisory_xact_lock(hashtext(k))) "
                   "FROM unnest(CAST(:keys AS text[])) WITH ORDINALITY AS u(k, n)")


def _lock_key(entity: str, value: Any) -> str:
    return f"{entity}:{value}"


def key_columns(entity: str) -> list[str]:
    """The columns that decide whether a record holds its entity's key: id, the key, liveness, `when`
    and `within` fields."""
    cls = _model(entity)
    key = cls.__sync_duplicate_key__
    names = ["id", key.field, "deleted", *key.when, *key.within]
    return names + (["merged_into"] if "merged_into" in cls.__table__.columns else [])


def holds(fields: dict[str, Any], entity: str, value: Any, within: dict[str, Any]) -> bool:
    """Whether a record with `fields` is live and holds `value` (with the key's `when` and `within`)."""
    key = _model(entity).__sync_duplicate_key__
    return (fields.get(key.field) == value and not fields.get("deleted") and not fields.get("merged_into")
            and all(fields.get(k) == v for k, v in key.when.items())
            and all(fields.get(k) == v for k, v in within.items()))


class KeyHolders:
    """Per push: the locks taken and the rows read of duplicate-key values; `written` the records of
    this push given a value."""

    def __init__(self, session: Session, postgres: bool) -> None:
        self.session, self.postgres = session, postgres
        self._locked: set[str] = set()
        self.rows: dict[tuple[str, Any], dict[str, dict[str, Any]]] = {}  # (entity, value) → {id: row}
        self.written: dict[tuple[str, Any], set[str]] = {}

    def lock_and_read(self, changes: list[Change]) -> None:
        """Lock (PostgreSQL) and read the values the batch's changes write."""
        wanted: dict[str, set[Any]] = {}
        for change in changes:
            key = _model(change.entity).__sync_duplicate_key__
            if key is not None and change.fields.get(key.field):
                wanted.setdefault(change.entity, set()).add(change.fields[key.field])
        self._lock([(entity, value) for entity, values in wanted.items() for value in values])
        for entity, values in sorted(wanted.items()):
            self._read(entity, values)

    def ensure(self, entity: str, value: Any) -> None:
        """Lock and read one value the batch did not name (a restore), unless done already."""
        if (entity, value) not in self.rows:
            self._lock([(entity, value)])
            self._read(entity, {value})

    def _lock(self, pairs: list[tuple[str, Any]]) -> None:
        keys = sorted({_lock_key(entity, value) for entity, value in pairs} - self._locked)
        if self.postgres and keys:  # one statement: the function scan takes the locks in the order given
            self.session.execute(LOCK_VALUES if len(keys) > 1 else select(func.pg_advisory_xact_lock(
                func.hashtext(keys[0]))), {"keys": keys} if len(keys) > 1 else {})
        self._locked.update(keys)

    def _read(self, entity: str, values: set[Any]) -> None:
        cls = _model(entity)
        names = key_columns(entity)
        field = names[1]
        fresh = sorted((v for v in values if (entity, v) not in self.rows), key=str)
        with self.session.no_autoflush:  # the batch's own rows are its objects, not flushed rows
            for part in _chunks(fresh):
                for value in part:
                    self.rows[(entity, value)] = {}
                for row in self.session.execute(select(*(getattr(cls, n) for n in names))
                                                .where(getattr(cls, field).in_(part))):
                    found = dict(zip(names, row, strict=True))
                    self.rows.setdefault((entity, found[field]), {})[found["id"]] = found
