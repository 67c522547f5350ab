"""task links name a person; data requests carry their purpose

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 06:30:00

Schema 3: a task link may name the person it concerns (linked as a person, or the household member
whose data 一表通 confirmed) and lists the requested fields that confirmation corrected; a task
carries the purpose of the request catalogue entry it was issued under.
"""

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('task_links') as batch:
        batch.add_column(sa.Column('person_id', sa.String(length=36), nullable=True))
        batch.add_column(sa.Column('corrected', sa.JSON(), nullable=False, server_default='[]'))
        batch.create_index(batch.f('ix_task_links_person_id'), ['person_id'], unique=False)
    with op.batch_alter_table('tasks') as batch:
        batch.add_column(sa.Column('request_purpose', sa.Text(), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('tasks') as batch:
        batch.drop_column('request_purpose')
    with op.batch_alter_table('task_links') as batch:
        batch.drop_index(batch.f('ix_task_links_person_id'))
        batch.drop_column('corrected')
        batch.drop_column('person_id')
