"""Cases through the service: numbering, deadlines, every move logged, role and scope rules,
joint handling (吹哨报到) and revisit."""

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
from app.services.cases import CaseService
from app.services.context import Actor
from db.engine import session_factory
from db.models import Case, CaseLogEntry

MONDAY = dt.datetime(2026, 11, 23, 9, 0)
TOWNSHIP = "150402001"
VILLAGE = "150402001001"
STAFF = Actor("wang", "township_staff", TOWNSHIP, device_id="dev-a")


class Clock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock(MONDAY)


@pytest.fixture
def cases_for(engine, clock):
    sessions = session_factory(engine)
    return lambda actor: CaseService(sessions, actor, clock)


@pytest.fixture
def staff(cases_for):
    return cases_for(STAFF)


def new_case(service, request_type="3", **extra):
    fields = dict(source="1", request_type=request_type, category_code="0101", title="楼上漏水", region_code=VILLAGE,
                  grid_code="150402001001002", reporter_name="𠮷小明", reporter_phone="13812345678")
    fields.update(extra)
    return service.create(**fields)


def walk(service, case_id, *actions, **extras):
    view = None
    for action in actions:
        view = service.transition(case_id, action, f"{action} 说明", **extras.get(action, {}))
    return view


def test_create_numbers_deadline_and_first_log(staff, engine):
    case = new_case(staff)
    assert case.status == 10 and case.status_label == "登记"
    assert case.deadline_on == dt.date(2026, 12, 7)  # 投诉: 10 working days from Monday
    assert case.reporter_phone_masked == "138****5678" and case.reporter_name == "𠮷小明"
    assert case.case_no.startswith(TOWNSHIP + "20261123") and len(case.case_no) == 24
    assert case.allowed_actions == ("accept", "self_handle")
    second = new_case(staff, request_type="4")
    assert int(second.case_no[-4:]) == int(case.case_no[-4:]) + 1
    assert second.deadline_on == dt.date(2026, 12, 14)  # 建议: 15 working days
    with session_factory(engine)() as s:
        entry = s.scalar(select(CaseLogEntry).where(CaseLogEntry.case_id == case.id))
        assert (entry.action, entry.from_status, entry.to_status, entry.actor) == ("register", None, 10, "wang")


def test_case_numbers_differ_between_devices_on_the_same_day(cases_for):
    a = new_case(cases_for(STAFF))
    b = new_case(cases_for(Actor("li", "township_staff", TOWNSHIP, device_id="dev-b")))
    assert a.case_no != b.case_no and a.case_no[:17] == b.case_no[:17]


def test_create_validates_codes_and_scope(staff, cases_for):
    for field, value in (("source", "7"), ("request_type", "8"), ("category_code", "zz"), ("title", " ")):
        with pytest.raises(ValidationError) as info:
            new_case(staff, **{field: value})
        assert info.value.field == field
    with pytest.raises(ValidationError) as info:
        new_case(staff, reporter_phone="123")
    assert info.value.field == "reporter_phone"
    with pytest.raises(ScopeError):
        new_case(cases_for(Actor("zhao", "village_cadre", "150402001002")))
    with pytest.raises(ValidationError):
        new_case(staff, occurred_at=MONDAY + dt.timedelta(hours=1))


def test_full_path_writes_one_log_entry_per_move(staff, engine):
    case = new_case(staff)
    actions = ("accept", "dispatch", "sign", "handle", "submit", "approve", "revisit", "archive")
    done = walk(staff, case.id, *actions, revisit={"satisfaction": "1"})
    assert done.status == 90 and done.allowed_actions == ()
    detail = staff.get(case.id)
    moves = [(e.action, e.from_status, e.to_status) for e in detail.log[1:]]
    assert moves == [("accept", 10, 20), ("dispatch", 20, 30), ("sign", 30, 40), ("handle", 40, 50),
                     ("submit", 50, 60), ("approve", 60, 70), ("revisit", 70, 80), ("archive", 80, 90)]
    assert detail.case.satisfaction == "1" and detail.case.satisfaction_comment == "revisit 说明"
    assert detail.case.closed_at == MONDAY


def test_illegal_move_is_refused_and_changes_nothing(staff, engine):
    case = new_case(staff)
    with pytest.raises(WorkflowError) as info:
        staff.transition(case.id, "approve")
    assert "登记" in info.value.message() and "审核通过" in info.value.message()
    with session_factory(engine)() as s:
        assert s.get(Case, case.id).status == 10
        assert len(s.scalars(select(CaseLogEntry).where(CaseLogEntry.case_id == case.id)).all()) == 1


def test_side_paths(staff):
    own = new_case(staff)
    assert walk(staff, own.id, "self_handle", "close").status == 70
    returned = new_case(staff)
    assert walk(staff, returned.id, "accept", "dispatch", "return").status == 45
    assert walk(staff, returned.id, "accept").status == 20


def test_extension_needs_a_later_deadline(staff):
    case = new_case(staff)
    walk(staff, case.id, "accept", "dispatch", "sign", "handle", "extend")
    with pytest.raises(ValidationError) as info:
        staff.transition(case.id, "approve_extension")
    assert info.value.code == "deadline_required"
    with pytest.raises(ValidationError) as info:
        staff.transition(case.id, "approve_extension", new_deadline=dt.date(2026, 12, 1))
    assert info.value.code == "deadline_not_later"
    view = staff.transition(case.id, "approve_extension", "同意延期", new_deadline=dt.date(2026, 12, 18))
    assert (view.status, view.deadline_on) == (50, dt.date(2026, 12, 18))


def test_overdue_is_derived_from_today(staff, clock):
    case = new_case(staff, request_type="1")  # 咨询: 5 working days → next Monday
    assert case.deadline_on == dt.date(2026, 11, 30) and not case.overdue
    clock.now = dt.datetime(2026, 12, 1, 9, 0)
    assert staff.get(case.id).case.overdue
    assert [c.id for c in staff.list_cases(overdue_only=True)] == [case.id]
    walk(staff, case.id, "self_handle", "close")
    assert not staff.get(case.id).case.overdue


def test_roles_and_departments(cases_for, staff):
    case = new_case(staff)
    grid = cases_for(Actor("sun", "grid_worker", "150402001001002"))
    assert [c.id for c in grid.list_cases()] == [case.id]
    assert cases_for(Actor("zhou", "grid_worker", "150402001001003")).list_cases() == []
    with pytest.raises(PermissionDenied):
        grid.transition(case.id, "accept")
    department = cases_for(Actor("mz1", "department", "1504", department_code="mz"))
    with pytest.raises(NotFoundError):
        department.get(case.id)
    staff.transition(case.id, "accept")
    staff.transition(case.id, "dispatch", "请民政处理", department_code="mz")
    assert department.transition(case.id, "sign").status == 40
    assert [c.id for c in department.list_cases()] == [case.id]
    with pytest.raises(PermissionDenied):
        department.transition(case.id, "accept")
    assert department.transition(case.id, "return", "不属于民政职责").status == 45
    assert staff.transition(case.id, "accept").escalated_to is None
    with pytest.raises(NotFoundError):
        department.get(case.id)


def test_escalate_supervise_and_parties(staff, cases_for):
    case = new_case(staff)
    with pytest.raises(ValidationError):
        staff.escalate(case.id, "nope")
    assert staff.escalate(case.id, "ga", "涉及治安").escalated_to == "ga"
    with pytest.raises(PermissionDenied):
        staff.supervise(case.id)
    admin = cases_for(Actor("li", "township_admin", TOWNSHIP))
    assert admin.supervise(case.id).supervised
    party = staff.add_party(case.id, "李四", "被反映人", "0476-8223456")
    assert party.phone_masked == "0476-***3456"
    detail = staff.get(case.id)
    assert [e.action for e in detail.log] == ["register", "escalate", "supervise"]
    assert [p.name for p in detail.parties] == ["李四"]
    walk(staff, case.id, "self_handle", "close")
    with pytest.raises(UserFacingError) as info:
        staff.escalate(case.id, "ga")
    assert info.value.code == "case_closed"


def test_whistle_arrival_and_evaluation(staff, cases_for, clock):
    case = new_case(staff)
    whistles = staff.whistle(case.id, ["ga", "zz", "ga"], "联合处置")
    assert [w.department_code for w in whistles] == ["ga", "zz"]
    police = cases_for(Actor("ga1", "department", "1504", department_code="ga"))
    with pytest.raises(UserFacingError) as info:
        staff.evaluate_whistle(whistles[0].id, "1")
    assert info.value.code == "whistle_not_arrived"
    with pytest.raises(NotFoundError):
        police.record_arrival(whistles[1].id)
    clock.now = MONDAY + dt.timedelta(minutes=40)
    arrived = police.record_arrival(whistles[0].id)
    assert arrived.arrived_at == MONDAY + dt.timedelta(minutes=40)
    with pytest.raises(UserFacingError):
        police.record_arrival(whistles[0].id)
    with pytest.raises(ValidationError):
        staff.evaluate_whistle(whistles[0].id, "5")
    evaluated = staff.evaluate_whistle(whistles[0].id, "2", "到场及时")
    assert (evaluated.evaluation, evaluated.comment) == ("2", "到场及时")
    detail = staff.get(case.id)
    assert [e.action for e in detail.log] == ["register", "whistle", "arrive", "evaluate"]
    assert detail.whistles[0].arrived_at is not None and detail.whistles[1].arrived_at is None


def test_revisit_needs_a_satisfaction(staff):
    case = new_case(staff)
    walk(staff, case.id, "self_handle", "close")
    with pytest.raises(ValidationError) as info:
        staff.transition(case.id, "revisit", "电话回访")
    assert info.value.code == "satisfaction_invalid"
    view = staff.transition(case.id, "revisit", "电话回访，群众认可", satisfaction="2")
    assert (view.status, view.satisfaction) == (80, "2")


def test_deadline_follows_the_configured_request_type_table(engine, staff):
    from app.codes import seed_code_entries
    from db.models import CodeEntry

    with session_factory(engine).begin() as s:
        seed_code_entries(s)
        entry = s.scalar(select(CodeEntry).where(CodeEntry.table == "request_type", CodeEntry.code == "3"))
        entry.attrs = {"deadline_workdays": 3}
    assert new_case(staff).deadline_on == dt.date(2026, 11, 26)  # 投诉 now 3 working days
    assert new_case(staff, request_type="4").deadline_on == dt.date(2026, 12, 14)


def test_edit_details_of_an_open_case(staff, engine):
    case = new_case(staff)
    view = staff.edit(case.id, title="楼上漏水严重", place="幸福小区3栋", reporter_phone="0476 8223456",
                      category_code="0101")
    assert (view.title, view.place, view.reporter_phone_masked) == ("楼上漏水严重", "幸福小区3栋", "0476-***3456")
    assert staff.get(case.id).log[-1].text == "修改：标题、地点、联系电话"
    with pytest.raises(ValidationError) as info:
        staff.edit(case.id, grid_code="150402001002001")
    assert info.value.code == "grid_outside_region"
    with pytest.raises(ValueError):
        staff.edit(case.id, status=70)
    walk(staff, case.id, "self_handle", "close")
    with pytest.raises(UserFacingError) as info:
        staff.edit(case.id, title="x")
    assert info.value.code == "case_closed"


def test_reporter_phone_is_revealed_only_with_a_reason_and_audited(staff, cases_for, engine):
    from db.models import AuditEntry

    case = new_case(staff)
    revealed = staff.reveal_reporter(case.id, "回访")
    assert (revealed.reporter_name, revealed.reporter_phone) == ("𠮷小明", "13812345678")
    with session_factory(engine)() as s:
        entry = s.scalar(select(AuditEntry))
        assert (entry.entity, entry.record_ids, entry.reason) == ("case", [case.id], "回访")
    with pytest.raises(ValidationError):
        staff.reveal_reporter(case.id, "")
    with pytest.raises(PermissionDenied):
        cases_for(Actor("sun", "grid_worker", "150402001001002")).reveal_reporter(case.id, "回访")
