"""Kill-safety with real processes: three client processes (tests/kill_driver.py, each with its own
SQLite file, one with its clock three days ahead) make random offline edits and sync against a real
server process (uvicorn on loopback). Clients are killed with SIGKILL in the middle of pushing and of
pulling (at least 20 times), and the server in the middle of a push (at least 10 times); after
restarts they sync until clean, and then: every edit a client made was accepted exactly once, no
change was applied twice, no record or visit is duplicated, every value written is either the final
value, overwritten later, or kept as the loser of a recorded conflict, and all clients hold exactly
the server's data."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.client import OutboxChange, SyncState
from db.engine import open_local
from db.models import Household, Visit
from server.db import make_server_engine
from server.store.tables import AppliedChange, ChangeLogEntry, DeviceSyncState, ReviewItem
from tests.server.live import PASSWORD, ROOT, TEST_ENV, _wait_until_up, live_server

TOWNSHIP = "150422100"
CLOCK_AHEAD_MS = 3 * 24 * 3600 * 1000
CLIENT_KILLS = 20
SERVER_KILLS = 10


class ServerProcess:
    """The city server as a process we may kill -9 and start again on the same port and database."""

    def __init__(self, live, tmp: Path) -> None:
        self.first = live.process
        self.process = live.process
        self.url = live.url
        self.port = live.url.rsplit(":", 1)[1]
        self.env = {**os.environ, **TEST_ENV, "DATABASE_URL": live.database_url,
                    "TD_SERVER_DATA_DIR": str(tmp / "data")}
        self.log = tmp / "server-restarts.log"

    def kill9(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def start(self) -> None:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "--factory", "server.app:create_app", "--host", "127.0.0.1",
                 "--port", self.port, "--no-access-log", "--log-level", "warning"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        _wait_until_up(self.url, self.process, self.log)

    def stop(self) -> None:
        if self.process is not self.first and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


class ClientProcess:
    """One PC: a database file, a keyring file and a journal of committed edits."""

    def __init__(self, index: int, tmp: Path, server_url: str, user: str, clock_ms: int = 0) -> None:
        self.index = index
        self.db = tmp / f"client{index}.db"
        self.journal = tmp / f"client{index}.jsonl"
        self.server_url = server_url
        self.user = user
        self.env = {**os.environ, "PYTHONPATH": str(ROOT),
                    "PYTHON_KEYRING_BACKEND": "tests.client_sync_support.FileKeyring",
                    "TD_TEST_KEYRING_FILE": str(tmp / f"keyring{index}.json"),
                    "TD_TEST_PASSWORD": PASSWORD, "TD_CLOCK_OFFSET_MS": str(clock_ms)}

    def start(self, edits: int, seed: int, enrol: bool = False) -> subprocess.Popen:
        cmd = [sys.executable, "-m", "tests.kill_driver", "--db", str(self.db), "--server", self.server_url,
               "--user", self.user, "--journal", str(self.journal), "--client", str(self.index),
               "--seed", str(seed), "--edits", str(edits)]
        return subprocess.Popen(cmd + (["--enrol"] if enrol else []), cwd=ROOT, env=self.env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def run(self, edits: int, seed: int, kill_on: str | None = None, delay: float = 0.0,
            on_phase=None, enrol: bool = False) -> str:
        """Run one driver; when `kill_on` ("push", "pull", "snapshot") shows up, wait `delay` and kill
        it (or call `on_phase` instead, e.g. to kill the server). Returns killed/done/failed."""
        proc = self.start(edits, seed, enrol)
        fired = False
        for line in proc.stdout:
            if kill_on and not fired and line.startswith(f"EVENT {kill_on} "):
                fired = True
                time.sleep(delay)
                if on_phase:
                    on_phase()
                else:
                    proc.send_signal(signal.SIGKILL)
        proc.wait(120)
        if proc.returncode == -signal.SIGKILL:
            return "killed"
        if proc.returncode not in (0, 3):
            raise AssertionError(f"driver {self.index} crashed:\n{proc.stderr.read()}")
        return "done" if proc.returncode == 0 else "failed"


def _parallel(jobs) -> list[str]:
    results: list[str] = [""] * len(jobs)

    def run(i, job):
        results[i] = job()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    return results


def _journal(clients) -> list[dict]:
    entries = []
    for c in clients:
        if c.journal.exists():
            entries += [json.loads(line) for line in c.journal.read_text(encoding="utf-8").splitlines()]
    return entries


def _client_state(client) -> tuple[dict, set, int]:
    engine = open_local(client.db)
    try:
        with Session(engine) as s:
            households = {h.id: (h.notes, h.last_visit_on, h.deleted) for h in s.scalars(select(Household))}
            visits = set(s.scalars(select(Visit.id)))
            outbox = s.scalar(select(func.count()).select_from(OutboxChange).where(OutboxChange.state != "accepted"))
    finally:
        engine.dispose()
    return households, visits, outbox


def _device_id(client) -> str:
    engine = open_local(client.db)
    try:
        with Session(engine) as s:
            return s.get(SyncState, "device_id").value
    finally:
        engine.dispose()


def _check_nothing_lost_or_doubled(server_url: str, clients) -> None:
    journal = _journal(clients)
    engine = make_server_engine(server_url)
    with Session(engine) as s:
        answers = {a.change_id: a for a in s.scalars(select(AppliedChange))}
        logged = Counter(s.scalars(select(ChangeLogEntry.change_id)))
        households = {h.id: (h.notes, h.last_visit_on, h.deleted) for h in s.scalars(select(Household))}
        visits = set(s.scalars(select(Visit.id)))
        losers = {(r.record_id, json.dumps(r.loser_value, ensure_ascii=False))
                  for r in s.scalars(select(ReviewItem).where(ReviewItem.field == "notes"))}
        notes_writes = [(e.record_id, e.server_seq) for e in s.scalars(select(ChangeLogEntry))
                        if "notes" in (e.fields or {})]
        flagged = {d.device_id for d in s.scalars(select(DeviceSyncState)) if d.clock_flagged_at is not None}
    engine.dispose()
    assert not [cid for cid, n in logged.items() if n > 1], "a change was applied twice"
    for entry in journal:
        answer = answers.get(entry["change_id"])
        assert answer is not None, f"edit never reached the server: {entry['op']}"
        assert answer.outcome in ("accepted", "merged_with_conflict"), answer.code
    creates = {e["record_id"] for e in journal if e["op"] == "create"}
    assert set(households) == creates  # every household made exactly once, nothing extra
    assert visits == {e["record_id"] for e in journal if e["op"] == "visit"}
    for entry in journal:
        if entry["op"] not in ("create", "notes"):
            continue
        rid, seq = entry["record_id"], answers[entry["change_id"]].server_seq or 0
        final = households[rid][0] == entry["value"]
        overwritten = any(r == rid and s > seq for r, s in notes_writes)
        lost_conflict = (rid, json.dumps(entry["value"], ensure_ascii=False)) in losers
        assert final or overwritten or lost_conflict, f"an accepted edit vanished ({entry['op']})"
    assert flagged == {_device_id(clients[2])}  # the fast clock was noticed, and only that one
    for client in clients:
        local, local_visits, outbox = _client_state(client)
        assert outbox == 0
        assert local == households and local_visits == visits, f"client {client.index} did not converge"


def _sync_until_clean(clients, seed: int) -> None:
    for attempt in range(6):
        outcomes = _parallel([lambda c=c, s=seed + attempt: c.run(0, s) for c in clients])
        if all(o == "done" for o in outcomes) and all(_client_state(c)[2] == 0 for c in clients):
            _parallel([lambda c=c: c.run(0, seed) for c in clients])  # everyone pulls the others' last pushes
            return
    raise AssertionError("clients did not settle")


@pytest.mark.slow
def test_kill_clients_and_server_mid_sync(tmp_path):
    rng = random.Random(2026)
    with live_server(f"sqlite:///{tmp_path / 'city.db'}", tmp_path) as live:
        user = live.add_user("township_staff", TOWNSHIP)
        server = ServerProcess(live, tmp_path)
        clients = [ClientProcess(i, tmp_path, live.url, user, CLOCK_AHEAD_MS if i == 3 else 0) for i in (1, 2, 3)]
        try:
            assert clients[0].run(20, 1, enrol=True) == "done"
            # first syncs: the snapshot of the seeded code tables, one of them interrupted
            assert clients[1].run(10, 2, kill_on="snapshot", enrol=True) in ("killed", "done")
            assert clients[2].run(10, 3, enrol=True) == "done"
            client_kills, server_kills, rounds = Counter(), 0, 0
            def clients_pending() -> bool:
                return sum(client_kills.values()) < CLIENT_KILLS or min(client_kills["push"], client_kills["pull"]) < 5

            while (clients_pending() or server_kills < SERVER_KILLS) and rounds < 60:
                rounds += 1
                seed = 100 * rounds
                if server_kills < SERVER_KILLS and (rounds % 2 == 0 or not clients_pending()):
                    victim = clients[rounds % 3]
                    outcome = victim.run(25, seed, kill_on="push", delay=rng.uniform(0, 0.03),
                                         on_phase=server.kill9)
                    server_kills += outcome != "done" or server.process.poll() is not None
                    server.start()
                    continue
                # every client is a victim: two are killed while pushing, one while pulling
                phases = rng.sample(["push", "push", "pull"], 3)
                jobs = [lambda c=c, p=p, s=seed + c.index, d=rng.uniform(0, 0.05):
                        c.run(25 if p == "push" else 5, s, kill_on=p, delay=d) for c, p in zip(clients, phases, strict=True)]
                for phase, outcome in zip(phases, _parallel(jobs), strict=True):
                    client_kills[phase] += outcome == "killed"
            assert not clients_pending(), client_kills
            assert server_kills >= SERVER_KILLS
            if server.process.poll() is not None:
                server.start()
            _sync_until_clean(clients, 9000)
            _check_nothing_lost_or_doubled(live.database_url, clients)
        finally:
            server.stop()
