"""A city day, compressed, against the city server on PostgreSQL: an open-loop load (requests arrive
on a schedule whether or not earlier ones have been answered, as thousands of independent PCs do)
beside the closed-loop 100-client mix of `bench_server_load`, in one run on one server. The mix runs
twice: with round 1's generator (every edit with an empty base, so an edit over another PC's raises a
conflict review) and as the desktop sends edits (the base it holds, `desktop_mix`). Before each, one
PC alone prices a push, a no-op pull and a pulled record (bench.closed_loop_floor): the mix's CPU per
accepted change is printed beside that same-run floor, and again beside round 1's figure
(`*_vs_round1`, with request p95 and changes/s).

The load generator is one asyncio process (aiohttp, orjson), so it costs the machine little. Every
device of the day is a logged-in PC of the seeded township (village cadre accounts over its villages
plus township staff); at each arrival rate it runs for SECONDS:
- **syncs** arrive as a Poisson stream at the rate; each picks an idle device, which pushes a few
  household edits (EDIT_SHARE of syncs carry 1–5 edits, the rest none) and pulls to the head, and
  when that moved anything asks what the desktop's cycle asks next: the history feed, whose first
  request carries the review marks that came or went (`feed`);
- **first syncs**: a new device of a village logs in and streams the village's snapshot
  (`format=sqlite`, the desktop's) every FIRST_SYNC_EVERY seconds;
- **12345 intake**: an appeal submitted every INTAKE_EVERY seconds;
- **catch-up**: every BACK_EVERY seconds an idle township staff PC comes back after days away
  (its cursor BACK_BEHIND to BACK_BEHIND + 5,000 numbers before the day's start) and syncs: its
  full pages are the ones nginx keeps, the same for every staff PC of the township once their
  boundaries meet (`catch_up`, timed apart from `pull`; `full_page_cache_hit_rate`).
Printed per rate: request p50/p95/p99 per kind (push, pull, feed, snapshot, intake), accepted changes/s,
records pulled/s, server (uvicorn tree) + PostgreSQL CPU per accepted change and per pulled record,
errors, and at the end lost changes (accepted but not in the change log exactly once) and the highest
rate whose p95 over every request stayed ≤ 250 ms. A cache-hit rate is printed when a caching proxy
stands in front of the server (the `X-Cache-Status` answer header), else nothing is claimed."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import shutil
import subprocess
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from bench import bench_server_load as closed
from bench import closed_loop_floor as floor
from bench.bench_sync import PASSWORD, STAFF, ServerLab, free_port, log
from bench.common import BenchConfig, Figure, percentile

RATES = (2.5, 5.0, 10.0, 20.0, 40.0, 60.0, 80.0, 120.0)  # syncs arriving per second (10,000 PCs
SECONDS = 20.0  # syncing every 5 minutes is ~33 syncs/s; the rates go past it to where p95 breaks)
DEVICES = 600  # logged-in PCs the syncs are spread over (scaled to what one township seeds)
EDIT_SHARE = 0.3  # syncs that carry edits (most PCs sync with nothing new)
FIRST_SYNC_EVERY = 10.0
INTAKE_EVERY = 1.0
BACK_EVERY = 2.0  # a township staff PC back after days away, catching up through full (cacheable) pages
BACK_BEHIND = 20_000  # how far behind the day's start its cursor is (sequence numbers)
WARM_MIX_SECONDS = 15.0  # the closed loop's mix run first, unmeasured, on the same PCs (warm pools)
P95_TARGET_MS = 250.0
# Round 1 of the closed-loop mix (docs/PERFORMANCE.md, 2026-11-27, same machine): printed as floors.
ROUND1 = {"request_p95": 3533.0, "changes_per_s": 264.0, "cpu_per_change": 8.1}


@dataclass
class Day:
    """What one rate's run measured."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    accepted: list[str] = field(default_factory=list)
    pulled: int = 0
    feed_entries: int = 0  # history entries the devices' feed pages carried
    errors: int = 0
    cache_hits: int = 0
    cache_looked: int = 0
    full_pages: int = 0  # full (cacheable) pull pages, and how many of them the cache answered
    full_page_hits: int = 0
    skipped: int = 0  # arrivals that found no idle device


@dataclass
class Pc:
    username: str
    households: list[str]
    device: str = ""
    token: str = ""
    cursor: int = 0
    seq: int = 0
    busy: bool = False
    feed_after: int = 0  # the history feed's cursor (the desktop follows it from its pull cursor)
    marks_after: int | None = None  # the review marks' cursor and jurisdiction, as the last answer gave them
    marks_scope: str | None = None


def _headers(pc: Pc) -> dict[str, str]:
    from sync.wire import SCHEMA_VERSION

    return {"Authorization": f"Bearer {pc.token}", "X-Schema-Version": str(SCHEMA_VERSION)}


async def _login(http, url: str, pc: Pc) -> None:
    pc.device = str(uuid.uuid4())
    async with http.post(url + "/api/v1/login", json={"username": pc.username, "password": PASSWORD,
                                                      "device_id": pc.device, "device_name": "城市负载"}) as r:
        r.raise_for_status()
        pc.token = (await r.json())["token"]


async def _timed(day: Day, kind: str, call) -> object:
    started = time.perf_counter()
    try:
        answer = await call()
    except Exception:  # noqa: BLE001 — any failure of the request counts as an error of the day
        day.errors += 1
        return None
    day.latencies[kind].append((time.perf_counter() - started) * 1000)
    return answer


def _edits(pc: Pc, count: int) -> list[dict]:
    from db.ids import new_id
    from sync.wire import SCHEMA_VERSION

    out = []
    for _ in range(count):
        pc.seq += 1
        ms = int(time.time() * 1000)
        out.append({"change_id": new_id(), "device_id": pc.device, "device_seq": pc.seq, "entity": "household",
                    "record_id": random.choice(pc.households), "op": "upsert",
                    "fields": {"notes": f"城市日{pc.seq}"}, "base": {},
                    "hlc": f"{ms:013d}-{0:05d}-{pc.device}", "schema_version": SCHEMA_VERSION})
    return out


async def _sync(http, url: str, pc: Pc, day: Day, pull_kind: str = "pull") -> None:
    import orjson

    pc.busy = True
    try:
        edits = _edits(pc, random.randint(1, 5)) if random.random() < EDIT_SHARE else []
        moved = bool(edits)
        if edits:
            async def push():
                async with http.post(url + "/api/v1/sync/push", data=orjson.dumps({"changes": edits}),
                                     headers={**_headers(pc), "Content-Type": "application/json"}) as r:
                    r.raise_for_status()
                    return orjson.loads(await r.read())
            answer = await _timed(day, "push", push)
            if answer is None:
                return
            day.accepted += [a["change_id"] for a in answer["results"] if a["outcome"] != "rejected"]
        while True:
            async def pull():
                async with http.get(url + "/api/v1/sync/pull", params={"cursor": pc.cursor, "limit": 1000},
                                    headers=_headers(pc)) as r:
                    r.raise_for_status()
                    status = r.headers.get("X-Cache-Status")
                    page = orjson.loads(await r.read())
                    if status:
                        day.cache_looked += 1
                        day.cache_hits += status == "HIT"
                        if page["has_more"]:
                            day.full_pages += 1
                            day.full_page_hits += status == "HIT"
                    return page
            page = await _timed(day, pull_kind, pull)
            if page is None:
                return
            day.pulled += len(page["records"])
            moved = moved or bool(page["records"])
            pc.cursor = page["next_cursor"]
            if not page["has_more"]:
                break
        if moved:
            await _side(http, url, pc, day)
    finally:
        pc.busy = False


async def _side(http, url: str, pc: Pc, day: Day) -> None:
    """What the desktop's cycle asks after a sync that moved anything (app.sync_service): the
    history feed from where it last stopped up to its pull cursor, its first request carrying the
    review marks since those held unless they are as of the cursor already
    (app/client/history.follow_feed)."""
    import orjson

    from app.client.history import FEED_PAGES_PER_CYCLE, feed_query
    from app.client.review_marks import marks_query

    for page_no in range(FEED_PAGES_PER_CYCLE):
        marks = marks_query(pc.marks_after, pc.marks_scope) if page_no == 0 and pc.marks_after != pc.cursor else None
        query = feed_query(pc.feed_after, pc.cursor, marks)
        if query is None:
            return

        async def feed(query=query):
            async with http.get(url + "/api/v1/history/feed", params=query, headers=_headers(pc)) as r:
                r.raise_for_status()
                return orjson.loads(await r.read())
        page = await _timed(day, "feed", feed)
        if page is None:
            return
        day.feed_entries += len(page["entries"])
        pc.feed_after = page["next"]
        if page.get("marks") is not None:
            pc.marks_after, pc.marks_scope = page["marks"]["next"], page["marks"]["scope"]
        if not page["has_more"]:
            return


async def _back(http, url: str, pcs: list[Pc], start: int, day: Day) -> None:
    """An idle township staff PC back after days away: it syncs from BACK_BEHIND (plus up to 5,000) before `start`."""
    idle = [pc for pc in pcs if pc.username == STAFF and not pc.busy]
    if not idle:
        day.skipped += 1
        return
    pc = random.choice(idle)
    pc.cursor = pc.feed_after = max(0, start - BACK_BEHIND - random.randrange(5_000))  # each its own cursor
    await _sync(http, url, pc, day, pull_kind="catch_up")


async def _first_sync(http, url: str, username: str, day: Day) -> None:
    pc = Pc(username, [])
    try:
        await _login(http, url, pc)
    except Exception:  # noqa: BLE001
        day.errors += 1
        return

    async def stream():
        async with http.get(url + "/api/v1/sync/snapshot", params={"format": "sqlite"}, headers=_headers(pc)) as r:
            r.raise_for_status()
            async for _chunk in r.content.iter_chunked(1 << 16):
                pass
    await _timed(day, "snapshot", stream)


async def _intake(http, url: str, key: str, village: str, day: Day) -> None:
    body = {"channel_ref": uuid.uuid4().hex[:20], "request_type": "3", "category_code": "0301",
            "title": "小区垃圾清运不及时", "description": "三号楼旁垃圾已堆放一周", "region_code": village,
            "reporter_name": "王女士", "reporter_phone": "13800001234"}

    async def post():
        async with http.post(url + "/api/v1/intake/cases", json=body, headers={"X-Api-Key": key}) as r:
            r.raise_for_status()
            await r.read()
    await _timed(day, "intake", post)


async def _every(period: float, until: float, make) -> None:
    tasks = []
    while time.monotonic() < until:
        tasks.append(asyncio.ensure_future(make()))
        await asyncio.sleep(period)
    await asyncio.gather(*tasks)


async def _arrivals(rate: float, until: float, pcs: list[Pc], make) -> int:
    """A Poisson stream of syncs at `rate`/s, each on a random idle PC; returns the arrivals that
    found every sampled PC busy (counted, not queued: an open loop does not wait)."""
    tasks, skipped = [], 0
    due = time.monotonic()
    while True:
        due += random.expovariate(rate)  # arrival times fixed in advance: a slow answer delays nothing
        if due >= until:
            break
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        for _ in range(8):
            pc = random.choice(pcs)
            if not pc.busy:
                tasks.append(asyncio.ensure_future(make(pc)))
                break
        else:
            skipped += 1
    await asyncio.gather(*tasks)
    return skipped


async def _run_rate(url: str, rate: float, pcs: list[Pc], new_users: list[str], key: str,
                    villages: list[str]) -> Day:
    import aiohttp

    day = Day()
    start = pcs[0].cursor  # every PC synced up to the day's start (the caller set it)
    until = time.monotonic() + SECONDS
    connector = aiohttp.TCPConnector(limit=400)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=120)) as http:
        skipped, *_ = await asyncio.gather(
            _arrivals(rate, until, pcs, lambda pc: _sync(http, url, pc, day)),
            _every(FIRST_SYNC_EVERY, until, lambda: _first_sync(http, url, random.choice(new_users), day)),
            _every(INTAKE_EVERY, until, lambda: _intake(http, url, key, random.choice(villages), day)),
            _every(BACK_EVERY, until, lambda: _back(http, url, pcs, start, day)))
    day.skipped += skipped
    return day


async def _log_in_all(url: str, pcs: list[Pc]) -> None:
    import aiohttp

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=20)) as http:
        await asyncio.gather(*(_login(http, url, pc) for pc in pcs))


_NGINX: dict[str, int] = {}  # the running proxy's pid: its CPU counts as the server's


def _stack_cpu(lab: ServerLab) -> float:
    """CPU seconds of the app (uvicorn's tree), nginx and PostgreSQL."""
    proxy = closed._tree_cpu(_NGINX["pid"]) if "pid" in _NGINX else 0.0
    return closed._tree_cpu(lab.process.pid) + proxy + closed._postgres_cpu()


@contextlib.contextmanager
def _proxy(lab: ServerLab) -> Iterator[str]:
    """The open loop goes through nginx with the pull page cache (server.nginx) when nginx is
    installed and this runs as root, as a city deploys it; else straight to the app."""
    if shutil.which("nginx") is None or os.geteuid() != 0:
        log("# city_day: no nginx (or not root): the open loop talks to the app directly")
        yield lab.url
        return
    from server.nginx import nginx_config

    root = lab.workdir / "nginx"
    (root / "cache").mkdir(parents=True, exist_ok=True)
    port = free_port()
    conf = root / "nginx.conf"
    conf.write_text(nginx_config(lab.url.removeprefix("http://"), f"127.0.0.1:{port}", str(root / "cache"), 1))
    process = subprocess.Popen(["nginx", "-p", str(root), "-c", str(conf), "-g",
                                f"daemon off; user root; pid {root}/nginx.pid; error_log {root}/error.log;"])
    time.sleep(1.0)
    log(f"# city_day: open loop through nginx on port {port} (pull page cache)")
    _NGINX["pid"] = process.pid
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        _NGINX.clear()
        process.terminate()
        process.wait(timeout=10)


def _channel_key(lab: ServerLab) -> str:
    return lab.python("from server.config import load_settings\n"
                      "from server.db import make_server_engine, session_factory\n"
                      "from server.intake_keys import create_channel_key\n"
                      "settings = load_settings()\n"
                      "with session_factory(make_server_engine(settings.database_url))() as s:\n"
                      "    key = create_channel_key(s, settings, '12345', '12345 城市日', '1')\n"
                      "    s.commit()\n"
                      "print(key)\n").strip()


def _pcs(villages: dict[str, list[str]], cadres: list[str]) -> list[Pc]:
    """DEVICES PCs: nine in ten a village's (spread over the villages), one in ten township staff."""
    codes = sorted(villages)
    everywhere = [h for code in codes for h in villages[code][:40]]
    return [Pc(STAFF, everywhere) if n % 10 == 9 else Pc(cadres[n % len(codes)], villages[codes[n % len(codes)]])
            for n in range(DEVICES)]


def run(cfg: BenchConfig) -> Iterator[Figure]:
    from bench.city_day_units import unit_costs  # it imports this module's PCs

    if cfg.quick:
        log("# city_day: not in --quick (PostgreSQL, hundreds of devices, ~3 minutes)")
        return
    reason = closed.unavailable_reason()
    if reason:
        log(f"# city_day: skipped: {reason}")
        return
    with closed.postgres_database() as url:
        lab = ServerLab(cfg.workdir / "city-day", url, workers=4)
        log(f"# city_day: seeding PostgreSQL with {cfg.households} households")
        lab.seed(cfg.households)
        villages, _ = closed._township_state(lab)
        cadres = closed._village_users(lab, sorted(villages))
        key = _channel_key(lab)
        with lab.serving(), _proxy(lab) as proxy:
            log("# city_day: *_vs_round1 lines hold round 1's figure (2026-11-27) in the floor column, not"
                " one measured in this run; every other floor of the closed loop is this run's (closed_loop_floor)")
            for label, based, say in (("mixed", False, "closed loop first (100 clients, realistic mix), as round 1 "
                                                       "measured it"),
                                      ("desktop_mix", True, "the same PCs as the desktop sends its edits (each "
                                                            "with the base it holds)")):
                devices = closed.mixed_devices(villages, cadres)
                log(f"# city_day: {label}: the same-run floor first (one PC alone, {floor.PUSH_SECONDS:.0f} s of "
                    f"pushes, no-op pulls, full pages of its scope)")
                if label == "mixed":  # a city's server has long had its connections open, its statements prepared
                    log(f"# city_day: the mix for {WARM_MIX_SECONDS:.0f} s first, not measured (warm pools)")
                    list(closed._run_mix(lab, "warm_up", devices, closed._cursor(lab), based=based, seconds=WARM_MIX_SECONDS))
                parts = floor.measure(lab, devices[0], based)
                log(f"# city_day: {say}")
                mix = closed._run_mix(lab, label, devices, closed._cursor(lab), based=based)
                yield from _beside_round1(list(floor.beside_floor(mix, parts, label)), label)
            pcs = _pcs(villages, cadres)
            asyncio.run(_log_in_all(proxy, pcs))
            yield from unit_costs(lab, pcs)
            accepted: list[str] = []
            best = 0.0
            for rate in RATES:
                start = closed._cursor(lab)
                for pc in pcs:
                    pc.cursor = pc.feed_after = start  # every PC synced up to now (the day's earlier hours)
                log(f"# city_day: {rate:.0f} syncs/s arriving for {SECONDS:.0f} s over {len(pcs)} PCs")
                before = (_stack_cpu(lab), time.process_time())
                started = time.perf_counter()
                day = asyncio.run(_run_rate(proxy, rate, pcs, cadres, key, sorted(villages)))
                elapsed = time.perf_counter() - started
                cpu = _stack_cpu(lab) - before[0]
                accepted += day.accepted
                yield Figure(f"city_day_{rate:.0f}_cpu_load_generator", time.process_time() - before[1], "s")
                yield from _day_figures(f"city_day_{rate:.0f}", day, elapsed, cpu)
                every = [ms for kind in day.latencies.values() for ms in kind]
                if every and percentile(every, 95) <= P95_TARGET_MS and not day.errors:
                    best = rate
        missing, duplicates = closed._lost(lab, accepted)
        yield Figure("city_day_lost_changes", missing + duplicates, "changes")
        yield Figure("city_day_highest_rate_p95_within_250ms", best, "syncs/s")
        yield Figure("city_day_pcs_syncing_every_5_min_at_that_rate", best * 300, "PCs")


def _beside_round1(figures: list[Figure], label: str = "mixed") -> Iterator[Figure]:
    """The closed-loop figures as measured (their floors this run's), then the three that round 1
    reported again as `*_vs_round1`, with round 1's value in the floor column."""
    prefix = f"server_{closed.CLIENTS}_{label}_"
    yield from figures
    for figure in figures:
        round1 = ROUND1.get(figure.name.removeprefix(prefix))
        if round1 is not None:
            yield Figure(f"{figure.name}_vs_round1", figure.value, figure.unit, round1)


def _day_figures(name: str, day: Day, elapsed: float, cpu: float) -> Iterator[Figure]:
    for kind in ("push", "pull", "catch_up", "feed", "snapshot", "intake"):
        samples = day.latencies.get(kind) or []
        if samples:
            for pct in (50, 95, 99):
                yield Figure(f"{name}_{kind}_p{pct}", percentile(samples, pct), "ms")
    every = [ms for samples in day.latencies.values() for ms in samples]
    if every:
        yield Figure(f"{name}_request_p95", percentile(every, 95), "ms")
    yield Figure(f"{name}_requests_per_s", len(every) / elapsed, "requests/s")
    yield Figure(f"{name}_changes_per_s", len(day.accepted) / elapsed, "changes/s")
    yield Figure(f"{name}_records_pulled_per_s", day.pulled / elapsed, "records/s")
    yield Figure(f"{name}_feed_entries_per_s", day.feed_entries / elapsed, "entries/s")
    yield Figure(f"{name}_cpu_server_and_db", cpu, "s")
    if day.accepted:
        yield Figure(f"{name}_cpu_per_accepted_change", cpu / len(day.accepted) * 1000, "ms")
    if day.pulled:
        yield Figure(f"{name}_cpu_per_pulled_record", cpu / day.pulled * 1000, "ms")
    if day.cache_looked:
        yield Figure(f"{name}_cache_hit_rate", day.cache_hits / day.cache_looked * 100, "%")
    if day.full_pages:
        yield Figure(f"{name}_full_page_cache_hit_rate", day.full_page_hits / day.full_pages * 100, "%")
    yield Figure(f"{name}_errors", day.errors, "errors")
    yield Figure(f"{name}_arrivals_without_an_idle_pc", day.skipped, "syncs")
