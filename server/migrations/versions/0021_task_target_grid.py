"""task targets may name a grid

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 06:40:00

Schema 3: a department may send a task to single grids (网格) picked from the region tree; the
target keeps its village in `region_code` and the grid in `grid_code`, its scope code.
"""

import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('task_targets') as batch:
        batch.add_column(sa.Column('grid_code', sa.String(length=15), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('task_targets') as batch:
        batch.drop_column('grid_code')
