"""`township-desk roster import` and `township-desk export` as a clerk runs them on an enrolled PC's
database: a dry run writes nothing and saves the error workbook, --valid-only imports the households
without problems, the fixed workbook imports the rest, a damaged file is one message and exit 2, a
list exports masked with its filters and an audit entry."""

from __future__ import annotations

import dataclasses
import json

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app import cli
from app.codes import seed_code_entries
from app.enrolment import ENROLMENT_KEY, Enrolment
from db.client import SyncState
from db.engine import open_local, session_factory
from db.models import AuditEntry, Person
from tests import roster_files as rf
from tests.reports_sample import HEAD_ID_NUMBER, build_sample


@pytest.fixture
def database(tmp_path):
    path = tmp_path / "local.db"
    engine = open_local(path)
    with session_factory(engine)() as session:
        seed_code_entries(session)
        enrolment = Enrolment("https://city.example", "陈科员", "0190f0a0-0000-7000-8000-0000000000c1",
                              "township_staff", rf.TOWNSHIP)
        session.add(SyncState(key=ENROLMENT_KEY, value=json.dumps(dataclasses.asdict(enrolment))))
        session.commit()
    engine.dispose()
    return path


def persons(path) -> int:
    engine = open_local(path)
    try:
        with session_factory(engine)() as session:
            return session.scalar(select(func.count()).select_from(Person))
    finally:
        engine.dispose()


def test_roster_import_dry_run_valid_only_then_the_fixed_rows(database, tmp_path, capsys):
    members = [list(m) for m in rf.MEMBERS]
    members[3][6] = "110101197203040028"
    roster = rf.village_roster_xlsx(tmp_path / "西屯村.xlsx", [tuple(m) for m in members])
    errors = tmp_path / "问题行.xlsx"
    code = cli.main(["roster", "import", str(roster), "--dry-run", "--errors", str(errors), "--database", str(database)])
    out = capsys.readouterr().out
    assert code == 1 and "第7行 身份证号码：公民身份号码校验位错误，请核对" in out and "未写入任何数据" in out
    assert persons(database) == 0 and errors.exists()

    assert cli.main(["roster", "import", str(roster), "--database", str(database)]) == 1
    assert "未导入任何数据" in capsys.readouterr().out and persons(database) == 0

    assert cli.main(["roster", "import", str(roster), "--valid-only", "--database", str(database)]) == 1
    assert "1 户有问题未导入" in capsys.readouterr().out and persons(database) == 2

    wb = load_workbook(errors)
    header = [c.value for c in wb.active[1]]
    wb.active.cell(3, header.index("身份证号码") + 1).value = "110101197203040029"
    wb.save(errors)
    assert cli.main(["roster", "import", str(errors), "--database", str(database)]) == 0
    assert "新增人员 2" in capsys.readouterr().out and persons(database) == 4


def test_a_damaged_roster_is_one_message_and_exit_2(database, tmp_path, capsys):
    good = rf.village_roster_xlsx(tmp_path / "good.xlsx")
    damaged = rf.truncated_xml_xlsx(good, tmp_path / "damaged.xlsx")
    assert cli.main(["roster", "import", str(damaged), "--database", str(database)]) == 2
    captured = capsys.readouterr()
    assert "文件已损坏" in captured.err and "Traceback" not in captured.err + captured.out
    et = rf.wps_native_et(tmp_path / "roster.et")
    assert cli.main(["roster", "import", str(et), "--database", str(database)]) == 2
    assert "请在 WPS 中另存为 xlsx" in capsys.readouterr().err
    assert persons(database) == 0


def test_export_a_list_with_its_filter_masked_and_audited(database, tmp_path, capsys):
    engine = open_local(database)
    with session_factory(engine)() as session:
        build_sample(session)
    engine.dispose()
    output = tmp_path / "人员.xlsx"
    assert cli.main(["export", "persons", str(output), "--village", rf.VILLAGE, "--purpose", "年度核对",
                     "--database", str(database)]) == 0
    printed = capsys.readouterr()
    assert "已导出" in printed.out
    rows = list(load_workbook(output)["人员名单"].iter_rows(values_only=True))
    assert printed.err.splitlines() == [f"已读取 {len(rows) - 1} 行", f"已写入 {len(rows) - 1}/{len(rows) - 1} 行"]
    cells = {v for row in rows for v in row}
    assert rows[0][:4] == ("姓名", "性别", "出生日期", "公民身份号码") and len(rows) > 1
    assert HEAD_ID_NUMBER not in cells and any(isinstance(v, str) and "********" in v for v in cells)
    assert {row[7] for row in rows[1:]} == {"西屯村"}  # only the chosen village
    engine = open_local(database)
    with session_factory(engine)() as session:
        entry = session.scalars(select(AuditEntry)).one()
    engine.dispose()
    assert (entry.action, entry.entity, len(entry.record_ids)) == ("export", "person", len(rows) - 1)
    with pytest.raises(SystemExit) as unknown:  # argparse names the lists that exist
        cli.main(["export", "visits", str(output), "--database", str(database)])
    assert unknown.value.code == 2 and "persons" in capsys.readouterr().err
