"""The city day's unit costs (bench.bench_city_day): server + database CPU per accepted change and
per pulled record, each measured alone on the day's logged-in PCs, and a no-op pull's fixed cost."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

from bench import bench_server_load as closed
from bench.bench_city_day import Pc, _edits, _headers, _stack_cpu
from bench.bench_sync import STAFF, ServerLab
from bench.common import Figure

CALIBRATION = 200  # pushes of 5 edits, then full pages pulled, to price a change and a record


def unit_costs(lab: ServerLab, pcs: list[Pc]) -> Iterator[Figure]:
    """Server + database CPU per accepted change and per pulled record, each measured alone: 20 PCs
    push CALIBRATION batches of 5 edits (no pulls), then 20 township PCs pull 1,000-record pages
    from far behind straight from the app (no cache). (Round 1's 8.1 ms per change, which also paid
    for the mix's pulls, is printed beside the closed loop's as `*_cpu_per_change_vs_round1`.)"""
    start = closed._cursor(lab)
    before, started = _stack_cpu(lab), time.perf_counter()
    accepted = asyncio.run(_push_only(lab.url, pcs[:20]))
    cpu = _stack_cpu(lab) - before
    yield Figure("city_day_unit_push_cpu_per_change", cpu / max(accepted, 1) * 1000, "ms")
    yield Figure("city_day_unit_push_changes_per_s", accepted / (time.perf_counter() - started), "changes/s")
    readers = [pc for pc in pcs if pc.username == STAFF][:20]
    for pc in readers:
        pc.cursor = max(0, start - 40_000)
    before = _stack_cpu(lab)
    records = asyncio.run(_pull_only(lab.url, readers))
    cpu = _stack_cpu(lab) - before
    yield Figure("city_day_unit_pull_cpu_per_record", cpu / max(records, 1) * 1000, "ms")
    before = _stack_cpu(lab)
    calls = asyncio.run(_noop_pulls(lab.url, readers, closed._cursor(lab)))
    yield Figure("city_day_unit_noop_pull_cpu", (_stack_cpu(lab) - before) / max(calls, 1) * 1000, "ms")


async def _noop_pulls(url: str, pcs: list[Pc], head: int) -> int:
    """Pulls at the head (nothing new): the fixed cost of a request — authentication from the
    token cache, the cursor, the empty page."""
    import aiohttp

    calls = 0
    async with aiohttp.ClientSession() as http:
        for _ in range(10):
            for pc in pcs:
                async with http.get(url + "/api/v1/sync/pull", params={"cursor": head, "limit": 1000},
                                    headers=_headers(pc)) as r:
                    await r.read()
                calls += 1
    return calls


async def _push_only(url: str, pcs: list[Pc]) -> int:
    import aiohttp
    import orjson

    accepted = 0
    async with aiohttp.ClientSession() as http:
        async def one(pc: Pc, rounds: int) -> None:
            nonlocal accepted
            for _ in range(rounds):
                async with http.post(url + "/api/v1/sync/push", data=orjson.dumps({"changes": _edits(pc, 5)}),
                                     headers={**_headers(pc), "Content-Type": "application/json"}) as r:
                    answer = orjson.loads(await r.read())
                accepted += sum(a["outcome"] != "rejected" for a in answer["results"])
        await asyncio.gather(*(one(pc, CALIBRATION // len(pcs)) for pc in pcs))
    return accepted


async def _pull_only(url: str, pcs: list[Pc]) -> int:
    import aiohttp
    import orjson

    records = 0
    async with aiohttp.ClientSession() as http:
        async def one(pc: Pc) -> None:
            nonlocal records
            for _ in range(3):
                async with http.get(url + "/api/v1/sync/pull", params={"cursor": pc.cursor, "limit": 1000},
                                    headers=_headers(pc)) as r:
                    page = orjson.loads(await r.read())
                records += len(page["records"])
                pc.cursor = page["next_cursor"]
        await asyncio.gather(*(one(pc) for pc in pcs))
    return records
