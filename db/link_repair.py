"""Task links joined twice: one (target, household) pair held by more than one live row, which
happens when the seed or an older client wrote a link under a random id and a later client linked
the same household again under the derived id. `repair_task_links` folds each such pair into one
row (the derived id if present, else the lowest id; handled if any of them was), tombstones the
rest and recounts the targets' progress from the surviving links. Both databases run it in a
migration, so a client and its city server end with the same rows without syncing them."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.engine import Connection

LINK_NAMESPACE = uuid.UUID("9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d")

_links = sa.table("task_links", sa.column("id"), sa.column("target_id"), sa.column("household_id"),
                  sa.column("handled"), sa.column("handled_at"), sa.column("handled_by"), sa.column("deleted"))
_targets = sa.table("task_targets", sa.column("id"), sa.column("handled_count"), sa.column("total_count"))


def task_link_id(target_id: str, household_id: str) -> str:
    """The id a new link of `household_id` to `target_id` gets on every device."""
    return str(uuid.uuid5(LINK_NAMESPACE, f"{target_id}:{household_id}"))


def task_person_link_id(target_id: str, person_id: str) -> str:
    """The id a new link of one person to `target_id` gets on every device when the person's household
    is already linked for someone else (two members of one household on one task): a person's link is
    found by (target, person), so two devices linking the same person make one record."""
    return str(uuid.uuid5(LINK_NAMESPACE, f"{target_id}:person:{person_id}"))


def repair_task_links(conn: Connection) -> int:
    """Fold duplicate live links; returns the number of rows tombstoned. Once links name persons
    (schema 3), two members of one household each keep their link: duplicates are rows of the same
    (target, household, person)."""
    named = "person_id" in {c["name"] for c in sa.inspect(conn).get_columns("task_links")}
    person = sa.column("person_id") if named else sa.literal(None)
    keys = [_links.c.target_id, _links.c.household_id] + ([person] if named else [])
    groups = conn.execute(sa.select(*keys).select_from(_links).where(_links.c.deleted.is_(False))
                          .group_by(*keys).having(sa.func.count() > 1)).all()
    folded, targets = 0, set()
    for target_id, household_id, *who in groups:
        same_person = (person.is_(None) if who[0] is None else person == who[0]) if named else sa.true()
        rows = conn.execute(
            sa.select(_links.c.id, _links.c.handled, _links.c.handled_at, _links.c.handled_by).select_from(_links)
            .where(_links.c.target_id == target_id, _links.c.household_id == household_id,
                   _links.c.deleted.is_(False), same_person)).all()
        preferred = task_link_id(target_id, household_id)
        keeper = min(rows, key=lambda r: (r.id != preferred, r.id))
        done = next((r for r in rows if r.handled), None)
        if done is not None and not keeper.handled:
            conn.execute(_links.update().where(_links.c.id == keeper.id).values(
                handled=True, handled_at=done.handled_at, handled_by=done.handled_by))
        others = [r.id for r in rows if r.id != keeper.id]
        conn.execute(_links.update().where(_links.c.id.in_(others)).values(deleted=True))
        folded += len(others)
        targets.add(target_id)
    for target_id in targets:
        _recount(conn, target_id)
    return folded


def _recount(conn: Connection, target_id: str) -> None:
    live = sa.and_(_links.c.target_id == target_id, _links.c.deleted.is_(False))
    total = conn.execute(sa.select(sa.func.count()).where(live)).scalar_one()
    handled = conn.execute(sa.select(sa.func.count()).where(live, _links.c.handled.is_(True))).scalar_one()
    conn.execute(_targets.update().where(_targets.c.id == target_id).values(handled_count=handled, total_count=total))
