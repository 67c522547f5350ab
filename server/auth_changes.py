"""Who must be checked again: the devices and users whose token checks changed, as every worker's
token cache (server.auth_cache) hears them.

Database triggers on `devices` and `users` write a row to `auth_changes` whenever a column a
cached principal depends on changes — a device revoked or marked for wipe, its token renewed,
logged out or its expiry moved, a user disabled, renamed or given another role, scope or
department, either deleted — however the row was changed: the API, the console, the security CLI
or an operator's SQL. Each worker reads the changes of the last WINDOW_SECONDS once a second
(`heard_changes`, one indexed range read) and drops those principals from its cache. The window is
far longer than the read's period so that a change whose transaction commits late is still seen;
a change read again is dropped again, which costs one cache miss. Rows older than a day are
deleted now and then (`prune`). Decision 0049."""

from __future__ import annotations

import asyncio
import logging
import time

from anyio import to_thread
from sqlalchemy import DDL, event, text
from sqlalchemy.orm import Session

from server.db import end_read
from server.models import AuthChange

log = logging.getLogger("server.auth_changes")

WINDOW_SECONDS = 60  # how far back each read looks (a transaction takes far less between trigger and commit)
KEEP_HOURS = 24
PERIOD_SECONDS = 1.0  # how often a worker reads them
PRUNE_EVERY = 600  # reads between two prunes

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
for _ddl in SQLITE_DDL:
    event.listen(AuthChange.metadata, "after_create", DDL(_ddl).execute_if(dialect="sqlite"))

_RECENT = {
    "postgresql": text("SELECT device_id, user_id FROM auth_changes "
                       f"WHERE at > (clock_timestamp() AT TIME ZONE 'UTC') - interval '{WINDOW_SECONDS} seconds'"),
    "sqlite": text("SELECT device_id, user_id FROM auth_changes "
                   f"WHERE at > strftime('%Y-%m-%d %H:%M:%f', 'now', '-{WINDOW_SECONDS} seconds')"),
}
_PRUNE = {
    "postgresql": text(f"DELETE FROM auth_changes WHERE at < (clock_timestamp() AT TIME ZONE 'UTC') "
                       f"- interval '{KEEP_HOURS} hours'"),
    "sqlite": text(f"DELETE FROM auth_changes WHERE at < strftime('%Y-%m-%d %H:%M:%f', 'now', '-{KEEP_HOURS} hours')"),
}


def heard_changes(session: Session) -> tuple[set[str], set[str]]:
    """(device ids, user ids) whose token checks changed in the last WINDOW_SECONDS."""
    devices, users = set(), set()
    for device_id, user_id in session.connection().execute(_RECENT[session.get_bind().dialect.name]):
        if device_id:
            devices.add(device_id)
        if user_id:
            users.add(user_id)
    return devices, users


def prune(session: Session) -> None:
    """Delete the changes no read will look at again (older than KEEP_HOURS)."""
    session.connection().execute(_PRUNE[session.get_bind().dialect.name])


def _read(sessions, pruning: bool) -> tuple[set[str], set[str]]:
    with sessions() as session:
        heard = heard_changes(session)
        if pruning:
            prune(session)
        end_read(session)  # COMMIT (also the prune's): a ROLLBACK would drop the connection's prepared statements
    return heard


async def listen(cache, sessions, period: float = PERIOD_SECONDS) -> None:
    """Keep `cache` (server.auth_cache.PrincipalCache) hearing the changes, until cancelled. A read
    that fails is logged and tried again next period; meanwhile the cache trusts no entry older
    than its `ttl`."""
    reads, failing = 0, False
    while True:
        started = time.monotonic()
        try:
            devices, users = await to_thread.run_sync(_read, sessions, reads % PRUNE_EVERY == PRUNE_EVERY - 1)
        except Exception as error:  # noqa: BLE001 — the database is away: tokens are read again meanwhile
            if not failing:
                log.warning("token cache: cannot read auth_changes (%s); tokens are checked in the database "
                            "until it can", type(error).__name__)
            failing = True
        else:
            cache.heard(started, devices, users)
            if failing:
                log.info("token cache: auth_changes readable again")
            failing = False
        reads += 1
        await asyncio.sleep(period)
