"""The register desk's other figures over the demo township (40,000 persons at full size):
- the window's global search (Ctrl+F: persons, households, cases, tasks at once) per keystroke of
  sampled names, pinyin initials and ID tails, p50/p95 in wall and CPU time (target p95 ≤ 20 ms),
  beside a floor: the person search alone (app/services/search.py, which the global search contains
  and which, for a name, reads every name in scope);
- a household's record history (the 历史 tab) after 50 edits of the household and its members,
  beside a floor: the plain indexed SELECT of the same history lines through sqlite3."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator

from bench.common import BenchConfig, Figure, percentile
from bench.search import best_of, keystrokes

TOWNSHIP = "150422100"


def run(cfg: BenchConfig) -> Iterator[Figure]:
    yield from _global_search(cfg)
    yield from _history(cfg)


def _global_search(cfg: BenchConfig) -> Iterator[Figure]:
    from sqlalchemy.orm import Session

    from app.client.global_search import search_everything
    from app.services.search import search_persons
    from db.engine import make_engine

    db_path = cfg.demo_database()
    typed = [t for texts in keystrokes(cfg, db_path).values() for t in texts]
    engine = make_engine(db_path)
    with Session(engine) as session:
        for text in typed[:20]:
            search_everything(session, TOWNSHIP, text)
        ours = [best_of(lambda t=t: search_everything(session, TOWNSHIP, t)) for t in typed]
        floor = [best_of(lambda t=t: search_persons(session, t, TOWNSHIP, 5)) for t in typed]
    engine.dispose()
    for clock, suffix in ((0, ""), (1, "_cpu")):  # wall, and this process's CPU (our cost on a shared machine)
        for pct in (50, 95):
            yield Figure(f"global_search{suffix}_p{pct}", percentile([o[clock] for o in ours], pct), "ms",
                         percentile([f[clock] for f in floor], pct))


def _history(cfg: BenchConfig) -> Iterator[Figure]:
    import shutil

    from app.client.context import ClientContext
    from app.client.history import history_rows
    from app.services.context import Actor
    from db.engine import open_local
    from db.models import Household, Person

    path = cfg.workdir / "history.db"
    shutil.copy(cfg.demo_database(), path)
    ctx = ClientContext(open_local(path), Actor("bench", "township_staff", TOWNSHIP, "0190f0a0-0000-7000-8000-00000000b001"))
    with ctx.sessions() as s:
        household = s.get(Household, s.query(Household.id).order_by(Household.id).first()[0])
        members = [p.id for p in s.query(Person).filter(Person.household_id == household.id)]
    rng = random.Random(cfg.seed)
    for n in range(50):
        if n % 2:
            ctx.households.edit(household.id, address=f"福山地村1组{n}号")
        else:
            ctx.persons.edit(rng.choice(members), notes=f"第{n}次核实")
    ids = [household.id, *members]
    with ctx.sessions() as s:
        lines = len(history_rows(s, "household", household.id))
        ours = [best_of(lambda: history_rows(s, "household", household.id))[0] for _ in range(20)]
    ctx.close()
    conn = sqlite3.connect(path)
    sql = f"SELECT * FROM record_history WHERE record_id IN ({', '.join('?' * len(ids))}) ORDER BY at DESC"
    floor = [best_of(lambda: conn.execute(sql, ids).fetchall())[0] for _ in range(20)]
    conn.close()
    yield Figure("history_household_lines", lines, "lines")
    yield Figure("history_household", percentile(ours, 50), "ms", percentile(floor, 50))
