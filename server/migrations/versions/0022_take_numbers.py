"""a push publishes its in-flight bound and takes its numbers in one call

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 09:10:00

PostgreSQL: `td_take_numbers(n)` does what a push did in two round trips (server.store.numbering):
publish the lower bound of the numbers it is about to take (the shared advisory lock pulls read in
`pg_locks`), then take `n` numbers from `sync_seq`, in that order. The push's one numbering
statement calls it, so a push makes one round trip fewer. SQLite keeps the counter row.
"""

from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

# Kept here as written at this revision (the store's copy may change in a later one).
_TAKE = """
CREATE OR REPLACE FUNCTION td_take_numbers(n integer) RETURNS bigint[] LANGUAGE plpgsql VOLATILE AS $fn$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(137438953472000 + CASE WHEN is_called THEN last_value + 1 ELSE last_value END)
       FROM sync_seq;
    RETURN ARRAY(SELECT v FROM (SELECT nextval('sync_seq') AS v FROM generate_series(1, n)) s ORDER BY v);
END
$fn$"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_TAKE)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION IF EXISTS td_take_numbers(integer)")
