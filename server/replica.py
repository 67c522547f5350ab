"""Pulls and snapshots read from a PostgreSQL hot standby (streaming replication), named by
TD_REPLICA_URL; pushes, logins and everything else stay on the primary.

A read asks the primary, in one round trip, for the cursor it may serve up to
(`td_sync_upper()`, server.store.numbering) and the primary's WAL position at that moment. Every
number up to that cursor was committed on the primary before that position, and so was every push
the calling device had answered before it asked. The read then goes to the standby once the
standby has replayed past the position (waiting up to TD_REPLICA_WAIT_MS), with the cursor pinned
in the session (a standby cannot see the primary's in-flight pushes itself); a standby further
behind than that is skipped and the primary serves the read. So a standby never makes a pull skip
a change, and a device never reads behind its own accepted push."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session, sessionmaker

from server.store.numbering import CURSOR_KEY

_POSITION = text("SELECT td_sync_upper(), pg_current_wal_lsn()::text")
_REPLAYED = text("SELECT COALESCE(pg_last_wal_replay_lsn() >= CAST(:lsn AS pg_lsn), false)")
POLL_SECONDS = 0.005


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


@contextlib.contextmanager
def read_session(state) -> Iterator[tuple[Session, str]]:
    """(a session to read a pull from, "standby" or "primary"). `state` is the app's state: its
    `read_sessions` (the primary without transactions, server.db.reading; else `sessions`),
    `replica_sessions` (None without a standby) and `settings`."""
    primary = getattr(state, "read_sessions", None) or state.sessions
    replica = getattr(state, "replica_sessions", None)
    if replica is not None:
        upper, lsn = primary_position(primary)
        if caught_up(replica, lsn, state.settings.replica_wait_ms / 1000):
            with replica(info={CURSOR_KEY: upper}) as session:
                yield session, "standby"
            return
    with primary() as session:
        yield session, "primary"


async def read_session_async(primary: async_sessionmaker[AsyncSession], replica: async_sessionmaker[AsyncSession] | None,
                             wait_seconds: float) -> tuple[AsyncSession, str]:
    """`read_session` on the event loop (server.db.make_async_reads): the same choice, the standby's
    wait polled with asyncio.sleep. The caller closes the session (`async with`)."""
    if replica is not None:
        async with primary() as session:
            upper, lsn = (await session.execute(_POSITION)).one()
        if await caught_up_async(replica, lsn, wait_seconds):
            return replica(info={CURSOR_KEY: max(int(upper or 0), 0)}), "standby"
    return primary(), "primary"


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
