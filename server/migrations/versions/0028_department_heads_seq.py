"""the heads a department sees, indexed in server order

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-06 22:00:00

A department's pull reads the heads of its tasks and cases (with their targets, links, feedback,
log and whistles) and the city-wide code entries after its cursor, in server order. No scope index
serves it (a department sees by relation, not by region), so it scanned the server_seq index over
the whole range, every household and person of the city included. A partial index on server_seq
over only the rows of those entities lets the pull read just them (server.department_pull,
decision 0037); its predicate is server.department_pull.DEPARTMENT_ENTITIES, written out.
Household and person changes, most of a city's, are not entered in it.
"""

import sqlalchemy as sa
from alembic import op

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None

WHERE = sa.text("entity IN ('code_entry', 'task', 'task_target', 'task_link', 'task_feedback', 'case', "
                "'case_log', 'case_whistle')")


def upgrade() -> None:
    op.create_index('ix_sync_record_versions_dept_seq', 'sync_record_versions', ['server_seq'],
                    postgresql_where=WHERE, sqlite_where=WHERE)


def downgrade() -> None:
    op.drop_index('ix_sync_record_versions_dept_seq', table_name='sync_record_versions')
