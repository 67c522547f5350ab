"""Households, persons, tags and visits through the services, against a real migrated SQLite file."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from app.errors import NotFoundError, PermissionDenied, ScopeError, UserFacingError, ValidationError
from app.services.context import Actor
from app.services.households import HouseholdService
from app.services.persons import PersonService
from app.services.tags import TagService
from db.engine import session_factory
from db.ids import tag_assignment_id
from db.models import AuditEntry, Household, Person, TagAssignment

NOW = dt.datetime(2026, 11, 27, 10, 30)
VILLAGE = "150402001001"
OTHER_VILLAGE = "150402001002"
STAFF = Actor("wang", "township_staff", "150402001", device_id="dev-1")


def clock():
    return NOW


@pytest.fixture
def sessions(engine):
    return session_factory(engine)


@pytest.fixture
def svc(sessions):
    class Services:
        def __init__(self, actor):
            self.households = HouseholdService(sessions, actor, clock)
            self.persons = PersonService(sessions, actor, clock)
            self.tags = TagService(sessions, actor, clock)

    return Services


@pytest.fixture
def staff(svc):
    return svc(STAFF)


@pytest.fixture
def family(staff):
    home = staff.households.create("150402001001010001", VILLAGE, grid_code="150402001001001",
                                   address="幸福路1号", phone="0476-8223456")
    head = staff.persons.create(home.id, "张建国", id_number="11010519491231002x", relation_to_head="02")
    assert head.is_head
    return home, head


def test_household_round_trip(staff, family, sessions):
    home, _head = family
    detail = staff.households.get(home.id)
    assert detail.household.household_no == "150402001001010001"
    assert detail.household.phone == "0476-8223456"
    assert detail.household.head_person_id == detail.members[0].id
    with sessions() as s:
        assert s.get(Household, home.id).address == "幸福路1号"


def test_household_validation(staff):
    with pytest.raises(ValidationError) as info:
        staff.households.create("150402001002010001", VILLAGE)
    assert (info.value.field, info.value.code) == ("household_no", "household_no_region")
    with pytest.raises(ValidationError) as info:
        staff.households.create("150402001001010002", "150402001000")
    assert info.value.field == "region_code"
    staff.households.create("150402001001010002", VILLAGE)
    with pytest.raises(ValidationError) as info:
        staff.households.create("150402001001010002", VILLAGE)
    assert info.value.code == "household_no_taken"


def test_person_from_resident_id_derives_gender_and_birth(staff, family, sessions):
    _home, head = family
    assert head.gender == "2" and head.birth_date == dt.date(1949, 12, 31)
    assert head.id_number_masked == "110105********002X"
    with sessions() as s:
        assert s.get(Person, head.id).id_number == "11010519491231002X"


def test_ext_b_name_survives_the_database(staff, family, engine):
    home, _ = family
    person = staff.persons.create(home.id, " 𠮷小明 ", id_type="02", id_number="e1234567", gender="1")
    with session_factory(engine)() as fresh:
        stored = fresh.get(Person, person.id)
        assert stored.name == "𠮷小明" and len(stored.name) == 3
        assert stored.id_number == "E1234567" and stored.gender == "1"
    assert staff.persons.get(person.id).name == "𠮷小明"


def test_invalid_inputs_name_their_field(staff, family):
    home, head = family
    cases = [({"id_number": "110105194912310021"}, "id_number", "id_checksum"),
             ({"phone": "12345"}, "phone", "phone_invalid"),
             ({"name": "  "}, "name", "required"),
             ({"ethnicity": "汉族"}, "ethnicity", "code_unknown"),
             ({"ethnicity": "60"}, "ethnicity", "code_unknown"),
             ({"status": "9"}, "status", "code_unknown")]
    for changes, field, code in cases:
        with pytest.raises(ValidationError) as info:
            staff.persons.edit(head.id, **changes)
        assert (info.value.field, info.value.code) == (field, code)
    with pytest.raises(ValidationError):
        staff.persons.create(home.id, "李四", id_number="15040219990230123X")


def test_edit_writes_only_changed_fields(staff, family, sessions):
    _home, head = family
    view = staff.persons.edit(head.id, phone="138 1234 5678", gender="1", name="张建国")
    assert view.phone_masked == "138****5678"
    assert view.gender == "2"  # the resident ID decides
    with sessions() as s:
        assert s.get(Person, head.id).phone == "13812345678"


def test_changing_the_id_rederives_gender_and_birth(staff, family):
    _home, head = family
    view = staff.persons.edit(head.id, id_number="440524188001010014")
    assert (view.gender, view.birth_date) == ("1", dt.date(1880, 1, 1))


def test_move_person_follows_the_new_household(staff, family, sessions):
    home, head = family
    other = staff.households.create("150402001002020001", OTHER_VILLAGE, grid_code="150402001002004")
    staff.tags.tag("person", head.id, "dy", start_on=dt.date(1980, 7, 1))
    moved = staff.persons.move(head.id, other.id, relation_to_head="50")
    assert (moved.household_id, moved.region_code, moved.grid_code) == (other.id, OTHER_VILLAGE, "150402001002004")
    assert moved.relation_to_head == "50"
    with sessions() as s:
        assert s.get(Household, home.id).head_person_id is None
        assert s.get(TagAssignment, tag_assignment_id(head.id, "dy")).region_code == OTHER_VILLAGE
    with pytest.raises(ValidationError) as info:
        staff.persons.move(head.id, other.id)
    assert info.value.code == "same_household"


def test_set_head_updates_both_relations(staff, family, sessions):
    home, head = family
    with pytest.raises(ValidationError) as info:
        staff.persons.create(home.id, "张小军", relation_to_head="02", gender="1")
    assert info.value.code == "head_exists"
    son = staff.persons.create(home.id, "张小军", relation_to_head="20", gender="1")
    with pytest.raises(ValidationError):
        staff.persons.edit(son.id, relation_to_head="02")
    view = staff.persons.set_head(son.id, previous_head_relation="50")
    assert view.is_head and view.relation_to_head == "02"
    with sessions() as s:
        assert s.get(Household, home.id).head_person_id == son.id
        assert s.get(Person, head.id).relation_to_head == "50"
    detail = staff.households.get(home.id)
    assert detail.members[0].id == son.id


def test_tag_untag_retag(staff, family, sessions):
    home, head = family
    first = staff.tags.tag("household", home.id, "nclb", start_on=dt.date(2026, 1, 1))
    assert first.id == tag_assignment_id(home.id, "nclb") and first.label == "农村低保" and first.active
    staff.tags.untag("household", home.id, "nclb")
    assert staff.tags.tags_of("household", home.id) == ()
    with pytest.raises(UserFacingError) as info:
        staff.tags.untag("household", home.id, "nclb")
    assert info.value.code == "tag_not_assigned"
    again = staff.tags.tag("household", home.id, "nclb", start_on=dt.date(2026, 3, 1), end_on=dt.date(2026, 12, 31))
    assert again.id == first.id
    with sessions() as s:
        row = s.get(TagAssignment, first.id)
        assert (row.deleted, row.deletion_gen, row.start_on) == (False, 1, dt.date(2026, 3, 1))
        assert s.scalar(select(TagAssignment).where(TagAssignment.subject_id == home.id)).id == first.id
    with pytest.raises(ValidationError) as info:
        staff.tags.tag("person", head.id, "nclb", start_on=dt.date(2026, 3, 1), end_on=dt.date(2026, 1, 1))
    assert info.value.code == "tag_dates"
    with pytest.raises(ValidationError):
        staff.tags.tag("person", head.id, "no-such-tag")


def test_sensitive_tags_only_for_roles_that_need_them(svc, staff, family):
    home, head = family
    with pytest.raises(PermissionDenied):
        staff.tags.tag("person", head.id, "sqjz")
    admin = svc(Actor("li", "township_admin", "150402001"))
    admin.tags.tag("person", head.id, "sqjz")
    staff.tags.tag("person", head.id, "dy")
    assert [t.tag_code for t in admin.households.get(home.id).tags] == ["dy", "sqjz"]
    assert [t.tag_code for t in staff.households.get(home.id).tags] == ["dy"]


def test_visits_are_appended_and_keep_the_last_visit_date(staff, family):
    home, _ = family
    staff.households.add_visit(home.id, dt.date(2026, 11, 20), findings="家中无异常")
    staff.households.add_visit(home.id, dt.date(2026, 10, 1), kind="2")
    detail = staff.households.get(home.id)
    assert detail.household.last_visit_on == dt.date(2026, 11, 20)
    assert [v.visited_on for v in detail.visits] == [dt.date(2026, 11, 20), dt.date(2026, 10, 1)]
    assert detail.visits[0].visitor == "wang"
    with pytest.raises(ValidationError) as info:
        staff.households.add_visit(home.id, dt.date(2026, 11, 28))
    assert info.value.code == "visit_future"


def test_scope_refusal(svc, family):
    home, head = family
    outsider = svc(Actor("zhao", "village_cadre", OTHER_VILLAGE))
    with pytest.raises(ScopeError):
        outsider.households.get(home.id)
    with pytest.raises(ScopeError):
        outsider.persons.edit(head.id, notes="x")
    with pytest.raises(ScopeError):
        outsider.households.create("150402001001010009", VILLAGE)
    grid_worker = svc(Actor("sun", "grid_worker", "150402001001002"))
    with pytest.raises(ScopeError):
        grid_worker.persons.get(head.id)
    department = svc(Actor("mz1", "department", "1504", department_code="mz"))
    with pytest.raises(PermissionDenied):
        department.households.create("150402001001010009", VILLAGE)


def test_delete_and_restore_are_tombstones(staff, family, sessions):
    home, head = family
    with pytest.raises(UserFacingError) as info:
        staff.households.delete(home.id)
    assert info.value.code == "household_has_members"
    staff.persons.delete(head.id)
    with pytest.raises(NotFoundError):
        staff.persons.get(head.id)
    staff.households.delete(home.id)
    with sessions() as s:
        assert s.get(Household, home.id).deleted and s.get(Household, home.id).head_person_id is None
    restored = staff.households.restore(home.id)
    assert not restored.deleted
    person = staff.persons.restore(head.id)
    assert not person.deleted
    with sessions() as s:
        assert s.get(Person, head.id).deletion_gen == 1


def test_grid_change_moves_members(staff, family):
    home, head = family
    staff.households.edit(home.id, grid_code="150402001001002")
    assert staff.persons.get(head.id).grid_code == "150402001001002"


def test_reveal_is_audited_and_role_limited(svc, staff, family, sessions):
    _home, head = family
    revealed = staff.persons.reveal(head.id, "核对低保材料")
    assert revealed.id_number == "11010519491231002X"
    with sessions() as s:
        entry = s.scalar(select(AuditEntry))
        assert (entry.action, entry.record_ids, entry.reason, entry.username) == (
            "reveal", [head.id], "核对低保材料", "wang")
    with pytest.raises(ValidationError):
        staff.persons.reveal(head.id, " ")
    with pytest.raises(PermissionDenied):
        svc(Actor("sun", "grid_worker", "150402001001001")).persons.reveal(head.id, "走访")


def test_with_change_capture_an_edit_sends_only_the_changed_fields(engine):
    from db.client import OutboxChange
    from sync.capture import install_capture

    sessions = session_factory(engine)
    install_capture(sessions, "dev-capture")
    households = HouseholdService(sessions, STAFF, clock)
    persons = PersonService(sessions, STAFF, clock)
    home = households.create("150402001001010003", VILLAGE)
    person = persons.create(home.id, "𠮷小明", id_number="11010519491231002X")
    with sessions() as s:
        before = s.scalar(select(OutboxChange.device_seq).order_by(OutboxChange.device_seq.desc()).limit(1))
    persons.edit(person.id, name="𠮷小明", phone="13812345678", notes="")
    with sessions() as s:
        changes = s.scalars(select(OutboxChange).where(OutboxChange.device_seq > before)).all()
    assert [(c.entity, c.record_id, sorted(c.fields)) for c in changes] == [("person", person.id, ["phone"])]


def test_visits_due_follow_the_frequency_rules_without_disclosing_sensitive_tags(svc, staff, family):
    home, head = family  # visited never: due at once
    calm = staff.households.create("150402001001010005", VILLAGE)
    staff.households.add_visit(calm.id, dt.date(2026, 10, 1))  # ordinary: due in 182 days
    poor = staff.households.create("150402001001010006", VILLAGE)
    staff.households.add_visit(poor.id, dt.date(2026, 10, 1))
    staff.tags.tag("household", poor.id, "nclb")  # 困难家庭: monthly
    admin = svc(Actor("li", "township_admin", "150402001"))
    watched = staff.households.create("150402001001010007", VILLAGE)
    person = staff.persons.create(watched.id, "赵六", gender="1")
    staff.households.add_visit(watched.id, dt.date(2026, 10, 20))
    admin.tags.tag("person", person.id, "sqjz")  # 社区矫正对象: monthly, a sensitive tag
    due = staff.households.visits_due()
    assert [d.household_id for d in due] == [home.id, poor.id, watched.id]
    assert [(d.rule_label, d.interval_days, d.days_overdue) for d in due[1:]] == [
        ("困难家庭", 30, 27), ("定期走访", 30, 8)]
    assert admin.households.visits_due()[2].rule_label == "社区矫正对象"
    assert staff.households.visits_overdue_count() == admin.households.visits_overdue_count() == 3


def test_a_second_person_with_the_same_id_is_accepted_and_findable(staff, family):
    home, head = family
    twin = staff.persons.create(home.id, "张建国", id_number="11010519491231002X")
    assert {p.id for p in staff.persons.same_id_number("11010519491231002x")} == {head.id, twin.id}
    assert [p.id for p in staff.persons.same_id_number("11010519491231002X", exclude_person_id=twin.id)] == [head.id]
    assert staff.persons.same_id_number("") == ()


def test_moving_out_and_dying_need_their_dates_and_destination(staff, family):
    """迁出 records when and where to, 死亡 when; a missing part is refused on its field, and the
    abolished codes (户口类型 农业, 人员状态 外出) are no longer accepted."""
    import datetime as dt

    from app.errors import ValidationError

    services, (home, head) = staff, family
    person_id, household_id = head.id, home.id
    with pytest.raises(ValidationError) as refused:
        services.persons.edit(person_id, status="3")
    assert refused.value.field == "moved_out_on"
    with pytest.raises(ValidationError) as refused:
        services.persons.edit(person_id, status="3", moved_out_on=dt.date(2026, 10, 1))
    assert refused.value.field == "moved_out_to"
    view = services.persons.edit(person_id, status="3", moved_out_on=dt.date(2026, 10, 1), moved_out_to="赤峰市红山区")
    assert (view.status, view.moved_out_on, view.moved_out_to) == ("3", dt.date(2026, 10, 1), "赤峰市红山区")
    with pytest.raises(ValidationError) as refused:
        services.persons.edit(person_id, status="4")
    assert refused.value.field == "died_on"
    with pytest.raises(ValidationError):
        services.persons.edit(person_id, died_on=dt.date(2999, 1, 1))
    with pytest.raises(ValidationError) as refused:
        services.persons.edit(person_id, status="2")
    assert refused.value.field == "status"
    with pytest.raises(ValidationError) as refused:
        services.households.edit(household_id, hukou_type="2")
    assert refused.value.field == "hukou_type"
    assert services.households.edit(household_id, hukou_type="3").hukou_type == "3"
