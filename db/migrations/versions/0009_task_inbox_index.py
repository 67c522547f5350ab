"""task inbox: targets by status within a scope

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 03:30:00

The task inbox counts its groups (open ones by deadline, finished ones) per status inside the
reader's region scope; this index answers those counts without reading the table.
"""

from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('task_targets', schema=None) as batch_op:
        batch_op.create_index('ix_task_targets_status_scope',
                              ['status', 'region_code', 'assigned_region_code', 'task_id', 'deleted'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('task_targets', schema=None) as batch_op:
        batch_op.drop_index('ix_task_targets_status_scope')
