"""Fault injection for the simulation: a server that can restart, a transport that loses requests
and answers, delivers twice and reorders pages, and a client that can be killed between applying a
page and saving its cursor. Every answer the server committed is reported to an observer (the
oracle), whether or not it reached the client."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from server.store import Page, pull, push, snapshot_iter
from sync.client import SyncClient
from sync.merge import ChangeResult


class Lost(ConnectionError):
    """A request or an answer that never arrived."""


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
    "lose_request", "lose_answer", "duplicate", "reorder". Each fault fires once."""

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

    def snapshot(self) -> Iterator:
        with self.server.factory() as session:
            yield from snapshot_iter(session, self.scope, chunk_size=7)


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
