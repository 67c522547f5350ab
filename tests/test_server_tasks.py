"""Task dispatch and the department's desk over real HTTP: a department issues a task to a township,
the township assigns it to a village, the village reports progress and feedback, and the department
follows it — without ever seeing the register; cases escalated (吹哨) to a department reach it and
leave it again when the escalation is withdrawn."""

from __future__ import annotations

import json

import requests

from db.ids import new_id
from tests.server.fixtures import server_fixture  # noqa: F401
from tests.test_server_sync import pulled

TOWNSHIP, TOWNSHIP_CODE = "150422100", "150422100000"
VILLAGE_A, VILLAGE_B = "150422100204", "150422100205"


def outcome(client, change) -> dict:
    r = client.push([change])
    assert r.status_code == 200, r.text
    return r.json()["results"][0]


def seen_seq(client, entity: str, record_id: str) -> int:
    """The server_seq of a record as the client last pulled it: the `base` of its next edit."""
    cursor, seq = 0, 0
    while True:
        page = client.pull(cursor, 500).json()
        seq = max([seq] + [r["seq"] for r in page["records"] if (r["entity"], r["record_id"]) == (entity, record_id)])
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return seq


def task_fields(dept: str) -> dict:
    return {"task_no": "RW2026-0001", "title": "独居老人冬季走访", "department_code": dept, "kind": "1",
            "priority": 1, "issued_at": "2026-11-20T09:00:00", "due_at": "2026-12-20T18:00:00",
            "region_code": TOWNSHIP}


def case_fields(escalated_to: str | None) -> dict:
    return {"case_no": "SJ2026-01", "source": "3", "request_type": "2", "category_code": "0201",
            "title": "楼道堆放杂物", "registered_at": "2026-11-21T10:00:00", "region_code": VILLAGE_A,
            "status": 30, "escalated_to": escalated_to}


def test_a_task_travels_from_department_to_village_and_feedback_comes_back(server):
    dept = server.user_client("department", "150422", "mz")
    other_dept = server.user_client("department", "150422", "ga")
    admin = server.user_client("township_admin", TOWNSHIP)
    cadre_a = server.user_client("village_cadre", VILLAGE_A)
    cadre_b = server.user_client("village_cadre", VILLAGE_B)
    task, target = new_id(), new_id()
    assert outcome(dept, dept.change("task", task, task_fields("mz")))["outcome"] == "accepted"
    assert outcome(dept, dept.change("task_target", target, {
        "task_id": task, "region_code": TOWNSHIP_CODE, "status": "10"}))["outcome"] == "accepted"
    # A department issues only in its own name and never writes the register.
    assert outcome(dept, dept.change("task", new_id(), task_fields("ga")))["code"] == "forbidden_scope"
    elsewhere = {**task_fields("mz"), "region_code": "150403"}  # another county than its own
    assert outcome(dept, dept.change("task", new_id(), elsewhere))["code"] == "forbidden_scope"
    assert outcome(dept, dept.change("household", new_id(), {
        "household_no": VILLAGE_A + "010001", "region_code": VILLAGE_A}))["code"] == "forbidden_scope"
    assert outcome(other_dept, other_dept.change("task_target", target, {"status": "40"}))["code"] == \
        "forbidden_scope"

    seen = pulled(admin)[0]["records"]
    assert ("task", task) in seen and ("task_target", target) in seen
    assert ("task_target", target) not in pulled(cadre_a)[0]["records"]  # not assigned yet
    assert outcome(admin, admin.change("task_target", target, {
        "assigned_region_code": VILLAGE_A, "assignee": "村委王主任"}))["outcome"] == "accepted"

    seen_a = pulled(cadre_a)[0]["records"]
    assert ("task", task) in seen_a and ("task_target", target) in seen_a
    assert ("task_target", target) not in pulled(cadre_b)[0]["records"]
    base = {"status": seen_seq(cadre_a, "task_target", target)}
    assert outcome(cadre_a, cadre_a.change("task_target", target, {"status": "20"}, base=base))["outcome"] == \
        "accepted"
    feedback = {"target_id": target, "region_code": TOWNSHIP_CODE, "at": "2026-11-25T16:00:00",
                "author": "村委王主任", "text": "已走访 12 户，2 户需要送煤", "handled_count": 12, "total_count": 30}
    fb = new_id()
    assert outcome(cadre_a, cadre_a.change("task_feedback", fb, feedback))["outcome"] == "accepted"
    assert outcome(cadre_a, cadre_a.change("task_target", target, {"assigned_region_code": VILLAGE_B}))["code"] \
        == "forbidden_scope"  # a village reports on its part, it does not re-assign it
    assert outcome(cadre_b, cadre_b.change("task_feedback", new_id(), feedback))["code"] == "forbidden_scope"

    desk = dept.get("/department/tasks").json()
    [issued] = [t for t in desk if t["id"] == task]
    [progress] = issued["targets"]
    assert progress["status"] == "20" and progress["assigned_region_code"] == VILLAGE_A
    assert progress["feedback_count"] == 1 and progress["last_feedback_text"].startswith("已走访")
    assert task not in {t["id"] for t in other_dept.get("/department/tasks").json()}
    dept_seen = pulled(dept)[0]["records"]
    assert {("task", task), ("task_target", target), ("task_feedback", fb)} <= set(dept_seen)
    assert not {e for e, _ in dept_seen} & {"household", "person", "visit", "tag_assignment"}
    assert not {k for k in pulled(other_dept)[0]["records"] if k[0].startswith("task")}
    snapshot = requests.get(server.api + "/sync/snapshot", headers=dept.headers())
    in_snapshot = {(r["entity"], r["record_id"]) for line in snapshot.text.split("\n") if line
                   for r in json.loads(line)["records"]}
    assert {("task", task), ("task_target", target), ("task_feedback", fb)} <= in_snapshot
    assert {e for e, _ in in_snapshot} <= {"code_entry", "task", "task_target", "task_link", "task_feedback",
                                           "case", "case_log", "case_whistle"}
    assert not {k for k in in_snapshot if k[0] == "task" and k != ("task", task)} - set(dept_seen)
    # Township staff see the feedback of their township's target.
    assert ("task_feedback", fb) in pulled(admin)[0]["records"]


def test_escalated_cases_reach_the_department_and_leave_when_withdrawn(server):
    staff = server.user_client("township_staff", TOWNSHIP)
    dept = server.user_client("department", "150422", "zj")
    escalated, ordinary = new_id(), new_id()
    assert outcome(staff, staff.change("case", escalated, case_fields("zj")))["outcome"] == "accepted"
    assert outcome(staff, staff.change("case", ordinary, case_fields(None)))["outcome"] == "accepted"
    assert [c["id"] for c in dept.get("/department/cases").json()] == [escalated]
    seen, cursor = pulled(dept)
    assert ("case", escalated) in seen["records"] and ("case", ordinary) not in seen["records"]
    log = {"case_id": escalated, "region_code": VILLAGE_A, "at": "2026-11-22T09:30:00", "actor": "住建局李工",
           "action": "arrive", "text": "已到场处置"}
    assert outcome(dept, dept.change("case_log", new_id(), log))["outcome"] == "accepted"
    assert outcome(dept, dept.change("case_log", new_id(), {**log, "case_id": ordinary}))["code"] == \
        "forbidden_scope"
    assert outcome(dept, dept.change("case", escalated, {"status": 70}))["code"] == "forbidden_scope"
    outcome(staff, staff.change("case", escalated, {"escalated_to": None}))
    later, _ = pulled(dept, cursor)
    assert ("case", escalated) in later["evictions"] and ("case", escalated) not in later["records"]
    assert dept.get("/department/cases").json() == []
    assert staff.get("/department/cases").status_code == 403
