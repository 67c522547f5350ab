"""sequence numbers from a PostgreSQL sequence

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 02:50:00

On PostgreSQL, pushes take their numbers from the sequence `sync_seq` instead of the counter row
(which held a lock until each push committed), and pulls serve up to `td_sync_upper()`: the last
number handed out, lowered below the oldest number a push still has in flight (server.store.numbering,
docs/decisions/0009). The sequence continues from the counter. SQLite keeps the counter row.
"""

from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# Kept here as written at this revision (the store's copy may change in a later one).
_UPPER = """
CREATE OR REPLACE FUNCTION td_sync_upper() RETURNS bigint LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
    handed_out bigint;
    oldest bigint;
BEGIN
    SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END INTO handed_out FROM sync_seq;
    SELECT min((classid::bigint << 32) + objid::bigint) - 137438953472000 INTO oldest FROM pg_locks
     WHERE locktype = 'advisory' AND objsubid = 1 AND classid >= 32000 AND classid < 32256;
    RETURN CASE WHEN oldest IS NULL THEN handed_out ELSE LEAST(handed_out, oldest - 1) END;
END
$fn$"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE SEQUENCE IF NOT EXISTS sync_seq")
    op.execute("SELECT setval('sync_seq', GREATEST(COALESCE((SELECT last_seq FROM sync_counter WHERE id = 1), 0), 1), "
               "COALESCE((SELECT last_seq FROM sync_counter WHERE id = 1), 0) > 0)")
    op.execute(_UPPER)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("UPDATE sync_counter SET last_seq = (SELECT CASE WHEN is_called THEN last_value ELSE 0 END "
               "FROM sync_seq) WHERE id = 1")
    op.execute("DROP FUNCTION IF EXISTS td_sync_upper()")
    op.execute("DROP SEQUENCE IF EXISTS sync_seq")
