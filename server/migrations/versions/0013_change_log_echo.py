"""change log: echo flag

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 03:00:00

`sync_change_log.echo`: the change took effect exactly as its device sent it, so that device's pull
does not send the record back (server.store.read.pull). Existing entries are not echoes.
"""

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sync_change_log') as batch:
        batch.add_column(sa.Column('echo', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('sync_change_log') as batch:
        batch.drop_column('echo')
