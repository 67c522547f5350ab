"""review items numbered when they come and go, for incremental review marks

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07 01:00:00

Every PC asked for all the open review items of its jurisdiction (up to 5,000) after each sync
that moved anything; a township with a backlog got thousands of marks, unchanged, every few
minutes. A resolution now takes a sequence number (`resolved_seq`) as a push's change does, and an
item's `server_seq` is the number of the change that raised it, so the marks that came or went
between two of a PC's pull cursors are a range of these two indexed columns (server.review_marks,
decision 0038). Items resolved before this migration have no number: a PC's first incremental
fetch is a full one anyway.
"""

import sqlalchemy as sa
from alembic import op

revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('sync_review_items', sa.Column('resolved_seq', sa.BigInteger(), nullable=True))
    op.create_index('ix_sync_review_items_server_seq', 'sync_review_items', ['server_seq'])
    op.create_index('ix_sync_review_items_resolved_seq', 'sync_review_items', ['resolved_seq'])


def downgrade() -> None:
    op.drop_index('ix_sync_review_items_resolved_seq', table_name='sync_review_items')
    op.drop_index('ix_sync_review_items_server_seq', table_name='sync_review_items')
    op.execute("ALTER TABLE sync_review_items DROP COLUMN resolved_seq")  # in place, as 0027
