"""What every benchmark group shares: the `Figure` a group yields, the run configuration (sizes,
seed, quick mode), the line format `name value unit | floor value | ratio`, timing helpers, and the
demo township database, generated once per run and reused by every group that needs it."""

from __future__ import annotations

import math
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Figure:
    """One measured figure; `floor` is the same work done the plainest way, measured in the same run."""

    name: str
    value: float
    unit: str
    floor: float | None = None

    def line(self) -> str:
        text = f"{self.name} {_num(self.value)} {self.unit}"
        if self.floor is not None:
            ratio = self.value / self.floor if self.floor > 0 else float("inf")
            text += f" | floor {_num(self.floor)} | {ratio:.2f}"
        return text


def _num(value: float) -> str:
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}" if value < 0.1 else f"{value:.2f}"


@dataclass
class BenchConfig:
    quick: bool = False
    seed: int = 2026
    households: int = 12_000
    tasks: int = 2_000
    cases: int = 8_000
    queries: int = 100  # sampled persons whose keystrokes are replayed per search kind
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="td-bench-")))
    _demo_db: Path | None = None
    _demo_seconds: float | None = None
    _demo_cpu_seconds: float | None = None

    @classmethod
    def quick_sizes(cls, **overrides) -> BenchConfig:
        return cls(quick=True, households=600, tasks=100, cases=400, queries=15, **overrides)

    def demo_database(self) -> Path:
        """The demo township in a fresh migrated SQLite file, generated on first use."""
        if self._demo_db is None:
            from db.engine import open_local
            from demo import generate_township

            path = self.workdir / "township.db"
            engine = open_local(path)
            started, cpu_started = time.perf_counter(), time.process_time()
            generate_township(engine, seed=self.seed, households=self.households, tasks=self.tasks,
                              cases=self.cases)
            self._demo_seconds = time.perf_counter() - started
            self._demo_cpu_seconds = time.process_time() - cpu_started
            engine.dispose()
            self._demo_db = path
        return self._demo_db

    @property
    def demo_seconds(self) -> float:
        self.demo_database()
        assert self._demo_seconds is not None
        return self._demo_seconds


    @property
    def demo_cpu_seconds(self) -> float:
        self.demo_database()
        assert self._demo_cpu_seconds is not None
        return self._demo_cpu_seconds


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def timed_both(fn: Callable[[], object]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) for one call. On a machine shared with other
    work the CPU time is the stable measure of our own cost; wall time includes the neighbours."""
    started, cpu_started = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - started, time.process_time() - cpu_started


def percentile(samples: list[float], pct: float) -> float:
    """Nearest-rank percentile (pct in 0..100) of the samples."""
    ordered = sorted(samples)
    rank = max(1, min(len(ordered), math.ceil(pct / 100 * len(ordered))))
    return ordered[rank - 1]


def median(samples: list[float]) -> float:
    return statistics.median(samples)
