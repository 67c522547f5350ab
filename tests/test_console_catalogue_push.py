"""报表准入 enforced at the push, whichever client sends the task: a contract-style API client (a
department's device pushing raw wire changes, as the desktop does) and the console's own writes get
the same per-change refusal, in the language the request asked for, when the requested fields are
not all in one approved catalogue entry of the task's department; fields inside one are accepted, a
later edit of the deadline is not re-judged, and nothing of a refused change is stored."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.ids import new_id
from db.models import Task
from server.models import User
from server.pushed_writes import Edit, PushRefused, push_edits
from tests.console_support import signed_in
from tests.server.fixtures import server_fixture  # noqa: F401
from tests.test_console_pages import approved_entry, dept_code

TOWNSHIP = "150422100"


def _task(dept: str, fields: list[str], kind: str = "2") -> dict:
    return {"task_no": "RW-" + new_id()[-6:], "title": "低保户信息核对", "department_code": dept, "kind": kind,
            "priority": 2, "issued_at": "2026-12-01T09:00:00", "due_at": "2026-12-20T18:00:00",
            "region_code": TOWNSHIP, "requested_fields": fields}


def _answer(client, change: dict, lang: str = "zh") -> dict:
    r = client.post("/sync/push", json={"changes": [change]}, headers={"Accept-Language": lang})
    assert r.status_code == 200, r.text
    return r.json()["results"][0]


def test_an_api_client_asking_outside_the_approved_entry_is_refused_per_change(server):
    dept = dept_code()
    admin = signed_in(server, "city_admin")
    clerk = signed_in(server, "department", "150422", dept)
    approved_entry(server, clerk, admin, "低保户联系方式 " + dept, ["phone", "current_address"])
    signed_in_clerk_pending = clerk.post("/dept/catalogue", {"name": "未批事项", "fields[]": ["education"],
                                                             "purpose": ""})
    assert signed_in_clerk_pending.status_code == 200  # proposed, still pending: grants nothing
    device = server.user_client("department", "150422", dept)

    inside = new_id()
    assert _answer(device, device.change("task", inside, _task(dept, ["phone"])))["outcome"] == "accepted"
    refused = new_id()
    answer = _answer(device, device.change("task", refused, _task(dept, ["phone", "id_number", "education"])))
    assert answer["outcome"] == "rejected" and answer["code"] == "fields_outside_catalogue"
    assert answer["message"] == "数据需求字段 证件号码、文化程度 不在本部门已批准的报表准入目录内"
    english = _answer(device, device.change("task", new_id(), _task(dept, ["marital_status"])), "en")
    assert english["code"] == "fields_outside_catalogue"
    assert english["message"] == "Requested fields Marital status are outside the department's approved request catalogue"
    # Widening an accepted task's request afterwards is judged the same way.
    widened = _answer(device, device.change("task", inside, {"requested_fields": ["phone", "hukou_address"]}))
    assert widened["code"] == "fields_outside_catalogue"
    # A deadline moved on the accepted task is not a new request.
    assert _answer(device, device.change("task", inside, {"due_at": "2026-12-28T18:00:00"}))["outcome"] == "accepted"
    with server.session() as s:
        assert s.get(Task, refused) is None
        assert s.get(Task, inside).requested_fields == ["phone"]


def test_a_city_admin_device_and_a_task_of_a_department_without_a_catalogue_are_refused_too(server):
    admin = server.user_client("city_admin")
    answer = _answer(admin, admin.change("task", new_id(), _task(dept_code(), ["phone"])))
    assert answer["outcome"] == "rejected" and answer["code"] == "fields_outside_catalogue"
    plain = _answer(admin, admin.change("task", new_id(), _task(dept_code(), [], kind="1")))
    assert plain["outcome"] == "accepted"  # a task asking for no register fields needs no catalogue entry


def test_the_consoles_own_writes_get_the_same_refusal_in_the_page_language(server):
    dept = dept_code()
    admin = signed_in(server, "city_admin")
    clerk = signed_in(server, "department", "150422", dept)
    approved_entry(server, clerk, admin, "独居老人电话 " + dept, ["phone"])
    username = server.add_user("department", "150422", dept)
    with server.session() as s:
        user = s.scalars(select(User).where(User.username == username)).one()
        task_id = new_id()
        with pytest.raises(PushRefused) as refused:
            push_edits(s, user, [Edit("task", task_id, {**_task(dept, ["phone", "political_status"]),
                                                        "issued_by": username})])
        assert refused.value.code == "fields_outside_catalogue"
        assert refused.value.text("zh") == "数据需求字段 政治面貌 不在本部门已批准的报表准入目录内"
        assert refused.value.text("en").startswith("Requested fields Political status are outside")
        assert s.get(Task, task_id) is None
