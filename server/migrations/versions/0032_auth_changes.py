"""who must be checked again: auth_changes, written by triggers on devices and users

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-07 08:00:00

Each worker caches who a token belongs to. It trusted an entry 5 seconds, so a PC syncing every few
minutes missed on nearly every sync, and a miss about doubled a sync's cost when nothing was new
(1.5-1.7 ms against 0.8 ms of app + PostgreSQL CPU for a no-op pull). Entries are now kept 15
minutes while the worker hears, once a second, every change to who may use a token. Triggers write
those changes (a device revoked, wiped, renewed, logged out or moved to another user; a user
disabled, renamed or given another role, scope or department; either deleted), so they are heard
however the row was changed (server.auth_changes, decision 0049).
"""

import sqlalchemy as sa
from alembic import op

revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None

DEVICE_COLUMNS = ("revoked", "wipe", "token_hash", "token_expires_at", "user_id")
USER_COLUMNS = ("active", "role", "scope_prefix", "department_code", "username")


def _postgres(table, columns, who):
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)
    return [f"""
CREATE OR REPLACE FUNCTION td_auth_{table}_changed() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    INSERT INTO auth_changes (at, {who})
    VALUES (clock_timestamp() AT TIME ZONE 'UTC', CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END);
    RETURN NULL;
END
$fn$""",
            f"CREATE TRIGGER td_auth_{table}_update AFTER UPDATE OF {', '.join(columns)} ON {table} "
            f"FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION td_auth_{table}_changed()",
            f"CREATE TRIGGER td_auth_{table}_delete AFTER DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION td_auth_{table}_changed()"]


def _sqlite(table, columns, who):
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)
    now = "strftime('%Y-%m-%d %H:%M:%f', 'now')"
    return [f"CREATE TRIGGER td_auth_{table}_update AFTER UPDATE OF {', '.join(columns)} ON {table} "
            f"FOR EACH ROW WHEN {changed} BEGIN INSERT INTO auth_changes (at, {who}) VALUES ({now}, NEW.id); END",
            f"CREATE TRIGGER td_auth_{table}_delete AFTER DELETE ON {table} "
            f"FOR EACH ROW BEGIN INSERT INTO auth_changes (at, {who}) VALUES ({now}, OLD.id); END"]


def upgrade() -> None:
    op.create_table('auth_changes',
                    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
                    sa.Column('at', sa.DateTime(), nullable=False),
                    sa.Column('device_id', sa.String(length=36), nullable=True),
                    sa.Column('user_id', sa.String(length=36), nullable=True),
                    sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_auth_changes_at', 'auth_changes', ['at'])
    build = _postgres if op.get_bind().dialect.name == "postgresql" else _sqlite
    for statement in [*build("devices", DEVICE_COLUMNS, "device_id"), *build("users", USER_COLUMNS, "user_id")]:
        op.execute(statement)


def downgrade() -> None:
    for table in ("devices", "users"):
        for kind in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS td_auth_{table}_{kind}" +
                       (f" ON {table}" if op.get_bind().dialect.name == "postgresql" else ""))
        if op.get_bind().dialect.name == "postgresql":
            op.execute(f"DROP FUNCTION IF EXISTS td_auth_{table}_changed()")
    op.drop_index('ix_auth_changes_at', table_name='auth_changes')
    op.drop_table('auth_changes')
