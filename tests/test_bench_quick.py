"""`python -m bench --quick` runs every benchmark group and prints parseable figure lines
(CI checks that the benchmarks keep working; it never asserts how fast they are)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from bench.common import Figure, percentile

LINE = re.compile(r"^(?P<name>[a-z0-9_]+) (?P<value>[0-9.]+(e-?\d+)?) (?P<unit>\S+)"
                  r"( \| floor (?P<floor>[0-9.]+(e-?\d+)?) \| (?P<ratio>[0-9.]+|inf))?$")
ROOT = Path(__file__).resolve().parent.parent


def test_figure_line_format():
    assert Figure("search_name_p95", 7.214, "ms", 5.1).line() == "search_name_p95 7.21 ms | floor 5.10 | 1.41"
    assert Figure("demo_generate_township", 14.93, "s").line() == "demo_generate_township 14.9 s"
    assert LINE.match(Figure("x", 0.00636, "ms", 0.0001).line())


def test_percentile_nearest_rank():
    samples = [float(n) for n in range(1, 101)]
    assert percentile(samples, 50) == 50.0 and percentile(samples, 95) == 95.0 and percentile([3.0], 95) == 3.0


def test_quick_bench_prints_every_figure():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "bench", "--quick", "--households", "300", "--queries", "5"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    parsed = {m["name"]: m for m in map(LINE.match, lines) if m}
    assert len(parsed) == len(lines), lines
    for kind in ("name", "initials", "id_tail"):
        for pct in ("p50", "p95"):
            assert parsed[f"search_{kind}_{pct}"]["floor"] is not None
    assert parsed["demo_generate_township"]["unit"] == "s"
    assert float(parsed["search_persons_in_db"]["value"]) > 900
    assert parsed["sync_first_sync"]["floor"] is not None and float(parsed["sync_first_sync_records"]["value"]) > 0
    assert parsed["client_cold_start_main_window"]["floor"] is not None
