"""the changes that moved a record, indexed in server order

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07 04:00:00

Every pull asks which records moved out of its scope in (cursor, upper]: the change log's entries in
that range with an old region (server.store.read._moved_out). A change that moves a record is rare,
but the old region was indexed for every change, NULL included, and the pull read the primary key
over the whole range and kept the few with an old region: its cost grew with the city's changes
since the PC's cursor (0.07–0.8 ms a pull in the 100-PC mix, by the plan of the moment), and every
accepted change paid one more index entry. A partial index on server_seq over the entries that moved
a record answers the pull from just those, and a change that moves nothing enters no index for it.
"""

import sqlalchemy as sa
from alembic import op

revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None

MOVED = sa.text("old_region_code IS NOT NULL")


def upgrade() -> None:
    op.drop_index('ix_sync_change_log_old_region_code', table_name='sync_change_log')
    op.create_index('ix_sync_change_log_moved_seq', 'sync_change_log', ['server_seq'],
                    postgresql_where=MOVED, sqlite_where=MOVED)


def downgrade() -> None:
    op.drop_index('ix_sync_change_log_moved_seq', table_name='sync_change_log')
    op.create_index('ix_sync_change_log_old_region_code', 'sync_change_log', ['old_region_code'])
