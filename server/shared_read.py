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

Per event loop: a read's future belongs to the loop that made it; a state left by a loop that has
stopped (a test client's) is dropped, never awaited."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


def retrieve_error(future: asyncio.Future) -> None:
    """Mark a failed read's error as seen when every caller has gone (no 'never retrieved' warning)."""
    if not future.cancelled():
        future.exception()


class SharedRead(Generic[T]):
    """`await shared()`: the value of `read()` from a read that started after the call."""

    def __init__(self, read: Callable[[], Awaitable[T]]) -> None:
        self._read = read
        self._loop: asyncio.AbstractEventLoop | None = None
        self._next: asyncio.Future[T] | None = None  # the callers of the read not yet started
        self._runner: asyncio.Task | None = None  # the task making reads while callers wait
        self.asked = 0  # calls, and reads made for them (tests, the bench's notes)
        self.reads = 0

    async def __call__(self) -> T:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new event loop: nothing of the old one can be awaited here
            self._loop, self._next, self._runner = loop, None, None
        self.asked += 1
        if self._next is None:
            self._next = loop.create_future()
            self._next.add_done_callback(retrieve_error)
            if self._runner is None:
                self._runner = loop.create_task(self._run(loop))
        # shielded: a caller that goes away (a client that hung up) cancels neither the read nor
        # the other callers' wait for it
        return await asyncio.shield(self._next)

    async def _run(self, loop: asyncio.AbstractEventLoop) -> None:
        future: asyncio.Future[T] | None = None
        try:
            while self._next is not None:
                future, self._next = self._next, None  # from here on, new callers wait for the next read
                self.reads += 1
                try:
                    value = await self._read()
                except Exception as exc:  # every caller of this read gets its error
                    future.set_exception(exc)
                else:
                    future.set_result(value)
                future = None
        finally:  # cancelled (the loop shutting down): no caller is left waiting for ever
            # A runner of a loop that stopped without cancelling it gets here whenever the collector
            # closes it, maybe while a later loop's reads run: their state is not its to touch.
            mine = self._loop is loop
            for pending in (future, self._next if mine else None):
                if pending is not None and not pending.done() and not loop.is_closed():
                    pending.cancel()
            if mine:
                self._next = None
                self._runner = None
