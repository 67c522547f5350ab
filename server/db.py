"""The server's database: engine construction for SQLite (embedded) and PostgreSQL (psycopg 3),
sessions, and the alembic setup in server/migrations, whose target is the shared entity tables
(`db.base.Base`) plus the server-only tables (`server.store.tables.ServerBase`: sync bookkeeping and accounts).

SQLite gets the same pragmas as the client (WAL, foreign keys, busy timeout) so deferred foreign keys
behave the same on both databases."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

# The search-key hook on every Session: the server keeps a person's derived search keys the way a
# client does, because the snapshot sends rows whole (server.snapshot.rows_from) and the client stores
# them as they come.
import db.search_keys  # noqa: F401

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def make_server_engine(url: str) -> Engine:
    """An engine for `url`; `postgresql://` is taken to mean the psycopg 3 driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"check_same_thread": False, "timeout": 30},
                               hide_parameters=True)  # no personal data in error texts or logs
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(parsed, pool_size=10, max_overflow=20, pool_pre_ping=True, hide_parameters=True)


def alembic_config(engine: Engine | None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config(None)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    command.upgrade(alembic_config(engine), revision)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
