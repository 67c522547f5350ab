"""The city server under 100 concurrent syncing clients on PostgreSQL: a demo township seeded into a
fresh database (a throwaway cluster started here, as scripts/test.sh does, unless TD_TEST_PG_URL names
a server to create it on), uvicorn with several workers on loopback, and 100 client threads that each
log in as their own device and then, until the time is up, push a batch of one-field household edits
and pull from their cursor — the traffic of 100 PCs syncing at once. Figures: request latency
p50/p95/p99 (push and pull together, and push alone), accepted changes per second, errors, and a
check that nothing was lost: every change the server accepted is in its change log exactly once,
with distinct sequence numbers. Skipped in `--quick` and without PostgreSQL (the reason is printed)."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import requests

from bench.bench_sync import PASSWORD, STAFF, ServerLab, free_port, log
from bench.common import BenchConfig, Figure, percentile

CLIENTS = 100
SECONDS = 30.0
BATCH = 10  # edits per push: a PC's worth of work between two syncs


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh, empty database URL; a throwaway cluster when TD_TEST_PG_URL is not set."""
    name = f"bench_{uuid.uuid4().hex[:8]}"
    base = os.environ.get("TD_TEST_PG_URL")
    if base:
        import psycopg

        plain = base.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        yield base.rsplit("/", 1)[0] + "/" + name
        return
    yield from _throwaway_cluster(name)


def unavailable_reason() -> str | None:
    if os.environ.get("TD_TEST_PG_URL"):
        return None
    if not _pg_bin():
        return "PostgreSQL is not installed and TD_TEST_PG_URL is not set"
    if os.geteuid() != 0:
        return "a throwaway PostgreSQL cluster needs root (runuser postgres); set TD_TEST_PG_URL"
    return None


def _pg_bin() -> str | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    return str(found[-1]) if found else None


def _throwaway_cluster(name: str) -> Iterator[str]:
    pg_bin, root, port = _pg_bin(), tempfile.mkdtemp(prefix="td-bench-pg-"), free_port()
    shutil.chown(root, "postgres")
    as_pg = ["runuser", "-u", "postgres", "--"]
    subprocess.run([*as_pg, f"{pg_bin}/initdb", "-D", f"{root}/data", "-U", "postgres", "--auth-local=trust",
                    "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8"], check=True, capture_output=True)
    subprocess.run([*as_pg, f"{pg_bin}/pg_ctl", "-D", f"{root}/data", "-l", f"{root}/log", "-w", "-o",
                    f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300",
                    "start"], check=True, capture_output=True)
    try:
        subprocess.run(["psql", "-h", root, "-p", str(port), "-U", "postgres", "-qc",
                        "CREATE ROLE city LOGIN PASSWORD 'citypw'", "-c", f'CREATE DATABASE "{name}" OWNER city'],
                       check=True, capture_output=True)
        yield f"postgresql+psycopg://city:citypw@127.0.0.1:{port}/{name}"
    finally:
        subprocess.run([*as_pg, f"{pg_bin}/pg_ctl", "-D", f"{root}/data", "-m", "immediate", "stop"],
                       capture_output=True, check=False)
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class Load:
    latencies: list[float] = field(default_factory=list)  # ms, every request
    push_latencies: list[float] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)  # change ids the server accepted
    errors: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _client(url: str, households: list[str], cursor: int, stop_at: float, load: Load, n: int) -> None:
    from db.ids import new_id
    from sync.wire import SCHEMA_VERSION

    http, device = requests.Session(), str(uuid.uuid4())
    try:
        r = http.post(url + "/api/v1/login", json={"username": STAFF, "password": PASSWORD, "device_id": device,
                                                   "device_name": f"负载{n}"}, timeout=120)
        r.raise_for_status()
    except requests.RequestException:
        with load.lock:
            load.errors += 1
        return
    http.headers.update({"Authorization": f"Bearer {r.json()['token']}", "X-Schema-Version": str(SCHEMA_VERSION)})
    seq, mine = 0, households[n::CLIENTS] or households
    while time.monotonic() < stop_at:
        changes = []
        for k in range(BATCH):
            seq += 1
            ms = int(time.time() * 1000)
            changes.append({"change_id": new_id(), "device_id": device, "device_seq": seq, "entity": "household",
                            "record_id": mine[(seq + k) % len(mine)], "op": "upsert",
                            "fields": {"notes": f"负载{n}第{seq}次"}, "base": {},
                            "hlc": f"{ms:013d}-{0:05d}-{device}", "schema_version": SCHEMA_VERSION})
        cursor = _round(http, url, changes, cursor, load)
        if cursor is None:
            return


def _round(http: requests.Session, url: str, changes: list[dict], cursor: int, load: Load) -> int | None:
    """One sync: push then pull until caught up; the new cursor, or None after an error."""
    try:
        started = time.perf_counter()
        r = http.post(url + "/api/v1/sync/push", json={"changes": changes}, timeout=120)
        took = (time.perf_counter() - started) * 1000
        r.raise_for_status()
        ok = [a["change_id"] for a in r.json()["results"] if a["outcome"] != "rejected"]
        pulls = []
        while True:
            started = time.perf_counter()
            page = http.get(url + "/api/v1/sync/pull", params={"cursor": cursor, "limit": 1000}, timeout=120)
            pulls.append((time.perf_counter() - started) * 1000)
            page.raise_for_status()
            body = page.json()
            cursor = body["next_cursor"]
            if not body.get("has_more"):
                break
    except (requests.RequestException, KeyError, ValueError):
        with load.lock:
            load.errors += 1
        return None
    with load.lock:
        load.latencies += [took, *pulls]
        load.push_latencies.append(took)
        load.accepted += ok
    return cursor


def _township_state(lab: ServerLab) -> tuple[list[str], int]:
    out = lab.python("from sqlalchemy import select\n"
                     "from db.models import Household\nfrom server.config import load_settings\n"
                     "from server.db import make_server_engine, session_factory\n"
                     "from sync.store_sql import current_cursor\n"
                     "e = make_server_engine(load_settings().database_url)\n"
                     "with session_factory(e)() as s:\n"
                     "    print(current_cursor(s))\n"
                     "    print(*s.scalars(select(Household.id).order_by(Household.id).limit(5000)), sep='\\n')\n")
    lines = out.split()
    return lines[1:], int(lines[0])


def _lost(lab: ServerLab, accepted: list[str]) -> tuple[int, int]:
    """(accepted changes missing from the change log, duplicate log entries or sequence numbers)."""
    ids = lab.workdir / "accepted.txt"
    ids.write_text("\n".join(accepted))
    out = lab.python("from sqlalchemy import select\nfrom db.server import ChangeLogEntry\n"
                     "from server.config import load_settings\n"
                     "from server.db import make_server_engine, session_factory\n"
                     f"wanted = set(open({str(ids)!r}).read().split())\n"
                     "e = make_server_engine(load_settings().database_url)\n"
                     "with session_factory(e)() as s:\n"
                     "    rows = s.execute(select(ChangeLogEntry.change_id, ChangeLogEntry.server_seq)).all()\n"
                     "ids = [r[0] for r in rows if r[0] in wanted]\n"
                     "seqs = [r[1] for r in rows]\n"
                     "print(len(wanted - set(ids)), (len(ids) - len(set(ids))) + (len(seqs) - len(set(seqs))))\n")
    missing, duplicates = out.split()
    return int(missing), int(duplicates)


def run(cfg: BenchConfig) -> Iterator[Figure]:
    if cfg.quick:
        log("# server_load: not in --quick (PostgreSQL and 100 clients for 30 s)")
        return
    reason = unavailable_reason()
    if reason:
        log(f"# server_load: skipped: {reason}")
        return
    with postgres_database() as url:
        lab = ServerLab(cfg.workdir / "server-load", url, workers=4)
        log(f"# server_load: seeding PostgreSQL with {cfg.households} households")
        lab.seed(cfg.households)
        households, cursor = _township_state(lab)
        with lab.serving():
            load = Load()
            stop_at = time.monotonic() + SECONDS
            threads = [threading.Thread(target=_client, args=(lab.url, households, cursor, stop_at, load, n))
                       for n in range(CLIENTS)]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(SECONDS + 300)
            elapsed = time.perf_counter() - started
        missing, duplicates = _lost(lab, load.accepted)
    yield from _figures(load, elapsed, missing, duplicates)


def _figures(load: Load, elapsed: float, missing: int, duplicates: int) -> Iterator[Figure]:
    if load.latencies:
        for pct in (50, 95, 99):
            yield Figure(f"server_{CLIENTS}_clients_request_p{pct}", percentile(load.latencies, pct), "ms")
        yield Figure(f"server_{CLIENTS}_clients_push_p95", percentile(load.push_latencies, 95), "ms")
    yield Figure(f"server_{CLIENTS}_clients_changes_per_s", len(load.accepted) / elapsed, "changes/s")
    yield Figure(f"server_{CLIENTS}_clients_requests", len(load.latencies), "requests")
    yield Figure(f"server_{CLIENTS}_clients_errors", load.errors, "errors")
    yield Figure(f"server_{CLIENTS}_clients_lost_changes", missing + duplicates, "changes")


if __name__ == "__main__":
    for figure in run(BenchConfig(households=1_200)):
        print(figure.line(), flush=True)
