"""open review marks: the 冲突待审 badge

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 06:20:00

Which records have an open review item on the city server, fetched after each sync, so lists and
details can show 冲突待审 beside 待上传 / 被退回 (offline too, as of the last sync).
"""

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'open_reviews',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('entity', sa.String(length=30), nullable=False),
        sa.Column('record_id', sa.String(length=36), nullable=False),
        sa.Column('related_record_id', sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_open_reviews')),
    )
    with op.batch_alter_table('open_reviews') as batch_op:
        batch_op.create_index(batch_op.f('ix_open_reviews_record_id'), ['record_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_open_reviews_related_record_id'), ['related_record_id'], unique=False)


def downgrade() -> None:
    op.drop_table('open_reviews')
