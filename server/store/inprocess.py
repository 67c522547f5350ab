"""A `Transport` that calls the SQL store directly, in process: for tests, the simulation and
a relay PC applying an offline bundle. One server transaction per request, as over HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy.orm import sessionmaker

from server.store import Page, SnapshotChunk, pull, push, snapshot_iter
from sync.clock import wall_ms
from sync.merge import ChangeResult
from sync.transport import RESUMABLE_SNAPSHOT


class StoreTransport:
    """Speaks to a server store as device `device_id`, user `user`, scope `scope_prefix`."""

    capabilities = frozenset({RESUMABLE_SNAPSHOT})

    def __init__(self, server_factory: sessionmaker, device_id: str, user: str, scope_prefix: str,
                 may_write: Callable[[str, str], bool] | None = None,
                 now_ms: Callable[[], int] = wall_ms) -> None:
        self.server_factory = server_factory
        self.device_id = device_id
        self.user = user
        self.scope_prefix = scope_prefix
        self.may_write = may_write or (lambda _entity, region: region.startswith(scope_prefix))
        self.now_ms = now_ms

    def push(self, changes: list[dict[str, Any]]) -> list[ChangeResult]:
        with self.server_factory() as session:
            results = push(session, self.device_id, self.user, changes, self.now_ms(), self.may_write)
            session.commit()
        return results

    def pull(self, cursor: int, limit: int) -> Page:
        with self.server_factory() as session:
            return pull(session, self.scope_prefix, cursor, limit)

    def snapshot(self, after: tuple[str, str] | None = None) -> Iterator[SnapshotChunk]:
        with self.server_factory() as session:
            yield from snapshot_iter(session, self.scope_prefix, after=after)

    def close(self) -> None:
        """Nothing to free: each call opens and closes its own server session."""
