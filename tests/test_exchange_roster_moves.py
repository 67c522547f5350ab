"""Moving households between villages in bulk through the roster preview (issue 16, item 6): a
roster of registered households whose 村（社区） column names another village shows the move as a
change (村（社区） and 户编号 old → new, the new village's grid), checks both villages against the
user's area (a row error otherwise), applies as ordinary edits captured in the outbox with the
members moving along, and the same file imported again changes nothing. Through the service and
`township-desk roster import`."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from app import cli
from app.codes import seed_code_entries
from app.enrolment import ENROLMENT_KEY, Enrolment
from app.exchange.roster_import import FieldChange
from app.exchange.service import ExchangeService
from app.services.context import Actor
from db.client import OutboxChange, SyncState
from db.engine import open_local, session_factory
from db.models import Household, Person, Region
from tests import roster_files as rf
from tests.test_exchange_roster import capturing_sessions

NOW = dt.datetime(2026, 11, 27, 18, 40)
OTHER = rf.VILLAGE[:9] + "202"  # 东屯村, same township
OUTSIDE = "150402002201"  # 南屯村, another township
MOVED_A = OTHER + rf.HOUSEHOLD_A[12:]
A_ROWS, B_ROWS = (4, 5), (6, 7)


def seed_regions(session) -> None:
    session.add_all([Region(code=rf.VILLAGE, name="西屯村", level=5, parent_code=rf.TOWNSHIP),
                     Region(code=OTHER, name="东屯村", level=5, parent_code=rf.TOWNSHIP),
                     Region(code=OTHER + "001", name="东一网格", level=6, parent_code=OTHER),
                     Region(code=OUTSIDE, name="南屯村", level=5, parent_code=OUTSIDE[:9])])


@pytest.fixture
def sessions(engine):
    return capturing_sessions(engine, seed_code_entries, seed_regions)


@pytest.fixture
def desk(sessions, tmp_path):
    """The clerk's service, with the two families of tests/roster_files.py registered in 西屯村."""
    service = ExchangeService(sessions, Actor("陈科员", "township_staff", rf.TOWNSHIP), clock=lambda: NOW)
    first = rf.village_roster_xlsx(tmp_path / "first.xlsx")
    service.confirm_roster(first, service.preview_roster(first).digest)
    return service


def village_column(tmp_path, name: str, a: str | None, b: str | None, grid_a: str | None = None):
    columns = {"村（社区）": {**{r: a for r in A_ROWS if a}, **{r: b for r in B_ROWS if b}}}
    if grid_a:
        columns["网格"] = {r: grid_a for r in A_ROWS}
    return rf.with_columns(rf.village_roster_xlsx(tmp_path / "base.xlsx"), tmp_path / name, columns)


def outbox(sessions) -> int:
    """The last device sequence number the outbox used (0: none)."""
    with sessions() as session:
        return session.scalar(select(func.coalesce(func.max(OutboxChange.device_seq), 0)))


def test_a_household_moves_to_another_village_as_a_previewed_captured_edit(desk, sessions, tmp_path):
    path = village_column(tmp_path, "moves.xlsx", "东屯村", "西屯", grid_a="东一网格")  # B names its own village
    preview = desk.preview_roster(path)
    assert preview.ok, preview.errors
    households = {c.household_no: (c.action, c.fields) for c in preview.changes if c.entity == "household"}
    assert households == {
        rf.HOUSEHOLD_A: ("更新", (FieldChange("网格", "", "东一网格"), FieldChange("村(社区)", "西屯村", "东屯村"),
                                FieldChange("户号", rf.HOUSEHOLD_A, MOVED_A))),
        rf.HOUSEHOLD_B: ("无变化", ())}
    assert (preview.households_updated, preview.persons_updated, preview.persons_new) == (1, 0, 0)
    before = outbox(sessions)
    result = desk.confirm_roster(path, preview.digest)
    assert result.records_written == 3  # the household and its two members
    with sessions() as session:
        moved = session.scalars(select(Household).where(Household.household_no == MOVED_A)).one()
        assert (moved.region_code, moved.grid_code) == (OTHER, OTHER + "001")
        members = session.scalars(select(Person).where(Person.household_id == moved.id)).all()
        assert {(p.region_code, p.grid_code) for p in members} == {(OTHER, OTHER + "001")} and len(members) == 2
        captured = session.execute(select(OutboxChange.entity, OutboxChange.record_id, OutboxChange.fields)
                                   .where(OutboxChange.device_seq > before)).all()
    changed = {(entity, record): set(fields) for entity, record, fields in captured}
    assert changed[("household", moved.id)] >= {"region_code", "household_no", "grid_code"}
    assert all(changed[("person", p.id)] >= {"region_code", "grid_code"} for p in members)
    again = desk.preview_roster(path)  # the same file after its moves: nothing changes
    assert again.ok and (again.households_updated, again.persons_updated, again.persons_new) == (0, 0, 0)
    writes = outbox(sessions)
    assert desk.confirm_roster(path, again.digest).records_written == 0 and outbox(sessions) == writes


@pytest.mark.parametrize(("a", "code", "text"), [
    ("南屯村", "roster_village_out_of_scope", "村(社区)“南屯村”不在您负责的区域内"),
    ("北屯村", "roster_unknown_village", "“北屯村”不是已知的村（社区），请填写村（社区）名称或12位区划代码"),
])
def test_a_move_out_of_the_area_or_to_no_village_is_a_row_error(desk, sessions, tmp_path, a, code, text):
    path = village_column(tmp_path, "bad.xlsx", a, None)
    preview = desk.preview_roster(path)
    assert {(e.row, e.column, e.code) for e in preview.errors} == {(r, "村(社区)", code) for r in A_ROWS}  # the header as typed (half-width brackets once read)
    assert preview.errors[0].message == text and preview.skipped_households == (rf.HOUSEHOLD_A,)
    writes = outbox(sessions)
    desk.confirm_roster(path, preview.digest, valid_only=True)
    with sessions() as session:
        assert session.scalar(select(Household.region_code).where(Household.household_no == rf.HOUSEHOLD_A)) == rf.VILLAGE
    assert outbox(sessions) == writes


def test_a_new_household_in_another_village_or_a_taken_number_is_named_at_its_row(desk, sessions, tmp_path):
    with sessions() as session:
        session.add(Household(household_no=OTHER + rf.HOUSEHOLD_B[12:], region_code=OTHER, address="东屯村2号"))
        session.commit()
    # Row 4: a household not registered yet (西屯村's …040001, a person nobody registered); rows 5-6:
    # household B, whose number under 东屯村 is taken.
    newcomer = (rf.VILLAGE + "040001", "刘新", "刘新", "户主", "男", "汉", "110101198505050016", "1985.05", "",
                "", "西屯村四组1号")
    new = rf.with_columns(rf.village_roster_xlsx(tmp_path / "new.xlsx", [newcomer, *rf.MEMBERS[2:]]),
                          tmp_path / "new-moves.xlsx", {"村（社区）": {4: "东屯村", 5: "东屯村", 6: "东屯村"}})
    errors = {(e.row, e.code) for e in desk.preview_roster(new).errors}
    assert errors == {(4, "roster_village_differs"), (5, "roster_move_number_taken")}


def test_the_command_line_moves_households_too(tmp_path, capsys):
    database = tmp_path / "local.db"
    engine = open_local(database)
    with session_factory(engine)() as session:
        seed_code_entries(session)
        seed_regions(session)
        enrolment = Enrolment("https://city.example", "陈科员", "0190f0a0-0000-7000-8000-0000000000c1",
                              "township_staff", rf.TOWNSHIP)
        session.add(SyncState(key=ENROLMENT_KEY, value=json.dumps(dataclasses.asdict(enrolment))))
        session.commit()
    engine.dispose()
    first = rf.village_roster_xlsx(tmp_path / "first.xlsx")
    assert cli.main(["roster", "import", str(first), "--database", str(database)]) == 0
    capsys.readouterr()
    moves = village_column(tmp_path, "moves.xlsx", "东屯村", None)
    assert cli.main(["roster", "import", str(moves), "--dry-run", "--database", str(database)]) == 0
    out = capsys.readouterr().out
    assert "更新户 1" in out and "村(社区) 西屯村 → 东屯村" in out and f"户号 {rf.HOUSEHOLD_A} → {MOVED_A}" in out
    assert cli.main(["roster", "import", str(moves), "--database", str(database)]) == 0
    engine = open_local(database)
    with session_factory(engine)() as session:
        assert session.scalar(select(Household.region_code).where(Household.household_no == MOVED_A)) == OTHER
        assert set(session.scalars(select(Person.region_code).where(Person.id_number.in_(
            [m[6] for m in rf.MEMBERS[:2]])))) == {OTHER}
    engine.dispose()
    bad = village_column(tmp_path, "bad.xlsx", "南屯村", None)
    assert cli.main(["roster", "import", str(bad), "--database", str(database)]) == 1
    assert "第4行 村(社区)：村(社区)“南屯村”不在您负责的区域内" in capsys.readouterr().out
