"""record history kept on the client

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 03:30:00

The lines of each record's history this PC wrote (recorded by capture with the change) or fetched
from the city server's change log, so a household's or person's history reads offline.
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'record_history',
        sa.Column('change_id', sa.String(length=36), nullable=False),
        sa.Column('field', sa.String(length=50), nullable=False),
        sa.Column('entity', sa.String(length=30), nullable=False),
        sa.Column('record_id', sa.String(length=36), nullable=False),
        sa.Column('old', sa.JSON(), nullable=True),
        sa.Column('new', sa.JSON(), nullable=True),
        sa.Column('username', sa.String(length=50), nullable=False),
        sa.Column('device_id', sa.String(length=36), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('origin', sa.String(length=10), nullable=False),
        sa.Column('source', sa.String(length=10), nullable=False),
        sa.Column('server_seq', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('change_id', 'field', name=op.f('pk_record_history')),
    )
    with op.batch_alter_table('record_history') as batch_op:
        batch_op.create_index(batch_op.f('ix_record_history_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_record_history_record_id'), ['record_id'], unique=False)


def downgrade() -> None:
    op.drop_table('record_history')
