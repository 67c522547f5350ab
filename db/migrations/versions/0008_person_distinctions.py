"""person distinctions (不是同一人)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 03:40:00

A clerk's decision that two likely duplicates are different people, synced so no PC proposes the
pair again.
"""

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'person_distinctions',
        sa.Column('first_person_id', sa.String(length=36), nullable=False),
        sa.Column('second_person_id', sa.String(length=36), nullable=False),
        sa.Column('region_code', sa.String(length=12), nullable=False),
        sa.Column('decided_by', sa.String(length=50), nullable=False),
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('deleted', sa.Boolean(), server_default='0', nullable=False),
        sa.Column('deletion_gen', sa.Integer(), server_default='0', nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_person_distinctions')),
    )
    with op.batch_alter_table('person_distinctions') as batch_op:
        batch_op.create_index(batch_op.f('ix_person_distinctions_first_person_id'), ['first_person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_distinctions_second_person_id'), ['second_person_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_person_distinctions_region_code'), ['region_code'], unique=False)


def downgrade() -> None:
    op.drop_table('person_distinctions')
