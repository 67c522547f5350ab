"""version heads indexed by scope and server order

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 09:30:00

A pull asks for its scope's version heads after its cursor, in server order. With only a
server_seq index and a region index, the database scanned every head changed in the whole city
since the cursor and kept the scope's: a pull's cost grew with the city, not with the scope (a
village PC a day behind read a million index entries for a few hundred records). The heads are now
indexed by the scope key of a township (the first 9 characters of the region code) and of a
village (12) with server_seq, and by region with server_seq (a grid, and the regions above a
scope); server.store.read reads each part in order and merges them. The region index is replaced by
the (region, server_seq) one, which serves its prefix searches too.
"""

import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_sync_record_versions_region_seq', 'sync_record_versions', ['region_code', 'server_seq'])
    op.create_index('ix_sync_record_versions_scope9_seq', 'sync_record_versions',
                    [sa.text('substr(region_code, 1, 9)'), 'server_seq'])
    op.create_index('ix_sync_record_versions_scope12_seq', 'sync_record_versions',
                    [sa.text('substr(region_code, 1, 12)'), 'server_seq'])
    op.drop_index('ix_sync_record_versions_region_code', table_name='sync_record_versions')


def downgrade() -> None:
    op.create_index('ix_sync_record_versions_region_code', 'sync_record_versions', ['region_code'])
    op.drop_index('ix_sync_record_versions_scope12_seq', table_name='sync_record_versions')
    op.drop_index('ix_sync_record_versions_scope9_seq', table_name='sync_record_versions')
    op.drop_index('ix_sync_record_versions_region_seq', table_name='sync_record_versions')
