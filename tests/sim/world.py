"""Building blocks shared by the sync tests and the convergence simulation: an in-process server
store on a SQLite file and clients on their own migrated SQLite files with capture installed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import sessionmaker

import db.models  # noqa: F401  (registers the entity mappers)
from db.base import Base
from db.engine import _set_sqlite_pragmas, open_local, session_factory
from db.ids import new_id
from db.server import ServerBase
from sync.capture import install_capture
from sync.client import SyncClient, Transport
from sync.inprocess import StoreTransport
from sync.store_sql import init_store

TOWNSHIP = "320508019"
VILLAGES = ("320508019001", "320508019002", "320508019003")


def server_engine(path: Path) -> Engine:
    """Open (creating if needed) a server store file; a second call is a "restarted" server."""
    from sqlalchemy import event

    engine = create_engine(f"sqlite+pysqlite:///{path}")
    event.listen(engine, "connect", _set_sqlite_pragmas)
    Base.metadata.create_all(engine)
    ServerBase.metadata.create_all(engine)
    with sessionmaker(engine)() as session:
        init_store(session)
        session.commit()
    return engine


@dataclass
class Device:
    engine: Engine
    factory: sessionmaker
    device_id: str
    client: SyncClient

    def dispose(self) -> None:
        self.engine.dispose()


def make_device(path: Path, transport_for, device_id: str | None = None) -> Device:
    """A client database at `path` with capture on; `transport_for(device_id)` makes its transport."""
    device_id = device_id or new_id()
    engine = open_local(path)
    factory = session_factory(engine)
    install_capture(factory, device_id)
    transport: Transport = transport_for(device_id)
    return Device(engine, factory, device_id, SyncClient(engine, factory, device_id, transport))


def store_transport(server_factory: sessionmaker, scope: str = TOWNSHIP, user: str = "tester",
                    now_ms=None):
    def make(device_id: str) -> StoreTransport:
        kwargs = {"now_ms": now_ms} if now_ms else {}
        return StoreTransport(server_factory, device_id, user, scope, **kwargs)

    return make
