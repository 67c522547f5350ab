"""The demo township generator: one township of 赤峰市巴林左旗 (林东镇 by default) at realistic
scale — about 12,000 households and 40,000 persons, 2,000 tasks with their village targets, linked
households and feedback, 8,000 cases with their handling logs, visits and tags — deterministic for
a seed, in well under a minute.

This data is the city server's seed, not a user's edits: it is written with Core bulk inserts
(`session.execute(insert(Model), rows)`; on SQLite the DBAPI's executemany with the values already
in SQLAlchemy's storage format, on PostgreSQL a COPY), which bypass ORM events on purpose. So the generator fills the
derived person search keys itself (db.search_keys.person_search_keys), and no change is captured
into a client outbox — a client gets the township by syncing from the server that holds it.
Code tables are seeded alongside (app.codes) and regions come from the shipped extract plus
generated grids."""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from dataclasses import dataclass

from sqlalchemy import JSON, Boolean, Date, DateTime, Engine, insert, select
from sqlalchemy.orm import Session

from app.codes import seed_code_entries
from app.errors import UserFacingError
from db.models import (
    Case,
    CaseLogEntry,
    CaseParty,
    CaseWhistle,
    Household,
    Person,
    Region,
    TagAssignment,
    Task,
    TaskFeedback,
    TaskLink,
    TaskTarget,
    Visit,
)
from demo.cases import build_cases
from demo.context import DEMO_AS_OF, DemoContext
from demo.regions import (
    DEMO_TOWNSHIP,
    county_name,
    plan_villages,
    read_extract,
    region_rows,
    township_name,
)
from demo.register import build_register
from demo.tasks import build_tasks
from demo.today import build_day_of_work

FULL_HOUSEHOLDS, FULL_TASKS, FULL_CASES = 12_000, 2_000, 8_000

# Insert order: parents before children (foreign keys are deferred, but order keeps it obvious).
_TABLES = (("households", Household), ("persons", Person), ("tag_assignments", TagAssignment),
           ("visits", Visit), ("tasks", Task), ("task_targets", TaskTarget), ("task_links", TaskLink),
           ("task_feedback", TaskFeedback), ("cases", Case), ("case_log", CaseLogEntry),
           ("case_parties", CaseParty), ("case_whistles", CaseWhistle))
_CHUNK = 5_000


@dataclass(frozen=True)
class DemoSummary:
    """What was generated, in rows per table, and how long it took."""

    township: str
    township_name: str
    seed: int
    counts: dict
    seconds: float

    def __str__(self) -> str:
        parts = ", ".join(f"{name} {count:,}" for name, count in self.counts.items())
        return f"{self.township_name}（{self.township}）seed {self.seed}: {parts} in {self.seconds:.1f} s"


def generate_township(target: Engine | Session, seed: int = 2026, *, scale: float = 1.0,
                      households: int | None = None, tasks: int | None = None, cases: int | None = None,
                      township: str = DEMO_TOWNSHIP, as_of: dt.date = DEMO_AS_OF) -> DemoSummary:
    """Generate one township into `target`: an Engine (committed here) or a Session (the caller
    commits). Sizes default to the full township times `scale`; explicit counts win. `as_of` a
    date: the data as of that day, the same for a seed (tests). A datetime (the demo server's seed,
    `now`): nothing is dated after it, and the demo's own village and grid get a day's open work
    (demo/today.py)."""
    started = time.perf_counter()
    households = households if households is not None else max(1, round(FULL_HOUSEHOLDS * scale))
    tasks = tasks if tasks is not None else round(FULL_TASKS * scale)
    cases = cases if cases is not None else round(FULL_CASES * scale)
    if isinstance(target, Session):
        ctx = _generate_into(target, seed, households, tasks, cases, township, as_of)
    else:
        with Session(target) as session, session.begin():
            ctx = _generate_into(session, seed, households, tasks, cases, township, as_of)
    counts = {name: len(ctx.rows[name]) for name, _model in _TABLES}
    return DemoSummary(township, ctx.township_name, seed, counts, time.perf_counter() - started)


def build_rows(seed: int, households: int, tasks: int, cases: int, township: str = DEMO_TOWNSHIP,
               as_of: dt.date = DEMO_AS_OF) -> DemoContext:
    """All rows of the township in memory (no database): what `generate_township` inserts."""
    extract = read_extract()
    name = township_name(township, extract)
    address_prefix = f"内蒙古自治区赤峰市{county_name(township, extract)}{name}"
    villages = plan_villages(random.Random(seed), township, extract, households)
    now = as_of if isinstance(as_of, dt.datetime) else None  # generated for use today: nothing after it
    ctx = DemoContext.create(seed, now.date() if now else as_of, township, name, address_prefix, villages, now)
    build_register(ctx)
    build_tasks(ctx, tasks)
    build_cases(ctx, cases)
    build_day_of_work(ctx)  # with `now` only: the demo village's open tasks and cases
    return ctx


def _generate_into(session: Session, seed: int, households: int, tasks: int, cases: int, township: str,
                   as_of: dt.date) -> DemoContext:
    """Refuse a second township on top of the first (its ids would collide), then build and write."""
    existing = session.scalar(select(Household.id).where(Household.region_code >= township,
                                                         Household.region_code < township + "\uffff").limit(1))
    if existing is not None:
        raise UserFacingError("demo_township_exists", township=township)
    ctx = build_rows(seed, households, tasks, cases, township, as_of)
    _write(session, ctx, region_rows(read_extract(), ctx.villages))
    return ctx


def _write(session: Session, ctx: DemoContext, regions: list[dict]) -> None:
    seed_code_entries(session)
    known = set(session.scalars(select(Region.code)))
    new_regions = [r for r in regions if r["code"] not in known]
    if new_regions:
        session.execute(insert(Region), new_regions)
    fast = {"sqlite": _insert_sqlite, "postgresql": _insert_postgresql}.get(session.get_bind().dialect.name)
    for name, model in _TABLES:
        rows = ctx.rows[name]
        if fast and rows:
            fast(session, model, rows)
            continue
        for start in range(0, len(rows), _CHUNK):
            session.execute(insert(model), rows[start:start + _CHUNK])


def _insert_sqlite(session: Session, model, rows: list[dict]) -> None:
    """SQLite fast path: the DBAPI's executemany with values already in SQLAlchemy's storage format
    (its per-value type processing costs more than the insert itself at this volume)."""
    columns = [c for c in model.__table__.columns if c.key in rows[0]]
    converters = [_sqlite_converter(c.type) for c in columns]
    sql = (f"INSERT INTO {model.__tablename__} ({', '.join(c.name for c in columns)}) "
           f"VALUES ({', '.join('?' * len(columns))})")
    keys = [c.key for c in columns]
    params = [tuple(conv(row[k]) if conv and row[k] is not None else row[k]
                    for k, conv in zip(keys, converters, strict=True)) for row in rows]
    session.connection().exec_driver_sql(sql, params)


def _insert_postgresql(session: Session, model, rows: list[dict]) -> None:
    """PostgreSQL fast path (the city server's seed): COPY through psycopg, which adapts dates,
    times and booleans itself; JSON columns go in as their text."""
    columns = [c for c in model.__table__.columns if c.key in rows[0]]
    keys = [c.key for c in columns]
    as_json = [isinstance(c.type, JSON) for c in columns]
    driver = session.connection().connection.driver_connection
    with driver.cursor() as cursor, cursor.copy(
            f"COPY {model.__tablename__} ({', '.join(c.name for c in columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([json.dumps(row[k]) if j and row[k] is not None else row[k]
                            for k, j in zip(keys, as_json, strict=True)])


def _sqlite_converter(column_type):
    """The value → SQLite storage conversion SQLAlchemy itself applies for these column types."""
    if isinstance(column_type, DateTime):
        return lambda v: f"{v:%Y-%m-%d %H:%M:%S}.{v.microsecond:06d}"
    if isinstance(column_type, Date):
        return lambda v: f"{v:%Y-%m-%d}"
    if isinstance(column_type, JSON):
        return json.dumps
    if isinstance(column_type, Boolean):
        return int
    return None
