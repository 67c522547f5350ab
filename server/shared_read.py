"""One read made for all the requests of a worker that ask for it at the same moment (decision 0030).

Before its page, a pull on PostgreSQL asks the primary for the cursor it may serve up to
(`td_sync_upper()`, server.store.numbering). That function reads `pg_locks`, which copies every lock
of every backend while holding the whole lock table: under a city's load the costliest statement a
pull runs, and one that makes every push wait to take its own locks (docs/perf-notes/server.md). Its
answer is the same for every pull that asks at the same moment, so a worker asks once for all of
them.

The rule that keeps a pull exactly as fresh as if it had asked alone: a caller gets the answer of a
read that STARTED after it asked, never of one already under way (that one may predate a push its
own device has just been answered, or another device's push the user has just been told about).
Callers that ask while a read is under way share the next one, which starts as soon as it ends. So
one read is in flight per worker at a time, and a caller waits at most for the end of the read
under way and then its own.

Per event loop: a read's future and its runner belong to the loop that made them, so each running
loop has its own state — its callers share its reads only, and two loops running at once in one
process (threads of a test, an embedded server) never touch each other's. A loop that has stopped
(a test client's) is simply never asked again; its state goes with it."""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


def retrieve_error(future: asyncio.Future) -> None:
    """Mark a failed read's error as seen when every caller has gone (no 'never retrieved' warning)."""
    if not future.cancelled():
        future.exception()


class _LoopState:
    """One event loop's share of a SharedRead."""

    __slots__ = ("next", "runner")

    def __init__(self) -> None:
        self.next: asyncio.Future | None = None  # the callers of the read not yet started
        self.runner: asyncio.Task | None = None  # the task making reads while callers wait


class SharedRead(Generic[T]):
    """`await shared()`: the value of `read()` from a read that started after the call, among the
    calls of the same event loop."""

    def __init__(self, read: Callable[[], Awaitable[T]]) -> None:
        self._read = read
        self._states: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopState] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()  # the loops' threads adding their states
        self._last: tuple[asyncio.AbstractEventLoop | None, _LoopState] = (None, _LoopState())
        self.asked = 0  # calls, and reads made for them (tests, the bench's notes)
        self.reads = 0

    def _state_of(self, loop: asyncio.AbstractEventLoop) -> _LoopState:
        with self._lock:
            state = self._states.get(loop)
            if state is None:
                for closed in [old for old in self._states if old.is_closed()]:  # a pending runner
                    del self._states[closed]  # holds its loop: the weak key alone would not let go
                state = self._states[loop] = _LoopState()
            self._last = (loop, state)  # one tuple, replaced whole: read without the lock
        return state

    async def __call__(self) -> T:
        loop = asyncio.get_running_loop()
        last_loop, state = self._last
        if last_loop is not loop:
            state = self._state_of(loop)
        self.asked += 1
        if state.next is None:
            state.next = loop.create_future()
            state.next.add_done_callback(retrieve_error)
            if state.runner is None:
                state.runner = loop.create_task(self._run(state, loop))
        # shielded: a caller that goes away (a client that hung up) cancels neither the read nor
        # the other callers' wait for it
        return await asyncio.shield(state.next)

    async def _run(self, state: _LoopState, loop: asyncio.AbstractEventLoop) -> None:
        future: asyncio.Future[T] | None = None
        try:
            while state.next is not None:
                future, state.next = state.next, None  # from here on, new callers wait for the next read
                self.reads += 1
                try:
                    value = await self._read()
                except Exception as exc:  # every caller of this read gets its error
                    future.set_exception(exc)
                else:
                    future.set_result(value)
                future = None
        finally:  # cancelled (the loop shutting down): no caller is left waiting for ever
            for pending in (future, state.next):
                if pending is not None and not pending.done() and not loop.is_closed():
                    pending.cancel()
            state.next = None
            state.runner = None
