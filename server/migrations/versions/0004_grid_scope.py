"""records scoped by their grid

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 02:40:00

Households, persons and cases are now scoped by their grid (15 characters) when they have one, so a
grid worker reads and writes only its grid (db.base.scope_columns). Their version heads carried the
village code; this sets each head's scope code to the record's grid.
"""

from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

_GRIDDED = (("household", "households"), ("person", "persons"), ("case", "cases"))


def upgrade() -> None:
    for entity, table in _GRIDDED:
        op.execute(f"""
            UPDATE sync_record_versions SET region_code = (
                SELECT t.grid_code FROM {table} t WHERE t.id = sync_record_versions.record_id)
            WHERE entity = '{entity}' AND EXISTS (
                SELECT 1 FROM {table} t WHERE t.id = sync_record_versions.record_id
                AND t.grid_code IS NOT NULL AND t.grid_code <> '')""")


def downgrade() -> None:
    for entity, table in _GRIDDED:
        op.execute(f"""
            UPDATE sync_record_versions SET region_code = (
                SELECT t.region_code FROM {table} t WHERE t.id = sync_record_versions.record_id)
            WHERE entity = '{entity}' AND length(region_code) > 12""")
