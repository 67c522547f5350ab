"""Tasks through the service: issuing, accepting, assigning, linked households and progress,
feedback, completion rules, overdue and due-soon, department versus township reach."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from app.errors import (
    NotFoundError,
    PermissionDenied,
    ScopeError,
    UserFacingError,
    ValidationError,
    WorkflowError,
)
from app.services.context import Actor
from app.services.households import HouseholdService
from app.services.task_inbox import ALL, InboxQuery, TaskInbox
from app.services.tasks import TaskService, common_region, task_link_id
from db.engine import session_factory
from db.models import Task, TaskFeedback, TaskLink, TaskTarget

NOW = dt.datetime(2026, 11, 23, 9, 0)
TOWNSHIP_CODE = "150402001000"
VILLAGE = "150402001001"
MINZHENG = Actor("mz1", "department", "1504", device_id="dev-mz", department_code="mz")
STAFF = Actor("wang", "township_staff", "150402001", device_id="dev-a")


class Clock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock(NOW)


@pytest.fixture
def tasks_for(engine, clock):
    sessions = session_factory(engine)
    return lambda actor: TaskService(sessions, actor, clock)


@pytest.fixture
def households(engine, clock):
    service = HouseholdService(session_factory(engine), STAFF, clock)
    return [service.create(f"{VILLAGE}01{n:04d}", VILLAGE).id for n in range(1, 4)]


def issue(tasks_for, **extra):
    fields = dict(title="低保户年度核查", department_code="mz", kind="2", due_at=NOW + dt.timedelta(days=7),
                  target_regions=[TOWNSHIP_CODE, "150402002000"], requested_fields=["phone", "address"])
    fields.update(extra)
    return tasks_for(MINZHENG).create(**fields)


def test_issue_creates_one_target_per_region(tasks_for, engine):
    targets = issue(tasks_for)
    assert [t.region_code for t in targets] == [TOWNSHIP_CODE, "150402002000"]
    assert {t.status for t in targets} == {"10"} and targets[0].status_label == "未接收"
    assert targets[0].task_no.startswith("RW20261123") and targets[0].progress.label == "0/0"
    with session_factory(engine)() as s:
        task = s.scalar(select(Task))
        assert (task.region_code, task.issued_by, task.requested_fields) == ("150402", "mz1", ["phone", "address"])


def test_issue_validation_and_rights(tasks_for):
    with pytest.raises(PermissionDenied):
        issue(tasks_for, department_code="ga")
    with pytest.raises(PermissionDenied):
        tasks_for(STAFF).create(title="x", department_code="mz", due_at=NOW + dt.timedelta(days=1),
                                target_regions=[TOWNSHIP_CODE])
    with pytest.raises(ValidationError) as info:
        issue(tasks_for, due_at=NOW - dt.timedelta(hours=1))
    assert info.value.code == "due_before_issue"
    with pytest.raises(ValidationError) as info:
        issue(tasks_for, target_regions=[])
    assert info.value.code == "task_no_targets"
    with pytest.raises(ValidationError):
        issue(tasks_for, target_regions=["150402000000"])  # a county is not a target
    with pytest.raises(ScopeError):
        issue(tasks_for, target_regions=["150102001000"])
    with pytest.raises(ValidationError):
        issue(tasks_for, kind="7")


def test_common_region_is_level_aligned():
    assert common_region(["150402001001", "150402001002"]) == "150402001"
    assert common_region(["150402001000", "150402002000"]) == "150402"
    assert common_region(["150402001001"]) == "150402001001"


def test_township_works_the_task_to_completion(tasks_for, households, engine):
    target = issue(tasks_for)[0]
    staff = tasks_for(STAFF)
    with pytest.raises(UserFacingError) as info:
        staff.link_households(target.id, households)
    assert info.value.code == "task_not_accepted"
    accepted = staff.transition(target.id, "accept")
    assert (accepted.status, accepted.assignee, accepted.accepted_at) == ("20", "wang", NOW)
    assert staff.assign(target.id, VILLAGE, "李村长").assigned_region_code == VILLAGE
    assert staff.link_households(target.id, households + households[:1]).label == "0/3"
    staff.mark_handled(target.id, households[0])
    progress = staff.mark_handled(target.id, households[1])
    assert (progress.handled, progress.total) == (2, 3)
    with pytest.raises(UserFacingError) as info:
        staff.transition(target.id, "complete")
    assert info.value.code == "task_incomplete" and "1户" in info.value.message()
    staff.add_feedback(target.id, "已核查2户", answers={households[0]: {"phone": "ok"}})
    staff.mark_handled(target.id, households[2])
    done = staff.transition(target.id, "complete", "全部核查完毕")
    assert (done.status, done.completed_at, done.progress.label) == ("30", NOW, "3/3")
    detail = staff.get(target.id)
    assert [(f.text, f.handled_count, f.total_count) for f in detail.feedback] == [
        ("已核查2户", 2, 3), ("【完成】全部核查完毕", 3, 3)]
    assert detail.requested_fields == ("phone", "address")
    assert all(link.handled and link.handled_by == "wang" for link in detail.links)
    with session_factory(engine)() as s:
        row = s.get(TaskTarget, target.id)
        assert (row.handled_count, row.total_count) == (3, 3)
        assert s.get(TaskLink, task_link_id(target.id, households[0])).handled
        assert len(s.scalars(select(TaskFeedback)).all()) == 2
    with pytest.raises(UserFacingError) as info:
        staff.mark_handled(target.id, households[0], handled=False)
    assert info.value.code == "task_done"


def test_unmarking_lowers_the_count_and_unknown_links_are_refused(tasks_for, households):
    target = issue(tasks_for)[0]
    staff = tasks_for(STAFF)
    staff.transition(target.id, "accept")
    staff.link_households(target.id, households[:2])
    staff.mark_handled(target.id, households[0])
    assert staff.mark_handled(target.id, households[0], handled=False).label == "0/2"
    with pytest.raises(ValidationError) as info:
        staff.mark_handled(target.id, households[2])
    assert info.value.code == "link_not_found"


def test_households_outside_the_assigned_village_cannot_be_linked(tasks_for, households, engine, clock):
    other = HouseholdService(session_factory(engine), STAFF, clock).create("150402001002010001", "150402001002")
    target = issue(tasks_for)[0]
    staff = tasks_for(STAFF)
    staff.transition(target.id, "accept")
    staff.assign(target.id, VILLAGE)
    with pytest.raises(ValidationError) as info:
        staff.link_households(target.id, [other.id])
    assert info.value.code == "link_region"
    with pytest.raises(ValidationError):
        staff.assign(target.id, "150402002001")


def test_return_reissue_and_reopen(tasks_for):
    target = issue(tasks_for)[0]
    staff, department = tasks_for(STAFF), tasks_for(MINZHENG)
    returned = staff.transition(target.id, "return", "非本乡镇职责")
    assert returned.status == "40"
    with pytest.raises(PermissionDenied):
        staff.transition(target.id, "reissue")
    assert department.transition(target.id, "reissue", "已核实，请办理").status == "10"
    staff.transition(target.id, "accept")
    staff.transition(target.id, "complete")
    assert department.transition(target.id, "reopen", "缺少材料").status == "20"
    with pytest.raises(WorkflowError):
        staff.transition(target.id, "accept")


def test_overdue_and_due_soon_follow_the_clock(tasks_for, clock):
    target = issue(tasks_for, due_at=NOW + dt.timedelta(days=2))[0]
    staff = tasks_for(STAFF)
    assert not staff.get(target.id).target.due_soon
    clock.now = NOW + dt.timedelta(days=1, hours=2)
    view = staff.get(target.id).target
    assert view.due_soon and not view.overdue
    clock.now = NOW + dt.timedelta(days=2, minutes=1)
    view = staff.get(target.id).target
    assert view.overdue and not view.due_soon


def inbox_of(service: TaskService) -> list:
    """Every target the service's actor reaches, through the inbox."""
    inbox = TaskInbox(service._sessions, service.actor, service._clock)
    return inbox.page(InboxQuery(ALL), 0, 1000)


def test_reach_of_departments_villages_and_outsiders(tasks_for):
    first, second = issue(tasks_for)
    issue(tasks_for, title="另一个任务")
    police = tasks_for(Actor("ga1", "department", "1504", department_code="ga"))
    with pytest.raises(NotFoundError):
        police.get(first.id)
    assert inbox_of(police) == []
    assert len(inbox_of(tasks_for(MINZHENG))) == 4
    staff = tasks_for(STAFF)
    assert {t.region_code for t in inbox_of(staff)} == {TOWNSHIP_CODE}
    cadre = tasks_for(Actor("li", "village_cadre", VILLAGE))
    with pytest.raises(ScopeError):
        cadre.get(first.id)
    staff.transition(first.id, "accept")
    staff.assign(first.id, VILLAGE)
    assert [t.id for t in inbox_of(cadre)] == [first.id]
    with pytest.raises(ScopeError):
        staff.get(second.id)


def test_unlinking_a_household_lowers_the_total(tasks_for, households):
    target = issue(tasks_for)[0]
    staff = tasks_for(STAFF)
    staff.transition(target.id, "accept")
    staff.link_households(target.id, households)
    staff.mark_handled(target.id, households[0])
    assert staff.unlink_household(target.id, households[0]).label == "0/2"
    with pytest.raises(ValidationError):
        staff.unlink_household(target.id, households[0])
    # Relinked: the same record comes back with its handled flag (the visit did happen).
    assert staff.link_households(target.id, [households[0]]).label == "1/3"
