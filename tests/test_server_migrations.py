"""The server migrations build exactly the tables the models declare, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import db.models  # noqa: F401
import server.models  # noqa: F401
from db.base import Base
from server.db import current_revision, head_revision, make_server_engine, upgrade
from server.store.tables import ServerBase
from tests.server.databases import BACKENDS, fresh_database


@pytest.mark.parametrize("backend", BACKENDS)
def test_migrated_database_matches_the_models(backend, tmp_path):
    with fresh_database(backend, tmp_path) as url:
        engine = make_server_engine(url)
        try:
            upgrade(engine)
            assert current_revision(engine) == head_revision()
            with engine.connect() as conn:
                ctx = MigrationContext.configure(conn, opts={"compare_type": True})
                diff = compare_metadata(ctx, [Base.metadata, ServerBase.metadata])
            assert diff == []
            tables = set(inspect(engine).get_table_names())
            assert {"users", "devices", "sync_change_log", "households", "channel_submissions"} <= tables
        finally:
            engine.dispose()
