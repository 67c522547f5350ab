"""The pulls' shared read of the cursor (server.shared_read, server.replica.PullReads, decision 0030).

The rule under test: a caller gets the answer of a read that started after it asked, shared with
every caller that asked while the previous read was under way. First on a stand-in read (the rule
itself, errors, callers that go away, a new event loop), then through the real app on PostgreSQL:
a pull asked while a stale read is under way still sees a push answered before it asked, and pulls
asking together cost one read of `pg_locks`."""

from __future__ import annotations

import asyncio
import gc
import threading
import time

import pytest

from db.ids import new_id
from server.shared_read import SharedRead
from sync.wire import SCHEMA_VERSION
from tests.server.databases import PG_URL, fresh_database
from tests.server.live import app_in_process, log_in

VILLAGE = "150422100201"


class _Counter:
    """A read that answers how many reads started before it, held open until `release`."""

    def __init__(self) -> None:
        self.started = 0
        self.gate = asyncio.Event()
        self.fail_next = False

    async def __call__(self) -> int:
        self.started += 1
        number = self.started
        await self.gate.wait()
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("the database went away")
        return number


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def test_a_caller_never_gets_a_read_that_started_before_it_asked():
    async def scenario() -> None:
        read = _Counter()
        shared = SharedRead(read)
        first = asyncio.create_task(shared())
        await _settle()
        assert read.started == 1  # under way
        later = [asyncio.create_task(shared()) for _ in range(5)]  # asked while read 1 runs
        await _settle()
        assert read.started == 1  # they wait for the next read, which starts when read 1 ends
        read.gate.set()
        assert await first == 1
        assert await asyncio.gather(*later) == [2] * 5  # one read, started after they asked, for all
        assert (shared.asked, shared.reads) == (6, 2)
        assert await shared() == 3  # nothing under way: a read of its own at once

    asyncio.run(scenario())


def test_a_failed_read_fails_its_callers_only():
    async def scenario() -> None:
        read = _Counter()
        shared = SharedRead(read)
        read.fail_next = True
        callers = [asyncio.create_task(shared()) for _ in range(3)]
        await _settle()
        read.gate.set()
        results = await asyncio.gather(*callers, return_exceptions=True)
        assert all(isinstance(r, RuntimeError) for r in results), results
        assert await shared() == 2  # the next caller reads afresh

    asyncio.run(scenario())


def test_a_caller_that_goes_away_cancels_neither_the_read_nor_the_others():
    async def scenario() -> None:
        read = _Counter()
        shared = SharedRead(read)
        leaver, stayer = asyncio.create_task(shared()), asyncio.create_task(shared())
        await _settle()
        leaver.cancel()  # a client that hung up
        await _settle()
        read.gate.set()
        assert await stayer == 1
        assert leaver.cancelled()
        assert shared.reads == 1

    asyncio.run(scenario())


def test_a_new_event_loop_starts_clean_and_a_stopped_runner_leaves_no_caller_waiting():
    read = _Counter()
    shared = SharedRead(read)

    async def abandon() -> None:  # the loop ends with a read under way (a test client closing)
        asyncio.create_task(shared())
        await _settle()

    asyncio.run(abandon())  # asyncio.run cancels the runner: its callers are cancelled, not left

    async def again() -> int:
        read.gate.set()
        return await asyncio.wait_for(shared(), 2)

    assert asyncio.run(again()) == 2


def test_a_loop_that_stopped_without_cancelling_its_read_leaves_nothing_to_wait_for():
    """A loop closed with the read still pending (its runner never reached its `finally`): the
    next loop's callers must not count on that runner."""
    read = _Counter()
    shared = SharedRead(read)
    old = asyncio.new_event_loop()
    old.create_task(shared())
    old.run_until_complete(_settle())
    assert read.started == 1  # under way when the loop stops for good
    old.close()

    async def again() -> int:
        read.gate = asyncio.Event()  # an Event of this loop
        read.gate.set()
        return await asyncio.wait_for(shared(), 2)

    assert asyncio.run(again()) == 2


def test_the_runner_of_a_stopped_loop_never_touches_a_later_loops_reads():
    """A stopped loop's pending runner runs its `finally` whenever the collector gets to it (here on
    purpose while a later loop's read is under way and a caller waits for the next): it must leave
    the later loop's state alone — not cancel its waiting caller, not drop its runner."""
    read = _Counter()
    shared = SharedRead(read)
    old = asyncio.new_event_loop()
    old.create_task(shared())
    old.run_until_complete(_settle())
    stale = [shared._states[old].runner]  # kept alive for a while, as a reference cycle would

    async def later() -> list[int]:
        read.gate = asyncio.Event()
        first = asyncio.create_task(shared())
        await _settle()  # read 2 under way
        waiting = asyncio.create_task(shared())  # for read 3
        await _settle()
        stale.clear()
        gc.collect()  # the old runner goes now: its coroutine is closed, its `finally` runs
        read.gate.set()
        return await asyncio.wait_for(asyncio.gather(first, waiting), 2)

    try:
        assert asyncio.run(later()) == [2, 3]
        assert read.started == 3
    finally:
        old.close()


# --- through the app on PostgreSQL ---------------------------------------------------------------


def _hold_reads(app, gate: threading.Event):
    """Make the shared cursor read take its value at once and then wait for `gate` before answering:
    a read under way whose value is already stale."""
    shared = app.state.pull_reads.cursor
    real = shared._read

    async def held():
        value = await real()
        while not gate.is_set():
            await asyncio.sleep(0.01)
        return value

    shared._read = held
    return shared


def _wait_for(condition, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def _pull_in_thread(http, headers, cursor: int, answers: dict, key) -> threading.Thread:
    def pull() -> None:
        answers[key] = http.get("/api/v1/sync/pull", params={"cursor": cursor, "limit": 500}, headers=headers)

    thread = threading.Thread(target=pull)
    thread.start()
    return thread


@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (TD_TEST_PG_URL)")
def test_a_pull_sees_a_push_answered_before_it_asked_though_a_stale_read_was_under_way(tmp_path, monkeypatch):
    from fastapi.testclient import TestClient

    with fresh_database("postgresql", tmp_path) as url, app_in_process(url, tmp_path, monkeypatch) as (app, lab):
        users = [lab.add_user("village_cadre", VILLAGE) for _ in range(3)]
        with TestClient(app) as http:
            writer_device = new_id()
            writer, reader, other = log_in(http, users[0], writer_device), log_in(http, users[1]), log_in(http, users[2])
            start = http.get("/api/v1/sync/pull", params={"cursor": 0}, headers=reader)
            cursor = start.json()["next_cursor"]
            for h in (writer, reader, other):
                h["X-Server-Epoch"] = start.headers["X-Server-Epoch"]
            gate = threading.Event()
            shared = _hold_reads(app, gate)
            reads_before = shared.reads
            answers: dict = {}
            early = _pull_in_thread(http, other, cursor, answers, "early")  # its read starts now
            _wait_for(lambda: shared.reads == reads_before + 1)

            household = new_id()
            ms = int(time.time() * 1000)
            pushed = http.post("/api/v1/sync/push", headers=writer, json={"changes": [{
                "change_id": new_id(), "device_id": writer_device, "device_seq": 1, "entity": "household",
                "record_id": household, "op": "upsert", "base": {}, "schema_version": SCHEMA_VERSION,
                "hlc": f"{ms:013d}-00000-{writer_device}",
                "fields": {"household_no": f"{VILLAGE}990001", "region_code": VILLAGE}}]})
            assert pushed.status_code == 200 and pushed.json()["results"][0]["outcome"] == "accepted", pushed.text

            asked = shared.asked
            late = _pull_in_thread(http, reader, cursor, answers, "late")  # asked after the push was answered
            _wait_for(lambda: shared.asked == asked + 1)
            time.sleep(0.2)  # the late pull is waiting, not answered from the read under way
            assert "late" not in answers
            gate.set()
            early.join(10)
            late.join(10)

        def households(answer) -> set[str]:
            assert answer.status_code == 200, answer.text
            return {r["record_id"] for r in answer.json()["records"] if r["entity"] == "household"}

        assert household not in households(answers["early"])  # the held read was indeed stale
        assert household in households(answers["late"])  # the late pull waited for a fresh read
        assert answers["late"].json()["next_cursor"] >= pushed.json()["results"][0]["server_seq"]


@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (TD_TEST_PG_URL)")
def test_pulls_asking_together_share_one_read_of_the_cursor(tmp_path, monkeypatch):
    from fastapi.testclient import TestClient
    from sqlalchemy import event

    with fresh_database("postgresql", tmp_path) as url, app_in_process(url, tmp_path, monkeypatch) as (app, lab):
        users = [lab.add_user("village_cadre", VILLAGE) for _ in range(9)]
        with TestClient(app) as http:
            headers = [log_in(http, u) for u in users]
            gate = threading.Event()
            shared = _hold_reads(app, gate)
            uppers: list[str] = []
            event.listen(app.state.async_reads.kw["bind"].sync_engine, "before_cursor_execute",
                         lambda _c, _cur, sql, *_a: uppers.append(sql) if "td_sync_upper" in sql else None)
            answers: dict = {}
            threads = [_pull_in_thread(http, headers[0], 0, answers, 0)]
            _wait_for(lambda: shared.reads == 1)
            threads += [_pull_in_thread(http, h, 0, answers, i) for i, h in enumerate(headers[1:], 1)]
            _wait_for(lambda: shared.asked == 9)
            gate.set()
            for thread in threads:
                thread.join(10)
        assert sorted(answers) == list(range(9))
        assert all(a.status_code == 200 for a in answers.values())
        assert shared.reads == 2  # the first pull's, and one for the eight that asked while it ran
        assert len(uppers) == 2, uppers  # so PostgreSQL scanned pg_locks twice for nine pulls


def _push_household(http, headers, device: str) -> int:
    ms = int(time.time() * 1000)
    pushed = http.post("/api/v1/sync/push", headers=headers, json={"changes": [{
        "change_id": new_id(), "device_id": device, "device_seq": 1, "entity": "household",
        "record_id": new_id(), "op": "upsert", "base": {}, "schema_version": SCHEMA_VERSION,
        "hlc": f"{ms:013d}-00000-{device}", "fields": {"household_no": f"{VILLAGE}990002", "region_code": VILLAGE}}]})
    assert pushed.status_code == 200 and pushed.json()["results"][0]["outcome"] == "accepted", pushed.text
    return pushed.json()["results"][0]["server_seq"]


def _raise_horizon(app, horizon: int) -> None:
    """What `township-server gc-tombstones` commits at its end."""
    from sqlalchemy import update

    from server.store.tables import SyncCounter

    with app.state.sessions.begin() as session:
        session.execute(update(SyncCounter).where(SyncCounter.id == 1).values(tombstone_horizon=horizon))


@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (TD_TEST_PG_URL)")
def test_the_shared_read_refuses_a_pull_from_below_a_horizon_raised_before_it_asked(tmp_path, monkeypatch):
    """The tombstone horizon comes from the shared read too (HORIZON_KEY, no statement of the pull's
    own): a pull from below it is refused (410), and one asked after the horizon was raised is
    refused though a read from before was still under way — the rule holds for the horizon too."""
    from fastapi.testclient import TestClient

    with fresh_database("postgresql", tmp_path) as url, app_in_process(url, tmp_path, monkeypatch) as (app, lab):
        users = [lab.add_user("village_cadre", VILLAGE) for _ in range(2)]
        with TestClient(app) as http:
            device = new_id()
            writer, reader = log_in(http, users[0], device), log_in(http, users[1])
            seq = _push_household(http, writer, device)
            _raise_horizon(app, seq)
            below = http.get("/api/v1/sync/pull", params={"cursor": seq - 1}, headers=reader)
            assert below.status_code == 410 and below.json()["error"]["code"] == "cursor_too_old", below.text
            assert http.get("/api/v1/sync/pull", params={"cursor": seq}, headers=reader).status_code == 200

            _raise_horizon(app, 0)
            gate = threading.Event()
            shared = _hold_reads(app, gate)
            reads_before = shared.reads
            answers: dict = {}
            try:
                early = _pull_in_thread(http, reader, seq - 1, answers, "early")  # its read starts now
                _wait_for(lambda: shared.reads == reads_before + 1)
                _raise_horizon(app, seq)  # collection ends while that read is under way
                asked = shared.asked
                late = _pull_in_thread(http, reader, seq - 1, answers, "late")
                _wait_for(lambda: shared.asked == asked + 1)
            finally:
                gate.set()
            early.join(10)
            late.join(10)
        assert answers["early"].status_code == 200, answers["early"].text  # asked before: the old horizon
        assert answers["late"].status_code == 410, answers["late"].text  # asked after: never the stale one
        assert shared.reads == reads_before + 2


@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (TD_TEST_PG_URL)")
def test_a_failed_shared_read_fails_no_pull(tmp_path, monkeypatch):
    """A shared read whose connection drops would fail every pull that shared it; each of them then
    reads its own horizon and cursor in its own session, as it would have alone."""
    from fastapi.testclient import TestClient
    from sqlalchemy.exc import OperationalError

    with fresh_database("postgresql", tmp_path) as url, app_in_process(url, tmp_path, monkeypatch) as (app, lab):
        users = [lab.add_user("village_cadre", VILLAGE) for _ in range(3)]
        with TestClient(app) as http:
            headers = [log_in(http, u) for u in users]
            shared = app.state.pull_reads.cursor

            async def dropped():
                raise OperationalError("SELECT td_sync_upper()", {}, OSError("server closed the connection"))

            shared._read = dropped
            answers: dict = {}
            threads = [_pull_in_thread(http, h, 0, answers, i) for i, h in enumerate(headers)]
            for thread in threads:
                thread.join(10)
        assert sorted(answers) == [0, 1, 2]
        assert all(a.status_code == 200 and a.headers["X-TD-Read-From"] == "primary" for a in answers.values())
        assert shared.reads >= 1
