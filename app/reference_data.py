"""Reference data the client keeps beside the synced records: the region tree of its jurisdiction
(names of villages and grids for lists, filters and report headers) and people's names by login
name (`/api/v1/people`: what forms print for 处理人, 反馈人 and the watermark). Regions are not edited through
sync; the server's `/api/v1/regions` (through the transport, which adds the /api/v1 prefix) is their source, and the client refreshes its copy when a sync
cycle succeeds, replacing what it held in one transaction."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from db.client import AccountName, SyncState
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


PEOPLE_REFRESHED_KEY = "people_refreshed_at"
PEOPLE_MAX_AGE_SECONDS = 24 * 3600  # names change rarely: one look a day, not one per sync cycle


def store_people(sessions: sessionmaker[Session], rows: list[dict], refreshed_at: str = "") -> int:
    """Replace the local name directory with `rows` (dicts of username, display_name)."""
    wanted = {r["username"]: r["display_name"][:50] for r in rows if isinstance(r, dict)
              and isinstance(r.get("username"), str) and isinstance(r.get("display_name"), str)}
    with sessions.begin() as session:
        session.execute(delete(AccountName))
        session.add_all(AccountName(username=u, display_name=n) for u, n in wanted.items())
        if refreshed_at:
            session.merge(SyncState(key=PEOPLE_REFRESHED_KEY, value=refreshed_at))
    return len(wanted)


def people_due(sessions: sessionmaker[Session], now_epoch: float) -> bool:
    """Whether the name directory is missing or older than a day."""
    with sessions() as session:
        stamp = session.get(SyncState, PEOPLE_REFRESHED_KEY)
    try:
        return stamp is None or now_epoch - float(stamp.value) > PEOPLE_MAX_AGE_SECONDS
    except ValueError:
        return True


def refresh_people(transport: Any, sessions: sessionmaker[Session], now_epoch: float) -> int:
    """Fetch people's names from the server when the local directory is due; returns how many."""
    if not people_due(sessions, now_epoch):
        return 0
    answer = transport.request("GET", "/people")
    count = store_people(sessions, answer if isinstance(answer, list) else [], str(now_epoch))
    log.info("name directory refreshed: %d accounts", count)
    return count
