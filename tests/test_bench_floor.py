"""The closed loop's fan-out counts and its same-run floor are arithmetic over counts and CPU
seconds (bench.bench_server_load `_figures`, bench.closed_loop_floor): checked here on made-up
numbers, never on timings."""

from __future__ import annotations

import pytest

from bench import bench_server_load as closed
from bench.bench_city_day import _beside_round1
from bench.closed_loop_floor import FloorParts, beside_floor, floor_per_change, record_cost
from bench.common import Figure


def test_fan_out_counts_per_change_and_per_push():
    load = closed.Load(latencies=[1.0] * 30, push_latencies=[1.0] * 10, accepted=[f"c{n}" for n in range(100)],
                       pushes=10, pulls=20, records=2_500, echoes=90)
    got = {f.name: f.value for f in closed._figures("mixed", load, elapsed=2.0, missing=0, duplicates=0)}
    assert got["server_100_mixed_records_pulled_per_change"] == 25.0
    assert got["server_100_mixed_echoes_per_change"] == 0.9
    assert got["server_100_mixed_pulls_per_change"] == 0.2
    assert got["server_100_mixed_pulls_per_push"] == 2.0
    assert got["server_100_mixed_changes_per_s"] == 50.0 and got["server_100_mixed_seconds"] == 2.0


def test_a_mix_without_accepted_changes_prints_no_ratio():
    got = {f.name for f in closed._figures("mixed", closed.Load(), elapsed=1.0, missing=0, duplicates=0)}
    assert "server_100_mixed_records_pulled_per_change" not in got and "server_100_mixed_pulls_per_push" not in got


def test_floor_is_push_plus_pulls_plus_records():
    parts = FloorParts(push_per_change=2.0, noop_pull=3.0, per_record=0.05)
    # 0.2 pulls and 25 records per change: 2.0 + 0.6 + 1.25
    assert floor_per_change(parts, 0.2, 25.0) == pytest.approx(3.85)


def test_record_cost_is_beyond_the_pages_own_no_op_cost():
    # 10 pages of 1,000 records for 530 ms of CPU, a no-op pull 3 ms: (530 - 30) / 10,000
    assert record_cost(530.0, 10, 10_000, 3.0) == pytest.approx(0.05)
    assert record_cost(20.0, 10, 10_000, 3.0) == 0.0  # never negative
    assert record_cost(5.0, 0, 0, 3.0) == 5.0  # no records: no division by zero


def test_cpu_per_change_is_printed_beside_the_same_run_floor_and_round1_apart():
    prefix = "server_100_mixed_"
    mix = [Figure(prefix + "request_p95", 2000.0, "ms"), Figure(prefix + "changes_per_s", 400.0, "changes/s"),
           Figure(prefix + "records_pulled_per_change", 25.0, "records"),
           Figure(prefix + "pulls_per_change", 0.2, "pulls"), Figure(prefix + "cpu_per_change", 5.0, "ms")]
    parts = FloorParts(push_per_change=2.0, noop_pull=3.0, per_record=0.05)
    out = {f.name: f for f in _beside_round1(list(beside_floor(mix, parts, "mixed")), "mixed")}
    assert out[prefix + "cpu_per_change"].floor == pytest.approx(3.85)
    assert out[prefix + "cpu_per_change_vs_round1"].floor == 8.1
    assert out[prefix + "cpu_per_change_vs_round1"].value == 5.0
    assert out[prefix + "request_p95"].floor is None and out[prefix + "request_p95_vs_round1"].floor == 3533.0
    assert out[prefix + "changes_per_s_vs_round1"].floor == 264.0
    assert out[prefix + "floor_push_cpu_per_change"].value == 2.0
    assert out[prefix + "cpu_per_change"].line() == f"{prefix}cpu_per_change 5.00 ms | floor 3.85 | 1.30"
