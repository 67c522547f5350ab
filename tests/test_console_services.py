"""The department's progress and the leader's outcomes as the console reads them, on a migrated
server database with rows made for each case: the grid counts and overdue per township, the target
list's order (open by due time so the overdue lead, then completed) and its paging, and the outcome
figures (on-time rate, satisfaction, repeat appeals, months) with their definitions."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from db.ids import new_id
from db.models import Case, Task, TaskTarget
from server import outcomes
from server.db import make_server_engine, session_factory, upgrade
from server.department_work import TargetFilter, progress_grid, target_rows
from server.store import case_counts, progress

NOW = dt.datetime(2026, 12, 6, 10, 0)


@pytest.fixture
def session(tmp_path):
    engine = make_server_engine(f"sqlite:///{tmp_path / 'city.db'}")
    upgrade(engine)
    with session_factory(engine)() as s:
        yield s
    engine.dispose()


def _task(s: Session, dept: str, due_days: int, towns: dict[str, str]) -> Task:
    task = Task(id=new_id(), task_no=new_id()[-8:], title=f"t{due_days}", department_code=dept,
                issued_at=NOW - dt.timedelta(days=30), due_at=NOW + dt.timedelta(days=due_days), region_code="150422")
    s.add(task)
    s.add_all(TaskTarget(id=new_id(), task_id=task.id, region_code=town, status=status)
              for town, status in towns.items())
    s.flush()
    return task


def test_progress_grid_and_target_order_and_paging(session):
    many = {f"150422{i:03d}": "10" for i in range(100, 116)}
    _task(session, "mz", -3, {"150422100": "10", "150422101": "30", "150422102201": "20"})
    _task(session, "mz", 5, many)
    _task(session, "mz", -10, {"150422100": "30"})
    _task(session, "ga", -20, {"150422100": "10"})  # another department's: never counted
    progress.rebuild(session)  # rows written here, not pushed: counted as seed-demo's are
    grid = {row.township: row for row in progress_grid(session, "mz", NOW)}
    assert grid["150422100"].counts == {"10": 2, "30": 1} and grid["150422100"].overdue == 1
    assert grid["150422102"].overdue == 1 and grid["150422101"].overdue == 0
    assert sum(row.total for row in grid.values()) == 20
    assert next(iter(progress_grid(session, "mz", NOW))).overdue == 1  # most overdue first

    rows = target_rows(session, "mz", TargetFilter(), NOW)
    assert [r.overdue for r in rows[:2]] == [True, True] and not any(r.overdue for r in rows[2:])
    assert [r.target.status for r in rows[-2:]] == ["30", "30"]
    assert [r.task.title for r in rows[-2:]] == ["t-3", "t-10"]  # completed: latest due first
    paged = [r.target.id for offset in range(0, 20, 3)
             for r in target_rows(session, "mz", TargetFilter(limit=3, offset=offset), NOW)]
    assert paged == [r.target.id for r in rows]
    assert {r.target.region_code for r in target_rows(session, "mz", TargetFilter(overdue_only=True), NOW)} == \
        {"150422100", "150422102201"}
    # Within one township SQL orders the rows; the order and the pages are the walk's, filtered.
    for town in ("150422100", "150422102"):
        for overdue in (False, True):
            walked = [r.target.id for r in target_rows(session, "mz", TargetFilter(overdue_only=overdue), NOW)
                      if r.target.region_code.startswith(town)]
            one = TargetFilter(township=town, overdue_only=overdue)
            assert [r.target.id for r in target_rows(session, "mz", one, NOW)] == walked and walked
            paged = [r.target.id for offset in range(0, 5) for r in target_rows(
                session, "mz", TargetFilter(township=town, overdue_only=overdue, limit=1, offset=offset), NOW)]
            assert paged == walked


def test_outcome_definitions(session):
    def case(town: str, cat: str, deadline: int | None, closed: int | None, satisfaction=None, phone=None):
        session.add(Case(id=new_id(), case_no=new_id()[-8:], source="1", request_type="1", category_code=cat,
                         title="c", registered_at=dt.datetime(2026, 11, 2, 9), region_code=town + "201",
                         deadline_on=None if deadline is None else NOW.date() + dt.timedelta(days=deadline),
                         status=70 if closed is not None else 50, satisfaction=satisfaction, reporter_phone=phone,
                         closed_at=None if closed is None else NOW + dt.timedelta(days=closed)))

    case("150422100", "01", -5, -6, "1", "13800000001")  # on time, satisfied
    case("150422100", "01", -5, -2, "3", "13800000001")  # late, unsatisfied, a repeat appeal
    case("150422100", "02", -1, None)  # open past its deadline
    case("150422100", "02", 3, None)  # open, not yet due: not counted in the rate
    case("150422101", "01", None, -1, "2")  # no deadline: on time
    session.flush()
    case_counts.rebuild(session)  # rows written here, not pushed: counted as seed-demo's are
    for read in (outcomes.overview, outcomes.scanned_overview):  # the summaries and the cases agree
        figures = read(session, "", NOW.date())
        town = {o.key: o for o in figures.towns}["150422100"]
        assert (town.cases, town.closed, town.on_time, town.overdue_open) == (4, 2, 1, 1)
        assert town.on_time_rate == pytest.approx(1 / 3) and town.satisfaction_rate == 0.5 and town.repeats == 1
        assert {o.key: o.on_time_rate for o in figures.towns}["150422101"] == 1.0
        assert [m.key for m in figures.months] == ["2026-11"] and figures.months[0].cases == 5
        assert figures.months[0].overdue_open == 1
        assert {o.key for o in read(session, "150422101", NOW.date()).towns} == {"150422101"}
    late = outcomes.case_list(session, "", outcomes.CaseFilter(township="150422100", which="overdue"), NOW.date())
    assert len(late) == 2


def test_the_overview_is_reused_until_it_is_older_than_its_max_age(session):
    first = outcomes.cached_overview(session, "150499", NOW, 300)
    session.add(Case(id=new_id(), case_no="X1", source="1", request_type="1", category_code="01", title="c",
                     registered_at=NOW, region_code="150499101201", status=10))
    session.flush()
    case_counts.rebuild(session)
    assert outcomes.cached_overview(session, "150499", NOW + dt.timedelta(seconds=299), 300) is first
    later = outcomes.cached_overview(session, "150499", NOW + dt.timedelta(seconds=300), 300)
    assert later is not first and [o.cases for o in later.towns] == [1] and later.computed_at > first.computed_at


def test_a_deadline_passing_makes_targets_overdue_without_any_sync_change(session):
    task = _task(session, "wj", 2, {"150422100": "10", "150422101": "30"})
    progress.rebuild(session)
    assert sum(row.overdue for row in progress_grid(session, "wj", NOW)) == 0
    later = progress_grid(session, "wj", NOW + dt.timedelta(days=3))  # the task is now past due
    assert sum(row.overdue for row in later) == 1 and task.due_at < NOW + dt.timedelta(days=3)


def test_burden_counts_per_week_what_a_village_received_by_department(session):
    village = "150422100201"
    for dept, kind in (("mz", "2"), ("mz", "1"), ("ga", "1")):
        task = Task(id=new_id(), task_no=new_id()[-8:], title="b", department_code=dept, kind=kind,
                    issued_at=NOW - dt.timedelta(days=3), due_at=NOW, region_code="150422100")
        session.add(task)
        session.add(TaskTarget(id=new_id(), task_id=task.id, region_code="150422100", assigned_region_code=village))
    session.flush()
    rows = {b.department: b for b in outcomes.burden(session, "150422100", NOW.date(), weeks=2)}
    assert (rows["mz"].tasks_per_week, rows["mz"].requests_per_week, rows["mz"].region_per_week) == (1.0, 0.5, 1.5)
    assert rows["ga"].region == village and rows["ga"].tasks_per_week == 0.5
    assert outcomes.burden(session, "150422101", NOW.date()) == []
