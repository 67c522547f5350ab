"""Reference data the client keeps beside the synced records: the region tree of its jurisdiction
(names of villages and grids for lists, filters and report headers). Regions are not edited through
sync; the server's `/api/v1/regions` (through the transport, which adds the /api/v1 prefix) is their source, and the client refreshes its copy when a sync
cycle succeeds, replacing what it held in one transaction."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from db.models import Region

log = logging.getLogger(__name__)


def _valid(row: Any) -> bool:
    return isinstance(row, dict) and isinstance(row.get("code"), str) and isinstance(row.get("name"), str) \
        and isinstance(row.get("level"), int)


def store_regions(sessions: sessionmaker[Session], rows: list[dict]) -> int:
    """Replace the local region tree with `rows` (dicts of code, name, level, parent_code)."""
    wanted = {r["code"]: r for r in rows if _valid(r)}
    with sessions.begin() as session:
        held = {r.code: r for r in session.scalars(select(Region))}
        stale = set(held) - set(wanted)
        if stale:
            session.execute(delete(Region).where(Region.code.in_(stale)))
        for code, row in wanted.items():
            region = held.get(code) or Region(code=code)
            region.name, region.level, region.parent_code = row["name"], row["level"], row.get("parent_code")
            session.add(region)
    return len(wanted)


def refresh_regions(transport: Any, sessions: sessionmaker[Session]) -> int:
    """Fetch the caller's region tree from the server and store it; returns how many regions."""
    answer = transport.request("GET", "/regions")
    rows = answer if isinstance(answer, list) else []
    count = store_regions(sessions, rows)
    log.info("region tree refreshed: %d regions", count)
    return count
