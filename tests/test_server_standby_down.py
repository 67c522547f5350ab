"""A standby that is down never fails a pull or a snapshot (server.replica.StandbyHealth): the
primary serves the read, the standby is left alone for a few seconds instead of being tried on
every pull, and tried again after that. Both ways a pull is read — on the event loop (PostgreSQL)
and in a worker thread (a Windows server) — and a standby that fails during the read itself (it
answered it had caught up, then went away). The standby here is a port nobody listens on; the
real primary + standby pair is tests/test_server_replica.py."""

from __future__ import annotations

import json
import time

import pytest

from db.ids import new_id
from sync.wire import SCHEMA_VERSION
from tests.server.databases import PG_URL, fresh_database
from tests.server.live import app_in_process, free_port, log_in

VILLAGE = "150422100201"
pytestmark = pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (TD_TEST_PG_URL)")


@pytest.fixture
def no_standby(tmp_path, monkeypatch):
    """(app, TestClient, writer's headers, reader's headers) of a server whose standby is down."""
    from fastapi.testclient import TestClient

    gone = f"postgresql+psycopg://city:citypw@127.0.0.1:{free_port()}/citydb"
    with fresh_database("postgresql", tmp_path) as url, \
            app_in_process(url, tmp_path, monkeypatch, TD_REPLICA_URL=gone, TD_REPLICA_WAIT_MS="300") as (app, lab):
        writer_device = new_id()
        writer_name, reader_name = (lab.add_user("village_cadre", VILLAGE) for _ in range(2))
        with TestClient(app) as http:
            writer = log_in(http, writer_name, writer_device)
            writer["td-device"] = writer_device
            yield app, http, writer, log_in(http, reader_name)


def _push_household(http, writer) -> str:
    headers = {k: v for k, v in writer.items() if k != "td-device"}
    device, household, ms = writer["td-device"], new_id(), int(time.time() * 1000)
    answer = http.post("/api/v1/sync/push", headers=headers, json={"changes": [{
        "change_id": new_id(), "device_id": device, "device_seq": 1, "entity": "household", "record_id": household,
        "op": "upsert", "base": {}, "schema_version": SCHEMA_VERSION, "hlc": f"{ms:013d}-00000-{device}",
        "fields": {"household_no": f"{VILLAGE}990001", "region_code": VILLAGE}}]})
    assert answer.status_code == 200 and answer.json()["results"][0]["outcome"] == "accepted", answer.text
    return household


def _pulled(http, reader):
    answer = http.get("/api/v1/sync/pull", params={"cursor": 0, "limit": 500}, headers=reader)
    assert answer.status_code == 200, answer.text
    return answer.headers["X-TD-Read-From"], {r["record_id"] for r in answer.json()["records"]}


def test_pulls_and_snapshots_go_to_the_primary_while_the_standby_is_down(no_standby):
    app, http, writer, reader = no_standby
    health = app.state.standby_health
    household = _push_household(http, writer)
    for _ in range(5):
        source, records = _pulled(http, reader)
        assert source == "primary" and household in records
    assert health.failures == 1  # tried once, then left alone: not a connection attempt per pull

    health._down_until = 0  # the back-off over: the next read tries the standby again
    answer = http.get("/api/v1/sync/snapshot", params={"format": "records"}, headers=reader)
    assert answer.status_code == 200, answer.text
    lines = [json.loads(line) for line in answer.text.splitlines() if line.strip()]
    assert household in {r["record_id"] for line in lines for r in line.get("records", [])}
    assert health.failures == 2


def test_a_pull_in_a_worker_thread_goes_to_the_primary_too(no_standby):
    app, http, writer, reader = no_standby
    app.state.pull_reads = None  # the thread path, as on a Windows server
    household = _push_household(http, writer)
    for _ in range(3):
        source, records = _pulled(http, reader)
        assert source == "primary" and household in records
    assert app.state.standby_health.failures == 1  # left alone after the first: no attempt per pull


@pytest.mark.parametrize("path", ["event loop", "thread"])
def test_a_standby_that_fails_during_the_read_is_read_again_on_the_primary(no_standby, monkeypatch, path):
    """The standby said it had caught up, then its connection failed while the page was read."""
    import server.replica as replica

    app, http, writer, reader = no_standby

    async def said_yes(*_args):
        return True

    monkeypatch.setattr(replica, "caught_up_async", said_yes)
    monkeypatch.setattr(replica, "caught_up", lambda *_args: True)
    if path == "thread":
        app.state.pull_reads = None
    household = _push_household(http, writer)
    source, records = _pulled(http, reader)
    assert source == "primary" and household in records
    assert app.state.standby_health.failures == 1
