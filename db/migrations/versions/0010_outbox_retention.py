"""accepted changes kept for a restored server

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 03:30:00

The outbox keeps accepted changes (state "accepted", with the server_seq they were given and when)
for a retention window, so a device can offer them again to a city server restored from a backup
that predates them.
"""

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox') as batch:
        batch.add_column(sa.Column('server_seq', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('settled_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox') as batch:
        batch.drop_column('settled_at')
        batch.drop_column('server_seq')
