"""Household numbers a PC gives and reads (decision 0041): a roster whose own 户号 column gives one
number to two households is refused on the rows of both, naming the other household's rows and head,
and nothing of them is written; the next free number of a village is after every number of the
village this PC holds — deleted, in another grid, moved away since."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.codes import seed_code_entries
from app.exchange.service import ExchangeService, ImportRefused
from app.services.context import Actor
from app.services.household_numbers import next_household_no
from db.client import OutboxChange
from db.models import Household, Person
from tests.reports_sample import TOWNSHIP, VILLAGE
from tests.test_exchange_roster import HEADERS, capturing_sessions, write_roster

NOW = dt.datetime(2026, 12, 7, 9, 0)
SHARED, OTHER = VILLAGE + "030001", VILLAGE + "030002"


def _row(number: str, head: str, name: str, relation: str, id_number: str) -> list:
    return [number, head, name, relation, id_number, "", "", "汉族", "", "西屯村三组", "", "", "", "", "", ""]


ROWS = [  # Excel rows 2–3: 周桂兰's household; 4: 马建国's; 5–6: 李秀英's, typed with 周桂兰's number
    _row(SHARED, "周桂兰", "周桂兰", "户主", "110101195502140020"),
    _row(SHARED, "周桂兰", "马小军", "子", "110101198001010010"),
    _row(OTHER, "马建国", "马建国", "户主", "110101196203040016"),
    _row(SHARED, "李秀英", "李秀英", "户主", "110101197005060029"),
    _row(SHARED, "李秀英", "王小明", "子", "110101199507080037"),
]


@pytest.fixture
def sessions(engine):
    return capturing_sessions(engine, seed_code_entries)


@pytest.fixture
def desk(sessions):
    return ExchangeService(sessions, Actor("陈科员", "township_staff", TOWNSHIP[:9]), clock=lambda: NOW)


def _count(sessions, model) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_a_roster_giving_one_number_to_two_households_is_refused_on_both(desk, sessions, tmp_path):
    assert HEADERS[0] == "户编号"
    path = write_roster(tmp_path / "shared.xlsx", ROWS)
    preview = desk.preview_roster(path)
    report = {e.row: e.message for e in preview.errors if e.column == "户编号"}
    assert report[2] == report[3] == (f"户编号“{SHARED}”同时用于两户（另一户在第5–6行，户主“李秀英”）："
                                      "一个户号只能属于一户，请核对后改正（这两户都不会导入）")
    assert report[5] == report[6] == (f"户编号“{SHARED}”同时用于两户（另一户在第2–3行，户主“周桂兰”）："
                                      "一个户号只能属于一户，请核对后改正（这两户都不会导入）")
    assert 4 not in report and "同一户只能有一位户主" not in " ".join(e.message for e in preview.errors)
    outbox = _count(sessions, OutboxChange)
    with pytest.raises(ImportRefused):
        desk.confirm_roster(path, preview.digest)
    assert _count(sessions, Household) == 0 and _count(sessions, OutboxChange) == outbox  # nothing changed
    desk.confirm_roster(path, preview.digest, valid_only=True)  # only the household with its own number
    with sessions() as session:
        assert session.scalars(select(Household.household_no)).all() == [OTHER]
        assert session.scalars(select(Person.name)).all() == ["马建国"]


def test_members_listed_apart_under_their_number_are_one_household(desk, tmp_path):
    rows = [ROWS[0], ROWS[2], ROWS[1]]  # 马小军 two rows below his head, no head of his own
    preview = desk.preview_roster(write_roster(tmp_path / "apart.xlsx", rows))
    assert preview.errors == () and preview.ok


def test_the_next_number_follows_every_number_of_the_village_held_here(sessions):
    grid_a, grid_b = VILLAGE + "001", VILLAGE + "002"
    held = [(VILLAGE + "000003", VILLAGE, grid_a, False), (VILLAGE + "000007", VILLAGE, grid_b, False),
            (VILLAGE + "000009", VILLAGE, None, True),  # deleted: its number is not given again
            (VILLAGE + "000012", "150402001202", None, False),  # moved to another village since
            (VILLAGE + "010040", VILLAGE, None, False)]  # another group
    with sessions.begin() as session:
        session.add_all(Household(household_no=n, region_code=r, grid_code=g, deleted=d) for n, r, g, d in held)
    with sessions() as session:
        assert next_household_no(session, VILLAGE) == VILLAGE + "000013"
        assert next_household_no(session, VILLAGE, 1) == VILLAGE + "010041"
        assert next_household_no(session, "150402001202") == "150402001202000001"
