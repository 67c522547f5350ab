"""Rosters at a township's size: a 5,000-row village roster (title row, the village's own header
words, households of three) previewed and applied into the demo township, and the township's
persons (about 40,000) exported as the persons list. Each figure is printed beside the floor the
same file costs to read with openpyxl in read-only mode (the plainest way to touch every cell), in
wall seconds and, as `_cpu`, in CPU seconds of this process (stable on a shared machine).

    roster_preview_5000   open + check + compare with the register, nothing written
    roster_apply_5000     the same file applied in one transaction (captured into the outbox)
    export_persons        every person of the township to xlsx, masked, audited

Targets (issue 16, stated once on stderr beside the machine line): preview ≤ 1 s, apply ≤ 2 s,
export of 40,000 persons ≤ 3 s."""

from __future__ import annotations

import datetime as dt
import random
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

from bench.common import BenchConfig, Figure, timed_both

ROWS, QUICK_ROWS = 5_000, 300
HEADER = ["序号", "户号", "户主", "姓名", "与户主关系", "性别", "民族", "身份证号码", "出生年月", "文化程度",
          "手机号", "家庭住址"]
RELATIONS = ("户主", "妻", "子")


def _id_number(rng: random.Random, born: dt.date, male: bool) -> str:
    from stdnum.cn import ric

    sequence = rng.randrange(0, 99) * 10 + rng.choice((1, 3, 5, 7, 9) if male else (0, 2, 4, 6, 8))
    body = f"469027{born:%Y%m%d}{sequence:03d}"  # an address code the demo township never issues
    return body + ric.calc_check_digit(body + "0")  # stdnum reads the first 17 of 18 characters


def write_roster(path: Path, village: str, rows: int, seed: int) -> Path:
    """A village roster of `rows` persons in households of three, in group 97 (unused by the demo)."""
    from openpyxl import Workbook

    rng = random.Random(seed)
    wb = Workbook(write_only=True)
    sheet = wb.create_sheet("花名册")
    sheet.append(["林东镇花名册（测试）"])
    sheet.append(HEADER)
    seen: set[str] = set()
    for index in range(rows):
        number, member = divmod(index, 3)
        household = f"{village}{97 - number // 9999:02d}{number % 9999 + 1:04d}"
        male = member != 1
        while True:
            born = dt.date(1940 + rng.randrange(60), rng.randrange(1, 13), rng.randrange(1, 29))
            id_number = _id_number(rng, born, male)
            if id_number not in seen:
                seen.add(id_number)
                break
        head = f"户主{number}"
        name = head if member == 0 else f"成员{index}"
        sheet.append([index + 1, household, head, name, RELATIONS[member], "男" if male else "女", "汉",
                      id_number, f"{born:%Y.%m}", "初中", f"13{rng.randrange(10**9):09d}", f"林东镇{number}号"])
    wb.save(path)
    return path


def openpyxl_floor(path: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of reading every cell of the file with openpyxl in read-only mode."""
    from openpyxl import load_workbook

    def read() -> None:
        wb = load_workbook(path, read_only=True, data_only=True)
        for _row in wb.worksheets[0].iter_rows(values_only=True):
            pass
        wb.close()

    return timed_both(read)


def _figures(name: str, measured: tuple[float, float], floor: tuple[float, float]) -> Iterator[Figure]:
    """Wall time, and CPU time of this process (the stable measure on a machine shared with others)."""
    yield Figure(name, measured[0], "s", floor[0])
    yield Figure(f"{name}_cpu", measured[1], "s", floor[1])


def run(cfg: BenchConfig) -> Iterator[Figure]:
    from app.client import Actor, ClientContext
    from app.client.exports import ListExports
    from app.exchange.service import ExchangeService
    from db.engine import open_local
    from db.search_keys import name_initials
    from demo.regions import DEMO_TOWNSHIP

    print("# roster targets: preview_5000 ≤ 1 s, apply_5000 ≤ 2 s, export_persons (40,000) ≤ 3 s",
          file=sys.stderr, flush=True)
    name_initials("张三")  # pypinyin's dictionaries load once per process, as in a running client
    database = cfg.workdir / "roster.db"
    shutil.copy(cfg.demo_database(), database)
    context = ClientContext(open_local(database), Actor("bench", "township_staff", DEMO_TOWNSHIP, "bench-device"))
    try:
        # The township's persons as the demo made them (about 40,000, the figure the target names),
        # before the roster adds its 5,000.
        exports = ListExports(context)
        output = cfg.workdir / "persons.xlsx"
        results = []
        measured = timed_both(lambda: results.append(exports.export("persons", exports.fetcher("persons"), output,
                                                                    "bench")))
        yield from _figures(f"export_persons_{results[0].rows}", measured, openpyxl_floor(output))
        village = context.register.villages()[0].code
        rows = QUICK_ROWS if cfg.quick else ROWS
        roster = write_roster(cfg.workdir / "roster.xlsx", village, rows, cfg.seed)
        service = ExchangeService(context.sessions, context.actor)
        floor = openpyxl_floor(roster)
        previews = []
        measured = timed_both(lambda: previews.append(service.preview_roster(roster)))
        preview = previews[0]
        assert preview.ok and preview.persons_new == rows, preview.errors[:3]
        yield from _figures(f"roster_preview_{rows}", measured, floor)
        measured = timed_both(lambda: service.confirm_roster(roster, preview.digest))
        yield from _figures(f"roster_apply_{rows}", measured, openpyxl_floor(roster))
    finally:
        context.close()
