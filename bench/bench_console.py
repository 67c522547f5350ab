"""The city console's heaviest pages on a city-sized server database: a department's progress page
across 100 townships × 2,000 tasks (200,000 targets: the township × status grid and the first page
of targets, overdue first) and the leader's overview (outcomes by township and category, 吹哨
response, trends) over 100,000 cases — each fetched as a signed-in browser would, through the app
(in-process ASGI client), p95 of repeated loads. Both pages are printed twice: computed on every load
(the progress grid is read from the summary the push keeps, server/store/progress.py, on every load;
the leader's figures are also printed as served from their 5-minute cache). The floor is the database
work alone, run as plain SQL on the same database in the same run. Then the sync endpoints (a
township device pushing one feedback entry, a pull at the head) alone and while another server
process serves console pages at CONSOLE_RATE a second: the figures alone are the floor of the others.

The database is a migrated SQLite server file filled with Core inserts (records need no sync
versions to be read); `TD_BENCH_PG_URL` (an empty PostgreSQL database) runs the same on PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import random
import re
import time
import uuid
from collections.abc import Iterator

from sqlalchemy import insert, text

from bench.common import BenchConfig, Figure, percentile, timed, timed_both
from sync.wire import SCHEMA_VERSION

TOWNSHIPS, TASKS, CASES = 100, 2_000, 100_000
QUICK = (10, 100, 2_000)
PASSWORD = "bench horse 9 staple"
CONSOLE_RATE = 5.0  # console pages a second while the sync figures are taken (some 20 city users at work)


def _fill(engine, townships: int, tasks: int, cases: int, seed: int) -> None:
    from db.models import Region

    rnd = random.Random(seed)
    towns = [f"150499{i + 100:03d}" for i in range(townships)]
    with engine.begin() as conn:
        conn.execute(insert(Region), [{"code": "150499000000", "name": "基准县", "level": 3,
                                       "parent_code": "150400000000"}] + [
            {"code": t + "000", "name": f"基准{i}镇", "level": 4, "parent_code": "150499000000"}
            for i, t in enumerate(towns)])
        _fill_tasks(conn, rnd, towns, tasks)
        _fill_cases(conn, rnd, towns, cases)


NOW = dt.datetime(2026, 12, 6, 10, 0)
BASE = {"deleted": False, "deletion_gen": 0}


def _fill_tasks(conn, rnd: random.Random, towns: list[str], tasks: int) -> None:
    """`tasks` tasks of the department mz, each sent to every township."""
    from db.ids import new_id
    from db.models import Task, TaskTarget

    for start in range(0, tasks, 200):
        task_rows, target_rows = [], []
        for n in range(start, min(tasks, start + 200)):
            tid, issued = new_id(), NOW - dt.timedelta(days=rnd.randint(0, 120))
            task_rows.append({**BASE, "id": tid, "task_no": f"RW{n:06d}", "title": f"基准任务{n}", "description": "",
                              "department_code": "mz", "kind": rnd.choice("123"), "priority": 2,
                              "issued_at": issued, "due_at": issued + dt.timedelta(days=rnd.randint(3, 40)),
                              "region_code": "150499", "requested_fields": [], "issued_by": "bench"})
            target_rows += [{**BASE, "id": new_id(), "task_id": tid, "region_code": t,
                             "status": rnd.choice(("10", "20", "30", "30", "30", "40")),
                             "handled_count": 0, "total_count": 0} for t in towns]
        conn.execute(insert(Task), task_rows)
        conn.execute(insert(TaskTarget), target_rows)


def _fill_cases(conn, rnd: random.Random, towns: list[str], cases: int) -> None:
    """`cases` cases over the townships' villages in the last year, 80 % closed, 5 % whistled."""
    from db.ids import new_id
    from db.models import Case, CaseWhistle

    for start in range(0, cases, 5_000):
        case_rows, whistles = [], []
        for n in range(start, min(cases, start + 5_000)):
            cid, registered = new_id(), NOW - dt.timedelta(days=rnd.randint(0, 360))
            closed = rnd.random() < 0.8
            case_rows.append({**BASE, "id": cid, "case_no": f"AJ{n:08d}", "source": "1", "request_type": "1",
                              "category_code": rnd.choice(("01", "02", "03", "04", "05")), "title": f"事件{n}",
                              "description": "", "registered_at": registered, "place": "",
                              "region_code": rnd.choice(towns) + f"{rnd.randint(201, 220)}",
                              "reporter_name": "", "reporter_phone": f"138{rnd.randint(0, 99_999):08d}",
                              "deadline_on": registered.date() + dt.timedelta(days=10),
                              "status": 70 if closed else 50, "supervised": False,
                              "closed_at": registered + dt.timedelta(days=rnd.randint(1, 14)) if closed else None,
                              "satisfaction": rnd.choice(("1", "2", "3", None)) if closed else None,
                              "satisfaction_comment": ""})
            if rnd.random() < 0.05:
                whistles.append({**BASE, "id": new_id(), "case_id": cid, "region_code": case_rows[-1]["region_code"],
                                 "department_code": rnd.choice(("mz", "ga", "zj", "yj")), "summoned_at": registered,
                                 "arrived_at": registered + dt.timedelta(hours=rnd.randint(1, 48)), "comment": ""})
        conn.execute(insert(Case), case_rows)
        if whistles:
            conn.execute(insert(CaseWhistle), whistles)


def _signed_in(app, username: str):
    from fastapi.testclient import TestClient

    client = TestClient(app)
    page = client.get("/console/login").text
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    answer = client.post("/console/login", data={"csrf": token, "username": username, "password": PASSWORD,
                                                 "next": "/console/"})
    assert answer.status_code == 200, answer.text[:200]
    return client


def _p95(fn, repeats: int) -> float:
    fn()  # warm caches (first statement compilation, SQLite page cache)
    return percentile([timed(fn) for _ in range(repeats)], 95) * 1000


def _floors(engine, repeats: int, now: dt.datetime) -> tuple[float, float, float]:
    """The database work alone, as plain SQL: the progress grid read from its summary, the same grid
    grouped from every target (what the page did before the summary), the leader's case GROUP BY."""
    summary = text("SELECT township, status, sum(targets), sum(CASE WHEN status != '30' AND due_at < :now "
                   "THEN targets ELSE 0 END) FROM progress_counts WHERE department_code = 'mz' GROUP BY 1, 2")
    grid = text("SELECT substr(t.region_code, 1, 9), t.status, count(*) FROM task_targets t "
                "JOIN tasks k ON k.id = t.task_id WHERE k.department_code = 'mz' GROUP BY 1, 2")
    cases = text("SELECT substr(region_code, 1, 9), category_code, count(*), sum(CASE WHEN status >= 70 THEN 1 ELSE 0 END) "
                 "FROM cases GROUP BY 1, 2")

    def run(statement, **params):
        with engine.connect() as conn:
            conn.execute(statement, params).all()

    return (_p95(lambda: run(summary, now=now), repeats), _p95(lambda: run(grid), repeats),
            _p95(lambda: run(cases), repeats))


def _users(engine, settings) -> None:
    from server.accounts import create_user
    from server.db import session_factory
    from server.store import progress

    with session_factory(engine)() as s:
        create_user(s, settings, "bench_mz", PASSWORD, "department", "150499", "mz")
        create_user(s, settings, "bench_leader", PASSWORD, "leader", "")
        create_user(s, settings, "bench_town", PASSWORD, "township_admin", "150499100")
        progress.rebuild(s)  # the bulk-loaded targets counted, as seed-demo's adoption does
        s.commit()
    if engine.dialect.name == "postgresql":  # what autovacuum does on a server that has run a while
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))


class SyncDevice:
    """A township PC syncing through the app: one feedback entry pushed, or a pull at the head."""

    def __init__(self, app, engine) -> None:
        from fastapi.testclient import TestClient

        self.client, self.device_id, self.seq = TestClient(app), str(uuid.uuid4()), 0
        answer = self.client.post("/api/v1/login", json={"username": "bench_town", "password": PASSWORD,
                                                         "device_id": self.device_id, "device_name": "bench"})
        self.headers = {"Authorization": f"Bearer {answer.json()['token']}", "X-Schema-Version": str(SCHEMA_VERSION)}
        with engine.connect() as conn:
            self.target = conn.execute(text("SELECT id FROM task_targets WHERE region_code = '150499100' "
                                            "LIMIT 1")).scalar_one()
        self.cursor = self.client.get("/api/v1/sync/pull", params={"cursor": 0, "limit": 1},
                                      headers=self.headers).json().get("next_cursor", 0)

    def push(self) -> None:
        from db.ids import new_id

        self.seq += 1
        ms = int(time.time() * 1000)
        change = {"change_id": new_id(), "device_id": self.device_id, "device_seq": self.seq,
                  "entity": "task_feedback", "record_id": new_id(), "op": "upsert", "base": {},
                  "fields": {"target_id": self.target, "region_code": "150499100", "at": NOW.isoformat(),
                             "author": "镇干部", "text": "已办理", "handled_count": 1, "total_count": 1, "answers": {}},
                  "hlc": f"{ms:013d}-00000-{self.device_id}", "schema_version": SCHEMA_VERSION}
        answer = self.client.post("/api/v1/sync/push", json={"changes": [change]}, headers=self.headers)
        assert answer.status_code == 200 and answer.json()["results"][0]["outcome"] == "accepted", answer.text[:300]

    def pull(self) -> None:
        answer = self.client.get("/api/v1/sync/pull", params={"cursor": 10**12, "limit": 500}, headers=self.headers)
        assert answer.status_code in (200, 409, 410), answer.text[:300]


def _console_load(url: str, stop, pages, rate: float) -> None:
    """Another server process serving the console: department progress pages (also a township's
    overdue drill-down) and the leader's overview, all computed per load, `rate` pages a second."""
    from server.app import create_app
    from server.config import load_settings

    settings = load_settings(database_url=url, secret_key="bench-secret-key-console", argon2_time_cost=1,
                             argon2_memory_kib=1024, log_level="WARNING", console_outcomes_seconds=0)
    app = create_app(settings)
    dept, leader = _signed_in(app, "bench_mz"), _signed_in(app, "bench_leader")
    paths = [(dept, "/console/dept/progress"), (dept, "/console/dept/progress?township=150499107&overdue=1"),
             (leader, "/console/leader")]
    started = time.perf_counter()
    while not stop.is_set():
        client, path = paths[pages.value % len(paths)]
        assert client.get(path).status_code == 200
        pages.value += 1
        pause = started + pages.value / rate - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
    app.state.engine.dispose()


def _sync_p95(device: SyncDevice, repeats: int) -> tuple[float, float, float, float]:
    """p95 wall and CPU milliseconds of a push and of a pull (CPU of this process: the sync endpoints'
    own work, whatever else the machine runs)."""
    out = []
    for fn in (device.push, device.pull):
        fn()
        samples = [timed_both(fn) for _ in range(repeats)]
        out += [percentile([w for w, _ in samples], 95) * 1000, percentile([c for _, c in samples], 95) * 1000]
    return out[0], out[1], out[2], out[3]


def _sync_figures(app, engine, url: str, suffix: str, repeats: int) -> Iterator[Figure]:
    """The sync endpoints alone, then while another process serves the console: the first figures
    are the floor of the second. Wall time on a shared 2-core machine includes the console process's
    CPU; the CPU figures are the sync requests' own work."""
    import multiprocessing

    device = SyncDevice(app, engine)
    alone = _sync_p95(device, repeats)
    spawn = multiprocessing.get_context("spawn")
    stop, pages = spawn.Event(), spawn.Value("i", 0)
    worker = spawn.Process(target=_console_load, args=(url, stop, pages, CONSOLE_RATE), daemon=True)
    worker.start()
    try:
        while pages.value < 3 and worker.is_alive():  # signed in and serving
            time.sleep(0.2)
        started, before = time.perf_counter(), pages.value
        loaded = _sync_p95(device, repeats)
        # A short run (--quick) can end between two of the console's pages: count up to the next one,
        # so a live console never reads as serving nothing.
        deadline = time.perf_counter() + 10
        while pages.value == before and worker.is_alive() and time.perf_counter() < deadline:
            time.sleep(0.02)
        served = (pages.value - before) / (time.perf_counter() - started)
    finally:
        stop.set()
        worker.join(60)
    if worker.exitcode != 0 or served <= 0:
        raise RuntimeError(f"the console load process failed (exit code {worker.exitcode})")
    for i, name in enumerate(("push_1_change", "push_1_change_cpu", "pull_at_head", "pull_at_head_cpu")):
        yield Figure(f"sync_{name}_p95{suffix}", alone[i], "ms")
        yield Figure(f"sync_{name}_with_console_load_p95{suffix}", loaded[i], "ms", alone[i])
    yield Figure(f"console_pages_served_per_s_during_sync{suffix}", served, "pages/s")


def run(cfg: BenchConfig) -> Iterator[Figure]:
    from server.app import create_app
    from server.config import load_settings
    from server.db import make_server_engine, upgrade

    townships, tasks, cases = QUICK if cfg.quick else (TOWNSHIPS, TASKS, CASES)
    url = os.environ.get("TD_BENCH_PG_URL") or f"sqlite:///{cfg.workdir / 'console-city.db'}"
    settings = load_settings(database_url=url, secret_key="bench-secret-key-console", argon2_time_cost=1,
                             argon2_memory_kib=1024, log_level="WARNING")
    engine = make_server_engine(url)
    upgrade(engine)
    _fill(engine, townships, tasks, cases, cfg.seed)
    _users(engine, settings)
    app = create_app(settings)
    live_app = create_app(dataclasses.replace(settings, console_outcomes_seconds=0))  # figures computed per load
    dept, leader, cold_leader = (_signed_in(app, "bench_mz"), _signed_in(app, "bench_leader"),
                                 _signed_in(live_app, "bench_leader"))
    repeats = 5 if cfg.quick else 30
    floor_summary, grouped, floor_cases = _floors(engine, repeats, NOW)
    suffix = "_pg" if url.startswith("postgresql") else ""

    def page(client, path):
        answer = client.get(path)
        assert answer.status_code == 200, answer.text[:200]

    # The grid is read from the summary on every load (nothing kept between loads), so each load is
    # computed; its floor is the summary query alone. The same grid grouped from every target is printed
    # beside it: what each load cost before the summary.
    yield Figure(f"console_progress_grid_grouped_from_targets_p95{suffix}", grouped, "ms")
    yield Figure(f"console_progress_{townships}x{tasks}_computed_p95{suffix}",
                 _p95(lambda: page(dept, "/console/dept/progress"), repeats), "ms", floor_summary)
    yield Figure(f"console_progress_overdue_township_computed_p95{suffix}", _p95(
        lambda: page(dept, "/console/dept/progress?township=150499107&overdue=1"), repeats), "ms", floor_summary)
    yield Figure(f"console_leader_overview_{cases}_cases_computed_p95{suffix}",
                 _p95(lambda: page(cold_leader, "/console/leader"), repeats), "ms", floor_cases)
    yield Figure(f"console_leader_overview_{cases}_cases_p95{suffix}", _p95(lambda: page(leader, "/console/leader"),
                                                                            repeats), "ms", floor_cases)
    yield from _sync_figures(app, engine, url, suffix, repeats * 2)
    for made in (engine, app.state.engine, live_app.state.engine):
        made.dispose()
