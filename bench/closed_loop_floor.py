"""The closed loop's same-run floor: what an accepted change of the 100-PC mix costs the server and
PostgreSQL with nothing else around it, measured just before the mix on the same seeded database and
the same running server, the way the mix measures (bench_server_load: `_round`, uvicorn's process tree
and the cluster's CPU), in three short phases:

- **push**: ONE PC of the mix (its first device) pushes batches of BATCH edits, with the bases the
  mix sends (round 1's empty ones or the desktop's), and pulls nothing — app + PostgreSQL CPU per
  accepted change, the per-request cost of a push of BATCH included;
- **no-op pulls**: the same PC pulls at the head, where nothing is new — CPU per pull;
- **pages**: the same PC pulls its scope from cursor 0 to its head, over and over, full pages of the
  seeded records (1,000 asked for; the server ends a full page on a 512 boundary) and the head page
  — CPU per record beyond a no-op pull.
  The PC's own scope, not a township's: nine in ten PCs of the realistic mix are a village's, and a
  township's page costs PostgreSQL several times more once the tables have statistics (its scope
  statement's plan; docs/PERFORMANCE.md).
- for the desktop mix, whose syncs also ask what the desktop's cycle asks next (`_side`), two more:
  **no-op side requests** (the history feed at the pull cursor, with the review marks since one number
  before it: a side request that carries nothing) — CPU per request; and
  **feed pages**: the PC follows the history feed of its own push phase, page after page of
  FEED_PAGE entries — CPU per entry beyond a no-op side request.

The floor of the mix's CPU per accepted change is then
    push per change + pulls per change × no-op pull + records pulled per change × record
    (+ side requests per change × no-op side request + feed entries per change × entry, desktop mix),
with the mix's own counts (bench_server_load `_figures`). Left out, so the floor is low by them:
the mix's 100 logins, its echo lookups (a head page that names the device's own edits instead of
sending them), the conflict reviews that concurrent edits raise, and the queueing of 100 PCs on two
cores. Each phase runs a fixed time, so the whole costs ~10 s per mix. The database is vacuumed and
analysed before the phases (ServerLab.settle, as after the seed), so the floor and the mix after it
run on tables with statistics, as a city's server does: otherwise autovacuum works through the
previous mix's edits in the middle of whichever phase or mix runs then, and the pulls' plans change
under it."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import requests

from bench import bench_server_load as closed
from bench.bench_sync import ServerLab, log
from bench.common import Figure

PUSH_SECONDS = 4.0
NOOP_SECONDS = 2.0
PAGE_SECONDS = 3.0
WARM_SECONDS = 0.3  # each phase's first requests (a worker's fresh statements) are not counted


@dataclass(frozen=True)
class FloorParts:
    """The unit costs, in ms of app + PostgreSQL CPU, and what they were measured over."""

    push_per_change: float
    noop_pull: float
    per_record: float
    changes: int = 0
    noop_pulls: int = 0
    records: int = 0
    noop_side: float = 0.0  # the desktop mix's side requests (review marks, history feed)
    per_feed_entry: float = 0.0


def floor_per_change(parts: FloorParts, pulls_per_change: float, records_per_change: float,
                     side_per_change: float = 0.0, feed_per_change: float = 0.0) -> float:
    """The least an accepted change of the mix costs, from the same run's unit costs and the
    mix's own fan-out (ms)."""
    return (parts.push_per_change + pulls_per_change * parts.noop_pull + records_per_change * parts.per_record
            + side_per_change * parts.noop_side + feed_per_change * parts.per_feed_entry)


def record_cost(page_cpu_ms: float, pages: int, records: int, noop_pull_ms: float) -> float:
    """ms per record of the page phase beyond what its pulls cost as no-op pulls (never below 0)."""
    return max(0.0, page_cpu_ms - pages * noop_pull_ms) / max(records, 1)


def beside_floor(figures: Iterable[Figure], parts: FloorParts, label: str) -> Iterator[Figure]:
    """The mix's figures, its CPU per change now beside the floor computed from `parts` and the
    mix's pulls and records per change; the parts follow as figures of their own."""
    figures = list(figures)
    prefix = f"server_{closed.CLIENTS}_{label}_"
    by_name = {f.name.removeprefix(prefix): f for f in figures}
    pulls, records = by_name.get("pulls_per_change"), by_name.get("records_pulled_per_change")
    side, feed = by_name.get("side_requests_per_change"), by_name.get("feed_entries_per_change")
    floor = floor_per_change(parts, pulls.value, records.value, side.value if side else 0.0,
                             feed.value if feed else 0.0) if pulls and records else None
    for figure in figures:
        if figure.name == f"{prefix}cpu_per_change":
            figure = Figure(figure.name, figure.value, figure.unit, floor)
        yield figure
    yield Figure(f"{prefix}floor_push_cpu_per_change", parts.push_per_change, "ms")
    yield Figure(f"{prefix}floor_noop_pull_cpu", parts.noop_pull, "ms")
    yield Figure(f"{prefix}floor_pulled_record_cpu", parts.per_record, "ms")
    if side:
        yield Figure(f"{prefix}floor_noop_side_request_cpu", parts.noop_side, "ms")
        yield Figure(f"{prefix}floor_feed_entry_cpu", parts.per_feed_entry, "ms")


class _Cpu:
    """CPU seconds of uvicorn's tree and of the throwaway cluster over one phase: what the mix's
    cpu_server and cpu_postgres measure."""

    def __init__(self, lab: ServerLab) -> None:
        self.lab, self.app, self.db = lab, 0.0, 0.0

    def __enter__(self) -> _Cpu:
        self.app, self.db = -closed._tree_cpu(self.lab.process.pid), -closed._postgres_cpu()
        return self

    def __exit__(self, *_exc) -> None:
        self.app += closed._tree_cpu(self.lab.process.pid)
        self.db += closed._postgres_cpu()

    @property
    def total(self) -> float:
        return self.app + self.db

    def __str__(self) -> str:
        return f"{self.total:.2f} s CPU: app {self.app:.2f} + PostgreSQL {self.db:.2f}"


def measure(lab: ServerLab, pc: closed.Device, based: bool) -> FloorParts:
    """The three phases on `lab` (serving): `pc` pushes with the desktop's bases if `based`. The
    database is vacuumed and analysed first (see above)."""
    started = time.monotonic()
    lab.settle()
    log(f"# closed-loop floor: VACUUM ANALYZE took {time.monotonic() - started:.1f} s")
    heads = closed._household_seqs(lab) if based else None
    seen = {h: heads.get(h, 0) for h in pc.households} if heads is not None else None
    http, device = closed.login(lab.url, pc.username, 0)
    seq, load = 0, closed.Load()

    def push(seconds: float) -> None:
        nonlocal seq
        until = time.monotonic() + seconds
        while time.monotonic() < until:
            if closed._round(http, lab.url, closed.batch(device, seq, 0, pc.households, 0, seen), 0, load, seen,
                             pull=False) is None:
                raise RuntimeError("the floor's push failed")
            seq += closed.BATCH

    push(WARM_SECONDS)
    load.accepted.clear()
    with _Cpu(lab) as push_cpu:
        push(PUSH_SECONDS)
    changes = len(load.accepted)

    head = closed._cursor(lab)
    _pull_for(http, lab.url, head, WARM_SECONDS)
    with _Cpu(lab) as noop_cpu:
        noop_pulls, stray, _ = _pull_for(http, lab.url, head, NOOP_SECONDS)
    if stray:
        log(f"# closed-loop floor: {stray} records arrived during the no-op pulls")

    _pull_for(http, lab.url, 0, WARM_SECONDS, follow=True)
    with _Cpu(lab) as page_cpu:
        pages, records, _ = _pull_for(http, lab.url, 0, PAGE_SECONDS, follow=True)

    noop = noop_cpu.total / max(noop_pulls, 1) * 1000
    parts = FloorParts(push_cpu.total / max(changes, 1) * 1000, noop,
                       record_cost(page_cpu.total * 1000, pages, records, noop), changes, noop_pulls, records)
    log(f"# closed-loop floor: {changes} changes pushed in {PUSH_SECONDS:.0f} s ({push_cpu}), {noop_pulls} no-op "
        f"pulls ({noop_cpu}), {records} records in {pages} pages ({page_cpu})")
    if not based:
        return parts
    _side_for(http, lab.url, head, head, WARM_SECONDS)
    with _Cpu(lab) as side_cpu:  # the feed at the pull cursor, the marks one number behind: nothing carried
        side_requests, _ = _side_for(http, lab.url, head, head, NOOP_SECONDS)
    noop_side = side_cpu.total / max(side_requests, 1) * 1000
    pushed_from = head - changes  # the PC's own push phase: its history entries
    _side_for(http, lab.url, pushed_from, head, WARM_SECONDS)
    with _Cpu(lab) as feed_cpu:
        feed_requests, entries = _side_for(http, lab.url, pushed_from, head, PAGE_SECONDS)
    log(f"# closed-loop floor: {side_requests} no-op side requests ({side_cpu}), {entries} history entries in "
        f"{feed_requests} side requests ({feed_cpu})")
    return dataclasses.replace(parts, noop_side=noop_side,
                               per_feed_entry=record_cost(feed_cpu.total * 1000, feed_requests, entries, noop_side))


def _side_for(http: requests.Session, url: str, start: int, head: int, seconds: float) -> tuple[int, int]:
    """The desktop's side requests (bench_server_load._side: the feed followed from `start` to the
    pull cursor `head`, the first request with the review marks since `head - 1`, in the steady
    state incremental) over and over for `seconds`: (requests, history entries)."""
    made, entries = 0, 0
    held = {"after": head}
    closed._side(http, url, held, head)  # the marks' jurisdiction, as the server names it
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        latencies, got = closed._side(http, url, {"after": start, "marks_after": head - 1,
                                                  "marks_scope": held["marks_scope"]}, head)
        made, entries = made + len(latencies), entries + got
    return made, entries


def _pull_for(http: requests.Session, url: str, cursor: int, seconds: float,
              follow: bool = False) -> tuple[int, int, int]:
    """Pull for `seconds` from `cursor`: the same cursor again, or with `follow` page after page to
    the scope's head and from `cursor` again (every pull carries records): (pulls, records carried,
    the cursor reached)."""
    pulls, records, start = 0, 0, cursor
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        page = http.get(url + "/api/v1/sync/pull", params={"cursor": cursor, "limit": 1000}, timeout=120)
        page.raise_for_status()
        body = page.json()
        pulls, records = pulls + 1, records + len(body["records"])
        if follow:
            cursor = body["next_cursor"] if body["has_more"] else start
    return pulls, records, cursor
