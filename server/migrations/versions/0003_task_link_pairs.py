"""task links folded by (target, household)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 02:40:00

Links are found by the pair they join, not by a derived id; a household linked twice to one
target under different ids (a seeded link, then an older client's relink) is folded into one row
and the target's progress recounted (db.link_repair; every client runs the same repair).
"""

from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    from db.link_repair import repair_task_links

    repair_task_links(op.get_bind())


def downgrade() -> None:
    pass  # the folded duplicates stay tombstoned: they were one link
