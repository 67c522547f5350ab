"""The PDF benchmark still runs (quick sizes) and prints its figures in the shared line format;
speed itself is never asserted in tests."""

from __future__ import annotations

from bench.bench_pdf import QUICK_CARDS, run
from bench.common import BenchConfig


def test_pdf_benchmark_runs_quick(tmp_path):
    cfg = BenchConfig.quick_sizes()
    cfg.workdir = tmp_path
    figures = {f.name: f for f in run(cfg)}
    cards = figures[f"pdf_{QUICK_CARDS}_household_cards_qr_cpu"]
    assert cards.value > 0 and cards.floor and cards.floor > 0
    assert " | floor " in cards.line()
    assert (tmp_path / "cards.pdf").stat().st_size > 0 and (tmp_path / "floor.pdf").stat().st_size > 0
