"""the pull's cursor looks only at this database's pushes in flight

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 16:00:00

`td_sync_upper()` lowers the cursor a pull may serve up to below the oldest push still in flight,
which publishes its bound as an advisory lock (server.store.numbering). `pg_locks` lists the locks
of every database of the cluster, and the function did not filter by database: a push in flight in
another database on the same PostgreSQL (a second city, a staging copy, a test database) held this
one's pulls back — never unsafe, but a pull could then miss a push another device had just been
answered for, and a long transaction elsewhere stalled every pull here. Now only this database's
bounds count.
"""

from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

# Kept here as written at this revision (the store's copy may change in a later one).
_UPPER = """
CREATE OR REPLACE FUNCTION td_sync_upper() RETURNS bigint LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
    handed_out bigint;
    oldest bigint;
    here oid := (SELECT oid FROM pg_database WHERE datname = current_database());
BEGIN
    SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END INTO handed_out FROM sync_seq;
    SELECT min((classid::bigint << 32) + objid::bigint) - 137438953472000 INTO oldest FROM pg_locks
     WHERE locktype = 'advisory' AND database = here AND objsubid = 1
       AND classid >= 32000 AND classid < 32256;
    RETURN CASE WHEN oldest IS NULL THEN handed_out ELSE LEAST(handed_out, oldest - 1) END;
END
$fn$"""

# As migration 0007 wrote it.
_UPPER_BEFORE = """
CREATE OR REPLACE FUNCTION td_sync_upper() RETURNS bigint LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
    handed_out bigint;
    oldest bigint;
BEGIN
    SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END INTO handed_out FROM sync_seq;
    SELECT min((classid::bigint << 32) + objid::bigint) - 137438953472000 INTO oldest FROM pg_locks
     WHERE locktype = 'advisory' AND objsubid = 1
       AND classid >= 32000 AND classid < 32256;
    RETURN CASE WHEN oldest IS NULL THEN handed_out ELSE LEAST(handed_out, oldest - 1) END;
END
$fn$"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_UPPER)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_UPPER_BEFORE)
