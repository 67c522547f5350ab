"""duplicate candidates: the last likely-duplicate scan's findings

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 06:25:00

The daily (and on-demand) scan of the jurisdiction for likely duplicates keeps its pairs, so the
review page shows them at once and after a restart.
"""

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'duplicate_candidates',
        sa.Column('first_id', sa.String(length=36), nullable=False),
        sa.Column('second_id', sa.String(length=36), nullable=False),
        sa.Column('first_name', sa.String(length=50), nullable=False),
        sa.Column('second_name', sa.String(length=50), nullable=False),
        sa.Column('score', sa.Integer(), nullable=False),
        sa.Column('reasons', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('first_id', 'second_id', name=op.f('pk_duplicate_candidates')),
    )


def downgrade() -> None:
    op.drop_table('duplicate_candidates')
