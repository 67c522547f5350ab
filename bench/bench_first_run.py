"""The demo's first run on a fresh machine: `township-desk demo` with an empty data directory, as a new
user types it — seed the demo township into the embedded server, start it, log in, first sync — and
then the window's cold start on the database that produced. Printed per phase (wall seconds, the
time a user waits, timed from the lines the demo prints as it goes) and as their sum
`demo_first_window`, the time from the command to the first window (target: 20 s at full size): with a window the demo opens
it right after logging in and the first sync streams the township in meanwhile, so the sum is seed and
login plus the window's start; `demo_first_window_synced` adds the first sync.
CPU seconds of the demo's process tree are printed beside, since on a shared machine wall time
includes the neighbours. No floor: the phases are the figure."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from bench.bench_client import ROOT, start_once
from bench.common import BenchConfig, Figure

# (phase name, the first words of the demo's line that ends it)
PHASES = (("seed_and_login", "已登录演示账号"), ("sync", "演示服务器"))


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_demo(workdir: Path, households: int | None) -> tuple[dict[str, float], float, Path]:
    """Run the demo without a window in a fresh data directory; (phase walls, CPU seconds, client db)."""
    data = workdir / "data"
    env = {**os.environ, "TD_DATA_DIR": str(data), "PYTHONPATH": str(ROOT),
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    args = [sys.executable, "-m", "ui.cli", "demo", "--no-window"]
    if households:
        args += ["--households", str(households)]
    cpu_before, started = _children_cpu(), time.perf_counter()
    demo = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    marks, last, output = {}, started, []
    for line in demo.stdout:
        output.append(line)
        for phase, words in PHASES:
            if phase not in marks and line.startswith(words):
                now = time.perf_counter()
                marks[phase], last = now - last, now
    if demo.wait() != 0 or len(marks) != len(PHASES):
        raise RuntimeError("demo failed:\n" + "".join(output[-40:]))
    return marks, _children_cpu() - cpu_before, data / "demo" / "client.db"


def run(cfg: BenchConfig) -> Iterator[Figure]:
    workdir = cfg.workdir / "first_run"
    workdir.mkdir(parents=True, exist_ok=True)
    households = cfg.households if cfg.households != 12_000 else None  # None: the demo's own full size
    phases, cpu, client_db = run_demo(workdir, households)
    for phase, seconds in phases.items():
        yield Figure(f"demo_first_run_{phase}", seconds, "s")
    yield Figure("demo_first_run_cpu", cpu, "s")
    window = start_once("window", client_db, workdir)["wall"]
    yield Figure("demo_first_run_window", window, "s")
    # With a window the demo opens it right after the login; the first sync then runs inside it.
    yield Figure("demo_first_window", phases["seed_and_login"] + window, "s")
    yield Figure("demo_first_window_synced", sum(phases.values()) + window, "s")
