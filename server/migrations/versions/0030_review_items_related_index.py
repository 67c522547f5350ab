"""the other record of a review item indexed

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07 01:30:00

When a push finds a second active record with a key another holds (an ID number, a village's
household number), it asks whether the pair was raised for review already: review items of that
kind with the record on either side. Only `record_id` was indexed, so the OR read every review item
of the city, inside the push's transaction (server.store.push.flagged_pairs). With
`related_record_id` indexed too, PostgreSQL reads both sides through their indexes.
"""

from alembic import op

revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_sync_review_items_related_record_id', 'sync_review_items', ['related_record_id'])


def downgrade() -> None:
    op.drop_index('ix_sync_review_items_related_record_id', table_name='sync_review_items')
