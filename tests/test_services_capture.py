"""With sync's change capture installed (as the client does), every kind of record the services
write reaches the outbox: the services write only through the ORM."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.services.cases import CaseService
from app.services.context import Actor
from app.services.households import HouseholdService
from app.services.persons import PersonService
from app.services.tags import TagService
from app.services.tasks import TaskService
from db.client import OutboxChange
from db.engine import session_factory
from sync.capture import install_capture

NOW = dt.datetime(2026, 11, 23, 9, 0)
VILLAGE = "150402001001"


def test_every_service_write_lands_in_the_outbox(engine):
    sessions = session_factory(engine)
    install_capture(sessions, "dev-1")
    admin = Actor("li", "township_admin", "150402001", device_id="dev-1")
    department = Actor("mz1", "department", "1504", device_id="dev-1", department_code="mz")
    clock = lambda: NOW  # noqa: E731

    home = HouseholdService(sessions, admin, clock).create(f"{VILLAGE}010001", VILLAGE)
    person = PersonService(sessions, admin, clock).create(home.id, "𠮷小明", id_number="11010519491231002X")
    TagService(sessions, admin, clock).tag("person", person.id, "dy")
    HouseholdService(sessions, admin, clock).add_visit(home.id, dt.date(2026, 11, 20))
    PersonService(sessions, admin, clock).reveal(person.id, "核对")
    cases = CaseService(sessions, admin, clock)
    case = cases.create(source="2", request_type="2", category_code="01", title="求助", region_code=VILLAGE)
    cases.add_party(case.id, "李四")
    cases.whistle(case.id, ["ga"])
    cases.transition(case.id, "accept")
    target = TaskService(sessions, department, clock).create(
        title="走访", department_code="mz", due_at=NOW + dt.timedelta(days=3), target_regions=["150402001000"])[0]
    tasks = TaskService(sessions, admin, clock)
    tasks.transition(target.id, "accept")
    tasks.link_households(target.id, [home.id])
    tasks.add_feedback(target.id, "已开始")

    with sessions() as s:
        changes = s.scalars(select(OutboxChange).order_by(OutboxChange.device_seq)).all()
    assert {c.entity for c in changes} == {
        "household", "person", "tag_assignment", "visit", "audit_entry", "case", "case_log", "case_party",
        "case_whistle", "task", "task_target", "task_link", "task_feedback"}
    person_insert = next(c for c in changes if c.entity == "person")
    assert person_insert.fields["name"] == "𠮷小明" and "search_initials" not in person_insert.fields
    accept = [c for c in changes if c.entity == "case" and c.op == "upsert" and set(c.fields) == {"status"}]
    assert accept and accept[-1].fields["status"] == 20
