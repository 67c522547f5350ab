"""Building blocks shared by the sync tests and the convergence simulation: an in-process server
store on a SQLite file and clients on their own migrated SQLite files with capture installed.
Migrated empty databases are made once per process and copied, so a new client costs a file copy."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import sessionmaker

import db.models  # noqa: F401  (registers the entity mappers)
from db.base import Base
from db.engine import _set_sqlite_pragmas, open_local, session_factory
from db.ids import new_id
from server.store import init_store
from server.store.inprocess import StoreTransport
from server.store.tables import ServerBase
from sync.capture import install_capture
from sync.client import SyncClient
from sync.clock import wall_ms
from sync.events import CycleLimits
from sync.transport import Transport

TOWNSHIP = "320508019"
VILLAGES = ("320508019001", "320508019002", "320508019003")


@lru_cache(maxsize=1)
def _templates() -> tuple[Path, Path]:
    # in memory-backed /dev/shm where there is one: the simulation commits thousands of times
    shm = Path("/dev/shm")
    folder = Path(tempfile.mkdtemp(prefix="td-sync-", dir=shm if shm.is_dir() else None))
    atexit.register(shutil.rmtree, folder, True)
    client = open_local(folder / "client.db")
    client.dispose()
    server = _sqlite_engine(folder / "server.db")
    Base.metadata.create_all(server)
    ServerBase.metadata.create_all(server)
    with sessionmaker(server)() as session:
        init_store(session)
        session.commit()
    server.dispose()
    return folder / "client.db", folder / "server.db"


def _sqlite_engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite+pysqlite:///{path}")
    event.listen(engine, "connect", _set_sqlite_pragmas)
    return engine


def server_engine(path: Path) -> Engine:
    """Open a server store file, creating it from the template if new; opening an existing file
    again is what a restarted server does."""
    if not path.exists():
        shutil.copyfile(_templates()[1], path)
    return _sqlite_engine(path)


@dataclass
class Device:
    engine: Engine
    factory: sessionmaker
    device_id: str
    client: SyncClient
    path: Path

    def dispose(self) -> None:
        self.engine.dispose()


def make_device(path: Path | Engine, transport_for: Callable[[str], Transport], device_id: str | None = None,
                now_ms: Callable[[], int] = wall_ms, client_class: type[SyncClient] = SyncClient,
                limits: CycleLimits = CycleLimits()) -> Device:
    """A client database at `path` (a copy of the migrated template when new), or on an already
    open engine, with capture on; `transport_for(device_id)` makes its transport."""
    device_id = device_id or new_id()
    if isinstance(path, Engine):
        engine, path = path, Path(path.url.database)
    else:
        if not path.exists():
            shutil.copyfile(_templates()[0], path)
        engine = open_local(path)
    factory = session_factory(engine)
    install_capture(factory, device_id, now_ms)
    client = client_class(engine, factory, device_id, transport_for(device_id), limits)
    return Device(engine, factory, device_id, client, path)


def store_transport(server_factory: sessionmaker, scope: str = TOWNSHIP, user: str = "tester",
                    now_ms: Callable[[], int] | None = None) -> Callable[[str], StoreTransport]:
    def make(device_id: str) -> StoreTransport:
        kwargs = {"now_ms": now_ms} if now_ms else {}
        return StoreTransport(server_factory, device_id, user, scope, **kwargs)

    return make


@cache
def pooled_engine(kind: str, index: int = 0) -> Engine:
    """A long-lived engine on a per-process file, reused across simulation examples (wiped in
    between) so each example does not pay for new engines and cold statement caches."""
    folder = _templates()[0].parent
    path = folder / f"pooled-{kind}-{index}.db"
    if kind == "server":
        return server_engine(path)
    return make_device(path, lambda _d: None).engine  # type: ignore[arg-type, return-value]


def wipe(engine: Engine, server: bool) -> None:
    """Empty every table of a pooled database (a fresh database without a new file or engine)."""
    from db.client import ClientBase

    tables = [*Base.metadata.sorted_tables, *(ServerBase if server else ClientBase).metadata.sorted_tables]
    engine.dispose()
    with engine.begin() as conn:
        for table in reversed(tables):
            conn.execute(table.delete())
    if server:
        with sessionmaker(engine)() as session:
            init_store(session)
            session.commit()
