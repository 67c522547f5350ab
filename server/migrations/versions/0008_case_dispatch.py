"""cases: dispatched to a named village, grid or person; repeat appeals

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 02:45:00

分派 names where a case went (`dispatched_to`: a village or grid code in scope) and to whom
(`assignee`); a repeat appeal points at the case it repeats (`repeat_of`), confirmed by the clerk.
"""

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dispatched_to', sa.String(length=15), nullable=True))
        batch_op.add_column(sa.Column('assignee', sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column('repeat_of', sa.String(length=36), nullable=True))
        batch_op.create_index(batch_op.f('ix_cases_repeat_of'), ['repeat_of'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_repeat_of'))
        batch_op.drop_column('repeat_of')
        batch_op.drop_column('assignee')
        batch_op.drop_column('dispatched_to')
