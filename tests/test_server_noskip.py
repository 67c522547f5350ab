"""Pull never skips: with several pushers committing concurrently, a continuous puller sees every
accepted change exactly once — a sequence number taken by a transaction that commits later is never
passed over. Runs on SQLite and, with TD_TEST_PG_URL, on PostgreSQL (where it matters most)."""

from __future__ import annotations

import collections
import threading
import time

from db.ids import new_id
from tests.server.fixtures import server_fixture  # noqa: F401
from tests.server.numbers import household_no

VILLAGE = "150422100203"
PUSHERS, BATCHES, BATCH_SIZE = 4, 8, 15


def _pusher(client, created: list, errors: list) -> None:
    try:
        for _b in range(BATCHES):
            batch = [client.change("household", new_id(), {
                "household_no": household_no(VILLAGE), "region_code": VILLAGE}) for i in range(BATCH_SIZE)]
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


SHARED_VILLAGE = "150422100204"
EDITED_FIELDS = ("notes", "address", "phone", "notes")  # the two "notes" editors really conflict


def _editor(client, households: list[str], name: str, rounds: int, answers: list, errors: list) -> None:
    import random

    rng = random.Random(client.device_id)
    try:
        for n in range(rounds):
            order = households[:]
            rng.shuffle(order)  # other pushers lock the same heads in another order: no deadlock
            batch = [client.change("household", hid, {name: f"{client.device_id[:4]}-{n}"}) for hid in order]
            r = client.push(batch)
            assert r.status_code == 200, r.text
            answers.extend(r.json()["results"])
    except BaseException as exc:  # reported by the main thread
        errors.append(exc)


def test_concurrent_pushers_editing_the_same_records_keep_every_version(server):
    """Pushes merge side by side and take the sequence lock only at the end (server.store): the
    version heads they share are locked row by row, so no push overwrites a head another one wrote
    (each editor writes its own field: a head merged from a stale read would lose another's version)."""
    from sqlalchemy import select

    from server.store.tables import ChangeLogEntry, RecordVersion

    owner = server.user_client("township_staff", "150422100")
    households = [new_id() for _ in range(6)]
    r = owner.push([owner.change("household", hid, {"household_no": household_no(SHARED_VILLAGE),
                                                    "region_code": SHARED_VILLAGE})
                    for i, hid in enumerate(households)])
    assert r.status_code == 200 and all(a["outcome"] == "accepted" for a in r.json()["results"]), r.text
    editors = [server.user_client("township_staff", "150422100") for _ in range(PUSHERS)]
    answers: list[dict] = []
    errors: list[BaseException] = []
    threads = [threading.Thread(target=_editor, args=(c, households, name, BATCHES, answers, errors))
               for c, name in zip(editors, EDITED_FIELDS, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert {a["outcome"] for a in answers} <= {"accepted", "merged_with_conflict"}
    seqs = [a["server_seq"] for a in answers]
    assert len(set(seqs)) == len(seqs) == PUSHERS * BATCHES * len(households)
    with server.session() as s:
        log = s.execute(select(ChangeLogEntry.change_id, ChangeLogEntry.server_seq, ChangeLogEntry.record_id,
                               ChangeLogEntry.fields).where(ChangeLogEntry.record_id.in_(households))).all()
        assert {a["change_id"]: a["server_seq"] for a in answers}.items() <= {r[0]: r[1] for r in log}.items()
        for head in s.scalars(select(RecordVersion).where(RecordVersion.record_id.in_(households))):
            mine = [r for r in log if r[2] == head.record_id]
            assert head.server_seq == max(r[1] for r in mine)
            for name in set(EDITED_FIELDS):
                assert head.field_versions[name][0] == max(r[1] for r in mine if name in r[3]), name


CROWD = 8  # pushers and, beside them, continuous pullers
CROWD_VILLAGE = "150422100205"


def test_eight_pushers_and_eight_pullers_see_every_change_once_and_nothing_twice(server):
    """Black box, as many devices sync at once: eight devices push new households of one village
    while eight other devices of that village pull continuously from where they began. Every puller
    ends up with every accepted household exactly once, its cursor never goes back, and every
    accepted change has its own sequence number. On PostgreSQL the pushes take numbers from a
    sequence side by side and the pulls serve only below the oldest push in flight."""
    pushers = [server.user_client("township_staff", "150422100") for _ in range(CROWD)]
    pullers = [server.user_client("village_cadre", CROWD_VILLAGE) for _ in range(CROWD)]
    starts = [_drain(p, 0)[1] for p in pullers]
    created: list[str] = []
    errors: list[BaseException] = []
    answers: list[dict] = []
    seen = [collections.Counter() for _ in pullers]
    ends: list[int] = [0] * CROWD
    stop = threading.Event()

    def push(client) -> None:
        try:
            for _b in range(BATCHES):
                batch = [client.change("household", new_id(), {
                    "household_no": household_no(CROWD_VILLAGE), "region_code": CROWD_VILLAGE})
                    for i in range(10)]
                r = client.push(batch)
                assert r.status_code == 200, r.text
                answers.extend(r.json()["results"])
                created.extend(c["record_id"] for c in batch)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    def pull(n: int) -> None:
        try:
            ends[n] = _pull_until(pullers[n], starts[n], seen[n], stop)
        except BaseException as exc:
            errors.append(exc)

    pulling = [threading.Thread(target=pull, args=(n,)) for n in range(CROWD)]
    pushing = [threading.Thread(target=push, args=(c,)) for c in pushers]
    for t in pulling + pushing:
        t.start()
    for t in pushing:
        t.join()
    stop.set()
    for t in pulling:
        t.join(timeout=120)
    assert not errors, errors
    assert len(created) == CROWD * BATCHES * 10
    assert {a["outcome"] for a in answers} == {"accepted"}
    seqs = [a["server_seq"] for a in answers]
    assert len(set(seqs)) == len(seqs)
    for n, puller in enumerate(pullers):
        assert set(seen[n]) == set(created), f"puller {n} missed {len(set(created) - set(seen[n]))}"
        assert max(seen[n].values()) == 1, f"puller {n} got a record twice"
        late, _ = _drain(puller, ends[n])
        assert not late, f"{len(late)} changes appeared behind puller {n}'s cursor"


def test_a_push_in_flight_in_another_database_does_not_hold_this_ones_pulls_back(tmp_path):
    """`pg_locks` lists every database of the cluster: only this database's published bounds may
    lower its cursor (migration 0025). Otherwise a push in flight in a second city's (or a test's)
    database on the same PostgreSQL makes a pull here miss what was just accepted."""
    import pytest
    from sqlalchemy import text

    from server.db import make_server_engine, upgrade
    from tests.server.databases import PG_URL, fresh_database

    if not PG_URL:
        pytest.skip("needs PostgreSQL (TD_TEST_PG_URL)")
    with fresh_database("postgresql", tmp_path) as here_url, fresh_database("postgresql", tmp_path) as there_url:
        here, there = make_server_engine(here_url), make_server_engine(there_url)
        try:
            for engine in (here, there):
                upgrade(engine)  # the migrations' function, as a city's database has it
            with here.begin() as conn:
                conn.execute(text("SELECT td_take_numbers(50)"))  # here: 50 numbers taken and committed
            with there.connect() as in_flight:
                in_flight.begin()
                in_flight.execute(text("SELECT td_take_numbers(1)"))  # there: a push in flight, bound 1
                with here.connect() as conn:
                    assert conn.scalar(text("SELECT td_sync_upper()")) == 50
                with there.connect() as conn:
                    assert conn.scalar(text("SELECT td_sync_upper()")) == 0  # its own push still holds it
                in_flight.rollback()
        finally:
            here.dispose()
            there.dispose()
