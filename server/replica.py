"""Pulls and snapshots read from a PostgreSQL hot standby (streaming replication), named by
TD_REPLICA_URL; pushes, logins and everything else stay on the primary.

A read asks the primary, in one round trip, for the cursor it may serve up to
(`td_sync_upper()`, server.store.numbering) and the primary's WAL position at that moment. Every
number up to that cursor was committed on the primary before that position, and so was every push
the calling device had answered before it asked. The read then goes to the standby once the
standby has replayed past the position (waiting up to TD_REPLICA_WAIT_MS), with the cursor pinned
in the session (a standby cannot see the primary's in-flight pushes itself); a standby further
behind than that is skipped and the primary serves the read. So a standby never makes a pull skip
a change, and a device never reads behind its own accepted push. A standby that fails — down,
restarting, unreachable, or cancelling a read that conflicts with its replay — is skipped for a few
seconds (StandbyHealth) and the primary reads the pull again: a pull never fails because of it.

On the event loop (`PullReads`), the primary's read before a pull — its position, or without a
standby the tombstone horizon with the cursor — is shared by the pulls of one worker that ask for it
together, each getting a read that started after it asked (server.shared_read, decision 0030)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterator
from functools import partial
from typing import TypeVar

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session, sessionmaker

from server.shared_read import SharedRead, retrieve_error
from server.standby_guard import StandbyGuard
from server.store.numbering import CURSOR_KEY, HORIZON_AND_UPPER, HORIZON_KEY, UPPER

_POSITION = text("SELECT td_sync_upper(), pg_current_wal_lsn()::text")
_REPLAYED = text("SELECT COALESCE(pg_last_wal_replay_lsn() >= CAST(:lsn AS pg_lsn), false)")
POLL_SECONDS = 0.005
# How long, beyond TD_REPLICA_WAIT_MS, a pull gives the standby to answer once it has a connection
# (and a snapshot, each of its lines): a standby whose host froze or was cut off answers nothing and
# closes nothing, so without a bound the pull (and the connection) would wait for the kernel to give
# up, many minutes. On the event loop an asyncio timeout; in a worker thread, whose blocking driver
# call cannot be abandoned, a watchdog shuts the connection's socket down (server.standby_guard).
STANDBY_READ_SECONDS = 5.0
# What a standby that is down, restarting, unreachable or cancelling a read for its replay raises
# (SQLAlchemy wraps the driver's errors; OSError for a socket the driver let through, and the
# TimeoutError of a pull that waited too long; the pool's TimeoutError when every connection to a
# slow standby is taken).
STANDBY_ERRORS = (DBAPIError, OSError, PoolTimeout)
log = logging.getLogger("server.replica")
T = TypeVar("T")
_BEHIND = object()  # the standby had not replayed far enough in time
_END = object()


def primary_position(primary: sessionmaker[Session]) -> tuple[int, str]:
    with primary() as session:
        upper, lsn = session.execute(_POSITION).one()
    return max(int(upper or 0), 0), lsn


def caught_up(replica: sessionmaker[Session], lsn: str, wait_seconds: float) -> bool:
    """Whether the standby has replayed up to `lsn`, polling for up to `wait_seconds`."""
    deadline = time.monotonic() + wait_seconds
    with replica() as session:
        while True:
            if session.scalar(_REPLAYED, {"lsn": lsn}):
                return True
            session.rollback()
            if time.monotonic() >= deadline:
                return False
            time.sleep(POLL_SECONDS)


class StandbyHealth:
    """A worker's note of the standby's last failure. A standby that fails (down, restarting,
    unreachable, or cancelling a read that conflicts with its replay) is left alone for
    BACKOFF_SECONDS and the primary serves its reads meanwhile: a pull never fails because of the
    standby, and pulls do not each wait on a connection attempt to a standby that is gone."""

    BACKOFF_SECONDS = 5.0

    def __init__(self) -> None:
        self._down_until = 0.0
        self.failures = 0

    def usable(self) -> bool:
        return time.monotonic() >= self._down_until

    def failed(self, exc: BaseException) -> None:
        self.failures += 1
        self._down_until = time.monotonic() + self.BACKOFF_SECONDS
        # the error's class only: a driver's message may quote a statement's values
        log.warning("standby failed (%s); reading from the primary for %.0f s", type(exc).__name__,
                    self.BACKOFF_SECONDS)


def standby_caught_up(state, lsn: str) -> bool:
    """Whether reads may go to the standby (`state.replica_sessions`): it is configured, has not
    failed lately, and has replayed up to `lsn` within TD_REPLICA_WAIT_MS. A standby that fails to
    answer is noted (StandbyHealth) and the answer is no."""
    replica, health = getattr(state, "replica_sessions", None), state.standby_health
    if replica is None or not health.usable():
        return False
    wait = state.settings.replica_wait_ms / 1000
    try:
        with StandbyGuard() as guard, guard.armed(wait + STANDBY_READ_SECONDS):
            return caught_up(replica, lsn, wait)
    except STANDBY_ERRORS as exc:
        health.failed(exc)
        return False


def bounded_on_standby(lines: Iterator[T]) -> Iterator[T]:
    """`lines` (read from the standby in a worker thread, a snapshot's), each given at most
    STANDBY_READ_SECONDS of the standby's time — the wait for the client between them not counted:
    a standby that hangs makes the line being read fail as a standby that failed (STANDBY_ERRORS)."""
    with StandbyGuard() as guard:
        try:
            while True:
                with guard.armed(STANDBY_READ_SECONDS):
                    line = next(lines, _END)
                if line is _END:
                    return
                yield line
        finally:  # its session's connection goes back to the pool before the guard lets it go
            close = getattr(lines, "close", None)
            if close is not None:
                close()


def read_pull(state, read: Callable[[Session], T]) -> tuple[T, str]:
    """(`read(session)`, "standby" or "primary"): on the standby when it has caught up, else — or
    when the standby fails during the read — on the primary. `state` is the app's state: its
    `read_sessions` (the primary without transactions, server.db.reading; else `sessions`),
    `replica_sessions` (None without a standby), `standby_health` and `settings`."""
    primary = getattr(state, "read_sessions", None) or state.sessions
    if getattr(state, "replica_sessions", None) is not None and state.standby_health.usable():
        upper, lsn = primary_position(primary)
        wait = state.settings.replica_wait_ms / 1000
        try:  # bounded as on the event loop: a hung standby's socket is shut down (server.standby_guard)
            with StandbyGuard() as guard, guard.armed(wait + STANDBY_READ_SECONDS):
                if caught_up(state.replica_sessions, lsn, wait):
                    with state.replica_sessions(info={CURSOR_KEY: upper}) as session:
                        return read(session), "standby"
        except STANDBY_ERRORS as exc:  # read only: the primary reads it again
            state.standby_health.failed(exc)
    with primary() as session:
        return read(session), "primary"


async def _position(engine: AsyncEngine) -> tuple[int, str]:
    """The primary's cursor and WAL position (`primary_position`), in a statement committed by itself."""
    async with engine.connect() as conn:
        upper, lsn = (await conn.execute(_POSITION)).one()
    return max(int(upper or 0), 0), lsn


async def _horizon_and_upper(engine: AsyncEngine) -> tuple[int, int]:
    """(tombstone horizon, cursor) on the primary in one statement, as a pull reads them itself
    (server.store.numbering.horizon_and_upper)."""
    async with engine.connect() as conn:
        row = (await conn.execute(HORIZON_AND_UPPER)).first()
        if row is None:  # no counter row yet: nothing was ever written, nothing collected
            return 0, max(int(await conn.scalar(UPPER) or 0), 0)
    return int(row[0] or 0), max(int(row[1] or 0), 0)


class PullReads:
    """A worker's sessions for pulls on the event loop (server.db.make_async_reads): the primary's,
    the standby's (None without one), and the primary's reads that the pulls asking together share."""

    def __init__(self, primary: async_sessionmaker[AsyncSession], replica: async_sessionmaker[AsyncSession] | None,
                 wait_seconds: float, health: StandbyHealth) -> None:
        self.primary = primary
        self.replica = replica
        self.wait_seconds = wait_seconds
        self.health = health
        engine: AsyncEngine = primary.kw["bind"]
        self.position = SharedRead(partial(_position, engine))
        self.cursor = SharedRead(partial(_horizon_and_upper, engine))

    async def _on_standby(self, upper: int, lsn: str, read: Callable[..., T], *args):
        """`read(session, *args)` on the standby once it has replayed up to `lsn`, else _BEHIND."""
        if await caught_up_async(self.replica, lsn, self.wait_seconds):
            return await self.replica(info={CURSOR_KEY: upper}).run_sync(read, *args)
        return _BEHIND

    async def read(self, read: Callable[..., T], *args) -> tuple[T, str]:
        """`read_pull` on the event loop: `read(session, *args)` run by `AsyncSession.run_sync` (it
        closes the session), the standby's wait polled with asyncio.sleep, the cursor (and without
        a standby the horizon) pinned in the session from the shared read."""
        if self.replica is not None and self.health.usable():
            upper, lsn = await self.position()
            attempt = asyncio.ensure_future(self._on_standby(upper, lsn, read, *args))
            attempt.add_done_callback(retrieve_error)
            try:  # a standby that answers nothing within the bound has failed (TimeoutError is an OSError)
                async with asyncio.timeout(self.wait_seconds + STANDBY_READ_SECONDS):
                    value = await asyncio.shield(attempt)
                if value is not _BEHIND:
                    return value, "standby"
            except STANDBY_ERRORS as exc:  # read only: the primary reads it again
                self.health.failed(exc)
            finally:  # not waited for: the driver's cancelling of a hung query takes seconds more
                attempt.cancel()
            return await self.primary(info={CURSOR_KEY: upper}).run_sync(read, *args), "primary"
        try:
            horizon, upper = await self.cursor()
        except DBAPIError:  # the shared read failed (its connection dropped): this pull reads its own,
            return await self.primary().run_sync(read, *args), "primary"  # as it would have alone
        return await self.primary(info={CURSOR_KEY: upper, HORIZON_KEY: horizon}).run_sync(read, *args), "primary"


async def caught_up_async(replica: async_sessionmaker[AsyncSession], lsn: str, wait_seconds: float) -> bool:
    deadline = time.monotonic() + wait_seconds
    async with replica() as session:
        while True:
            if await session.scalar(_REPLAYED, {"lsn": lsn}):
                return True
            await session.rollback()
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(POLL_SECONDS)
