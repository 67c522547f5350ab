"""Every printed form, rendered from the fixed sample register grown to the sizes that used to break
layout (a case with many handling-log rows, a task sheet with many households, a village batch),
for the layout tests and for looking at the pages: `python -m tests.forms_gallery DIR` writes each
form's PDF and its pages as PNG (pdftoppm) into DIR."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

from app.reports.service import ReportService
from app.services.context import Actor
from db.models import CaseLogEntry, Household, Person, TaskLink, TaskTarget
from tests.reports_sample import TOWNSHIP, VILLAGE, build_sample

NOW = dt.datetime(2026, 11, 27, 18, 40)


def grow(session, records: dict, log_rows: int = 8, households: int = 8) -> None:
    """More handling-log rows on the main case and more households on the task's village copy."""
    case, task = records["case"], records["task"]
    for n in range(log_rows):
        session.add(CaseLogEntry(case_id=case.id, region_code=VILLAGE, at=dt.datetime(2026, 11, 23, 9, n),
                                 actor="刘网格", action="handle", text=f"第{n + 1}次回访，双方意见逐步接近。"))
    target = session.query(TaskTarget).filter_by(task_id=task.id).one()
    for n in range(households):
        household = Household(household_no=f"{VILLAGE}03{n + 1:04d}", region_code=VILLAGE,
                              address=f"西屯村三组{n + 1}号", household_kind="1", hukou_type="2")
        session.add(household)
        session.flush()
        head = Person(household_id=household.id, region_code=VILLAGE, name=f"周{'一二三四五六七八九十'[n % 10]}",
                      id_type="01", id_number=f"1101011960010100{n % 10}X", gender="1", relation_to_head="02",
                      residence_type="1", status="1")
        session.add(head)
        session.flush()
        household.head_person_id = head.id
        session.add(TaskLink(target_id=target.id, household_id=household.id, region_code=VILLAGE))
    session.commit()


def print_all(sessions, ids: dict, out: Path, actor: Actor | None = None) -> dict[str, object]:
    """Prints every form into `out`; returns the PrintResults by form name."""
    actor = actor or Actor("demo_staff", "township_staff", TOWNSHIP[:9], device_id="dev-1", display_name="陈晓燕")
    reports = ReportService(sessions, actor, clock=lambda: NOW)
    return {
        "household_card": reports.print_household_card(ids["first"], out / "household_card.pdf", "入户核对"),
        "case_form": reports.print_case_form(ids["case"], out / "case_form.pdf", "上级检查"),
        "task_sheet": reports.print_task_sheet(ids["task"], VILLAGE, out / "task_sheet.pdf", "入户走访"),
        "summary": reports.print_inspection_summary(TOWNSHIP, out / "summary.pdf", "上级检查",
                                                    period=(dt.date(2026, 11, 1), dt.date(2026, 11, 30))),
        "village_cards": reports.export_village_cards(VILLAGE, out / "village_cards.pdf", "年度核对"),
    }


def main(out: Path) -> None:
    from db.engine import open_local, session_factory

    out.mkdir(parents=True, exist_ok=True)
    (out / "gallery.db").unlink(missing_ok=True)
    sessions = session_factory(open_local(out / "gallery.db"))
    with sessions() as session:
        records = build_sample(session)
        grow(session, records)
        ids = {k: v.id for k, v in records.items()}
    for name, result in print_all(sessions, ids, out).items():
        subprocess.run(["pdftoppm", "-png", "-r", "60", str(result.path), str(out / name)], check=True)
        print(name, result.pages, "pages")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "forms"))
