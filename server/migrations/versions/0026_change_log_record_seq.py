"""a record's changes indexed in server order

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 16:30:00

A pull asks which of its page's records changed, between the device's cursor and the page's end,
only by that device (its echoes, server.store.read._echoes). With the index on (entity, record_id)
alone, PostgreSQL's generic plan also read the server-order index over the whole range and
intersected the two: the cost grew with every change of the city since the device's last pull
(0.2 ms at 2,000 changes, 1 ms at 10,000). With server_seq as the index's third column the range
is part of the record lookup: ~0.15 ms at any range (prof2 database, generic plan). The index
replaces the old one, which was its prefix.
"""

from alembic import op

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_sync_change_log_record_seq', 'sync_change_log', ['entity', 'record_id', 'server_seq'])
    op.drop_index('ix_sync_change_log_record', table_name='sync_change_log')


def downgrade() -> None:
    op.create_index('ix_sync_change_log_record', 'sync_change_log', ['entity', 'record_id'])
    op.drop_index('ix_sync_change_log_record_seq', table_name='sync_change_log')
