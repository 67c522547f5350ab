"""Desktop client figures, each in a fresh child process (offscreen Qt): cold start to a usable main
window with the demo township loaded — from the process start to the window shown with its first
page's queries answered (the task runner idle) — and the client's peak RSS then. The database is a
copy of the generated demo township enrolled as the township staff member (an unreachable server
address: the start must not wait for the network). Floor: a bare PySide6 process showing an empty
main window, the least any Qt client pays. Run alone: `python -m bench.bench_client DB`.

The children may keep compiled bytecode (in the bench's own directory, PYTHONPYCACHEPREFIX) even when
the environment says PYTHONDONTWRITEBYTECODE: an installed client always has its bytecode (pip
compiles it at install, a PyInstaller build holds nothing else), so a start that compiled every
module of the project from source (~0.3 s here) would measure the working tree, not the client.
The warm-up start writes it, as it fills the OS file cache."""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from bench.common import BenchConfig, Figure, median

ROOT = Path(__file__).resolve().parent.parent
TOWNSHIP = "150422100"


def enrol_copy(source: Path, target: Path) -> Path:
    """A copy of the demo database that believes it is enrolled as township staff of the township."""
    from app.enrolment import ENROLMENT_KEY
    from db.client import SyncState
    from db.engine import open_local, session_factory

    shutil.copyfile(source, target)
    engine = open_local(target)
    enrolment = {"server_url": "http://127.0.0.1:9", "username": "bench_staff", "device_id": "bench-device",
                 "role": "township_staff", "scope": TOWNSHIP, "department_code": None,
                 "display_name": "基准测试", "server_public_key": "", "token_expires_at": ""}
    with session_factory(engine).begin() as session:
        session.merge(SyncState(key=ENROLMENT_KEY, value=json.dumps(enrolment, ensure_ascii=False)))
    engine.dispose()
    return target


def _child_env(workdir: Path) -> dict:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT),
           "XDG_CONFIG_HOME": str(workdir / "config"), "XDG_DATA_HOME": str(workdir / "data"),
           "XDG_CACHE_HOME": str(workdir / "cache"), "PYTHONPYCACHEPREFIX": str(workdir / "bytecode")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: see the module docstring
    return env


def start_once(mode: str, database: Path, workdir: Path) -> dict:
    """Start a child in `mode` (window | bare); its report plus the wall seconds from spawn to ready."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "bench.bench_client", mode, str(database)], cwd=ROOT,
                          env=_child_env(workdir), capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"client start ({mode}) failed:\n{done.stderr[-3000:]}")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    report["wall"] = report["ready_at"] - started
    return report


def run(cfg: BenchConfig) -> Iterator[Figure]:
    workdir = cfg.workdir / "client"
    workdir.mkdir(parents=True, exist_ok=True)
    database = enrol_copy(cfg.demo_database(), workdir / "township.db")
    rounds = 2 if cfg.quick else 5
    start_once("window", database, workdir)  # warms the OS file cache, as any second start finds it
    ours = [start_once("window", database, workdir) for _ in range(rounds)]
    bare = [start_once("bare", database, workdir) for _ in range(rounds)]
    yield Figure("client_cold_start_main_window", median([r["wall"] for r in ours]), "s",
                 median([r["wall"] for r in bare]))
    yield Figure("client_cold_start_imports", median([r["imports"] for r in ours]), "s",
                 median([r["imports"] for r in bare]))
    yield Figure("client_peak_rss_township_loaded", max(r["rss_mb"] for r in ours), "MB",
                 max(r["rss_mb"] for r in bare))


# --- the child process --------------------------------------------------------------------------------


def _peak_rss_mb() -> float:
    """This process's peak RSS. /proc's VmHWM, not getrusage: Linux carries ru_maxrss across exec, so
    a child of a large benchmark process would report its parent's peak."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _report(imports: float) -> None:
    rss_mb = _peak_rss_mb()
    print(json.dumps({"ready_at": time.perf_counter(), "imports": imports, "rss_mb": rss_mb}), flush=True)


def _wait_idle(app, runner) -> None:
    """Process events until the pages' first background queries have been answered."""
    deadline = time.monotonic() + 120
    app.processEvents()
    while runner.pending and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.002)
    app.processEvents()


def child_window(database: Path) -> None:
    begun = time.perf_counter()
    from app.client.startup import open_client
    from app.enrolment import SecretStore
    from app.logs import configure_client_logging
    from tests.client_sync_support import MemoryKeyring
    from ui.app import Shell, build_main_window, create_application
    from ui.tasks import TaskRunner

    imports = time.perf_counter() - begun
    configure_client_logging()
    app, settings = create_application([sys.argv[0]])
    services = open_client(database, allow_unenrolled=True, secrets=SecretStore(MemoryKeyring()))
    runner = TaskRunner()
    window = build_main_window(Shell(services.context, runner, settings, services=services))
    window.resize(1366, 740)
    window.show()
    _wait_idle(app, runner)
    _report(imports)
    runner.shutdown()
    services.context.close()


def child_bare() -> None:
    begun = time.perf_counter()
    from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

    imports = time.perf_counter() - begun
    app = QApplication([sys.argv[0]])
    window = QMainWindow()
    window.setCentralWidget(QLabel("基层治理工作台"))
    window.resize(1366, 740)
    window.show()
    app.processEvents()
    _report(imports)


if __name__ == "__main__":
    if sys.argv[1] == "window":
        child_window(Path(sys.argv[2]))
    elif sys.argv[1] == "bare":
        child_bare()
    else:
        for figure in run(BenchConfig(_demo_db=Path(sys.argv[1]))):
            print(figure.line(), flush=True)
