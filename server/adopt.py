"""Adopting rows written outside sync: the city code tables seeded from resources and the demo
township bulk-loaded by seed-demo are inserted with Core statements, so the sync store has no
version for them yet. Adoption gives every such record a `server_seq` (one per record, in the
entities' parent-first order) and a version head, after which pull and snapshot serve it like any
record that arrived by push. Idempotent: records that already have a head are left alone. Tasks or
targets adopted are counted into the department progress summary (server/store/progress.py), cases
into the leader's outcome summaries (server/store/case_counts.py)."""

from __future__ import annotations

from sqlalchemy import func, insert, literal_column, select
from sqlalchemy.orm import Session

from db.base import scope_columns, synced_models
from server.store import case_counts, init_store, progress
from server.store.numbering import take_numbers
from server.store.tables import RecordVersion

BATCH = 2000
_NO_VERSIONS = literal_column("'{}'")  # field_versions of a record no change has touched yet


def _region_column(cls):
    """The record's scope code in SQL: the first of its scope columns that is set."""
    columns = [func.nullif(cls.__table__.columns[name], "") for name in scope_columns(cls.__sync_entity__)]
    return columns[0] if len(columns) == 1 else func.coalesce(*columns)


def adopt_unversioned(session: Session) -> int:
    """Give every record without a version head one; returns how many were adopted. Numbers are
    taken like a push's (server.store.numbering)."""
    init_store(session)
    adopted, work_adopted = 0, set()
    for cls in synced_models():
        entity = cls.__sync_entity__
        known = select(RecordVersion.record_id).where(RecordVersion.entity == entity)
        last_id = ""
        while True:
            rows = session.execute(
                select(cls.id, _region_column(cls)).where(cls.id > last_id, cls.id.not_in(known))
                .order_by(cls.id).limit(BATCH)).all()
            if not rows:
                break
            last_id = rows[-1][0]
            heads = [{"entity": entity, "record_id": record_id, "server_seq": seq, "region_code": region or ""}
                     for (record_id, region), seq in zip(rows, take_numbers(session, len(rows)), strict=True)]
            # Core, not the ORM's bulk insert, and the empty field versions as one SQL literal: the
            # demo's 212,000 records took 5.6 s here as ORM rows with a JSON {} encoded per row.
            session.execute(insert(RecordVersion.__table__).values(field_versions=_NO_VERSIONS), heads)
            adopted += len(heads)
            work_adopted |= {entity} & {"task", "task_target", "case"}
    if work_adopted & {"task", "task_target"}:  # loaded outside the push: the summaries count them again
        progress.rebuild(session)
    if "case" in work_adopted:
        case_counts.rebuild(session)
    session.flush()
    return adopted


def bump_versions(session: Session, entity: str, record_ids: list[str]) -> None:
    """Give records rewritten outside sync (a re-seeded code entry) a new server_seq, so clients pull
    the new values; records without a version head are left to `adopt_unversioned`."""
    if not record_ids:
        return
    init_store(session)
    heads = list(session.scalars(select(RecordVersion).where(RecordVersion.entity == entity,
                                                             RecordVersion.record_id.in_(record_ids))))
    for head, seq in zip(heads, take_numbers(session, len(heads)), strict=True):
        head.server_seq = seq
    session.flush()
