"""The task and case desks at a busy township's size: a township with 20,000 tasks (their village
targets, links and feedback) and 8,000 cases, generated once into its own SQLite file.

Task inbox: the first page (every group's count plus the first 100 rows of the open group, with the
labels the list shows) as the task page loads it, and search-as-you-type over titles, task numbers
and department names (each keystroke: counts and the first page of its results). The floor is the
plainest SQL doing the same reads through sqlite3 directly (one count, one page of joined rows).
The 千条线 burden view (tasks per village per week, 8 weeks, and their lines) against the one
grouped read it folds. Each measurement is the best of three runs, ours and the floor alike
(bench.search.best_of)."""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from bench.common import BenchConfig, Figure, percentile
from bench.search import best_of

TASKS, CASES, HOUSEHOLDS = 20_000, 8_000, 3_000
QUICK_TASKS, QUICK_CASES, QUICK_HOUSEHOLDS = 600, 400, 300
PAGE = 100

FLOOR_PAGE = ("SELECT t.*, k.* FROM task_targets t JOIN tasks k ON k.id = t.task_id WHERE t.deleted = 0 "
              "AND (t.region_code LIKE :scope OR t.assigned_region_code LIKE :scope) AND t.status IN ('10', '20') "
              "AND k.due_at >= :tomorrow {search} ORDER BY k.due_at LIMIT 100")
FLOOR_COUNT = ("SELECT count(*) FROM task_targets t JOIN tasks k ON k.id = t.task_id WHERE t.deleted = 0 "
               "AND (t.region_code LIKE :scope OR t.assigned_region_code LIKE :scope) {search}")
FLOOR_SEARCH = "AND (k.title LIKE :text OR k.task_no LIKE :text)"


def desks_database(cfg: BenchConfig) -> Path:
    from app.services.context import beijing_now
    from db.engine import open_local
    from demo import generate_township

    path = cfg.workdir / "desks.db"
    if not path.exists():
        engine = open_local(path)
        quick = cfg.quick
        generate_township(engine, seed=cfg.seed, households=QUICK_HOUSEHOLDS if quick else HOUSEHOLDS,
                          tasks=QUICK_TASKS if quick else TASKS, cases=QUICK_CASES if quick else CASES,
                          as_of=beijing_now().date())  # the inbox's groups are relative to now
        engine.dispose()
    return path


def run(cfg: BenchConfig) -> Iterator[Figure]:
    path = desks_database(cfg)
    yield from task_inbox(cfg, path)
    yield from task_burden(path)
    yield from case_search(cfg, path)


FLOOR_BURDEN = ("SELECT k.id, k.department_code, k.title, k.issued_at, coalesce(t.assigned_region_code, t.region_code), "
                "count(*) FROM task_targets t JOIN tasks k ON k.id = t.task_id WHERE t.deleted = 0 AND k.deleted = 0 "
                "AND k.issued_at >= :since AND (t.region_code LIKE :scope OR t.assigned_region_code LIKE :scope) "
                "GROUP BY k.id, coalesce(t.assigned_region_code, t.region_code)")


def task_burden(path: Path) -> Iterator[Figure]:
    """千条线: the burden view of the last 8 weeks (tasks per village per week, the lines they came
    on) as the task page opens it; the floor is the one grouped read through sqlite3, not folded."""
    from app.client import Actor, ClientContext
    from app.client.task_desk import TaskDesk
    from db.engine import open_local
    from demo.regions import DEMO_TOWNSHIP

    context = ClientContext(open_local(path), Actor("bench", "township_staff", DEMO_TOWNSHIP, "bench-device"))
    desk = TaskDesk(context)
    burden = desk.burden(8)
    ours = best_of(lambda: desk.burden(8))
    context.close()
    conn = sqlite3.connect(path)
    since = str(dt.datetime.combine(burden.weeks[0], dt.time()))
    floor = best_of(lambda: conn.execute(FLOOR_BURDEN, {"since": since, "scope": DEMO_TOWNSHIP + "%"}).fetchall())
    conn.close()
    yield Figure("task_burden_lines", len(burden.threads), "lines")
    yield Figure("task_burden_8_weeks", ours[0], "ms", floor[0])
    yield Figure("task_burden_8_weeks_cpu", ours[1], "ms", floor[1])


def case_search(cfg: BenchConfig, path: Path) -> Iterator[Figure]:
    """Case search by reporter: names typed a character at a time and phone tails of 4 to 8 digits,
    each keystroke one page (100) of the 全部 queue through CaseDesk.page, phones masked in the rows."""
    from app.client import Actor, ClientContext
    from app.client.case_desk import CaseDesk
    from db.engine import open_local
    from demo.regions import DEMO_TOWNSHIP

    conn = sqlite3.connect(path)
    reporters = conn.execute("SELECT reporter_name, reporter_phone FROM cases WHERE reporter_phone IS NOT NULL "
                             "ORDER BY id").fetchall()
    cases = conn.execute("SELECT count(*) FROM cases").fetchone()[0]
    conn.close()
    typed: list[str] = []
    for name, phone in random.Random(cfg.seed).sample(reporters, min(len(reporters), 10 if cfg.quick else 40)):
        typed += [name[:n] for n in range(1, len(name) + 1)] + [phone[-n:] for n in (4, 6, 8)]
    context = ClientContext(open_local(path), Actor("bench", "township_staff", DEMO_TOWNSHIP, "bench-device"))
    desk = CaseDesk(context)
    desk.page(None, typed[0], 0, PAGE)  # warm like an open session
    ours = [best_of(lambda t=t: desk.page(None, t, 0, PAGE)) for t in typed]
    context.close()
    conn = sqlite3.connect(path)
    fields = ("title", "case_no", "channel_ref", "place", "reporter_name")

    def plain(text: str) -> None:
        where = " OR ".join(f"instr({f}, ?) > 0" for f in fields + (("reporter_phone",) if text.isdigit() else ()))
        values = [text] * (len(fields) + text.isdigit())
        conn.execute(f"SELECT * FROM cases WHERE deleted = 0 AND ({where}) ORDER BY registered_at DESC LIMIT 100",
                     values).fetchall()

    floors = [best_of(lambda t=t: plain(t)) for t in typed]
    conn.close()
    yield Figure("case_search_cases", cases, "cases")
    for clock, suffix in ((0, ""), (1, "_cpu")):
        for pct in (50, 95):
            yield Figure(f"case_search_reporter{suffix}_p{pct}", percentile([s[clock] for s in ours], pct), "ms",
                         percentile([s[clock] for s in floors], pct))


def task_inbox(cfg: BenchConfig, path: Path) -> Iterator[Figure]:
    from app.client import Actor, ClientContext
    from app.client.task_desk import TaskDesk
    from app.services.task_inbox import OPEN, InboxQuery
    from db.engine import open_local
    from demo.regions import DEMO_TOWNSHIP

    context = ClientContext(open_local(path), Actor("bench", "township_staff", DEMO_TOWNSHIP, "bench-device"))
    desk = TaskDesk(context)
    typed = _inbox_keystrokes(cfg, path)

    def first_page(text: str = "") -> None:
        query = InboxQuery(OPEN, text)
        desk.inbox_counts(query)
        desk.inbox_page(query, 0, PAGE)

    first_page()  # warm the page cache and the label maps like a session already open
    targets = context.read(lambda s: s.connection().exec_driver_sql("SELECT count(*) FROM task_targets").scalar())
    tasks = context.read(lambda s: s.connection().exec_driver_sql("SELECT count(*) FROM tasks").scalar())
    opened = best_of(first_page)
    searched = [best_of(lambda t=t: first_page(t)) for t in typed]
    context.close()
    floors = _inbox_floors(path, DEMO_TOWNSHIP, typed)
    yield Figure("task_inbox_tasks", tasks, "tasks")
    yield Figure("task_inbox_targets", targets, "targets")
    yield Figure("task_inbox_first_page", opened[0], "ms", floors["first"][0])
    yield Figure("task_inbox_first_page_cpu", opened[1], "ms", floors["first"][1])
    for clock, suffix in ((0, ""), (1, "_cpu")):
        for pct in (50, 95):
            yield Figure(f"task_inbox_search{suffix}_p{pct}", percentile([s[clock] for s in searched], pct), "ms",
                         percentile([s[clock] for s in floors["search"]], pct))


def _inbox_keystrokes(cfg: BenchConfig, path: Path) -> list[str]:
    """Title words, task-number tails and department names typed one character at a time."""
    conn = sqlite3.connect(path)
    rows = conn.execute("SELECT title, task_no FROM tasks ORDER BY id").fetchall()
    conn.close()
    rng = random.Random(cfg.seed)
    typed: list[str] = []
    for title, task_no in rng.sample(rows, min(len(rows), 10 if cfg.quick else 40)):
        word = title[4:10]
        typed += [word[:n] for n in range(1, len(word) + 1)]
        typed += [task_no[-n:] for n in (3, 5)]
    return typed + ["民", "民政", "应急"]


def _inbox_floors(path: Path, township: str, typed: list[str]) -> dict[str, object]:
    conn = sqlite3.connect(path)
    tomorrow = str(dt.datetime.combine(dt.date.today() + dt.timedelta(days=1), dt.time()))
    params = {"scope": township + "%", "tomorrow": tomorrow}

    def plain(text: str = "") -> None:
        search = FLOOR_SEARCH if text else ""
        values = {**params, "text": f"%{text}%"}
        conn.execute(FLOOR_COUNT.format(search=search), values).fetchall()
        conn.execute(FLOOR_PAGE.format(search=search), values).fetchall()

    plain()
    floors = {"first": best_of(plain), "search": [best_of(lambda t=t: plain(t)) for t in typed]}
    conn.close()
    return floors
