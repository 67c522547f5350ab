"""Pull never skips: with several pushers committing concurrently, a continuous puller sees every
accepted change exactly once — a sequence number taken by a transaction that commits later is never
passed over. Runs on SQLite and, with TD_TEST_PG_URL, on PostgreSQL (where it matters most)."""

from __future__ import annotations

import collections
import threading
import time

from db.ids import new_id
from tests.server.fixtures import server_fixture  # noqa: F401

VILLAGE = "150422100203"
PUSHERS, BATCHES, BATCH_SIZE = 4, 8, 15


def _pusher(client, created: list, errors: list) -> None:
    try:
        for b in range(BATCHES):
            batch = [client.change("household", new_id(), {
                "household_no": f"{VILLAGE}{b:02d}{i:04d}", "region_code": VILLAGE}) for i in range(BATCH_SIZE)]
            r = client.push(batch)
            assert r.status_code == 200, r.text
            for change, result in zip(batch, r.json()["results"], strict=True):
                assert result["outcome"] == "accepted", result
                created.append(change["record_id"])
    except BaseException as exc:  # reported by the main thread
        errors.append(exc)


def _pull_until(client, cursor: int, seen: collections.Counter, stop: threading.Event) -> int:
    while True:
        stopping = stop.is_set()  # set before this request: every push has committed
        r = client.pull(cursor, 37)  # small, odd pages: many page boundaries under concurrency
        assert r.status_code == 200, r.text
        page = r.json()
        seen.update(rec["record_id"] for rec in page["records"] if rec["entity"] == "household")
        assert page["next_cursor"] >= cursor
        cursor = page["next_cursor"]
        if not page["has_more"]:
            if stopping:
                return cursor
            time.sleep(0.005)


def test_concurrent_pushers_and_a_continuous_puller_see_every_change_exactly_once(server):
    pushers = [server.user_client("township_staff", "150422100") for _ in range(PUSHERS)]
    puller = server.user_client("village_cadre", VILLAGE)
    _, start = _drain(puller, 0)
    created: list[str] = []
    errors: list[BaseException] = []
    seen: collections.Counter = collections.Counter()
    stop = threading.Event()
    pulled_to: list[int] = []
    pull_thread = threading.Thread(target=lambda: pulled_to.append(_pull_until(puller, start, seen, stop)))
    pull_thread.start()
    threads = [threading.Thread(target=_pusher, args=(c, created, errors)) for c in pushers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    pull_thread.join(timeout=120)
    assert not errors, errors
    assert len(created) == PUSHERS * BATCHES * BATCH_SIZE
    # One last pass from where the continuous puller stopped finds nothing it had missed.
    late, _ = _drain(puller, pulled_to[0])
    assert not late, f"{len(late)} changes appeared behind the puller's cursor"
    assert set(seen) == set(created)
    assert max(seen.values()) == 1


def _drain(client, cursor: int) -> tuple[list[str], int]:
    found = []
    while True:
        page = client.pull(cursor, 500).json()
        found += [rec["record_id"] for rec in page["records"] if rec["entity"] == "household"]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return found, cursor
