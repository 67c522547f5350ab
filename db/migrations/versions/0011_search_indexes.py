"""global search: covering indexes for addresses and titles

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 06:10:00

The window's global search (Ctrl+F) matches Chinese text inside household addresses and case and
task titles; no B-tree orders substrings, so each lookup is one pass over an index that holds the
text beside what the lookup filters and sorts on, instead of over the tables (app/client/global_search.py).
"""

from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

INDEXES = {
    'households': ('ix_households_search', ['region_code', 'grid_code', 'deleted', 'merged_into', 'household_no',
                                            'address']),
    'cases': ('ix_cases_search', ['registered_at', 'region_code', 'grid_code', 'deleted', 'case_no', 'title', 'id']),
    'tasks': ('ix_tasks_search', ['due_at', 'deleted', 'task_no', 'title', 'id']),
}


def upgrade() -> None:
    for table, (name, columns) in INDEXES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(name, columns, unique=False)


def downgrade() -> None:
    for table, (name, _columns) in INDEXES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(name)
