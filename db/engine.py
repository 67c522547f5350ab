"""Engines and sessions for the local (client) database.

Opening a local database: if the file exists and is behind the migrations, it is first copied
aside (`<name>.<revision>.bak`), then upgraded to head with alembic; a new file is created at head.
SQLite runs in WAL mode with foreign keys on (deferrable FKs let a sync batch arrive in any order
within one transaction)."""

from __future__ import annotations

import shutil
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import URL, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

import db.search_keys  # noqa: F401  (installs the search-key hook on every Session)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def sqlite_url(path: str | Path, key: str | None = None) -> URL:
    if key:
        return URL.create("sqlite+pysqlcipher", password=key, database=str(Path(path).resolve()))
    return URL.create("sqlite+pysqlite", database=str(Path(path).resolve()))


def _set_sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def make_engine(path: str | Path, key: str | None = None) -> Engine:
    """An engine on a local SQLite (or SQLCipher when `key` is given) file, pragmas applied."""
    engine = create_engine(sqlite_url(path, key))
    event.listen(engine, "connect", _set_sqlite_pragmas)
    return engine


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config(None)).get_current_head()  # type: ignore[arg-type]


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> None:
    command.upgrade(alembic_config(engine), "head")


def open_local(path: str | Path, key: str | None = None) -> Engine:
    """Open (creating if needed) a local database and bring it to the head revision, keeping a
    copy of the previous file before any migration touches it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    existed = path.exists() and path.stat().st_size > 0
    engine = make_engine(path, key)
    current = current_revision(engine)
    if current != head_revision():
        if existed:
            engine.dispose()  # checkpoint the WAL into the file before copying it
            shutil.copy2(path, path.with_name(f"{path.name}.{current or 'base'}.bak"))
        upgrade(engine)
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
