"""`township-desk --self-test`: the smoke test a built bundle runs on an office PC (and CI runs on
the PyInstaller build). It opens a fresh local database in a temporary folder, runs every
migration, loads the code tables, registers one household through the real services, prints its
household card to PDF with the embedded fonts, runs the entry point's extra checks (the desktop
entry point renders a widget offscreen), and exits 0 —
or prints what failed and exits 1. Nothing outside the temporary folder is touched."""

from __future__ import annotations

import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path


def _check_database(workdir: Path):
    from app.codes import seed_code_entries
    from db.engine import current_revision, head_revision, open_local, session_factory

    engine = open_local(workdir / "selftest.db")
    if current_revision(engine) != head_revision():
        raise RuntimeError("migrations did not reach head")
    sessions = session_factory(engine)
    with sessions() as session, session.begin():
        seed_code_entries(session)
    return engine, sessions


def _check_pdf(workdir: Path, sessions) -> Path:
    from app.reports.service import ReportService
    from app.services.context import Actor
    from app.services.households import HouseholdService
    from app.services.persons import PersonService

    actor = Actor(username="selftest", role="township_admin", scope="150402")
    household = HouseholdService(sessions, actor).create("150402001001010001", "150402001001", address="自检路1号")
    PersonService(sessions, actor).create(household.id, name="𠮷自检", id_number="11010519491231002X",
                                          relation_to_head="02")
    result = ReportService(sessions, actor).print_household_card(household.id, workdir / "card.pdf",
                                                                 purpose="自检")
    data = result.path.read_bytes()
    if not data.startswith(b"%PDF") or result.pages < 1:
        raise RuntimeError("household card PDF is empty")
    return result.path


def run(extra_checks: Sequence[tuple[str, Callable[[], None]]] = ()) -> int:
    """Run the checks; `extra_checks` come from the entry point (the desktop's widget check)."""
    started = time.perf_counter()
    steps = []
    with tempfile.TemporaryDirectory(prefix="td-selftest-") as tmp:
        workdir = Path(tmp)
        try:
            engine, sessions = _check_database(workdir)
            steps.append("数据库与迁移 database + migrations")
            _check_pdf(workdir, sessions)
            steps.append("PDF 户情登记表 household card")
            engine.dispose()
            for label, check in extra_checks:
                check()
                steps.append(label)
        except Exception:
            traceback.print_exc()
            print(f"自检失败 / self-test FAILED after: {', '.join(steps) or 'start'}", file=sys.stderr)
            return 1
    for step in steps:
        print(f"ok  {step}")
    print(f"自检通过 / self-test passed in {time.perf_counter() - started:.1f} s")
    return 0
