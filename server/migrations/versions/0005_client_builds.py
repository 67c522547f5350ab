"""client builds on the update channel

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 03:00:00

Signed desktop client builds published by the city administrator (server/updates.py); the files
themselves live in the builds directory, outside the database.
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'client_builds',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('version', sa.String(length=20), nullable=False),
        sa.Column('platform', sa.String(length=40), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('signature', sa.String(length=200), nullable=False),
        sa.Column('notes', sa.Text(), nullable=False),
        sa.Column('published_by', sa.String(length=50), nullable=False),
        sa.Column('published_at', sa.DateTime(), nullable=False),
        sa.Column('withdrawn', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_client_builds')),
    )
    with op.batch_alter_table('client_builds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_client_builds_platform'), ['platform'], unique=False)
        batch_op.create_index('ix_client_builds_platform_version', ['platform', 'version'], unique=True)


def downgrade() -> None:
    op.drop_table('client_builds')
