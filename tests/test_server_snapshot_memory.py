"""The snapshot streams without building the township in memory: the peak memory while iterating a
township five times larger is about the same (chunks are produced and dropped one by one)."""

from __future__ import annotations

import tracemalloc

from demo import generate_township
from server.adopt import adopt_unversioned
from server.db import make_server_engine, session_factory, upgrade
from server.snapshot import region_scope, snapshot_from

TOWNSHIP, VILLAGE = "150422100", "150422100201"


def _peak(session, prefix: str) -> tuple[int, int]:
    tracemalloc.start()
    records = 0
    for chunk in snapshot_from(session, region_scope(prefix), None, 500):
        records += len(chunk.records)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return records, peak


def _township(path, households: int) -> tuple[int, int]:
    engine = make_server_engine(f"sqlite:///{path}")
    upgrade(engine)
    with session_factory(engine)() as s:
        generate_township(s, households=households, tasks=households // 20, cases=households // 3)
        adopt_unversioned(s)
        s.commit()
    with session_factory(engine)() as s:
        _peak(s, VILLAGE)  # warm SQLAlchemy's statement caches so they are not counted
        measured = _peak(s, TOWNSHIP)
    engine.dispose()
    return measured


def test_snapshot_memory_does_not_grow_with_the_township(tmp_path):
    small_records, small_peak = _township(tmp_path / "small.db", 300)
    large_records, large_peak = _township(tmp_path / "large.db", 1500)
    assert large_records > 4 * small_records and large_records > 12_000
    print(f"snapshot peak: {small_records} records {small_peak} B, {large_records} records {large_peak} B")
    assert large_peak < 1.5 * small_peak, (small_records, small_peak, large_records, large_peak)
