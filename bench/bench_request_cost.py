"""The fixed cost of a city-server request, and a push's cost per change, measured for one or more
versions of the server side by side on one seeded PostgreSQL database, so a before/after comparison
shares the machine's load.

    python -m bench.bench_request_cost [--variant before=REV --variant after=.] [--rounds 3]
        [--pulls 2000] [--pushes 400] [--profile DIR] [--households 2000]

A throwaway PostgreSQL cluster (as bench_server_load), the demo township seeded once, then for each
round and each variant in turn: ONE uvicorn worker of that variant's code, warmed up, then
- `--pulls` no-op pulls (every PC at the head: the answer carries nothing), by CLIENTS closed-loop
  PCs at once, with the headers the desktop sends (token, schema version, installation, epoch);
- `--pushes` pushes of BATCH one-field household edits (as bench_city_day's unit costs).
Per phase the CPU seconds of the uvicorn process and of the cluster (every PostgreSQL process) are read
from /proc before and after: printed per request and per change, with the request p50/p95 and the
load average. A variant is LABEL=SOURCE[,UVICORN_OPTION…]: SOURCE `.` is this tree, anything else a git
revision exported with `git archive`; options such as `--http=httptools,--loop=uvloop` go to uvicorn
(default `--http=h11 --loop=asyncio`). `--site DIR` puts DIR on every variant's PYTHONPATH (packages
tried before they are dependencies). `--profile DIR` adds a last pass per variant under py-spy
(`DIR/LABEL-pull.txt`, `-push.txt`, raw collapsed stacks), not counted in the figures."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bench import bench_server_load as closed
from bench.bench_city_day import Pc, _edits, _login
from bench.bench_sync import ROOT, STAFF, ServerLab, free_port, log

CLIENTS = 10  # PCs in flight at once (closed loop)
PCS = 20  # logged-in PCs: village cadres and a few township staff
BATCH = 5
LOG_LEVEL = ["INFO"]  # the server's default: an access log line per request, as in production


@dataclass
class Variant:
    label: str
    source: Path
    options: list[str]


@dataclass
class Phase:
    """One measured phase: requests, changes accepted, CPU seconds of app and database, latencies."""

    requests: int = 0
    changes: int = 0
    app_cpu: float = 0.0
    db_cpu: float = 0.0
    latencies: list[float] = field(default_factory=list)

    def line(self, label: str, kind: str) -> str:
        per = self.changes if kind == "push" else self.requests
        unit = "change" if kind == "push" else "request"
        lat = sorted(self.latencies)
        p50, p95 = lat[len(lat) // 2], lat[int(len(lat) * 0.95)]
        return (f"{label:>12} {kind:<5} app {self.app_cpu / per * 1000:6.3f} ms + db {self.db_cpu / per * 1000:6.3f}"
                f" ms = {(self.app_cpu + self.db_cpu) / per * 1000:6.3f} ms per {unit}"
                f"  (n={per}, p50 {p50:.1f} ms, p95 {p95:.1f} ms, load {os.getloadavg()[0]:.1f})")


def _variant(text: str, workdir: Path) -> Variant:
    label, _, rest = text.partition("=")
    source, *options = rest.split(",")
    if source in (".", ""):
        return Variant(label, ROOT, options)
    tree = workdir / f"src-{label}"
    tree.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", source], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return Variant(label, tree, options)


@contextlib.contextmanager
def _serving(lab: ServerLab, variant: Variant, site: str | None) -> Iterator[subprocess.Popen]:
    """One uvicorn worker of `variant`'s code on the lab's database (lab.url set to it)."""
    port = free_port()
    lab.url = f"http://127.0.0.1:{port}"
    options = {o.split("=")[0]: o for o in ["--http=h11", "--loop=asyncio", *variant.options]}
    env = {**lab.env, "PYTHONPATH": os.pathsep.join(p for p in (str(variant.source), site) if p),
           "TD_LOG_LEVEL": LOG_LEVEL[0]}
    with open(lab.workdir / f"server-{variant.label}.log", "ab") as out:
        lab.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "server.app:create_app", "--host", "127.0.0.1",
             "--port", str(port), "--workers", "1", "--no-access-log", "--log-level", "warning",
             *options.values()], cwd=variant.source, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        lab._wait_until_up()
        yield lab.process
    finally:
        lab.process.terminate()
        lab.process.wait(timeout=20)


def _headers(pc: Pc, identity: dict[str, str]) -> dict[str, str]:
    from sync.wire import SCHEMA_VERSION

    return {"Authorization": f"Bearer {pc.token}", "X-Schema-Version": str(SCHEMA_VERSION), **identity}


async def _catch_up(http, url: str, pcs: list[Pc], identity: dict[str, str]) -> None:
    for pc in pcs:
        while True:
            async with http.get(url + "/api/v1/sync/pull", params={"cursor": pc.cursor, "limit": 1000},
                                headers=_headers(pc, identity)) as r:
                r.raise_for_status()
                page = await r.json()
                identity.update({"X-Installation-Id": r.headers["X-Installation-Id"],
                                 "X-Server-Epoch": r.headers["X-Server-Epoch"]})
            pc.cursor = page["next_cursor"]
            if not page["has_more"]:
                break


async def _closed_loop(total: int, pcs: list[Pc], one) -> list[float]:
    """`total` calls of `one(pc)` by CLIENTS workers, each on its own PC in turn; latencies in ms."""
    latencies: list[float] = []
    left = [total]

    async def worker(mine: list[Pc]) -> None:
        n = 0
        while left[0] > 0:
            left[0] -= 1
            started = time.perf_counter()
            await one(mine[n % len(mine)])
            latencies.append((time.perf_counter() - started) * 1000)
            n += 1
    await asyncio.gather(*(worker(pcs[k::CLIENTS]) for k in range(CLIENTS)))
    return latencies


async def _phases(url: str, pcs: list[Pc], pulls: int, pushes: int, measure) -> tuple[Phase, Phase, Phase]:
    """Warm up, then the no-op pulls, the pushes and the floor (`/sync/view`: the token checked, no
    database), each measured by `measure` (CPU before/after)."""
    import aiohttp
    import orjson

    identity: dict[str, str] = {}
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CLIENTS * 2)) as http:
        async def pull(pc: Pc) -> None:
            async with http.get(url + "/api/v1/sync/pull", params={"cursor": pc.cursor, "limit": 1000},
                                headers=_headers(pc, identity)) as r:
                page = orjson.loads(await r.read())
            if r.status != 200 or page["records"]:
                raise RuntimeError(f"not a no-op pull: {r.status} {str(page)[:200]}")

        async def push(pc: Pc) -> None:
            async with http.post(url + "/api/v1/sync/push", data=orjson.dumps({"changes": _edits(pc, BATCH)}),
                                 headers={**_headers(pc, identity), "Content-Type": "application/json"}) as r:
                answer = orjson.loads(await r.read())
            if r.status != 200:
                raise RuntimeError(f"push failed: {r.status} {str(answer)[:200]}")
            phase_push.changes += sum(a["outcome"] != "rejected" for a in answer["results"])

        phase_push = Phase()
        await _catch_up(http, url, pcs, identity)
        await _closed_loop(PCS * 2, pcs, push)  # warm-up: connections, prepared statements, caches
        await _catch_up(http, url, pcs, identity)
        await _closed_loop(PCS * 5, pcs, pull)
        phase_pull = Phase(requests=pulls)
        with measure(phase_pull):
            phase_pull.latencies = await _closed_loop(pulls, pcs, pull)
        phase_push = Phase(requests=pushes)
        with measure(phase_push):
            phase_push.latencies = await _closed_loop(pushes, pcs, push)

        async def view(pc: Pc) -> None:
            async with http.get(url + "/api/v1/sync/view", headers=_headers(pc, identity)) as r:
                await r.read()
            if r.status != 204:
                raise RuntimeError(f"view failed: {r.status}")
        # warm-up: a worker's first request through FastAPI's router builds its routes (~0.1 s once)
        await _closed_loop(PCS * 5, pcs, view)
        phase_view = Phase(requests=pulls)
        with measure(phase_view):
            phase_view.latencies = await _closed_loop(pulls, pcs, view)
    return phase_pull, phase_push, phase_view


def _measure(lab: ServerLab):
    @contextlib.contextmanager
    def measure(phase: Phase) -> Iterator[None]:
        app, db = closed._tree_cpu(lab.process.pid), closed._postgres_cpu()
        yield
        phase.app_cpu = closed._tree_cpu(lab.process.pid) - app
        phase.db_cpu = closed._postgres_cpu() - db
    return measure


def _profiling(lab: ServerLab, out: Path, label: str):
    names = iter(("pull", "push", "view"))  # the order _phases measures in

    @contextlib.contextmanager
    def measure(phase: Phase) -> Iterator[None]:
        spy = subprocess.Popen(["py-spy", "record", "-p", str(lab.process.pid), "-o", str(out / f"{label}-{next(names)}.txt"),
                                "-f", "raw", "-r", "250", "--gil"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
        time.sleep(1.0)
        try:
            yield
        finally:
            spy.send_signal(signal.SIGINT)
            spy.wait(timeout=60)
    return measure


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_request_cost", description=__doc__.split("\n")[0])
    parser.add_argument("--variant", action="append", help="LABEL=SOURCE[,UVICORN_OPTION…] (default now=.)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pulls", type=int, default=2000)
    parser.add_argument("--pushes", type=int, default=400)
    parser.add_argument("--households", type=int, default=2000)
    parser.add_argument("--site", help="a directory put on every variant's PYTHONPATH")
    parser.add_argument("--profile", type=Path, help="profile a last pass per variant with py-spy into DIR")
    parser.add_argument("--log-level", default="INFO", help="the servers' TD_LOG_LEVEL (default INFO, as deployed)")
    args = parser.parse_args(argv)
    LOG_LEVEL[0] = args.log_level
    workdir = Path(tempfile.mkdtemp(prefix="td-reqcost-"))
    variants = [_variant(v, workdir) for v in (args.variant or ["now=."])]
    reason = closed.unavailable_reason()
    if reason:
        sys.exit(f"request_cost: {reason}")
    results: dict[str, list[tuple[Phase, Phase, Phase]]] = {v.label: [] for v in variants}
    with closed.postgres_database() as url:
        lab = ServerLab(workdir / "lab", url, workers=1)
        log(f"# request_cost: seeding PostgreSQL with {args.households} households")
        lab.seed(args.households)
        villages, _ = closed._township_state(lab)
        cadres = closed._village_users(lab, sorted(villages))
        codes = sorted(villages)
        everywhere = [h for code in codes for h in villages[code][:40]]
        pcs = [Pc(STAFF, everywhere) if n % 5 == 4 else Pc(cadres[n % len(codes)], villages[codes[n % len(codes)]])
               for n in range(PCS)]
        with _serving(lab, variants[0], args.site):
            asyncio.run(_log_in(lab.url, pcs))
        for round_no in range(args.rounds):
            order = variants if round_no % 2 == 0 else variants[::-1]  # A B, B A: neither always first
            for variant in order:
                with _serving(lab, variant, args.site):
                    pull, push, view = asyncio.run(_phases(lab.url, pcs, args.pulls, args.pushes, _measure(lab)))
                results[variant.label].append((pull, push, view))
                log(pull.line(variant.label, "pull"))
                log(push.line(variant.label, "push"))
                log(view.line(variant.label, "view"))
        if args.profile:
            args.profile.mkdir(parents=True, exist_ok=True)
            for variant in variants:
                with _serving(lab, variant, args.site):
                    asyncio.run(_phases(lab.url, pcs, args.pulls, args.pushes,
                                        _profiling(lab, args.profile, variant.label)))
    _summary(results)


async def _log_in(url: str, pcs: list[Pc]) -> None:
    import aiohttp

    async with aiohttp.ClientSession() as http:
        for pc in pcs:
            await _login(http, url, pc)
    random.shuffle(pcs)


def _summary(results: dict[str, list[tuple[Phase, Phase, Phase]]]) -> None:
    print("# median over rounds, ms of CPU: app + PostgreSQL", flush=True)
    for label, runs in results.items():
        if not runs:
            continue

        def med(values: list[float]) -> float:
            return statistics.median(values) * 1000
        pull_app = med([p.app_cpu / p.requests for p, _, _ in runs])
        pull_db = med([p.db_cpu / p.requests for p, _, _ in runs])
        push_app = med([q.app_cpu / max(q.changes, 1) for _, q, _ in runs])
        push_db = med([q.db_cpu / max(q.changes, 1) for _, q, _ in runs])
        view_app = med([v.app_cpu / v.requests for _, _, v in runs])
        print(f"{label}: no-op pull {pull_app:.3f} + {pull_db:.3f} = {pull_app + pull_db:.3f} ms per request; "
              f"push (batches of {BATCH}) {push_app:.3f} + {push_db:.3f} = {push_app + push_db:.3f} ms per change; "
              f"floor (/sync/view, no database) {view_app:.3f} ms per request", flush=True)


if __name__ == "__main__":
    main()
