"""Figures for the demo township generator: the whole generation into a fresh database (rows built,
code tables and regions seeded, bulk inserts) beside a floor that only inserts the same, already
built rows with sqlite3's executemany — the part no generator can avoid. Wall and CPU seconds: on
a shared machine the CPU time is our own cost, the wall time includes the neighbours."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator

from bench.common import BenchConfig, Figure, timed, timed_both


def run(cfg: BenchConfig) -> Iterator[Figure]:
    from db.engine import open_local
    from demo import _TABLES, build_rows

    seconds = cfg.demo_seconds
    ctx = build_rows(cfg.seed, cfg.households, cfg.tasks, cfg.cases)
    total_rows = sum(len(ctx.rows[name]) for name, _model in _TABLES)
    floor_db = cfg.workdir / "floor-generate.db"
    open_local(floor_db).dispose()
    floor, floor_cpu = timed_both(lambda: _insert_plain(floor_db, ctx.rows, [name for name, _model in _TABLES],
                                                        {name: model for name, model in _TABLES}))
    yield Figure("demo_generate_township", seconds, "s", floor)
    yield Figure("demo_generate_township_cpu", cfg.demo_cpu_seconds, "s", floor_cpu)
    yield Figure("demo_generate_rows_per_s", total_rows / seconds, "rows/s")
    yield Figure("demo_build_rows_in_memory", timed(lambda: build_rows(cfg.seed, cfg.households, cfg.tasks,
                                                                          cfg.cases)), "s")


def _plain(value):
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dt.date):
        return str(value)
    return value


def _insert_plain(path, rows: dict[str, list[dict]], order: list[str], models: dict) -> None:
    conn = sqlite3.connect(path)
    try:
        with conn:
            for name in order:
                table_rows = rows[name]
                if not table_rows:
                    continue
                columns = list(table_rows[0])
                sql = (f"INSERT INTO {models[name].__tablename__} ({', '.join(columns)}) "
                       f"VALUES ({', '.join('?' * len(columns))})")
                conn.executemany(sql, ([_plain(r[c]) for c in columns] for r in table_rows))
    finally:
        conn.close()
