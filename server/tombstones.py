"""Collecting tombstones: deleted records stay on the server (and in pulls) until every active device
has pulled past their deletion; then `township-server gc-tombstones` removes them.

- Each pull notes how far its device has pulled (`PullNotes`, at most every `pull_note_seconds` per
  device and process, 300 by default: a pull stays a read).
- The horizon is the lowest `pulled_to` among the devices that pulled within the last
  `inactive_days` and are not revoked: every one of them has seen every deletion at or below it.
  Deleted records whose newest version is at or below it are removed with their version heads, and
  the horizon is kept (`SyncCounter.tombstone_horizon`, only ever raised).
- A device that was away longer pulls from below the horizon: it is answered `cursor_too_old` (410)
  and starts over from a fresh snapshot after pushing what it holds (sync/client.py), since the
  pages it would read no longer carry the deletions it missed."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from db.base import synced_models
from server.errors import ApiError
from server.models import Device
from server.store.common import insert_for
from server.store.numbering import current_cursor, horizon_and_upper
from server.store.tables import DeviceSyncState, RecordVersion, SyncCounter

log = logging.getLogger("server.tombstones")
BATCH = 500


def check_cursor(session: Session, cursor: int) -> None:
    """Refuse a pull from below the horizon (in the pull's own transaction: never a stale horizon).
    On PostgreSQL the same statement reads the cursor the pull then serves up to (one round trip
    fewer per pull; server.store.numbering.horizon_and_upper)."""
    horizon = horizon_and_upper(session)
    if horizon is None:
        horizon = session.scalar(select(SyncCounter.tombstone_horizon).where(SyncCounter.id == 1)) or 0
    if cursor < horizon:
        raise ApiError(410, "cursor_too_old", horizon=horizon)


class PullNotes:
    """Notes each device's pull position in its own short transaction, at most every `every` seconds."""

    def __init__(self, sessions: sessionmaker[Session], every: float) -> None:
        self._sessions = sessions
        self._every = every
        self._lock = threading.Lock()
        self._noted: dict[str, float] = {}

    def note(self, device_id: str, cursor: int) -> None:
        if self.due(device_id):
            with self._sessions.begin() as session:
                self.write(session, device_id, cursor)

    def due(self, device_id: str) -> bool:
        """Whether the device's position is to be written now (then it is counted as written)."""
        now = time.monotonic()
        with self._lock:
            if device_id in self._noted and now - self._noted[device_id] < self._every:
                return False
            self._noted[device_id] = now
        return True

    @staticmethod
    def write(session: Session, device_id: str, cursor: int) -> None:
        """The write itself, in the caller's session (the caller commits): one upsert, so a push
        creating the device's row at the same moment (server.store.push) cannot make it fail — an
        UPDATE finding no row and then an INSERT lost that race with a duplicate key, and the pull
        answered 500."""
        at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        table = DeviceSyncState.__table__
        session.execute(insert_for(session, table)
                        .values(device_id=device_id, last_device_seq=0, pulled_to=cursor, pulled_at=at)
                        .on_conflict_do_update(index_elements=[table.c.device_id],
                                               set_={"pulled_to": cursor, "pulled_at": at}))


@dataclass
class Collected:
    horizon: int
    devices: int  # active devices the horizon was taken over
    removed: dict[str, int]


def horizon_now(session: Session, inactive_days: int, now: dt.datetime | None = None) -> tuple[int, int]:
    """(horizon, active devices): the lowest position an active, unrevoked device has pulled to."""
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    since = now - dt.timedelta(days=inactive_days)
    revoked = select(Device.id).where(Device.revoked.is_(True))
    low, count = session.execute(
        select(func.min(DeviceSyncState.pulled_to), func.count())
        .where(DeviceSyncState.pulled_at >= since, DeviceSyncState.pulled_to.is_not(None),
               DeviceSyncState.device_id.not_in(revoked))).one()
    return min(low or 0, current_cursor(session)), count


def collect(session: Session, inactive_days: int = 90, dry_run: bool = False,
            now: dt.datetime | None = None) -> Collected:
    """Remove the tombstones every active device has pulled past (the caller commits)."""
    horizon, devices = horizon_now(session, inactive_days, now)
    removed: dict[str, int] = {}
    for cls in reversed(synced_models()):  # children first
        entity = cls.__sync_entity__
        if "deleted" not in cls.__table__.columns:
            continue
        ids = list(session.scalars(
            select(cls.id).join(RecordVersion, (RecordVersion.entity == entity) & (RecordVersion.record_id == cls.id))
            .where(cls.deleted.is_(True), RecordVersion.server_seq <= horizon)))
        if ids:
            removed[entity] = len(ids)
        if dry_run or not ids:
            continue
        for start in range(0, len(ids), BATCH):
            part = ids[start:start + BATCH]
            session.execute(delete(cls).where(cls.id.in_(part)), execution_options={"synchronize_session": False})
            session.execute(delete(RecordVersion).where(RecordVersion.entity == entity,
                                                        RecordVersion.record_id.in_(part)))
    if not dry_run:
        session.execute(update(SyncCounter).where(SyncCounter.id == 1, SyncCounter.tombstone_horizon < horizon)
                        .values(tombstone_horizon=horizon))
        log.warning("tombstones collected up to %d over %d active devices: %s", horizon, devices, removed)
    return Collected(horizon, devices, removed)
