"""The models and the migrations agree; opening an old database keeps a copy and upgrades it."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

import db.models  # noqa: F401
from db.base import Base
from db.client import ClientBase
from db.engine import current_revision, head_revision, make_engine, open_local


def test_autogenerate_finds_no_difference(engine):
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
        diff = compare_metadata(ctx, [Base.metadata, ClientBase.metadata])
    assert diff == []


def test_new_database_is_at_head_with_wal_and_foreign_keys(engine):
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert {"households", "persons", "outbox", "cases"} <= set(inspect(engine).get_table_names())


def test_opening_an_unmigrated_file_copies_it_aside_first(tmp_path):
    path = tmp_path / "old.db"
    legacy = make_engine(path)
    with legacy.begin() as conn:
        conn.execute(text("CREATE TABLE keepme (x INTEGER)"))
        conn.execute(text("INSERT INTO keepme VALUES (42)"))
    legacy.dispose()

    eng = open_local(path)
    backups = list(tmp_path.glob("old.db.base.bak"))
    assert len(backups) == 1
    copy = make_engine(backups[0])
    with copy.connect() as conn:
        assert conn.execute(text("SELECT x FROM keepme")).scalar() == 42
        assert "households" not in inspect(conn).get_table_names()
    assert current_revision(eng) == head_revision()
    # Opening again at head makes no further copy.
    eng.dispose()
    open_local(path).dispose()
    assert len(list(tmp_path.glob("*.bak"))) == 1
