"""Likely duplicates for the whole township (40,000 persons at full size): the daily (or
on-demand) scan as the app runs it — app/client/duplicates.DuplicateDesk.scan, the scoring of
app/services/duplicates.py in the township's scope and the pairs kept for the review page — in
wall and CPU time, beside a floor — the
plainest SQL producing the same candidate pairs, self-joins of the persons table on the blocking
keys (pinyin initials and birth date, name, phone) run through sqlite3 directly, without scoring.
The figure must stay within 5 s (a clerk waits for it).

The demo township has no duplicates and every person an ID number, so the run works on a copy in
which one person in ten has no ID number (newborns, elderly without cards) and 200 of those are
registered a second time, without ID, in their own household: the scan has homophones and real
pairs to score, not only different ID numbers to skip."""

from __future__ import annotations

import shutil
import sqlite3
import uuid
from collections.abc import Iterator

from bench.common import BenchConfig, Figure, timed_both

FLOOR_SQL = """
SELECT count(*) FROM (
  SELECT a.id, b.id FROM persons a JOIN persons b
    ON a.search_initials = b.search_initials AND a.birth_date = b.birth_date AND a.id < b.id
    WHERE a.deleted = 0 AND b.deleted = 0
  UNION SELECT a.id, b.id FROM persons a JOIN persons b ON a.name = b.name AND a.id < b.id
    WHERE a.deleted = 0 AND b.deleted = 0
  UNION SELECT a.id, b.id FROM persons a JOIN persons b ON a.phone = b.phone AND a.id < b.id
    WHERE a.deleted = 0 AND b.deleted = 0 AND a.phone IS NOT NULL)
"""


def _with_duplicates(cfg: BenchConfig):
    path = cfg.workdir / "duplicates.db"
    shutil.copy(cfg.demo_database(), path)
    conn = sqlite3.connect(path)
    ids = [row[0] for row in conn.execute("SELECT id FROM persons ORDER BY id")]
    blank = ids[::10]
    conn.executemany("UPDATE persons SET id_number = NULL, search_id_rev = '' WHERE id = ?", [(i,) for i in blank])
    columns = [row[1] for row in conn.execute("PRAGMA table_info(persons)")]
    for person_id in blank[:200]:
        row = dict(zip(columns, conn.execute("SELECT * FROM persons WHERE id = ?", (person_id,)).fetchone(),
                       strict=True))
        row.update(id=str(uuid.uuid4()), relation_to_head="99")
        conn.execute(f"INSERT INTO persons ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                     list(row.values()))
    conn.commit()
    conn.close()
    return path


def run(cfg: BenchConfig) -> Iterator[Figure]:
    from app.client.context import ClientContext
    from app.client.duplicates import DuplicateDesk
    from app.services.context import Actor
    from db.engine import open_local

    db_path = _with_duplicates(cfg)
    ctx = ClientContext(open_local(db_path), Actor("bench", "township_staff", "150422100",
                                                   "0190f0a0-0000-7000-8000-00000000b002"))
    with ctx.sessions() as session:
        persons = session.connection().exec_driver_sql("SELECT count(*) FROM persons").scalar()
    found: list = []
    wall, cpu = timed_both(lambda: found.extend(DuplicateDesk(ctx).scan()))
    kept = len(DuplicateDesk(ctx).last_scan().candidates)
    ctx.close()
    conn = sqlite3.connect(db_path)
    floor_wall, floor_cpu = timed_both(lambda: conn.execute(FLOOR_SQL).fetchall())
    conn.close()
    yield Figure("duplicates_persons", persons, "persons")
    yield Figure("duplicates_candidates", len(found), "pairs")
    yield Figure("duplicates_kept_for_review", kept, "pairs")
    yield Figure("duplicates_scan", wall, "s", floor_wall)
    yield Figure("duplicates_scan_cpu", cpu, "s", floor_cpu)
