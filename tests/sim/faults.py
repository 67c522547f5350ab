"""Fault injection for the simulation: a server that can restart, a transport that loses requests
and answers, delivers twice, reorders pages, refuses a batch as too big (HTTP 413) and breaks a
snapshot stream off part-way, and a client that can be killed between applying a page and saving
its cursor. Every answer the server committed is reported to an observer (the oracle), whether or
not it reached the client. The client is the production sync loop (`sync.client.SyncClient`)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from server.store import Page, pull, push, snapshot_iter
from sync.client import SyncClient
from sync.merge import ChangeResult
from sync.transport import RESUMABLE_SNAPSHOT, Offline, ServerError


class Lost(Offline):
    """A request or an answer that never arrived."""

    def __init__(self, what: str) -> None:
        super().__init__("offline", what)


class Killed(RuntimeError):
    """The client process died."""


class Server:
    """The in-process city server on one SQLite file. `restart()` closes every connection, so
    nothing but what was committed to the file survives (as when the process restarts)."""

    def __init__(self, engine: Engine, now_ms: Callable[[], int]) -> None:
        self.engine = engine
        self.now_ms = now_ms
        self.factory = sessionmaker(self.engine, expire_on_commit=False)

    def restart(self) -> None:
        self.engine.dispose()
        self.factory = sessionmaker(self.engine, expire_on_commit=False)

    def dispose(self) -> None:
        self.engine.dispose()


class FaultyTransport:
    """Speaks to `server` for one device; `faults` is a set the simulation fills before a sync:
    "lose_request", "lose_answer", "duplicate", "reorder", "too_big" (a push of more than one change
    is refused with HTTP 413), "break_snapshot" (the stream ends after its first chunk). Each fault
    fires once."""

    capabilities = frozenset({RESUMABLE_SNAPSHOT})

    def __init__(self, server: Server, device_id: str, scope: str, observe: Callable) -> None:
        self.server = server
        self.device_id = device_id
        self.scope = scope
        self.observe = observe
        self.faults: set[str] = set()

    def _fire(self, fault: str) -> bool:
        if fault in self.faults:
            self.faults.discard(fault)
            return True
        return False

    def _may_write(self, _entity: str, region: str) -> bool:
        return region.startswith(self.scope)

    def _push_once(self, changes: list[dict[str, Any]]) -> list[ChangeResult]:
        now = self.server.now_ms()
        with self.server.factory() as session:
            results = push(session, self.device_id, "user-" + self.device_id[-4:], changes, now, self._may_write)
            session.commit()
        self.observe(changes, results, now)
        return results

    def push(self, changes: list[dict[str, Any]]) -> list[ChangeResult]:
        if self._fire("lose_request"):
            raise Lost("push request lost")
        if len(changes) > 1 and self._fire("too_big"):
            raise ServerError("payload_too_large", "batch too big", 413)
        results = self._push_once(changes)
        if self._fire("duplicate"):
            results = self._push_once(changes)
        if self._fire("lose_answer"):
            raise Lost("push answer lost after the server committed")
        return results

    def _pull_once(self, cursor: int, limit: int) -> Page:
        with self.server.factory() as session:
            return pull(session, self.scope, cursor, limit)

    def pull(self, cursor: int, limit: int) -> Page:
        if self._fire("lose_request"):
            raise Lost("pull request lost")
        page = self._pull_once(cursor, limit)
        if page.has_more and self._fire("reorder"):
            return self._pull_once(page.next_cursor, limit)  # the second page overtakes the first
        if self._fire("lose_answer"):
            raise Lost("pull answer lost")
        return page

    def snapshot(self, after: tuple[str, str] | None = None) -> Iterator:
        with self.server.factory() as session:
            for number, chunk in enumerate(snapshot_iter(session, self.scope, chunk_size=7, after=after)):
                if number == 1 and self._fire("break_snapshot"):
                    raise Lost("snapshot stream broke off")
                yield chunk

    def close(self) -> None:
        pass


class KillableClient(SyncClient):
    """A SyncClient that can die after applying a page but before its transaction commits."""

    kill_next_apply = False

    @contextlib.contextmanager
    def _applying(self, attach_snapshot: bool = False):
        with super()._applying(attach_snapshot) as session:
            yield session
            if self.kill_next_apply:
                self.kill_next_apply = False
                raise Killed("client killed before the page and cursor were committed")
