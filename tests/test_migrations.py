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


def test_life_events_migration_maps_the_abolished_codes(tmp_path):
    """A database written before the code tables were corrected: 农业/非农业 households become
    居民户口, 外出 persons become 在册 with 人员类别 外出; the life-event columns arrive empty."""
    from alembic import command
    from sqlalchemy import create_engine, text

    from db.engine import alembic_config

    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    command.upgrade(alembic_config(engine), "0003")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO households (id, deleted, deletion_gen, household_no, region_code, household_kind,"
                          " hukou_type, address, notes) VALUES ('h1', 0, 0, '150422100201010001', '150422100201',"
                          " '1', '2', '', '')"))
        conn.execute(text("INSERT INTO persons (id, deleted, deletion_gen, household_id, region_code, name, id_type,"
                          " hukou_address, current_address, residence_type, status, notes, search_initials,"
                          " search_id_rev, search_phone_rev) VALUES ('p1', 0, 0, 'h1', '150422100201', '张三', '01',"
                          " '', '', '1', '2', '', 'zs', '', '')"))
    command.upgrade(alembic_config(engine), "head")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT hukou_type FROM households")).scalar() == "3"
        assert conn.execute(text("SELECT status, residence_type, moved_out_on, moved_out_to FROM persons")).one() \
            == ("1", "4", None, "")
    engine.dispose()
