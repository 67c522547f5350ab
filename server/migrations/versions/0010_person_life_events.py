"""life events and the current code tables

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 03:00:00

Persons gain their life events — 迁入 (date, from), 迁出 (date, to), 死亡 (date). The code tables
follow the 2014 户籍 reform and keep 外出 in one place: 户口类型 农业 (2) and 非农业 (1) become
居民户口 (3); a person whose 人员状态 was 外出 (2) is 在册 (1) with 人员类别 外出 (4). The old
entries stay in the code tables, inactive, so old records and printouts still read. The client
runs the same mapping, so both ends agree without a sync.
"""

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('persons') as batch:
        batch.add_column(sa.Column('moved_in_on', sa.Date(), nullable=True))
        batch.add_column(sa.Column('moved_in_from', sa.String(length=100), nullable=False, server_default=''))
        batch.add_column(sa.Column('moved_out_on', sa.Date(), nullable=True))
        batch.add_column(sa.Column('moved_out_to', sa.String(length=100), nullable=False, server_default=''))
        batch.add_column(sa.Column('died_on', sa.Date(), nullable=True))
    op.execute("UPDATE households SET hukou_type = '3' WHERE hukou_type IN ('1', '2')")
    op.execute("UPDATE persons SET status = '1', residence_type = '4' WHERE status = '2'")


def downgrade() -> None:
    with op.batch_alter_table('persons') as batch:
        for name in ('died_on', 'moved_out_to', 'moved_out_on', 'moved_in_from', 'moved_in_on'):
            batch.drop_column(name)
