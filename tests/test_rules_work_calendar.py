"""Working days on the city's calendar: the shipped 法定节假日 and 调休 days drive case deadlines,
the due-soon warning a working day ahead, the server's intake deadline, and the paused clock of an
extension request; the calendar is a code table, so a city edits it like any other."""

from __future__ import annotations

import datetime as dt

from app.codes import CodeBook, seed_code_entries
from app.rules.deadlines import (
    WEEKENDS_ONLY,
    WorkCalendar,
    case_deadline,
    is_case_due_soon,
    is_case_overdue,
    task_due_soon,
)
from app.services.cases import CaseService
from app.services.context import Actor
from db.engine import session_factory

CITY = CodeBook.from_resources()
CALENDAR = WorkCalendar.from_book(CITY)


def test_the_shipped_calendar_knows_the_2026_holidays_and_working_weekends():
    assert not CALENDAR.is_workday(dt.date(2026, 10, 1)) and not CALENDAR.is_workday(dt.date(2026, 10, 7))
    assert CALENDAR.is_workday(dt.date(2026, 10, 10))  # Saturday, 国庆节调休上班
    assert CALENDAR.is_workday(dt.date(2026, 2, 14)) and not CALENDAR.is_workday(dt.date(2026, 2, 16))
    assert CALENDAR.next_workday(dt.date(2026, 9, 30)) == dt.date(2026, 10, 8)


def test_a_complaint_before_national_day_gets_its_ten_working_days_after_the_holiday():
    registered = dt.date(2026, 9, 28)  # Monday; 9-30 is the last working day before 10-1..10-7
    # 9-29, 9-30, 10-8, 10-9, 10-10 (Saturday, worked), 10-12 … 10-16: ten working days
    assert case_deadline(registered, "3", calendar=CALENDAR) == dt.date(2026, 10, 16)
    assert case_deadline(registered, "3") == dt.date(2026, 10, 12)  # weekends only: four days early


def test_the_warning_comes_a_working_day_ahead_and_an_extension_request_pauses_overdue():
    friday, deadline = dt.date(2026, 9, 30), dt.date(2026, 10, 8)  # the day before the holiday
    assert is_case_due_soon(50, deadline, friday, CALENDAR)  # the next working day is 10-8
    assert not is_case_due_soon(50, deadline, friday, WEEKENDS_ONLY)
    assert is_case_overdue(50, deadline, dt.date(2026, 10, 9)) and not is_case_overdue(55, deadline, dt.date(2026, 10, 9))
    assert task_due_soon(dt.datetime(2026, 10, 8, 17), dt.datetime(2026, 9, 30, 16), CALENDAR)
    assert not task_due_soon(dt.datetime(2026, 10, 9, 17), dt.datetime(2026, 9, 30, 16), CALENDAR)


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def test_cases_take_their_deadline_from_the_calendar_and_a_refused_extension_resumes_the_clock(engine):
    sessions = session_factory(engine)
    with sessions.begin() as s:
        seed_code_entries(s)
    clock = Clock(dt.datetime(2026, 9, 28, 9))
    staff = CaseService(sessions, Actor("wang", "township_staff", "150422100", "dev-a"), clock)
    case = staff.create(source="3", request_type="3", category_code="0301", title="垃圾未清运",
                        region_code="150422100201")
    assert case.deadline_on == dt.date(2026, 10, 16)
    for action in ("accept", "dispatch", "sign", "handle"):
        staff.transition(case.id, action)
    clock.now = dt.datetime(2026, 10, 7, 20)  # asked on the holiday's last day
    staff.transition(case.id, "extend", "需要协调多个部门")
    assert staff.get(case.id).case.overdue is False
    clock.now = dt.datetime(2026, 10, 12, 9)  # the request waited 10-8, 10-9, 10-10, 10-12: four working days
    view = staff.transition(case.id, "refuse_extension", "材料不全")
    assert view.deadline_on == dt.date(2026, 10, 22) and view.status == 50


def test_the_server_intake_counts_the_same_working_days(tmp_path):
    from server.db import make_server_engine, upgrade
    from server.db import session_factory as server_sessions
    from server.intake import add_workdays, work_calendar

    engine = make_server_engine(f"sqlite:///{tmp_path / 'city.db'}")
    upgrade(engine)
    with server_sessions(engine)() as s:
        seed_code_entries(s)
        s.commit()
        assert add_workdays(dt.date(2026, 9, 28), 10, work_calendar(s)) == dt.date(2026, 10, 16)
    engine.dispose()
