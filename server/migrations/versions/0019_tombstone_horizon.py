"""tombstone collection: the horizon and how far each device has pulled

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 06:20:00

`sync_counter.tombstone_horizon`: deleted records at or below it were removed (server/tombstones.py);
`sync_device_state.pulled_to` / `pulled_at`: how far each device has pulled, what the horizon is
computed from. Devices have pulled nowhere yet as far as this database knows: the first collection
after the upgrade waits until active devices have pulled once.
"""

import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sync_counter') as batch:
        batch.add_column(sa.Column('tombstone_horizon', sa.BigInteger(), nullable=False, server_default='0'))
    with op.batch_alter_table('sync_device_state') as batch:
        batch.add_column(sa.Column('pulled_to', sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column('pulled_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('sync_device_state') as batch:
        batch.drop_column('pulled_at')
        batch.drop_column('pulled_to')
    with op.batch_alter_table('sync_counter') as batch:
        batch.drop_column('tombstone_horizon')
