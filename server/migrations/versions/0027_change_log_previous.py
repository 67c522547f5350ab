"""change log: each change's old values

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 21:40:00

`sync_change_log.previous`: the values the change's written fields held before it. The history
(`/history/feed`, which every PC follows after each sync, and a record's history) showed each
field's old → new by replaying the record's whole log, so a feed entry cost grew with its record's
history: 2.7 ms of app CPU per entry on a database whose households had a few dozen changes each.
Entries written from now on carry their old values; older ones (NULL) are still replayed.
"""

import sqlalchemy as sa
from alembic import op

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


# Plain ALTER TABLE on both databases (SQLite 3.35+ drops a column in place): a batch operation would
# copy the table on SQLite and lose its expression indexes (migration 0024), which it cannot reflect.


def upgrade() -> None:
    op.add_column('sync_change_log', sa.Column('previous', sa.JSON(), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE sync_change_log DROP COLUMN previous")
