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


# 国务院办公厅关于2026年部分节假日安排的通知 (国务院办公厅, 2025年11月4日, published by 新华社):
# 元旦 1-1..1-3, 1-4 (Sun) worked; 春节 2-15..2-23, 2-14 (Sat) and 2-28 (Sat) worked; 清明 4-4..4-6;
# 劳动节 5-1..5-5, 5-9 (Sat) worked; 端午 6-19..6-21; 中秋 9-25..9-27; 国庆 10-1..10-7, 9-20 (Sun) and
# 10-10 (Sat) worked.
def _span(first: str, last: str) -> set[dt.date]:
    day, end, days = dt.date.fromisoformat(first), dt.date.fromisoformat(last), set()
    while day <= end:
        days.add(day)
        day += dt.timedelta(days=1)
    return days


NOTICE_2026_OFF = (_span("2026-01-01", "2026-01-03") | _span("2026-02-15", "2026-02-23")
                   | _span("2026-04-04", "2026-04-06") | _span("2026-05-01", "2026-05-05")
                   | _span("2026-06-19", "2026-06-21") | _span("2026-09-25", "2026-09-27")
                   | _span("2026-10-01", "2026-10-07"))
NOTICE_2026_WORKED = {dt.date(2026, 1, 4), dt.date(2026, 2, 14), dt.date(2026, 2, 28), dt.date(2026, 5, 9),
                      dt.date(2026, 9, 20), dt.date(2026, 10, 10)}


def test_the_2026_entries_are_exactly_those_of_the_state_council_notice():
    assert {d for d in CALENDAR.days_off if d.year == 2026} == NOTICE_2026_OFF
    assert {d for d in CALENDAR.workdays if d.year == 2026} == NOTICE_2026_WORKED
    assert all(d.weekday() >= 5 for d in NOTICE_2026_WORKED)  # every 调休 day is a weekend day worked


def test_a_deadline_across_the_2026_spring_festival_lands_on_the_right_working_day():
    friday = dt.date(2026, 2, 13)
    # 2-14 (Saturday, worked), then nine days off to 2-23; 2-24, 2-25, 2-26, 2-27, 2-28 (Saturday,
    # worked), 3-2, 3-3, 3-4, 3-5: the tenth working day after the Friday before the festival is 3-5.
    assert case_deadline(friday, "3", calendar=CALENDAR) == dt.date(2026, 3, 5)
    assert case_deadline(friday, "1", calendar=CALENDAR) == dt.date(2026, 2, 27)  # 咨询: five working days
    assert case_deadline(friday, "3") == dt.date(2026, 2, 27)  # weekends only: six days early
    assert CALENDAR.next_workday(dt.date(2026, 2, 14)) == dt.date(2026, 2, 24)
    # a task due on the first working day after the festival warns on the last one before it
    assert task_due_soon(dt.datetime(2026, 2, 24, 17), dt.datetime(2026, 2, 14, 10), CALENDAR)
    assert not task_due_soon(dt.datetime(2026, 2, 25, 17), dt.datetime(2026, 2, 14, 10), CALENDAR)


def test_the_server_issues_a_task_deadline_across_the_spring_festival_on_the_same_day(tmp_path):
    from server.db import make_server_engine, upgrade
    from server.db import session_factory as server_sessions
    from server.intake import add_workdays, work_calendar

    engine = make_server_engine(f"sqlite:///{tmp_path / 'city.db'}")
    upgrade(engine)
    with server_sessions(engine)() as s:
        seed_code_entries(s)
        s.commit()
        assert add_workdays(dt.date(2026, 2, 13), 10, work_calendar(s)) == dt.date(2026, 3, 5)
    engine.dispose()
