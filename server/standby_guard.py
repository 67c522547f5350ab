"""A time limit for blocking reads on the standby (decision 0033).

A standby whose host froze or was cut off answers nothing and closes nothing: its kernel may even
acknowledge every byte, so neither TCP keepalives nor a server-side statement_timeout ever fire, and
a blocking psycopg call in a worker thread (a pull on the thread path, a snapshot's lines) would wait
for it as long as it hangs. Such a call cannot be abandoned, and a cancel request needs the hung
server to act on it. So a watchdog shuts the connection's socket down when the limit passes: the
blocked call returns at once with psycopg's OperationalError ("server closed the connection
unexpectedly"), SQLAlchemy discards the connection, and the caller's handling of a failed standby
(server.replica: StandbyHealth, the primary reads again) takes over.

`watch(engine)` (the standby's engine, server.app) notes every connection checked out of its pool
by a thread inside `guard.armed(seconds)` as that guard's; `armed` shuts them down when `seconds`
pass before it ends. A guard keeps its connections across several armed stretches (a snapshot's
session holds one connection while its lines are streamed, each line a stretch of its own, the
wait for the client between them not counted) until they go back to the pool. Each noted socket
is a duplicate descriptor, so a watchdog that fires late never touches a later connection that
reuses the number."""

from __future__ import annotations

import contextlib
import heapq
import itertools
import socket
import threading
import time
from collections.abc import Iterator

from sqlalchemy import Engine, event

_local = threading.local()  # .guard: the guard armed in this thread, if any


class StandbyGuard:
    """The standby connections of one read (see the module docstring). `fired` tells whether a
    stretch ran out of time. Close it (or use `with`) when the read is over."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sockets: dict[int, socket.socket] = {}  # id(DBAPI connection) → its socket, duplicated
        self._armed: object | None = None  # the token of the stretch under way
        self.fired = False

    def __enter__(self) -> StandbyGuard:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    @contextlib.contextmanager
    def armed(self, seconds: float) -> Iterator[None]:
        """Shut this guard's connections down if the block has not ended after `seconds`."""
        token, outer = object(), getattr(_local, "guard", None)
        with self._lock:
            self._armed = token
        _local.guard = self
        _WATCHDOG.schedule(time.monotonic() + seconds, self, token)
        try:
            yield
        finally:
            _local.guard = outer
            with self._lock:
                self._armed = None

    def close(self) -> None:
        with self._lock:
            dups, self._sockets = list(self._sockets.values()), {}
        for dup in dups:
            dup.close()

    def _note(self, dbapi_connection) -> None:
        try:  # a duplicate: the same socket for as long as the guard holds it, whatever libpq closes
            dup = socket.socket(fileno=socket.dup(dbapi_connection.fileno()))
        except (OSError, ValueError, AttributeError):  # no socket to hold (closed meanwhile)
            return
        with self._lock:
            old = self._sockets.pop(id(dbapi_connection), None)
            self._sockets[id(dbapi_connection)] = dup
            late = self.fired  # a connection made after the stretch ran out: it goes too
        if old is not None:
            old.close()
        if late:
            _shut(dup)

    def _forget(self, dbapi_connection) -> None:
        with self._lock:
            dup = self._sockets.pop(id(dbapi_connection), None)
        if dup is not None:
            dup.close()

    def _fire(self, token: object) -> None:
        with self._lock:  # held while shutting: `armed` cannot end, nor `close` run, meanwhile
            if self._armed is not token:
                return
            self.fired = True
            for dup in self._sockets.values():
                _shut(dup)


def _shut(dup: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already shut, or never connected
        dup.shutdown(socket.SHUT_RDWR)


def watch(engine: Engine) -> Engine:
    """Note `engine`'s connections checked out inside `StandbyGuard.armed` as that guard's (before
    the pool's own checkout ping, which a hung standby would hold too); forgotten when checked in."""

    @event.listens_for(engine, "checkout", insert=True)
    def _checkout(dbapi_connection, record, _proxy) -> None:
        guard = getattr(_local, "guard", None)
        if guard is not None:
            guard._note(dbapi_connection)
            record.info["td_guard"] = guard

    @event.listens_for(engine, "checkin")
    def _checkin(dbapi_connection, record) -> None:
        guard = record.info.pop("td_guard", None) if record is not None else None
        if guard is not None and dbapi_connection is not None:
            guard._forget(dbapi_connection)

    return engine


_SLACK = 0.05  # seconds a guard may fire late, so that one wake-up serves every entry due by then


class _Watchdog:
    """One thread per process firing the guards whose stretch ran out (a timer thread per read would
    cost a thread start per pull). An entry whose stretch has ended is skipped when its time comes;
    entries are taken in batches, so a busy server's watchdog wakes ~1/_SLACK times a second at most
    (and when a stretch shorter than all others starts), not once per read."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._due: list[tuple[float, int, StandbyGuard, object]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def schedule(self, when: float, guard: StandbyGuard, token: object) -> None:
        with self._cond:
            heapq.heappush(self._due, (when, next(self._order), guard, token))
            if self._thread is None or not self._thread.is_alive():  # the first, or a forked process's
                self._thread = threading.Thread(target=self._run, name="standby-watchdog", daemon=True)
                self._thread.start()
            elif self._due[0][3] is token:  # the earliest now: the thread sleeps until a later one
                self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._due:
                    self._cond.wait()
                wait = self._due[0][0] - time.monotonic()
                if wait > 0:  # up to _SLACK late: the entries due meanwhile are taken in one wake
                    self._cond.wait(wait + _SLACK)
                    continue
                now, due = time.monotonic(), []
                while self._due and self._due[0][0] <= now:
                    due.append(heapq.heappop(self._due))
            for _when, _order, guard, token in due:
                guard._fire(token)


_WATCHDOG = _Watchdog()
