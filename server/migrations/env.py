"""Alembic environment for the city server: entity tables plus server-only tables (sync bookkeeping
from server.store.tables, accounts from server.models), on SQLite or PostgreSQL."""

from alembic import context

import db.models  # noqa: F401
import server.models  # noqa: F401  (registers accounts tables on ServerBase)
from db.base import Base
from server.store.tables import ServerBase

target_metadata = [Base.metadata, ServerBase.metadata]


def run_migrations_online() -> None:
    engine = context.config.attributes["engine"]
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        context.run_migrations()


run_migrations_online()
