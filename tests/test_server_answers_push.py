"""一表通 answers enforced at the push, whoever sends them: a feedback entry carrying answers may name
only the fields its task requested. Contract-style API clients (raw wire changes, as any client may
send them) — a township clerk, a village cadre, the department itself — get a per-change refusal
naming the extra fields in the language the request asked for; answers holding only requested
fields, and feedback without answers, are accepted; nothing of a refused entry is stored."""

from __future__ import annotations

import datetime as dt
import uuid

from db.ids import new_id
from db.models import TaskFeedback
from server.models import RequestCatalogueEntry
from tests.server.fixtures import server_fixture  # noqa: F401

TOWNSHIP = "150422100"
VILLAGE = "150422100201"


def _answer(client, change: dict, lang: str = "zh") -> dict:
    r = client.post("/sync/push", json={"changes": [change]}, headers={"Accept-Language": lang})
    assert r.status_code == 200, r.text
    return r.json()["results"][0]


def _data_request(server, fields: list[str]) -> tuple[str, str, object]:
    """A department with an approved catalogue entry for `fields`, a data request issued by its
    device to the township; returns (department code, target id, the department's client)."""
    dept = "d" + uuid.uuid4().hex[:6]
    with server.session() as s:
        s.add(RequestCatalogueEntry(department_code=dept, name="低保户核对 " + dept, purpose="核查", fields=fields,
                                    state="approved", proposed_by="x", proposed_at=dt.datetime(2026, 12, 1)))
        s.commit()
    device = server.user_client("department", "150422", dept)
    task_id, target_id = new_id(), new_id()
    task = {"task_no": "RW-" + task_id[-6:], "title": "低保户信息核对", "department_code": dept, "kind": "2",
            "priority": 2, "issued_at": "2026-12-01T09:00:00", "due_at": "2026-12-20T18:00:00",
            "region_code": TOWNSHIP, "requested_fields": fields}
    target = {"task_id": task_id, "region_code": TOWNSHIP, "status": "20", "handled_count": 0, "total_count": 0}
    results = device.push([device.change("task", task_id, task), device.change("task_target", target_id, target)])
    assert [a["outcome"] for a in results.json()["results"]] == ["accepted", "accepted"], results.text
    return dept, target_id, device


def _feedback(client, target_id: str, answers: dict, region: str = TOWNSHIP) -> tuple[str, dict]:
    feedback_id = new_id()
    return feedback_id, client.change("task_feedback", feedback_id, {
        "target_id": target_id, "region_code": region, "at": "2026-12-05T10:00:00", "author": "clerk",
        "text": "一表通核对：已核 1 户，共 1 户。", "handled_count": 1, "total_count": 1, "answers": answers})


def test_answers_naming_unrequested_fields_are_refused_per_change_in_both_languages(server):
    _dept, target_id, _device = _data_request(server, ["phone", "current_address"])
    clerk = server.user_client("township_staff", TOWNSHIP)

    ok_id, ok = _feedback(clerk, target_id, {"fields": ["phone", "current_address"], "households": {
        "150422100201000001": {"phone": "13800000000", "current_address": "幸福路1号"}}})
    assert _answer(clerk, ok)["outcome"] == "accepted"

    extra_id, extra = _feedback(clerk, target_id, {"fields": ["phone"], "households": {
        "150422100201000001": {"phone": "13800000000", "id_number": "150422199001011234", "name": "张三"}}})
    refused = _answer(clerk, extra)
    assert refused["outcome"] == "rejected" and refused["code"] == "answers_outside_request"
    assert refused["message"] == "一表通答复含有任务未要求的字段：证件号码、姓名，已拒绝（只能报送任务要求的字段）"

    # The list of names alone, and a household answered for two members, are judged the same way.
    listed_id, listed = _feedback(clerk, target_id, {"fields": ["phone", "education"], "households": {}})
    english = _answer(clerk, listed, "en")
    assert english["code"] == "answers_outside_request"
    assert english["message"] == ("The one-form answer holds fields the task did not request: Education; "
                                  "only the requested fields may be sent")
    two_id, two = _feedback(clerk, target_id, {"fields": ["phone"], "households": {
        "150422100201000002": [{"phone": "13900000000"}, {"phone": "13700000000", "marital_status": "20"}]}})
    assert _answer(clerk, two)["code"] == "answers_outside_request"

    # Answers not shaped as answers are refused rather than passed on.
    odd_id, odd = _feedback(clerk, target_id, {"fields": ["phone"], "persons": {"x": {"phone": "1"}}})
    malformed = _answer(clerk, odd)
    assert malformed["code"] == "answers_malformed" and malformed["message"].startswith("一表通答复格式不对")
    nested_id, nested = _feedback(clerk, target_id, {"households": {"150422100201000001": {"phone": {"a": 1}}}})
    assert _answer(clerk, nested)["code"] == "answers_malformed"

    with server.session() as s:
        assert s.get(TaskFeedback, ok_id).answers["households"]["150422100201000001"]["phone"] == "13800000000"
        for refused_id in (extra_id, listed_id, two_id, odd_id, nested_id):
            assert s.get(TaskFeedback, refused_id) is None


def test_a_village_cadre_and_the_department_itself_are_held_to_the_request_too(server):
    _dept, target_id, department = _data_request(server, ["education"])
    cadre = server.user_client("village_cadre", VILLAGE)
    # The village reports on the township's target assigned to it (as the desktop does after 分派).
    assign = department.change("task_target", target_id, {"assigned_region_code": VILLAGE})
    assert _answer(department, assign)["outcome"] == "accepted"
    _id, listed = _feedback(cadre, target_id, {"fields": ["education", "phone"], "households": {
        VILLAGE + "000009": {"education": "20", "phone": "13800000000"}}})
    answer = _answer(cadre, listed)
    assert answer["outcome"] == "rejected" and answer["code"] == "answers_outside_request"
    assert "联系电话" in answer["message"] and "文化程度" not in answer["message"]
    fine_id, fine = _feedback(cadre, target_id, {"fields": ["education"], "households": {
        VILLAGE + "000009": [{"education": "20"}, {"education": "30"}]}})
    assert _answer(cadre, fine)["outcome"] == "accepted"

    # The department's own 催办 carries no answers and passes; answers it makes up are refused.
    _id, remind = _feedback(department, target_id, {})
    assert _answer(department, remind)["outcome"] == "accepted"
    _id, made_up = _feedback(department, target_id, {"households": {"1": {"id_number": "x"}}})
    assert _answer(department, made_up)["code"] == "answers_outside_request"


def test_answers_on_a_task_that_requested_nothing_are_refused(server):
    admin = server.user_client("city_admin")
    task_id, target_id = new_id(), new_id()
    task = {"task_no": "RW-" + task_id[-6:], "title": "防汛巡查", "department_code": "d" + uuid.uuid4().hex[:6],
            "kind": "1", "priority": 2, "issued_at": "2026-12-01T09:00:00", "due_at": "2026-12-20T18:00:00",
            "region_code": TOWNSHIP, "requested_fields": []}
    target = {"task_id": task_id, "region_code": TOWNSHIP, "status": "20", "handled_count": 0, "total_count": 0}
    pushed = admin.push([admin.change("task", task_id, task), admin.change("task_target", target_id, target)])
    assert [a["outcome"] for a in pushed.json()["results"]] == ["accepted", "accepted"]
    clerk = server.user_client("township_staff", TOWNSHIP)
    _id, change = _feedback(clerk, target_id, {"fields": ["phone"], "households": {"1": {"phone": "1"}}})
    assert _answer(clerk, change)["code"] == "answers_outside_request"
    _id, plain = _feedback(clerk, target_id, {})
    assert _answer(clerk, plain)["outcome"] == "accepted"
