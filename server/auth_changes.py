"""Who must be checked again: the devices and users whose token checks changed, as every worker's
token cache (server.auth_cache) hears them.

Database triggers on `devices` and `users` write a row to `auth_changes` whenever a column a
cached principal depends on changes — a device revoked or marked for wipe, its token renewed,
logged out or its expiry moved, a user disabled, renamed or given another role, scope or
department, either deleted — however the row was changed: the API, the console, the security CLI
or an operator's SQL. Each worker reads the changes of the last WINDOW_SECONDS once a second
(`heard_changes`, one indexed range read) and drops those principals from its cache. The window is
far longer than the read's period so that a change whose transaction commits late is still seen;
a change read again is dropped again, which costs one cache miss. On PostgreSQL a read looks back
further while a transaction that may have stamped its row earlier is still running (`Horizon`: an
operator who commits a revocation minutes after the UPDATE is still heard). Rows older than a day
are deleted now and then (`prune`). Decision 0049."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time

from anyio import CapacityLimiter, to_thread
from sqlalchemy import DDL, event, text
from sqlalchemy.orm import Session

from server.db import end_read
from server.models import AuthChange

log = logging.getLogger("server.auth_changes")

WINDOW_SECONDS = 60  # how far back each read looks (a transaction takes far less between trigger and commit)
KEEP_HOURS = 24
PERIOD_SECONDS = 1.0  # how often a worker reads them
PRUNE_EVERY = 600  # reads between two prunes
OWN_EVERY = 10  # PostgreSQL: reads between two that take a transaction id (Horizon)

# Columns of `devices` and `users` that a cached principal (server.auth_cache.Principal) and its
# refusals depend on. `last_seen_at`, written once a minute per device, is not among them.
DEVICE_COLUMNS = ("revoked", "wipe", "token_hash", "token_expires_at", "user_id")
USER_COLUMNS = ("active", "role", "scope_prefix", "department_code", "username")


def _pg_trigger(table: str, columns: tuple[str, ...], who: str) -> list[str]:
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)
    return [f"""
CREATE OR REPLACE FUNCTION td_auth_{table}_changed() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    INSERT INTO auth_changes (at, {who})
    VALUES (clock_timestamp() AT TIME ZONE 'UTC', CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END);
    RETURN NULL;
END
$fn$""",
            f"CREATE TRIGGER td_auth_{table}_update AFTER UPDATE OF {', '.join(columns)} ON {table} "
            f"FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION td_auth_{table}_changed()",
            f"CREATE TRIGGER td_auth_{table}_delete AFTER DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION td_auth_{table}_changed()"]


def _sqlite_trigger(table: str, columns: tuple[str, ...], who: str) -> list[str]:
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)
    now = "strftime('%Y-%m-%d %H:%M:%f', 'now')"
    return [f"CREATE TRIGGER td_auth_{table}_update AFTER UPDATE OF {', '.join(columns)} ON {table} "
            f"FOR EACH ROW WHEN {changed} BEGIN INSERT INTO auth_changes (at, {who}) VALUES ({now}, NEW.id); END",
            f"CREATE TRIGGER td_auth_{table}_delete AFTER DELETE ON {table} "
            f"FOR EACH ROW BEGIN INSERT INTO auth_changes (at, {who}) VALUES ({now}, OLD.id); END"]


POSTGRES_DDL = [*_pg_trigger("devices", DEVICE_COLUMNS, "device_id"), *_pg_trigger("users", USER_COLUMNS, "user_id")]
SQLITE_DDL = [*_sqlite_trigger("devices", DEVICE_COLUMNS, "device_id"),
              *_sqlite_trigger("users", USER_COLUMNS, "user_id")]

# Tables made from the metadata (some tests, the simulation) get the triggers too, once every table
# exists; on a database the migrations build, migration 0032 makes them.
for _ddl in POSTGRES_DDL:
    event.listen(AuthChange.metadata, "after_create", DDL(_ddl).execute_if(dialect="postgresql"))
for _ddl in SQLITE_DDL:  # DDL() formats its text with %: strftime's own % doubled
    event.listen(AuthChange.metadata, "after_create", DDL(_ddl.replace("%", "%%")).execute_if(dialect="sqlite"))

_HEARD_SQLITE = text("SELECT device_id, user_id FROM auth_changes "
                     "WHERE at > strftime('%Y-%m-%d %H:%M:%f', 'now', '-' || :window || ' seconds')")
# PostgreSQL: the changes since the earlier of "WINDOW_SECONDS ago" and `floor` (see Horizon; a
# NULL floor, which LEAST ignores, is the window alone), and in the same statement when it started, the oldest transaction its
# snapshot saw running, and every OWN_EVERY reads an id of its own (assigned after the snapshot; its
# COMMIT need not wait for the disk; not every read, so that the reads of a city's workers use few
# transaction ids).
_HEARD_PG = text(
    "SELECT statement_timestamp() AT TIME ZONE 'UTC' AS started, "
    "pg_snapshot_xmin(pg_current_snapshot())::text AS xmin, "
    "CASE WHEN :own THEN pg_current_xact_id()::text END AS own, "
    "set_config('synchronous_commit', 'off', true) AS quick, "
    "ARRAY(SELECT device_id FROM auth_changes WHERE device_id IS NOT NULL AND at > LEAST("
    "(clock_timestamp() AT TIME ZONE 'UTC') - :window * interval '1 second', :floor)) AS devices, "
    "ARRAY(SELECT user_id FROM auth_changes WHERE user_id IS NOT NULL AND at > LEAST("
    "(clock_timestamp() AT TIME ZONE 'UTC') - :window * interval '1 second', :floor)) AS users")
_PRUNE = {
    "postgresql": text(f"DELETE FROM auth_changes WHERE at < (clock_timestamp() AT TIME ZONE 'UTC') "
                       f"- interval '{KEEP_HOURS} hours'"),
    "sqlite": text(f"DELETE FROM auth_changes WHERE at < strftime('%Y-%m-%d %H:%M:%f', 'now', '-{KEEP_HOURS} hours')"),
}
_EVERYTHING = dt.datetime(2000, 1, 1)


def heard_changes(session: Session, floor: dt.datetime | None = None, own: bool = False):
    """(device ids, user ids) whose token checks changed in the last WINDOW_SECONDS — on PostgreSQL
    since `floor` if that is earlier — and the read's mark for `Horizon` (None on SQLite; with `own`,
    the read takes a transaction id of its own)."""
    connection = session.connection()
    if session.get_bind().dialect.name != "postgresql":
        devices, users = set(), set()
        for device_id, user_id in connection.execute(_HEARD_SQLITE, {"window": WINDOW_SECONDS}):
            if device_id:
                devices.add(device_id)
            if user_id:
                users.add(user_id)
        return devices, users, None
    row = connection.execute(_HEARD_PG, {"window": WINDOW_SECONDS, "floor": floor, "own": own}).one()
    return set(row.devices), set(row.users), (row.started, int(row.xmin), None if row.own is None else int(row.own))


class Horizon:
    """How far back the listener's next read must look on PostgreSQL so that it misses no change
    committed since its last read, however long that change's transaction ran after its trigger.

    A trigger stamps its row when the UPDATE runs, not when the transaction commits (an operator in
    psql, or a GUI client in manual-commit mode, may commit minutes later), and PostgreSQL hands out
    transaction ids in the order transactions first write, not in commit order. So each read notes
    its start time and the id of the oldest transaction its snapshot saw running (xmin), and one
    read in OWN_EVERY an id of its own, taken after that start (the snapshot's own xmax will not do: since PostgreSQL 14 it is
    the last completed id + 1, and a running transaction above it is not listed). A change that
    becomes visible after read k was made by a transaction its snapshot did not see committed: its
    id is at least xmin(k), so greater than the own id of every earlier read j whose own(j) <
    xmin(k), so it wrote, and stamped its row, after that read started.
    The next read therefore looks back to the start of the latest such read (at least WINDOW_SECONDS;
    everything of the last KEEP_HOURS when none is known, as on the first read). SQLite has one
    writer at a time and no such ids: there a write transaction held open longer than WINDOW_SECONDS
    (which stops every push meanwhile) can still be missed."""

    def __init__(self):
        self.floor = _EVERYTHING
        self._reads: list[tuple[int, dt.datetime]] = []  # (own id, start) of the reads since the floor's

    def note(self, started: dt.datetime, xmin: int, own: int | None) -> None:
        """A read whose changes were applied to the cache (`own`: its id, if it took one)."""
        if own is not None:
            self._reads.append((own, started))
        known = [i for i, (own_id, _at) in enumerate(self._reads) if own_id < xmin]
        if known:
            self.floor = self._reads[known[-1]][1] - dt.timedelta(seconds=1)  # a clock stepped back a little
            del self._reads[:known[-1]]
        else:
            self.floor = _EVERYTHING


def _read(sessions, horizon: Horizon, own: bool = True):
    """(device ids, user ids, the read's mark for `horizon` or None on SQLite)."""
    with sessions() as session:
        heard = heard_changes(session, horizon.floor, own)
        end_read(session)  # COMMIT: a ROLLBACK would drop the connection's prepared statements
    return heard


def prune(session: Session) -> None:
    """Delete the changes no read will look at again (older than KEEP_HOURS)."""
    session.connection().execute(_PRUNE[session.get_bind().dialect.name])


def _prune(sessions) -> None:
    with sessions() as session:
        prune(session)
        session.commit()


async def listen(cache, sessions, period: float = PERIOD_SECONDS) -> None:
    """Keep `cache` (server.auth_cache.PrincipalCache) hearing the changes, until cancelled. A read
    that fails is logged and tried again next period; meanwhile the cache trusts no entry older
    than its `ttl`. The reads have a thread of their own (not the request handlers' pool, which a
    burst of slow requests may fill), and the prune runs beside them: on SQLite it waits for the
    write lock, which a push may hold."""
    reads, failing, horizon = 0, False, Horizon()
    reading, pruning = CapacityLimiter(1), CapacityLimiter(1)
    pruner: asyncio.Task | None = None
    try:
        while True:
            started = time.monotonic()
            try:
                devices, users, mark = await to_thread.run_sync(_read, sessions, horizon, reads % OWN_EVERY == 0,
                                                               limiter=reading)
                cache.heard(started, devices, users)  # inside the try: whatever fails, the loop goes on
                if mark is not None:
                    horizon.note(*mark)
            except Exception as error:  # noqa: BLE001 — the database is away: tokens are read again meanwhile
                if not failing:
                    log.warning("token cache: cannot read auth_changes (%s); tokens are checked in the database "
                                "until it can", type(error).__name__)
                failing = True
            else:
                if failing:
                    log.info("token cache: auth_changes readable again")
                failing = False
            reads += 1
            if reads % PRUNE_EVERY == 0 and (pruner is None or pruner.done()):
                pruner = asyncio.create_task(_prune_quietly(sessions, pruning))
            await asyncio.sleep(period)
    finally:
        if pruner is not None:
            pruner.cancel()


async def _prune_quietly(sessions, limiter) -> None:
    try:
        await to_thread.run_sync(_prune, sessions, limiter=limiter)
    except Exception as error:  # noqa: BLE001 — tried again ten minutes later; the rows only wait longer
        log.info("token cache: cannot prune auth_changes (%s)", type(error).__name__)
