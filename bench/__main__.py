"""`python -m bench`: run the benchmark groups and print one line per figure,
`name value unit | floor value | ratio` (the floor and ratio where the figure has a floor).

Groups are modules of this package with a `run(cfg) -> Iterator[Figure]`, listed in `GROUPS` in the
order they run; add a module and a line here to add figures. `--quick` uses small sizes so CI can
check that every benchmark still runs (it never asserts speed); sizes and the seed are options."""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import shutil
import sqlite3
import sys

from bench.common import BenchConfig

GROUPS = {
    "generate": "bench.generate",  # demo township generation
    "search": "bench.search",  # search-as-you-type over persons
    "duplicates": "bench.bench_duplicates",  # likely-duplicate scan of the township's 40,000 persons
    "register": "bench.bench_register",  # global search (Ctrl+F) per keystroke, a household's record history
    "desks": "bench.bench_desks",  # task inbox over 20,000 tasks, case search by reporter over 8,000 cases
    "roster": "bench.bench_roster",  # 5,000-row roster preview and apply, the township's persons exported
    "pdf": "bench.bench_pdf",  # household cards to PDF (app/reports)
    "sync": "bench.bench_sync",  # first sync, 1,000 edits each way, no-op round trip (HTTP on loopback)
    "pouchdb": "bench.bench_pouchdb",  # peer: PouchDB replicating the same records (npm, not in --quick)
    "client": "bench.bench_client",  # cold start to the main window, peak RSS (offscreen)
    "first_run": "bench.bench_first_run",  # township-desk demo on a fresh data directory to the first window
    "server_load": "bench.bench_server_load",  # 100 concurrent syncing clients on PostgreSQL (not in --quick)
    "city_day": "bench.bench_city_day",  # open-loop city day beside the closed-loop mix (PostgreSQL; not in --quick)
    "console": "bench.bench_console",  # city console: progress page over 200,000 targets, leader overview
    "link": "bench.bench_link",  # sync over emulated weak links (root, network namespaces; not in --quick)
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Township Desk benchmarks")
    parser.add_argument("--quick", action="store_true", help="small sizes (CI: checks the benchmarks run)")
    parser.add_argument("--only", action="append", choices=sorted(GROUPS), help="run only these groups")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--households", type=int, help="demo township size (default 12,000; quick 600)")
    parser.add_argument("--tasks", type=int)
    parser.add_argument("--cases", type=int)
    parser.add_argument("--queries", type=int, help="sampled persons whose keystrokes the search replays")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (databases) afterwards")
    parser.add_argument("--list", action="store_true", help="list the figure groups and exit")
    return parser.parse_args(argv)


def config_from(args: argparse.Namespace) -> BenchConfig:
    cfg = BenchConfig.quick_sizes(seed=args.seed) if args.quick else BenchConfig(seed=args.seed)
    for name in ("households", "tasks", "cases", "queries"):
        if getattr(args, name) is not None:
            setattr(cfg, name, getattr(args, name))
    return cfg


def describe_machine() -> str:
    """One comment line about where the figures were measured (stderr, so stdout stays figures)."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"# {platform.platform()} · {os.cpu_count()} CPUs · load {load:.1f} · Python {platform.python_version()}"
            f" · SQLite {sqlite3.sqlite_version}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.list:
        for group, module in GROUPS.items():
            print(f"{group}\t{module}")
        return 0
    cfg = config_from(args)
    print(describe_machine(), file=sys.stderr, flush=True)
    try:
        for group in args.only or list(GROUPS):
            module = importlib.import_module(GROUPS[group])
            for figure in module.run(cfg):
                print(figure.line(), flush=True)
        print(describe_machine(), file=sys.stderr, flush=True)
    finally:
        if args.keep:
            print(f"# work directory kept: {cfg.workdir}", file=sys.stderr)
        else:
            shutil.rmtree(cfg.workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
