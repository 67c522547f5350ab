"""Sequence numbers (`server_seq`) and the committed cursor a pull may serve up to.

PostgreSQL: numbers come from the sequence `sync_seq`, with no lock held to commit. A transaction
about to take numbers first PUBLISHES a lower bound of them — a shared transaction-level advisory
lock on IN_FLIGHT_BASE + (the sequence's next value), visible in `pg_locks` at once and released
only after the transaction's commit (or rollback) is visible to new snapshots — and then calls
`nextval` — both in `td_take_numbers(n)`, which the push's numbering statement calls. The cursor a pull serves up to (`td_sync_upper()`, one round trip) is the last number
handed out, read BEFORE the published bounds, lowered to just below the oldest bound still held
in this database (`pg_locks` shows every database of the cluster; migration 0025).
So every number at or below it belongs to a transaction that has ended, and a pull reading rows in
a later snapshot sees all of them: pull never skips a number a slower transaction commits later.
Pushes number side by side; pulls wait on nothing and serve below the oldest push in flight.
(docs/decisions/0009-sequence-and-in-flight-watermark.md)

SQLite: one writer at a time anyway; numbers come from the `sync_counter` row under the database's
write lock, and the cursor is that row.
"""

from __future__ import annotations

from sqlalchemy import DDL, event, select, text, update
from sqlalchemy.orm import Session

from server.store.common import _is_postgres, init_store
from server.store.tables import SyncCounter

IN_FLIGHT_CLASS = 32000  # pg_locks.classid of the published bounds: keys IN_FLIGHT_BASE + n, n < 2**40
IN_FLIGHT_BASE = IN_FLIGHT_CLASS << 32
CURSOR_KEY = "td_cursor"  # Session.info: a cursor computed before the session's snapshot (snapshots)
UPPER_READ = "td_upper_read"  # Session.info: the last cursor `current_cursor` gave (a held change number)
NEXT_UPPER = "td_next_upper"  # Session.info: a cursor read along with an earlier statement, for the next read
HORIZON_KEY = "td_horizon"  # Session.info: the tombstone horizon, read with CURSOR_KEY for this session

SEQUENCE_DDL = "CREATE SEQUENCE IF NOT EXISTS sync_seq"
UPPER_DDL = f"""
CREATE OR REPLACE FUNCTION td_sync_upper() RETURNS bigint LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
    handed_out bigint;
    oldest bigint;
    here oid := (SELECT oid FROM pg_database WHERE datname = current_database());
BEGIN
    SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END INTO handed_out FROM sync_seq;
    SELECT min((classid::bigint << 32) + objid::bigint) - {IN_FLIGHT_BASE} INTO oldest FROM pg_locks
     WHERE locktype = 'advisory' AND database = here AND objsubid = 1
       AND classid >= {IN_FLIGHT_CLASS} AND classid < {IN_FLIGHT_CLASS + 256};
    RETURN CASE WHEN oldest IS NULL THEN handed_out ELSE LEAST(handed_out, oldest - 1) END;
END
$fn$"""
# Publish, then take n numbers, in one call (the push's numbering statement; migration 0022).
TAKE_DDL = f"""
CREATE OR REPLACE FUNCTION td_take_numbers(n integer) RETURNS bigint[] LANGUAGE plpgsql VOLATILE AS $fn$
BEGIN
    PERFORM pg_advisory_xact_lock_shared({IN_FLIGHT_BASE} + CASE WHEN is_called THEN last_value + 1 ELSE last_value END)
       FROM sync_seq;
    RETURN ARRAY(SELECT v FROM (SELECT nextval('sync_seq') AS v FROM generate_series(1, n)) s ORDER BY v);
END
$fn$"""
_TAKE = text("SELECT td_take_numbers(:n)")

# Tables made from the metadata (tests, the simulation) get the sequence and the function too; the
# migrations (server/migrations, 0007 and 0022) make them on an existing database.
for _ddl in (SEQUENCE_DDL, UPPER_DDL, TAKE_DDL):
    event.listen(SyncCounter.__table__, "after_create", DDL(_ddl).execute_if(dialect="postgresql"))


def take_numbers(session: Session, count: int) -> list[int]:
    """`count` new increasing sequence numbers for this transaction (not necessarily consecutive on
    PostgreSQL). On SQLite this takes the counter row, i.e. the write lock, until commit."""
    if count <= 0:
        return []
    if _is_postgres(session):  # publish, then take: one call (TAKE_DDL)
        return list(session.scalar(_TAKE, {"n": count}))
    raise_by = (update(SyncCounter).where(SyncCounter.id == 1).values(last_seq=SyncCounter.last_seq + count)
                .returning(SyncCounter.last_seq).execution_options(synchronize_session=False))
    last = session.execute(raise_by).scalar_one_or_none()
    if last is None:
        init_store(session)
        last = session.execute(raise_by).scalar_one()
    counter = session.identity_map.get(session.identity_key(SyncCounter, 1))
    if counter is not None:
        session.expire(counter)
    return list(range(last - count + 1, last + 1))


HORIZON_AND_UPPER = text("SELECT tombstone_horizon, td_sync_upper() FROM sync_counter WHERE id = 1")
UPPER = text("SELECT td_sync_upper()")


def horizon_and_upper(session: Session) -> int | None:
    """PostgreSQL: the tombstone horizon, read in one statement with the cursor a pull serves up to,
    which the next `current_cursor` call then takes instead of asking again (a no-op pull is then two
    statements). Safe as the cursor's own statement: it ends before the page's read begins, whose
    snapshot therefore holds every number up to it. A session opened with both read already (a pull
    on the event loop, server.shared_read) answers its `info[HORIZON_KEY]`. None on SQLite or in a
    session whose cursor alone is pinned (the caller reads the horizon alone)."""
    if HORIZON_KEY in session.info:
        return session.info.pop(HORIZON_KEY)
    if CURSOR_KEY in session.info or not _is_postgres(session):
        return None
    row = session.execute(HORIZON_AND_UPPER).first()
    if row is None:
        return 0
    session.info[NEXT_UPPER] = max(row[1] or 0, 0)
    return row[0] or 0


def current_cursor(session: Session) -> int:
    """The highest number a read may serve: every number at or below it is committed (or was never
    used). A session whose snapshot was opened after computing it carries it in `info[CURSOR_KEY]`."""
    upper = session.info.get(CURSOR_KEY)
    if upper is None:
        upper = session.info.pop(NEXT_UPPER, None)
    if upper is None and _is_postgres(session):
        upper = max(session.scalar(UPPER) or 0, 0)
    elif upper is None:
        upper = session.scalar(select(SyncCounter.last_seq).where(SyncCounter.id == 1)) or 0
    session.info[UPPER_READ] = upper
    return upper
