"""The pulls' shared read (server.shared_read, server.replica.PullReads) with two event loops running
at once in one process, each in its own thread (a test's threads, an embedded server): every caller
gets a read that started after it asked, of its own loop, and nothing hangs or raises "attached to a
different loop". First on a stand-in read, then PullReads on PostgreSQL with pushes numbering
meanwhile (its pool used by both loops, within its size: SQLAlchemy's asyncio pool waits with the
asyncio primitives of one loop when a caller must wait for a connection)."""

from __future__ import annotations

import asyncio
import itertools
import threading

import pytest

from server.shared_read import SharedRead
from tests.server.databases import PG_URL, fresh_database

LOOPS = 2


def _in_loops(main, seconds: float = 30) -> list:
    """Run `main()` in LOOPS event loops at once, one thread each: their results, or the errors."""
    results: list = [None] * LOOPS
    start = threading.Barrier(LOOPS)

    def run(index: int) -> None:
        async def started():
            start.wait(5)  # both loops running before either asks
            return await asyncio.wait_for(main(), seconds)

        try:
            results[index] = asyncio.run(started())
        except BaseException as exc:  # noqa: BLE001 (reported by the test)
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(LOOPS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 10)
    assert not any(thread.is_alive() for thread in threads), "a loop still waits for its shared read"
    return results


def test_two_event_loops_at_once_each_get_fresh_reads_of_one_shared_read():
    clock = itertools.count(1)  # one order of events for both threads (next() holds the GIL)
    where: dict[int, int] = {}  # read started → the thread it ran in

    async def read() -> int:
        started = next(clock)
        where[started] = threading.get_ident()
        await asyncio.sleep(0.0005 * (started % 3))  # callers of this loop ask meanwhile
        return started

    shared = SharedRead(read)

    async def caller() -> None:
        asked = next(clock)
        got = await shared()
        assert got > asked, (got, asked)  # a read that started after the caller asked
        assert where[got] == threading.get_ident()  # its own loop's read

    async def main() -> int:
        for round_ in range(300):
            await asyncio.gather(*(caller() for _ in range(1 + round_ % 5)))
        return 1

    results = _in_loops(main)
    assert results == [1] * LOOPS, results


@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (TD_TEST_PG_URL)")
def test_two_event_loops_at_once_share_one_pull_reads_each_pull_as_fresh_as_alone(tmp_path):
    """Pulls' reads in two loops through one PullReads (its shared cursor read and its pool) while a
    pusher takes numbers: each read's pinned cursor covers every number committed before it asked."""
    import psycopg
    from sqlalchemy import make_url, text

    from server.db import dispose_async_reads, make_async_reads, make_server_engine, upgrade
    from server.replica import PullReads, StandbyHealth
    from server.store.numbering import CURSOR_KEY

    with fresh_database("postgresql", tmp_path) as url:
        engine = make_server_engine(url)
        upgrade(engine)
        engine.dispose()
        reads = PullReads(make_async_reads(url), None, 0.5, StandbyHealth())
        committed = [0]  # the last number the pusher took, once committed
        stop = threading.Event()
        conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)

        def pusher() -> None:
            with psycopg.connect(conninfo, autocommit=True) as conn:
                while not stop.is_set():
                    committed[0] = conn.execute("SELECT td_take_numbers(1)").fetchone()[0][0]

        def pinned(session) -> int:
            try:
                assert session.scalar(text("SELECT 1")) == 1  # a connection of the shared pool, in this loop
                return session.info[CURSOR_KEY]
            finally:
                session.close()

        async def caller() -> None:
            floor = committed[0]
            (upper, source) = await reads.read(pinned)
            assert source == "primary" and upper >= floor, (upper, floor)

        async def main() -> int:
            for round_ in range(150):
                await asyncio.gather(*(caller() for _ in range(1 + round_ % 4)))
            return 1

        # The engine's first connection is made alone: SQLAlchemy guards its one-time setup (the
        # dialect's initialize) with an asyncio lock, which two loops contending for it would hang on
        # whatever SharedRead does (an AsyncEngine is not meant to be shared between loops).
        asyncio.run(reads.read(pinned))
        thread = threading.Thread(target=pusher, daemon=True)
        thread.start()
        try:
            results = _in_loops(main)
        finally:
            stop.set()
            thread.join(5)
            asyncio.run(dispose_async_reads(reads.primary))
        assert results == [1] * LOOPS, results
        assert committed[0] > 0 and reads.cursor.reads >= 2
