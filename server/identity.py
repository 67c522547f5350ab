"""Who this server is and which epoch its database is in, announced on every API answer.

- The installation id (one per city server, made on its first start) lets a device tell its own city
  server from any other: a client enrolled here refuses to sync with a server whose id differs (a
  changed address, a test server), and this server refuses a device that names another installation.
- The epoch changes whenever the database may have gone back in time — a restore from a backup. A
  device that sees a new epoch re-offers what the server may have lost: its own accepted changes with
  a server_seq above the epoch's `head_at_start` (the highest change the restored database holds),
  through the normal idempotent push, and the records it received above that point.

A new epoch starts (each start is a row of `server_epochs`, the audit trail of restores):
- when `township-server restored --reason …` is run, the documented last step of every restore;
- on PostgreSQL, by itself, when the cluster's timeline differs from the one recorded (point-in-time
  recovery and standby promotion both begin a new timeline);
- in a copy made by `township-server backup` (SQLite), which is written with a fresh epoch, so putting
  the copy back announces itself;
- when a device pulls from beyond the highest change held (it has seen changes this database never
  had): detected, logged as a warning and recorded with the device named; at most once per state of
  the change log, so a forged cursor cannot make every device re-offer again and again.

Answers carry `X-Installation-Id`, `X-Server-Epoch` and `X-Epoch-Base` (head_at_start), added by the
request middleware (server/middleware.py), which also refuses a foreign installation and has a pull's
cursor checked. The identity is cached per process and re-read every few seconds, so every worker
announces a new epoch promptly."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from dataclasses import dataclass, field

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from server.accounts import utcnow
from server.models import ServerEpoch
from server.store import current_cursor
from server.store.tables import ChangeLogEntry, RecordVersion

log = logging.getLogger("server.identity")
INSTALLATION_HEADER = "X-Installation-Id"
EPOCH_HEADER = "X-Server-Epoch"
EPOCH_BASE_HEADER = "X-Epoch-Base"
REFRESH_SECONDS = 5.0


@dataclass(frozen=True)
class Identity:
    installation_id: str
    epoch: str
    head_at_start: int
    raw_headers: tuple[tuple[bytes, bytes], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:  # encoded once: every API answer carries them
        object.__setattr__(self, "raw_headers", (
            (INSTALLATION_HEADER.lower().encode(), self.installation_id.encode()),
            (EPOCH_HEADER.lower().encode(), self.epoch.encode()),
            (EPOCH_BASE_HEADER.lower().encode(), str(self.head_at_start).encode())))

    def headers(self) -> list[tuple[bytes, bytes]]:
        return list(self.raw_headers)


def head_seq(session: Session) -> int:
    """The highest number the database has handed out (server.store.current_cursor): a pull's cursor
    can be the highest number of the change log or above it — record versions adopted without a log
    entry, and on PostgreSQL numbers a rolled-back push took from the sequence."""
    return max(int(session.scalar(select(func.max(ChangeLogEntry.server_seq))) or 0), current_cursor(session))


def held_head(session: Session) -> int:
    """The highest change the database holds as data (its change log and the version heads of adopted
    records): an epoch's base. Not the PostgreSQL sequence, which recovery leaves up to 32 numbers ahead
    (sequences are WAL-logged in advance): a base above what is held would keep devices from re-offering
    changes the restore lost. Too low only costs a few changes offered twice (answered as duplicates)."""
    return max(int(session.scalar(select(func.max(ChangeLogEntry.server_seq))) or 0),
               int(session.scalar(select(func.max(RecordVersion.server_seq))) or 0))


def pg_timeline(session: Session) -> int | None:
    """The PostgreSQL timeline this cluster writes on (None on SQLite, or when it cannot be read)."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    try:
        with session.begin_nested():
            name = session.scalar(text("SELECT pg_walfile_name(pg_current_wal_lsn())"))
        return int(str(name)[:8], 16)
    except Exception:  # a standby in recovery, or a function this role may not call
        return None


def current_epoch(session: Session) -> ServerEpoch | None:
    return session.scalars(select(ServerEpoch).order_by(ServerEpoch.started_at.desc(),
                                                        ServerEpoch.epoch).limit(1)).first()


def start_epoch(session: Session, reason: str, started_by: str, installation_id: str | None = None) -> ServerEpoch:
    """Begin a new epoch (the caller commits). Every start is logged as a warning: it makes devices re-offer."""
    previous = current_epoch(session)
    row = ServerEpoch(epoch=str(uuid.uuid4()),
                      installation_id=installation_id or (previous.installation_id if previous else str(uuid.uuid4())),
                      started_at=utcnow(), reason=reason[:2000], started_by=started_by[:50],
                      head_at_start=held_head(session), pg_timeline=pg_timeline(session))
    session.add(row)
    session.flush()
    if previous is not None:
        log.warning("new server epoch %s (head %d) by %s: %s", row.epoch, row.head_at_start, started_by, reason)
    return row


def ensure_identity(session: Session) -> Identity:
    """The current identity, made on a first start and renewed when PostgreSQL's timeline changed."""
    row = current_epoch(session)
    if row is None:
        row = start_epoch(session, "first start", "server")
    else:
        timeline = pg_timeline(session)
        if timeline is not None and row.pg_timeline is not None and timeline != row.pg_timeline:
            row = start_epoch(session, f"PostgreSQL timeline {row.pg_timeline} -> {timeline}: restored to a "
                                       "point in time, or a standby was promoted", "server")
        elif timeline is not None and row.pg_timeline is None:
            row.pg_timeline = timeline
    session.commit()
    return Identity(row.installation_id, row.epoch, row.head_at_start)


class IdentityCache:
    """This process's view of the identity, re-read every REFRESH_SECONDS."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._lock = threading.Lock()
        self._identity: Identity | None = None
        self._read_at = 0.0
        self._known_head = 0
        self._head_at_process_start: int | None = None

    def fresh(self) -> Identity | None:
        """The identity when it was read less than REFRESH_SECONDS ago (no lock, no database: the
        per-request path), else None — then `get` (in a worker thread) reads it again."""
        identity = self._identity
        if identity is None or time.monotonic() - self._read_at > REFRESH_SECONDS:
            return None
        return identity

    def note_head(self, upper: int) -> None:
        """A cursor a pull just served up to: every change at or below it is held (it was read from
        this database), so a later pull from at most there needs no check (`check_cursor`)."""
        if upper > self._known_head:
            self._known_head = upper

    def needs_check(self, cursor: int, device_epoch: str | None) -> bool:
        """Whether `check_cursor` has anything to do (the cheap test, done before any thread hop)."""
        return cursor > self._known_head and device_epoch is not None

    def get(self) -> Identity:
        with self._lock:
            if self._identity is None or time.monotonic() - self._read_at > REFRESH_SECONDS:
                with self._sessions() as session:
                    self._identity = ensure_identity(session)
                    if self._head_at_process_start is None:
                        self._head_at_process_start = held_head(session)
                self._read_at = time.monotonic()
            return self._identity

    def check_cursor(self, cursor: int, device_id: str, device_epoch: str | None) -> None:
        """A pull from beyond the highest change held, by a device that believes it talks to the current
        epoch: the database went back without anyone saying so; start an epoch (once). A device that
        names an older epoch is about to learn of the new one itself; one that names none (an older
        client) could not act on it. The base is the head when this process first read it, the best
        estimate of the restored point (an announced restore knows it exactly)."""
        if not self.needs_check(cursor, device_epoch):
            return
        identity = self.get()
        if device_epoch != identity.epoch:
            return
        with self._lock, self._sessions() as session:
            head = head_seq(session)
            self._known_head = max(self._known_head, head)
            if cursor <= head:
                return
            current = current_epoch(session)
            if current is not None and current.started_by.startswith("device:") and current.epoch != device_epoch:
                return  # already started since this device last heard
            row = start_epoch(session, f"device {device_id} pulled after {cursor} but the highest change held is "
                                       f"{head}: the database was restored without `township-server restored`",
                              f"device:{device_id}"[:50])
            held = held_head(session)
            row.head_at_start = min(held, self._head_at_process_start if self._head_at_process_start is not None
                                    else held)
            session.commit()
            self._identity = None
