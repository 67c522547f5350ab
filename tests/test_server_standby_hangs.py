"""A standby that stops answering in the middle of a read — its host frozen or cut off, a connection
already open to it — never holds a pull for longer than a bound: the primary reads the pull; one
that fails as a snapshot starts has the primary serve it, and one that fails mid-stream is left
alone while the client resumes (the real pair is tests/test_server_replica.py; a standby that
refuses connections, tests/test_server_standby_down.py). The standby here is a TCP relay to the
test database that can be made to stop passing bytes on, as a frozen host or a dropped route does,
or closed."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time

import pytest
from sqlalchemy import make_url

from db.ids import new_id
from sync.wire import SCHEMA_VERSION
from tests.server.databases import PG_URL, fresh_database
from tests.server.live import app_in_process, log_in

VILLAGE = "150422100201"
pytestmark = pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (TD_TEST_PG_URL)")


class FreezableRelay:
    """127.0.0.1:port relays to (host, port); while `frozen` is clear no byte is passed on either way
    (the peers' kernels still take them: a hung process, not a refused connection)."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.flowing = threading.Event()
        self.flowing.set()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            self.sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                self.flowing.wait()
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        self.closed = True
        self.flowing.set()
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accept (close alone does not, on Linux)
        self.listener.close()
        for s in self.sockets:
            with contextlib.suppress(OSError):
                s.close()


@pytest.fixture
def hanging_standby(tmp_path, monkeypatch):
    """(app, TestClient, reader's headers, relay): the standby is the test database behind a relay,
    said to have caught up at once (a primary's own replay position is NULL)."""
    from fastapi.testclient import TestClient

    import server.replica as replica

    async def said_yes(*_args):
        return True

    monkeypatch.setattr(replica, "caught_up_async", said_yes)
    monkeypatch.setattr(replica, "caught_up", lambda *_args: True)
    with fresh_database("postgresql", tmp_path) as url:
        parsed = make_url(url)
        relay = FreezableRelay(parsed.host or "localhost", parsed.port or 5432)
        standby = parsed.set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)
        try:
            with app_in_process(url, tmp_path, monkeypatch, TD_REPLICA_URL=standby) as (app, lab), \
                    TestClient(app) as http:
                writer = new_id()
                http.writer = (writer, log_in(http, lab.add_user("village_cadre", VILLAGE), writer))
                yield app, http, log_in(http, lab.add_user("village_cadre", VILLAGE)), relay
                relay.flowing.set()  # let a read still held go, so the client can close
        finally:
            relay.close()


def _pull_within(http, headers, seconds: float):
    answer, took = _within(seconds, lambda: http.get("/api/v1/sync/pull", params={"cursor": 0, "limit": 500},
                                                     headers=headers))
    assert not isinstance(answer, Exception), repr(answer)
    return answer, took


def test_a_standby_that_hangs_during_a_pull_on_the_event_loop_leaves_it_to_the_primary(hanging_standby):
    app, http, reader, relay = hanging_standby
    first, _ = _pull_within(http, reader, 10)
    assert first.status_code == 200 and first.headers["X-TD-Read-From"] == "standby"  # a connection is open to it
    relay.flowing.clear()  # the standby's host stops answering
    answer, took = _pull_within(http, reader, 20)
    assert answer.status_code == 200, answer.text
    assert answer.headers["X-TD-Read-From"] == "primary"
    # TD_REPLICA_WAIT_MS + STANDBY_READ_SECONDS, without the seconds the driver spends cancelling
    assert took < 0.5 + 5 + 3, took
    assert app.state.standby_health.failures == 1
    again, took_again = _pull_within(http, reader, 10)  # left alone meanwhile: no wait at all
    assert again.headers["X-TD-Read-From"] == "primary" and took_again < 2, took_again


def test_a_pull_in_a_worker_thread_is_not_failed_by_a_standby_whose_connections_are_all_taken(hanging_standby):
    """Every connection to the standby busy (a slow or hung standby, many pulls at once): a pull
    that waits for one in vain is read on the primary, not answered 500 (the pool's TimeoutError)."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import sessionmaker

    app, http, reader, _relay = hanging_standby
    app.state.pull_reads = None  # the thread path, as on a Windows server (and the snapshot's way)
    standby = app.state.replica_sessions.kw["bind"]
    tiny = create_engine(standby.url, pool_size=1, max_overflow=0, pool_timeout=0.2)
    app.state.replica_sessions = sessionmaker(tiny)
    try:
        with tiny.connect():  # the standby's only connection, held
            answer, _took = _pull_within(http, reader, 20)
        assert answer.status_code == 200, answer.text
        assert answer.headers["X-TD-Read-From"] == "primary"
        assert app.state.standby_health.failures == 1
    finally:
        tiny.dispose()



def _push_households(http, count: int) -> set[str]:
    device, headers = http.writer
    ms, ids = int(time.time() * 1000), [new_id() for _ in range(count)]
    answer = http.post("/api/v1/sync/push", headers=headers, json={"changes": [{
        "change_id": new_id(), "device_id": device, "device_seq": n + 1, "entity": "household", "record_id": rid,
        "op": "upsert", "base": {}, "schema_version": SCHEMA_VERSION, "hlc": f"{ms:013d}-{n:05d}-{device}",
        "fields": {"household_no": f"{VILLAGE}99{n:04d}", "region_code": VILLAGE}} for n, rid in enumerate(ids)]})
    assert answer.status_code == 200 and all(r["outcome"] == "accepted" for r in answer.json()["results"]), answer.text
    return set(ids)


def _snapshot_ids(answer) -> set[str]:
    assert answer.status_code == 200, answer.text
    lines = [json.loads(line) for line in answer.text.splitlines() if line.strip()]
    assert lines[-1].get("last"), lines[-1]  # the whole stream
    return {r["record_id"] for line in lines for r in line.get("records", []) if r["entity"] == "household"}


def test_a_snapshot_whose_standby_fails_before_its_first_line_is_served_by_the_primary(hanging_standby):
    """The standby said it had caught up, then refused the snapshot's connection: nothing had been
    sent yet, so the primary serves the whole snapshot (the answer's 200 was already on its way)."""
    app, http, reader, relay = hanging_standby
    households = _push_households(http, 3)
    relay.close()
    assert households <= _snapshot_ids(http.get("/api/v1/sync/snapshot", params={"chunk": 1}, headers=reader))
    assert app.state.standby_health.failures == 1


def test_a_snapshot_whose_standby_fails_mid_stream_breaks_and_its_resume_goes_to_the_primary(hanging_standby,
                                                                                               monkeypatch):
    """Lines already sent cannot be taken back: the stream breaks off (the client resumes after its
    last whole line, sync/http_transport.py), and the standby is noted as failed, so the resume is
    read on the primary instead of on the standby that just failed."""
    import server.routers.sync as routes

    app, http, reader, relay = hanging_standby
    households = _push_households(http, 3)
    real = routes.snapshot_chunks

    def standby_dies_after_one(*args, **kwargs):
        for number, chunk in enumerate(real(*args, **kwargs)):
            yield chunk
            if number == 0:
                relay.close()

    monkeypatch.setattr(routes, "snapshot_chunks", standby_dies_after_one)
    with pytest.raises(Exception, match="(?i)closed|terminat|connection"):  # the test client re-raises it
        http.get("/api/v1/sync/snapshot", params={"chunk": 1}, headers=reader)
    assert app.state.standby_health.failures == 1
    monkeypatch.setattr(routes, "snapshot_chunks", real)
    assert households <= _snapshot_ids(http.get("/api/v1/sync/snapshot", params={"chunk": 1}, headers=reader))
    assert app.state.standby_health.failures == 1  # left alone: not tried (and failed) again


@pytest.mark.parametrize("path", ["event loop", "thread"])
def test_a_refusal_read_on_the_standby_is_the_answer_not_a_standby_failure(hanging_standby, path):
    """`cursor_too_old` (410) raised by the read on the standby is the pull's answer: not taken for a
    standby that failed, not read again on the primary."""
    from sqlalchemy import update

    from server.store.tables import SyncCounter

    app, http, reader, _relay = hanging_standby
    if path == "thread":
        app.state.pull_reads = None
    with app.state.sessions.begin() as session:
        session.execute(update(SyncCounter).where(SyncCounter.id == 1).values(tombstone_horizon=5))
    answer = http.get("/api/v1/sync/pull", params={"cursor": 1}, headers=reader)
    assert answer.status_code == 410 and answer.json()["error"]["code"] == "cursor_too_old", answer.text
    assert app.state.standby_health.failures == 0


def _within(seconds: float, call):
    """(call()'s value or the error it raised, seconds taken); fails when it is still waiting after `seconds`."""
    answers: list = []

    def run() -> None:
        try:
            answers.append(call())
        except Exception as exc:  # the server's error, raised by the test client
            answers.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    started = time.monotonic()
    thread.start()
    thread.join(seconds)
    assert answers, f"still waiting on the hung standby after {seconds} s"
    return answers[0], time.monotonic() - started


def test_a_standby_that_hangs_during_a_pull_in_a_worker_thread_leaves_it_to_the_primary(hanging_standby):
    """The thread path (a Windows server's pulls): its blocking driver call cannot be abandoned, so a
    watchdog shuts the hung connection's socket down (server.standby_guard) and the primary reads."""
    app, http, reader, relay = hanging_standby
    app.state.pull_reads = None
    households = _push_households(http, 3)
    first, _ = _pull_within(http, reader, 10)
    assert first.status_code == 200 and first.headers["X-TD-Read-From"] == "standby"  # a connection is open to it
    relay.flowing.clear()  # the standby's host stops answering
    answer, took = _within(20, lambda: http.get("/api/v1/sync/pull", params={"cursor": 0, "limit": 500},
                                                headers=reader))
    assert not isinstance(answer, Exception), repr(answer)
    assert answer.status_code == 200 and answer.headers["X-TD-Read-From"] == "primary", answer.text
    assert took < 0.5 + 5 + 6, took  # TD_REPLICA_WAIT_MS + STANDBY_READ_SECONDS, and a busy machine's slack
    assert app.state.standby_health.failures == 1
    again, took_again = _pull_within(http, reader, 10)  # left alone meanwhile: the primary, at once
    assert again.headers["X-TD-Read-From"] == "primary" and took_again < 2, took_again
    assert answer.json() == again.json() == first.json()  # complete: the same page as the primary's
    assert households <= {r["record_id"] for r in answer.json()["records"]}


def _opened_on_standby(app, http, reader) -> None:
    """A pull on the thread path, so the standby's (thread) pool holds an open connection."""
    pull_reads, app.state.pull_reads = app.state.pull_reads, None
    try:
        first = http.get("/api/v1/sync/pull", params={"cursor": 0}, headers=reader)
        assert first.headers["X-TD-Read-From"] == "standby"
    finally:
        app.state.pull_reads = pull_reads


def test_a_snapshot_whose_standby_hangs_before_its_first_line_is_served_by_the_primary(hanging_standby):
    app, http, reader, relay = hanging_standby
    households = _push_households(http, 3)
    _opened_on_standby(app, http, reader)
    relay.flowing.clear()
    answer, took = _within(20, lambda: http.get("/api/v1/sync/snapshot", params={"chunk": 1}, headers=reader))
    assert not isinstance(answer, Exception), repr(answer)
    assert took < 15, took  # 0.5 + 5 s on the standby, then the whole snapshot on the primary
    assert app.state.standby_health.failures == 1
    served = _snapshot_ids(answer)
    assert households <= served
    assert served == _snapshot_ids(http.get("/api/v1/sync/snapshot", params={"chunk": 1}, headers=reader))


def test_a_snapshot_whose_standby_hangs_mid_stream_breaks_within_a_bound_and_resumes_on_the_primary(
        hanging_standby, monkeypatch):
    """Lines already sent: the stream breaks off (a resumable cut, as when the standby fails
    mid-stream) once the line being read has waited STANDBY_READ_SECONDS, never hangs."""
    import server.routers.sync as routes

    app, http, reader, relay = hanging_standby
    households = _push_households(http, 3)
    real = routes.snapshot_chunks

    def standby_hangs_after_one(*args, **kwargs):
        for number, chunk in enumerate(real(*args, **kwargs)):
            yield chunk
            if number == 0:
                relay.flowing.clear()

    monkeypatch.setattr(routes, "snapshot_chunks", standby_hangs_after_one)
    answer, took = _within(20, lambda: http.get("/api/v1/sync/snapshot", params={"chunk": 1}, headers=reader))
    assert isinstance(answer, Exception) and "closed" in str(answer), repr(answer)  # the test client re-raises it
    assert took < 5 + 6, took  # STANDBY_READ_SECONDS for the line, and a busy machine's slack
    assert app.state.standby_health.failures == 1
    monkeypatch.setattr(routes, "snapshot_chunks", real)
    resumed, took = _within(10, lambda: http.get("/api/v1/sync/snapshot", params={"chunk": 1}, headers=reader))
    assert households <= _snapshot_ids(resumed) and took < 5, took  # the primary's, the standby left alone
