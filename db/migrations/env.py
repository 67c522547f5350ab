"""Alembic environment for the client database: entity tables plus client-only tables."""

from alembic import context

import db.models  # noqa: F401
from db.base import Base
from db.client import ClientBase

target_metadata = [Base.metadata, ClientBase.metadata]


def run_migrations_online() -> None:
    engine = context.config.attributes["engine"]
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            compare_type=True,
        )
        context.run_migrations()


run_migrations_online()
