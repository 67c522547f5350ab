"""The server's database: engine construction for SQLite (embedded) and PostgreSQL (psycopg 3),
sessions, and the alembic setup in server/migrations, whose target is the shared entity tables
(`db.base.Base`) plus the server-only tables (`server.store.tables.ServerBase`: sync bookkeeping and accounts).

SQLite gets the same pragmas as the client (WAL, foreign keys, busy timeout) so deferred foreign keys
behave the same on both databases."""

from __future__ import annotations

import select
import sys
import time
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, exc, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
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


def _server_url(url: str):
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


STANDBY_CONNECT_TIMEOUT = 2  # seconds (libpq's least): a standby that does not answer is given up on quickly


# A worker's connections on PostgreSQL: up to POOL_SIZE for pushes, logins and the rest, and the pulls'
# own ASYNC_POOL_SIZE (make_async_reads). A connection opened stays in the pool: a pool of 10 with 20
# overflow (as before) closed every connection above 10 when it came back, and under 100 syncing PCs a
# worker's concurrency swings above that all the time. The mix opened ~250 connections in 40 s, each
# ~8 ms of PostgreSQL CPU (a backend, password authentication, its catalogue caches warming) and
# 1.5 ms of the worker's, and their prepared statements were lost with them. Same ceilings as before.
POOL_SIZE = 30
ASYNC_POOL_SIZE = 20


def make_server_engine(url: str, connect_timeout: int | None = None) -> Engine:
    """An engine for `url`; `postgresql://` is taken to mean the psycopg 3 driver. `connect_timeout`
    (PostgreSQL): seconds before a connection attempt is given up (a standby, server.replica)."""
    parsed = _server_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"check_same_thread": False, "timeout": 30},
                               hide_parameters=True)  # no personal data in error texts or logs
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(parsed, pool_size=POOL_SIZE, max_overflow=0, hide_parameters=True,
                           connect_args=_connect_args(parsed, connect_timeout))
    _ping_when_idle(engine)
    _binary_lists(engine)
    return engine


# The server's statements are planned for a database in memory or on SSD, which a city server's is:
# with PostgreSQL's default (4, a spinning disk's seek) the planner read a village's changes through
# the server_seq index, filtering out every other village's (10 ms a catch-up page on 12,000
# households), rather than through its own scope index (0.9 ms); see docs/SERVER.md.
PLANNER_OPTIONS = "-c random_page_cost=1.1"


def _connect_args(url, connect_timeout: int | None) -> dict:
    """psycopg's connection arguments: the planner's options, then any the URL gives (`?options=`), which
    so win (an administrator may plan otherwise)."""
    given = url.query.get("options")
    given = " ".join(given) if isinstance(given, tuple) else given
    args: dict = {"options": f"{PLANNER_OPTIONS} {given}" if given else PLANNER_OPTIONS}
    if connect_timeout is not None:
        args["connect_timeout"] = connect_timeout
    return args


def make_async_reads(url: str, connect_timeout: int | None = None) -> async_sessionmaker[AsyncSession] | None:
    """On PostgreSQL, sessions for pulls on the event loop: an asyncio engine with psycopg's async
    driver, each statement committed by itself as `reading` gives the thread pool's engine. The sync
    store code runs unchanged in it through `AsyncSession.run_sync` (a greenlet, no thread hand-off;
    decision 0028). None on SQLite (and on Windows), whose pulls keep their worker thread. Dispose its engine
    (`.kw["bind"]`) when the app shuts down: its connections belong to the running event loop."""
    parsed = _server_url(url)
    if parsed.get_backend_name() != "postgresql" or sys.platform == "win32":  # psycopg's async driver
        return None  # cannot use Windows' default (proactor) event loop: a server there keeps the thread
    engine = create_async_engine(parsed, pool_size=ASYNC_POOL_SIZE, max_overflow=0,
                                 hide_parameters=True, isolation_level="AUTOCOMMIT",
                                 connect_args=_connect_args(parsed, connect_timeout))
    _ping_when_idle(engine.sync_engine)
    _binary_lists(engine.sync_engine)
    return async_sessionmaker(engine, expire_on_commit=False)


def _binary_lists(engine: Engine) -> None:
    """Send list parameters (the id lists of `column = ANY(:ids)`, server.store.common.one_of) in
    PostgreSQL's binary array format. psycopg's text format checked every item against a regular
    expression for quoting: 1.6 ms for the 929 ids of a 1,000-record pull, which names its ids
    twice; the binary format takes 0.2 ms. Same values, same casts, same errors on a bad item."""
    from psycopg.types.array import ListBinaryDumper

    @event.listens_for(engine, "connect")
    def _connected(_dbapi, record) -> None:
        record.driver_connection.adapters.register_dumper(list, ListBinaryDumper)


async def dispose_async_reads(*makers: async_sessionmaker[AsyncSession] | None) -> None:
    for maker in makers:
        if maker is not None:
            engine: AsyncEngine = maker.kw["bind"]
            await engine.dispose()


PING_IDLE_SECONDS = 30.0


def _ping_when_idle(engine: Engine) -> None:
    """pool_pre_ping's protection without its round trip on every checkout (one of a no-op pull's
    six; docs/perf-notes/server.md). A connection is pinged before use when it lay in the pool for
    PING_IDLE_SECONDS or more (a firewall may have dropped it quietly), or when its socket has
    something to read while idle: a server that shut down or terminated the backend has sent its
    FATAL message and closed. A failed ping makes the pool connect afresh, as with pre-ping. A
    connection that dies between two requests a few seconds apart without a word (a cable pulled)
    fails that one request, and the pool is then renewed (SQLAlchemy's disconnect handling)."""

    @event.listens_for(engine, "connect")
    def _connected(_dbapi, record) -> None:
        record.info["td_returned"] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi, record) -> None:
        if record is not None:
            record.info["td_returned"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi, record, _proxy) -> None:
        idle = time.monotonic() - record.info.get("td_returned", 0.0)
        if idle < PING_IDLE_SECONDS and not _has_input(dbapi):
            return
        try:
            engine.dialect.do_ping(dbapi)
        except Exception as error:
            raise exc.DisconnectionError(f"connection found dead: {type(error).__name__}") from error


def _has_input(dbapi) -> bool:
    try:  # an asyncio driver's connection is wrapped by SQLAlchemy: its driver_connection has the socket
        readable, _, _ = select.select([getattr(dbapi, "driver_connection", dbapi).fileno()], [], [], 0)
    except Exception:  # closed: no descriptor (psycopg raises its OperationalError): ping, i.e. replace it
        return True
    return bool(readable)


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


def reading(engine: Engine) -> Engine:
    """`engine` for reads that need no transaction of their own (a pull): on PostgreSQL the same pool
    with each statement committed by itself, which saves the BEGIN and ROLLBACK round trips (two of
    a no-op pull's six). Under READ COMMITTED each statement of a transaction takes its own snapshot
    anyway, so the reads see exactly what they saw inside one. SQLite is left as it is."""
    if engine.dialect.name != "postgresql":
        return engine
    return engine.execution_options(isolation_level="AUTOCOMMIT")


def end_read(session: Session) -> None:
    """End a session that only read with COMMIT, not the ROLLBACK closing it would send: on a rollback
    psycopg drops every statement it prepared on the connection, and the pushes that next take it from
    the pool plan each of theirs again (decision 0044: a token read, a history-feed request)."""
    session.commit()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)

