"""the leader's case outcomes kept as summaries

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 06:20:00

The leader's overview grouped every case twice per load (by township and category, by month) and
counted distinct phones for repeat appeals. `case_town_counts`, `case_month_counts` and
`case_phone_counts` hold those counts, `case_open_counts` the open cases by deadline day; the push path keeps them current (server/store/case_counts.py).
Filled here from the cases already held, by the same code that rebuilds them after a bulk load.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('case_town_counts',
    sa.Column('township', sa.String(length=9), nullable=False),
    sa.Column('category_code', sa.String(length=10), nullable=False),
    sa.Column('outcome', sa.String(length=1), nullable=False),
    sa.Column('rating', sa.String(length=1), nullable=False),
    sa.Column('cases', sa.Integer(), nullable=False),
    sa.Column('repeats', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('township', 'category_code', 'outcome', 'rating', name=op.f('pk_case_town_counts'))
    )
    op.create_table('case_month_counts',
    sa.Column('township', sa.String(length=9), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('outcome', sa.String(length=1), nullable=False),
    sa.Column('rating', sa.String(length=1), nullable=False),
    sa.Column('cases', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('township', 'month', 'outcome', 'rating', name=op.f('pk_case_month_counts'))
    )
    op.create_table('case_phone_counts',
    sa.Column('township', sa.String(length=9), nullable=False),
    sa.Column('category_code', sa.String(length=10), nullable=False),
    sa.Column('phone_sha256', sa.String(length=64), nullable=False),
    sa.Column('cases', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('township', 'category_code', 'phone_sha256', name=op.f('pk_case_phone_counts'))
    )
    op.create_table('case_open_counts',
    sa.Column('township', sa.String(length=9), nullable=False),
    sa.Column('category_code', sa.String(length=10), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('deadline_on', sa.Date(), nullable=False),
    sa.Column('cases', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('township', 'category_code', 'month', 'deadline_on', name=op.f('pk_case_open_counts'))
    )
    from server.store.case_counts import rebuild

    with Session(bind=op.get_bind()) as session:
        rebuild(session)
        session.flush()


def downgrade() -> None:
    op.drop_table('case_open_counts')
    op.drop_table('case_phone_counts')
    op.drop_table('case_month_counts')
    op.drop_table('case_town_counts')
