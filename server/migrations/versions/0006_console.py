"""city console: browser sessions and the department request catalogue

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 02:40:00

`console_sessions` keeps browser logins to the city console (cookie HMAC, CSRF token, expiry);
`request_catalogue` is 报表准入: the data requests (and their register fields) a department may send
down, proposed by the department and approved or refused by the city admin.
"""

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('request_catalogue',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('department_code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('proposed_by', sa.String(length=50), nullable=False),
    sa.Column('proposed_at', sa.DateTime(), nullable=False),
    sa.Column('decided_by', sa.String(length=50), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_request_catalogue'))
    )
    op.create_index(op.f('ix_request_catalogue_department_code'), 'request_catalogue', ['department_code'], unique=False)
    op.create_table('console_sessions',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=36), nullable=False),
    sa.Column('csrf_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_console_sessions_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_console_sessions'))
    )
    op.create_index(op.f('ix_console_sessions_expires_at'), 'console_sessions', ['expires_at'], unique=False)
    op.create_index(op.f('ix_console_sessions_user_id'), 'console_sessions', ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_console_sessions_user_id'), table_name='console_sessions')
    op.drop_index(op.f('ix_console_sessions_expires_at'), table_name='console_sessions')
    op.drop_table('console_sessions')
    op.drop_index(op.f('ix_request_catalogue_department_code'), table_name='request_catalogue')
    op.drop_table('request_catalogue')
