"""change log indexed by scope and server order

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 09:40:00

The history feed (`GET /history/feed`) reads its scope's change log entries after a sequence
number in server order, as a pull reads version heads (migration 0023): the same three indexes —
a township's scope key, a village's, and (region, server_seq) in place of the region index — so a
PC's feed reads its own entries instead of every entry of the city since it last looked.
"""

import sqlalchemy as sa
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_sync_change_log_region_seq', 'sync_change_log', ['region_code', 'server_seq'])
    op.create_index('ix_sync_change_log_scope9_seq', 'sync_change_log',
                    [sa.text('substr(region_code, 1, 9)'), 'server_seq'])
    op.create_index('ix_sync_change_log_scope12_seq', 'sync_change_log',
                    [sa.text('substr(region_code, 1, 12)'), 'server_seq'])
    op.drop_index('ix_sync_change_log_region_code', table_name='sync_change_log')


def downgrade() -> None:
    op.create_index('ix_sync_change_log_region_code', 'sync_change_log', ['region_code'])
    op.drop_index('ix_sync_change_log_scope12_seq', table_name='sync_change_log')
    op.drop_index('ix_sync_change_log_scope9_seq', table_name='sync_change_log')
    op.drop_index('ix_sync_change_log_region_seq', table_name='sync_change_log')
