"""The city server under 100 concurrent syncing clients on PostgreSQL: a demo township seeded into a
fresh database (a throwaway cluster started here, as scripts/test.sh does, unless TD_TEST_PG_URL names
a server to create it on), uvicorn with several workers on loopback, and 100 client threads that each
log in as their own device and then, until the time is up, push a batch of one-field household edits
and pull from their cursor — the traffic of 100 PCs syncing at once. Figures: request latency
p50/p95/p99 (push and pull together, and push alone), accepted changes per second, errors, and a
check that nothing was lost: every change the server accepted is in its change log exactly once,
with distinct sequence numbers. Skipped in `--quick` and without PostgreSQL (the reason is printed).

Two mixes run one after the other on the same server, each for SECONDS:
- `server_100_clients_*` — the worst case: all 100 devices are the SAME township staff member, so
  every pull carries every other device's edits (100 readers of one scope);
- `server_100_mixed_*` — the realistic mix the target is judged on (docs/decisions/0007): 90 village
  devices (a village cadre account per village of the township, several devices per village, each
  editing and pulling its own village) and 10 township staff devices editing across the township.
For each mix the CPU seconds of the load generator (this process), the server (uvicorn's process tree)
and PostgreSQL are printed too, so a generator that starves the server can be seen, and the server +
PostgreSQL CPU per accepted change with what explains it, the fan-out: records the pulls carried per
accepted change, echoes (records named instead of sent), pulls per change and per push. Its same-run
floor is measured by bench.closed_loop_floor (the city_day group).

The desktop mix (`server_100_desktop_mix_*`, city_day) syncs as the desktop does: each edit with the
base it holds, and after a sync that moved anything the requests the desktop's cycle makes next (the
review marks and the history feed it follows, `_side`): `side_requests_per_push` and
`feed_entries_per_change` print them, and its latencies and CPU include them."""

from __future__ import annotations

import contextlib
import json
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
STAFF_IN_MIX = 10  # township staff devices in the realistic mix; the rest are village devices


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
        _CLUSTER["data"] = f"{root}/data"
        yield f"postgresql+psycopg://city:citypw@127.0.0.1:{port}/{name}"
    finally:
        _CLUSTER.pop("data", None)
        subprocess.run([*as_pg, f"{pg_bin}/pg_ctl", "-D", f"{root}/data", "-m", "immediate", "stop"],
                       capture_output=True, check=False)
        shutil.rmtree(root, ignore_errors=True)


_CLUSTER: dict[str, str] = {}  # the throwaway cluster's data directory, for its CPU time


@dataclass(frozen=True)
class Device:
    """One syncing PC of the load: who logs in and which households it edits."""

    username: str
    households: list[str]


@dataclass
class Load:
    latencies: list[float] = field(default_factory=list)  # ms, every request
    push_latencies: list[float] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)  # change ids the server accepted
    pushes: int = 0
    pulls: int = 0  # pull requests (pages), every one counted
    records: int = 0  # records the pulls carried (the fan-out of the accepted changes)
    echoes: int = 0  # records the pulls named instead of sending (the device's own edits)
    side: int = 0  # the desktop's requests after a sync that moved anything: review marks, history feed pages
    feed_entries: int = 0  # history entries those feed pages carried
    errors: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _client(url: str, who: Device, cursor: int, stop_at: float, load: Load, n: int,
            based: dict[str, int] | None = None) -> None:
    """One PC until `stop_at`. `based` (the households' sequence numbers when the mix starts, as the
    PC's snapshot gave them): each edit carries the base the desktop sends (the record's sequence
    number as this PC last saw it, then from its pulls and its own accepted pushes) and the PC starts
    at its own place in its list; without it (round 1's generator) every edit has an empty base, so
    any edit over another PC's counts as concurrent and raises a conflict review."""
    try:
        http, device = login(url, who.username, n)
    except requests.RequestException:
        with load.lock:
            load.errors += 1
        return
    seq, mine = 0, who.households
    seen = {h: based.get(h, 0) for h in mine} if based is not None else None
    start = (n * 7919) % len(mine) if based is not None else 0
    feed = {"after": cursor} if based is not None else None  # the desktop follows the feed from its cursor
    while time.monotonic() < stop_at:
        changes = batch(device, seq, n, mine, start, seen)
        seq += BATCH
        cursor = _round(http, url, changes, cursor, load, seen, feed=feed)
        if cursor is None:
            return


def login(url: str, username: str, n: int) -> tuple[requests.Session, str]:
    """A new device of `username` logged in: (its HTTP session with the token, its device id)."""
    from sync.wire import SCHEMA_VERSION

    http, device = requests.Session(), str(uuid.uuid4())
    r = http.post(url + "/api/v1/login", json={"username": username, "password": PASSWORD,
                                               "device_id": device, "device_name": f"负载{n}"}, timeout=120)
    r.raise_for_status()
    http.headers.update({"Authorization": f"Bearer {r.json()['token']}", "X-Schema-Version": str(SCHEMA_VERSION)})
    return http, device


def batch(device: str, seq: int, n: int, mine: list[str], start: int, seen: dict[str, int] | None) -> list[dict]:
    """The next BATCH one-field household edits of PC `n` (device sequence numbers after `seq`),
    each with the base it holds when `seen` is given, else an empty base (round 1's generator)."""
    from db.ids import new_id
    from sync.wire import SCHEMA_VERSION

    changes = []
    for k in range(BATCH):
        seq += 1
        ms = int(time.time() * 1000)
        record = mine[(start + seq + k) % len(mine)]
        changes.append({"change_id": new_id(), "device_id": device, "device_seq": seq, "entity": "household",
                        "record_id": record, "op": "upsert",
                        "fields": {"notes": f"负载{n}第{seq}次"},
                        "base": {"notes": seen.get(record, 0)} if seen is not None else {},
                        "hlc": f"{ms:013d}-{0:05d}-{device}", "schema_version": SCHEMA_VERSION})
    return changes


def _round(http: requests.Session, url: str, changes: list[dict], cursor: int, load: Load,
           seen: dict[str, int] | None = None, pull: bool = True, feed: dict | None = None) -> int | None:
    """One sync: push then pull until caught up; the new cursor, or None after an error. `seen`
    (record id → sequence number) is kept up to date from the answers when given. Without `pull`,
    the push alone (the same-run floor's push phase, bench.closed_loop_floor). With `feed` (its
    "after"), what the desktop's cycle asks next when the sync moved anything (`_side`)."""
    try:
        started = time.perf_counter()
        r = http.post(url + "/api/v1/sync/push", json={"changes": changes}, timeout=120)
        took = (time.perf_counter() - started) * 1000
        r.raise_for_status()
        results = r.json()["results"]
        ok = [a["change_id"] for a in results if a["outcome"] != "rejected"]
        if seen is not None:
            edited = {c["change_id"]: c["record_id"] for c in changes}
            seen.update((edited[a["change_id"]], a["server_seq"]) for a in results if a.get("server_seq"))
        pulls, records, echoes = [], 0, 0
        while pull:
            started = time.perf_counter()
            page = http.get(url + "/api/v1/sync/pull", params={"cursor": cursor, "limit": 1000}, timeout=120)
            pulls.append((time.perf_counter() - started) * 1000)
            page.raise_for_status()
            body = page.json()
            cursor = body["next_cursor"]
            records += len(body["records"])
            echoes += len(body.get("echoes", []))
            if seen is not None:
                seen.update((rec["record_id"], rec["seq"]) for rec in body["records"])
                seen.update((echo[1], echo[2]) for echo in body.get("echoes", []))
            if not body.get("has_more"):
                break
        side, entries = _side(http, url, feed, cursor) if feed is not None and (ok or records) else ([], 0)
    except (requests.RequestException, KeyError, ValueError):
        with load.lock:
            load.errors += 1
        return None
    with load.lock:
        load.latencies += [took, *pulls, *side]
        load.side += len(side)
        load.feed_entries += entries
        load.push_latencies.append(took)
        load.accepted += ok
        load.pushes += 1
        load.pulls += len(pulls)
        load.records += records
        load.echoes += echoes
    return cursor


def _side(http: requests.Session, url: str, feed: dict, upper: int) -> tuple[list[float], int]:
    """The desktop's requests after a sync that moved anything (app.sync_service: `follow_feed` up
    to the pull cursor `upper`, its first request carrying the review marks since those held unless
    they are as of `upper` already — pages of FEED_PAGE, at most FEED_PAGES_PER_CYCLE, none when
    both are there): (their latencies in ms, the history entries the feed carried). `feed` ("after",
    "marks_after", "marks_scope") moves as the desktop's cursors do."""
    from app.client.history import FEED_PAGES_PER_CYCLE, feed_query
    from app.client.review_marks import marks_query

    latencies, entries = [], 0
    for page_no in range(FEED_PAGES_PER_CYCLE):
        marks = marks_query(feed.get("marks_after"), feed.get("marks_scope")) \
            if page_no == 0 and feed.get("marks_after") != upper else None
        query = feed_query(feed["after"], upper, marks)
        if query is None:
            break
        started = time.perf_counter()
        page = http.get(url + "/api/v1/history/feed", params=query, timeout=120)
        latencies.append((time.perf_counter() - started) * 1000)
        page.raise_for_status()
        body = page.json()
        entries += len(body["entries"])
        feed["after"] = body["next"]
        if body.get("marks") is not None:
            feed["marks_after"], feed["marks_scope"] = body["marks"]["next"], body["marks"]["scope"]
        if not body["has_more"]:
            break
    return latencies, entries


def _township_state(lab: ServerLab) -> tuple[dict[str, list[str]], int]:
    """({village code: its households' ids (at most 400)}, the current cursor)."""
    out = lab.python("import json\nfrom sqlalchemy import select\n"
                     "from db.models import Household\nfrom server.config import load_settings\n"
                     "from server.db import make_server_engine, session_factory\n"
                     "from server.store import current_cursor\n"
                     "e = make_server_engine(load_settings().database_url)\n"
                     "villages = {}\n"
                     "with session_factory(e)() as s:\n"
                     "    cursor = current_cursor(s)\n"
                     "    for hid, region in s.execute(select(Household.id, Household.region_code)"
                     ".order_by(Household.id)):\n"
                     "        ids = villages.setdefault(region[:12], [])\n"
                     "        if len(ids) < 400:\n"
                     "            ids.append(hid)\n"
                     "print(json.dumps({'cursor': cursor, 'villages': villages}))\n")
    state = json.loads(out)
    return state["villages"], state["cursor"]


def _village_users(lab: ServerLab, villages: list[str]) -> list[str]:
    """A village cadre account per village (created here: the demo seed has one village's only)."""
    names = [f"load_cadre_{v}" for v in villages]
    lab.python("from server.accounts import create_user\nfrom server.config import load_settings\n"
               "from server.db import make_server_engine, session_factory\n"
               "settings = load_settings()\ne = make_server_engine(settings.database_url)\n"
               "with session_factory(e)() as s:\n"
               f"    for name, village in {list(zip(names, villages, strict=True))!r}:\n"
               f"        create_user(s, settings, name, {PASSWORD!r}, 'village_cadre', village)\n"
               "    s.commit()\n")
    return names


def worst_case_devices(villages: dict[str, list[str]]) -> list[Device]:
    """100 devices of the one township staff member, each editing its own share of the households."""
    households = [h for ids in villages.values() for h in ids][:5000]
    return [Device(STAFF, households[n::CLIENTS] or households) for n in range(CLIENTS)]


def mixed_devices(villages: dict[str, list[str]], cadres: list[str]) -> list[Device]:
    """Village devices spread evenly over the villages (each edits a share of its village), plus
    STAFF_IN_MIX township staff devices editing across the township."""
    codes = sorted(villages)
    village_devices = CLIENTS - STAFF_IN_MIX
    per_village = [codes[n % len(codes)] for n in range(village_devices)]
    devices = []
    for n, code in enumerate(per_village):
        share, of = per_village[:n].count(code), per_village.count(code)
        devices.append(Device(cadres[codes.index(code)], villages[code][share::of] or villages[code]))
    everywhere = [h for code in codes for h in villages[code][-40:]]
    devices += [Device(STAFF, everywhere[n::STAFF_IN_MIX]) for n in range(STAFF_IN_MIX)]
    return devices


def _lost(lab: ServerLab, accepted: list[str]) -> tuple[int, int]:
    """(accepted changes missing from the change log, duplicate log entries or sequence numbers)."""
    ids = lab.workdir / "accepted.txt"
    ids.write_text("\n".join(accepted))
    out = lab.python("from sqlalchemy import select\nfrom server.store.tables import ChangeLogEntry\n"
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
        villages, _cursor_after_seed = _township_state(lab)
        cadres = _village_users(lab, sorted(villages))
        mixes = (("clients", "worst case: 100 devices of one township staff member, one scope",
                  worst_case_devices(villages)),
                 ("mixed", f"realistic mix: {CLIENTS - STAFF_IN_MIX} village devices over {len(villages)} "
                           f"villages + {STAFF_IN_MIX} township staff", mixed_devices(villages, cadres)))
        with lab.serving():
            for label, description, devices in mixes:
                log(f"# server_load {label}: {description}, {SECONDS:.0f} s")
                cursor = _cursor(lab)
                yield from _run_mix(lab, label, devices, cursor)


def _cursor(lab: ServerLab) -> int:
    return int(lab.python("from server.config import load_settings\n"
                          "from server.db import make_server_engine, session_factory\n"
                          "from server.store import current_cursor\n"
                          "with session_factory(make_server_engine(load_settings().database_url))() as s:\n"
                          "    print(current_cursor(s))\n"))


def _run_mix(lab: ServerLab, label: str, devices: list[Device], cursor: int, based: bool = False,
             seconds: float | None = None) -> Iterator[Figure]:
    load = Load()
    seconds = SECONDS if seconds is None else seconds
    stop_at = time.monotonic() + seconds
    reviews = _open_conflicts(lab)
    heads = _household_seqs(lab) if based else None
    threads = [threading.Thread(target=_client, args=(lab.url, who, cursor, stop_at, load, n, heads))
               for n, who in enumerate(devices)]
    cpu_before = (time.process_time(), _tree_cpu(lab.process.pid), _postgres_cpu())
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 300)
    elapsed = time.perf_counter() - started
    cpu_after = (time.process_time(), _tree_cpu(lab.process.pid), _postgres_cpu())
    missing, duplicates = _lost(lab, load.accepted)
    yield from _figures(label, load, elapsed, missing, duplicates)
    yield Figure(f"server_{CLIENTS}_{label}_conflict_reviews_per_change",
                 (_open_conflicts(lab) - reviews) / max(len(load.accepted), 1), "reviews")
    generator, server, postgres = (after - before for after, before in zip(cpu_after, cpu_before, strict=True))
    yield Figure(f"server_{CLIENTS}_{label}_cpu_load_generator", generator, "s")
    yield Figure(f"server_{CLIENTS}_{label}_cpu_load_generator_per_request",
                 generator / max(len(load.latencies), 1) * 1000, "ms")
    yield Figure(f"server_{CLIENTS}_{label}_cpu_server", server, "s")
    if postgres:
        yield Figure(f"server_{CLIENTS}_{label}_cpu_postgres", postgres, "s")
    if load.accepted:  # the logins, pushes and pulls of the mix over the changes it got accepted
        yield Figure(f"server_{CLIENTS}_{label}_cpu_per_change", (server + postgres) / len(load.accepted) * 1000, "ms")


def _household_seqs(lab: ServerLab) -> dict[str, int]:
    """Every household's current sequence number (what a PC's snapshot would have given it)."""
    return json.loads(lab.python("import json\nfrom sqlalchemy import select\n"
                                 "from server.config import load_settings\n"
                                 "from server.db import make_server_engine, session_factory\n"
                                 "from server.store.tables import RecordVersion\n"
                                 "with session_factory(make_server_engine(load_settings().database_url))() as s:\n"
                                 "    print(json.dumps(dict(s.execute(select(RecordVersion.record_id, "
                                 "RecordVersion.server_seq).where(RecordVersion.entity == 'household')).all())))\n"))


def _open_conflicts(lab: ServerLab) -> int:
    """Conflict review items on the server (a mix's edits over each other's raise them)."""
    return int(lab.python("from sqlalchemy import func, select\n"
                          "from server.config import load_settings\n"
                          "from server.db import make_server_engine, session_factory\n"
                          "from server.store.tables import ReviewItem\n"
                          "with session_factory(make_server_engine(load_settings().database_url))() as s:\n"
                          "    print(s.scalar(select(func.count()).select_from(ReviewItem)"
                          ".where(ReviewItem.kind == 'conflict')))\n"))


def _proc_cpu(pid: int) -> tuple[float, int]:
    """(CPU seconds of the process and its reaped children, parent pid); (0, 0) when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0, 0
    ticks = sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK"), int(fields[1])


def _tree_cpu(root: int) -> float:
    """CPU seconds of `root` and every live descendant (uvicorn's workers, PostgreSQL's backends)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            parents[int(entry.name)] = _proc_cpu(int(entry.name))
    total, frontier = 0.0, {root}
    while frontier:
        total += sum(parents.get(pid, (0.0, 0))[0] for pid in frontier)
        frontier = {pid for pid, (_cpu, ppid) in parents.items() if ppid in frontier}
    return total


def _postgres_cpu() -> float:
    """The throwaway cluster's CPU seconds (0 when the server is someone else's)."""
    data = _CLUSTER.get("data")
    if not data:
        return 0.0
    try:
        return _tree_cpu(int(Path(data, "postmaster.pid").read_text().split()[0]))
    except (OSError, ValueError):
        return 0.0


def _figures(label: str, load: Load, elapsed: float, missing: int, duplicates: int) -> Iterator[Figure]:
    name = f"server_{CLIENTS}_{label}"
    if load.latencies:
        for pct in (50, 95, 99):
            yield Figure(f"{name}_request_p{pct}", percentile(load.latencies, pct), "ms")
        yield Figure(f"{name}_push_p95", percentile(load.push_latencies, 95), "ms")
        # Little's law for a closed loop: CLIENTS always waiting on one request each, so the mean
        # latency is CLIENTS ÷ requests per second (each PC's own time between requests aside). The
        # loop's latency follows from its throughput; the open-loop day (bench_city_day) is where
        # latency is read against arrivals.
        yield Figure(f"{name}_request_mean_vs_littles_law", sum(load.latencies) / len(load.latencies), "ms",
                     CLIENTS / (len(load.latencies) / elapsed) * 1000)
    yield Figure(f"{name}_changes_per_s", len(load.accepted) / elapsed, "changes/s")
    yield Figure(f"{name}_seconds", elapsed, "s")
    yield Figure(f"{name}_requests", len(load.latencies), "requests")
    # The fan-out: what the pulls carried per change the server accepted (each change is pulled by
    # every other device whose scope holds it), and how many pages a sync took after its push.
    if load.accepted:
        changes = len(load.accepted)
        yield Figure(f"{name}_records_pulled_per_change", load.records / changes, "records")
        yield Figure(f"{name}_echoes_per_change", load.echoes / changes, "echoes")
        yield Figure(f"{name}_pulls_per_change", load.pulls / changes, "pulls")
    if load.pushes:
        yield Figure(f"{name}_pulls_per_push", load.pulls / load.pushes, "pulls")
    if load.side:  # the desktop mix: what its cycle asks after the pull (review marks, history feed)
        yield Figure(f"{name}_side_requests_per_push", load.side / max(load.pushes, 1), "requests")
        yield Figure(f"{name}_side_requests_per_change", load.side / max(len(load.accepted), 1), "requests")
        yield Figure(f"{name}_feed_entries_per_change", load.feed_entries / max(len(load.accepted), 1), "entries")
    yield Figure(f"{name}_errors", load.errors, "errors")
    yield Figure(f"{name}_lost_changes", missing + duplicates, "changes")


if __name__ == "__main__":
    for figure in run(BenchConfig(households=1_200)):
        print(figure.line(), flush=True)
