"""server epochs: restores announced to devices

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 03:00:00

The installation id and the epoch of the database (server/identity.py). The first epoch is made on
the first start after this migration.
"""

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'server_epochs',
        sa.Column('epoch', sa.String(length=36), nullable=False),
        sa.Column('installation_id', sa.String(length=36), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('started_by', sa.String(length=50), nullable=False),
        sa.Column('head_at_start', sa.BigInteger(), nullable=False),
        sa.Column('pg_timeline', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('epoch', name=op.f('pk_server_epochs')),
    )
    with op.batch_alter_table('server_epochs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_server_epochs_started_at'), ['started_at'], unique=False)


def downgrade() -> None:
    op.drop_table('server_epochs')
