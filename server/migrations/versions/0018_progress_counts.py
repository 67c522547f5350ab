"""department progress grid kept as a summary

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 06:10:00

The console's cross-township progress page grouped every target of a department (200,000 for 100
townships × 2,000 tasks) on each load. `progress_counts` holds the same counts per department,
township, status and deadline; the push path keeps it current (server/store/progress.py). Filled
here from the targets already held.
"""

import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('progress_counts',
    sa.Column('department_code', sa.String(length=20), nullable=False),
    sa.Column('township', sa.String(length=9), nullable=False),
    sa.Column('status', sa.String(length=2), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.Column('targets', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('department_code', 'township', 'status', 'due_at', name=op.f('pk_progress_counts'))
    )
    op.execute("""INSERT INTO progress_counts (department_code, township, status, due_at, targets)
        SELECT k.department_code, substr(t.region_code, 1, 9), t.status, k.due_at, count(*)
        FROM task_targets t JOIN tasks k ON k.id = t.task_id
        WHERE t.deleted = false AND k.deleted = false
        GROUP BY k.department_code, substr(t.region_code, 1, 9), t.status, k.due_at""")


def downgrade() -> None:
    op.drop_table('progress_counts')
