"""The city console over HTTP against a live server (SQLite, and PostgreSQL when configured), as a
person at the forms would use it: signing in (CSRF, lockout, expiry, roles that may not), the
department's request catalogue approved by the city admin, a 一表通 task issued only with approved
fields, its progress and the answers (only requested fields, masked), the export (audited), 吹哨
steps, scope (another department, another township, a leader on a department page), escaping."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import uuid

import requests
from openpyxl import load_workbook
from sqlalchemy import select, update

from db.ids import new_id
from db.models import AuditEntry, Case, CaseWhistle, CodeEntry, Task, TaskFeedback, TaskTarget
from server.codes import code_entry_id
from server.intake import add_workdays, work_calendar
from server.models import ChannelKey, ConsoleSession, RequestCatalogueEntry
from tests.console_support import ConsoleClient, signed_in, texts
from tests.server.fixtures import server_fixture  # noqa: F401

TOWNSHIP, OTHER_TOWNSHIP = "150422100", "150422101"
VILLAGE = "150422100203"


def dept_code() -> str:
    return "d" + uuid.uuid4().hex[:6]


def approved_entry(server, dept_client: ConsoleClient, admin: ConsoleClient, name: str, fields: list[str]) -> str:
    dept_client.get("/dept/catalogue")
    r = dept_client.post("/dept/catalogue", {"name": name, "fields[]": fields, "purpose": "核查"})
    assert r.status_code == 200 and "已保存" in r.text
    with server.session() as s:
        entry_id = s.scalars(select(RequestCatalogueEntry.id).where(RequestCatalogueEntry.name == name)).one()
    admin.get("/admin/catalogue")
    r = admin.post(f"/admin/catalogue/{entry_id}", {"decision": "approve", "note": ""})
    assert r.status_code == 200, r.text[:300]
    return entry_id


def test_login_csrf_lockout_expiry_and_roles(server):
    username = server.add_user("leader", "", None)
    person = ConsoleClient(server)
    assert person.get("/leader").url.endswith("/console/login?next=/console/leader")
    person.get("/login")
    r = person.post("/login", {"username": username, "password": "correct horse 9", "next": "/console/"}, csrf="forged")
    assert r.status_code == 400 and "/login" in r.url
    for _ in range(5):
        person.get("/login")
        r = person.post("/login", {"username": username, "password": "wrong password 1", "next": ""})
        assert r.status_code == 401 and "用户名或密码错误" in r.text
    person.get("/login")
    r = person.post("/login", {"username": username, "password": "correct horse 9", "next": ""})
    assert r.status_code == 429 and "登录失败次数过多" in r.text  # the API's lockout, not a second one

    staff = ConsoleClient(server)
    r = staff.login(server.add_user("township_staff", TOWNSHIP))
    assert r.status_code == 403 and "客户端" in r.text

    leader = signed_in(server, "leader")
    assert leader.get("/leader").status_code == 200
    assert leader.get("/dept/progress").status_code == 403 and leader.get("/admin/users").status_code == 403
    leader.get("/leader")
    r = leader.post("/logout", {})
    assert "/login" in r.url and leader.get("/leader").url.endswith("/console/login?next=/console/leader")

    idle = signed_in(server, "leader")
    with server.session() as s:
        s.execute(update(ConsoleSession).values(last_seen_at=dt.datetime(2020, 1, 1)))
        s.commit()
    r = idle.get("/leader")
    assert "expired=1" in r.url and "登录已过期" in r.text
    assert leader.http.post(server.api + "/login", json={
        "username": username, "password": "x", "device_id": str(uuid.uuid4())}).status_code in (401, 429)


def test_department_data_request_progress_answers_and_export(server):
    dept = dept_code()
    admin = signed_in(server, "city_admin")
    clerk = signed_in(server, "department", "150422", dept)
    name = "<script>alert('低保')</script>"
    entry = approved_entry(server, clerk, admin, name, ["phone", "residence_type"])
    page = clerk.get("/dept/catalogue").text
    assert "&lt;script&gt;alert(" in page and "<script>alert(" not in page  # shown as text

    clerk.get("/dept/issue")
    bad = clerk.post("/dept/issue", {"title": "", "kind": "2", "priority": "2", "workdays": "0",
                                     "catalogue_id": entry, "fields[]": ["phone", "id_number"]})
    assert bad.status_code == 422
    errors = texts(bad.text, "field-error")
    assert {"必填。", "请填写 1–60 的整数。", "请至少选择一个乡镇、村或网格。", "所选字段超出已批准的范围。"} <= set(errors)
    with server.session() as s:
        assert not s.scalars(select(Task).where(Task.department_code == dept)).all()  # nothing half-saved

    r = clerk.post("/dept/issue", {"title": "低保户联系方式核查", "kind": "2", "priority": "1", "workdays": "3",
                                   "catalogue_id": entry, "fields[]": ["phone"],
                                   "regions[]": [f"rg-{VILLAGE}", f"rg-{OTHER_TOWNSHIP}"]})
    assert r.status_code == 200 and "任务已下发：2 个对象" in r.text, r.text[:400]
    with server.session() as s:
        task = s.scalars(select(Task).where(Task.department_code == dept)).one()
        assert task.requested_fields == ["phone"] and task.kind == "2"
        target = s.scalars(select(TaskTarget).where(TaskTarget.task_id == task.id,
                                                    TaskTarget.region_code == VILLAGE)).one()

    cadre = server.user_client("village_cadre", VILLAGE)
    answer = {"target_id": target.id, "region_code": VILLAGE, "at": "2026-12-06T10:00:00", "author": "村干部",
              "text": "已核 1 户", "handled_count": 1, "total_count": 1,
              "answers": {"fields": ["phone"], "households": {
                  VILLAGE + "010001": {"phone": "13812345678", "id_number": "11010519491231002X"}}}}
    pushed = cadre.push([cadre.change("task_feedback", new_id(), answer),
                         cadre.change("task_target", target.id, {"status": "30", "handled_count": 1,
                                                                 "total_count": 1})])
    # An unrequested field in the answer: the push refuses that entry (tests/test_server_answers_push.py).
    assert [a.get("code") for a in pushed.json()["results"]][0] == "answers_outside_request"
    del answer["answers"]["households"][VILLAGE + "010001"]["id_number"]
    assert cadre.push([cadre.change("task_feedback", new_id(), answer)]).json()["results"][0]["outcome"] == "accepted"

    grid = clerk.get("/dept/progress").text
    assert "林东镇" in grid and "隆昌镇" in grid
    detail = clerk.get(f"/dept/targets/{target.id}").text
    assert "138****5678" in detail and "13812345678" not in detail
    assert "11010519491231002X" not in detail and "110105" not in detail  # an unrequested field never shows
    other = signed_in(server, "department", "150422", dept_code())
    assert other.get(f"/dept/targets/{target.id}").status_code == 404
    assert task.title not in other.get("/dept/progress").text

    r = clerk.get(f"/dept/progress.xlsx?task={task.id}")
    sheet = load_workbook(io.BytesIO(r.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "任务编号" and len(rows) == 3 and {row[3] for row in rows[1:]} == {"已完成", "未接收"}
    with server.session() as s:
        logged = s.scalars(select(AuditEntry).where(AuditEntry.username == clerk_name(clerk),
                                                    AuditEntry.action == "export")).all()
        assert logged and set(logged[-1].record_ids) == {t.id for t in s.scalars(
            select(TaskTarget).where(TaskTarget.task_id == task.id))}


def clerk_name(client: ConsoleClient) -> str:
    return re.search(r"当前用户：([^（]+)（", client.get("/dept/progress").text).group(1)


def test_whistle_steps_and_evaluation_visible(server):
    dept = dept_code()
    clerk = signed_in(server, "department", "150422", dept)
    staff = server.user_client("township_staff", TOWNSHIP)
    case_id, whistle_id = new_id(), new_id()
    fields = {"case_no": "AJ" + case_id[-8:], "source": "1", "request_type": "1", "category_code": "01",
              "title": "河道垃圾堆积", "registered_at": "2026-12-01T09:00:00", "region_code": VILLAGE, "status": 20}
    whistle = {"case_id": case_id, "region_code": VILLAGE, "department_code": dept,
               "summoned_at": "2026-12-01T10:00:00"}
    results = staff.push([staff.change("case", case_id, fields), staff.change("case_whistle", whistle_id, whistle)])
    assert all(x["outcome"] == "accepted" for x in results.json()["results"]), results.text
    page = clerk.get("/dept/whistles").text
    assert "河道垃圾堆积" in page
    with server.session() as s:  # where the call came from, by name (the page showed 150422100203)
        from db.models import Region

        village = s.get(Region, VILLAGE).name
    assert f"<td>{village}</td>" in page
    assert clerk.post(f"/dept/whistles/{whistle_id}/sign").status_code == 200
    assert clerk.post(f"/dept/whistles/{whistle_id}/sign").status_code == 422  # once only
    clerk.get("/dept/whistles")
    assert clerk.post(f"/dept/whistles/{whistle_id}/handle", {"text": ""}).status_code == 422
    clerk.get("/dept/whistles")
    assert clerk.post(f"/dept/whistles/{whistle_id}/arrive").status_code == 200
    assert clerk.post(f"/dept/whistles/{whistle_id}/handle", {"text": "已清理"}).status_code == 200
    with server.session() as s:
        assert s.get(CaseWhistle, whistle_id).arrived_at is not None
    base = {"evaluation": 0}
    r = staff.push([staff.change("case_whistle", whistle_id, {"evaluation": "1", "comment": "响应及时"}, base=base)])
    assert r.json()["results"][0]["outcome"] in ("accepted", "merged_with_conflict"), r.text
    page = clerk.get("/dept/whistles").text
    assert "好：响应及时" in page
    # evaluated, the call is over: no step is offered for it any more, and one posted is refused in words
    row = page.split("好：响应及时")[1].split("</tr>")[0]
    assert "<button" not in row and "已结束" in row, row
    refused = clerk.post(f"/dept/whistles/{whistle_id}/handle", {"text": "再报一次"})
    assert refused.status_code == 422 and "乡镇已评价，此次吹哨已结束。" in refused.text


def test_admin_users_devices_and_township_scope(server):
    admin = signed_in(server, "township_admin", TOWNSHIP)
    admin.get("/admin/users")
    r = admin.post("/admin/users", {"username": "x", "password": "123", "role": "city_admin", "township": "12"})
    assert r.status_code == 422
    assert {"用户名只能用字母、数字、下划线、点和连字符（2–50 位）。", "管辖范围须为 6、9、12 或 15 位区划代码。",
            "不能创建该角色或该范围的用户。"} <= set(texts(r.text, "field-error"))
    username = "cadre_" + uuid.uuid4().hex[:6]
    r = admin.post("/admin/users", {"username": username, "password": "short", "role": "village_cadre",
                                    "township": TOWNSHIP, "village": VILLAGE,
                                    "display_name": "<b>王</b>"})
    assert r.status_code == 422 and "密码不符合要求" in r.text
    r = admin.post("/admin/users", {"username": username, "password": "correct horse 9", "role": "village_cadre",
                                    "township": TOWNSHIP, "village": VILLAGE,
                                    "display_name": "<b>王</b>"})
    assert r.status_code == 200 and "&lt;b&gt;王&lt;/b&gt;" in r.text
    outsider = server.add_user("village_cadre", "150422101201")
    assert outsider not in admin.get("/admin/users").text
    assert admin.post(f"/admin/users/{outsider}/disable").status_code == 404

    device = server.login(username)
    admin.get("/admin/devices")
    assert device.device_id in admin.page
    assert admin.post(f"/admin/devices/{device.device_id}/wipe").status_code == 200
    r = device.pull()
    assert r.status_code == 403 and r.json()["error"]["wipe"] is True
    assert admin.get("/admin/catalogue").status_code == 403 and admin.get("/admin/audit").status_code == 403


def test_leader_outcomes_drill_to_overdue_cases(server):
    staff = server.user_client("township_staff", OTHER_TOWNSHIP)
    village = OTHER_TOWNSHIP + "202"
    today = dt.date.today()
    made = {}
    for name, deadline, status, closed in (("按期办结", today - dt.timedelta(days=5), 70, today - dt.timedelta(days=6)),
                                           ("超期未办", today - dt.timedelta(days=2), 50, None),
                                           ("超期办结", today - dt.timedelta(days=9), 70, today - dt.timedelta(days=3))):
        case_id = new_id()
        made[name] = case_id
        fields = {"case_no": "LD" + case_id[-10:], "source": "1", "request_type": "1", "category_code": "01",
                  "title": f"{name}{case_id[-4:]}", "registered_at": f"{today - dt.timedelta(days=20)}T09:00:00",
                  "region_code": village, "status": status, "deadline_on": deadline.isoformat(),
                  "closed_at": f"{closed}T12:00:00" if closed else None}
        assert staff.push([staff.change("case", case_id, fields)]).json()["results"][0]["outcome"] == "accepted"
    leader = signed_in(server, "leader")
    page = leader.get("/leader").text
    assert "隆昌镇" in page and "治理成效" in page
    link = re.search(rf'href="(/console/leader/cases\?township={OTHER_TOWNSHIP}&which=overdue)"', page)
    overdue = leader.get(link.group(1).removeprefix("/console")).text
    with server.session() as s:
        titles = {n: s.get(Case, i).title for n, i in made.items()}
    assert titles["超期未办"] in overdue and titles["超期办结"] in overdue and titles["按期办结"] not in overdue
    township_admin = signed_in(server, "township_admin", TOWNSHIP)
    assert titles["超期未办"] not in township_admin.get(f"/leader/cases?township={OTHER_TOWNSHIP}").text


def test_feedback_answers_keep_only_requested_fields(server):
    """The service itself, on the rows: an answer carrying more than was asked shows only the asked."""
    from server.department_work import target_feedback

    task = Task(id=new_id(), requested_fields=["phone"])
    target = TaskTarget(id=new_id())
    with server.session() as s:
        s.add(TaskFeedback(id=new_id(), target_id=target.id, region_code=VILLAGE, at=dt.datetime(2026, 12, 1),
                           author="x", answers={"households": {"1": {"phone": "1", "id_number": "2"},
                                                               "2": [{"phone": "3"}, {"phone": "4", "name": "x"}]}}))
        s.flush()
        [entry] = target_feedback(s, target, task)
        s.rollback()
    # (stored before the push refused such answers); two members of household 2 give two rows
    assert entry.answers == [("1", {"phone": "1"}), ("2", {"phone": "3"}), ("2", {"phone": "4"})]


def test_channel_keys_are_created_and_rotated_and_builds_listed(server):
    admin = signed_in(server, "city_admin")
    channel = "wx" + uuid.uuid4().hex[:6]
    admin.get("/admin/channels")
    assert admin.post("/admin/channels", {"channel": "", "name": "x", "source": "4"}).status_code == 422
    r = admin.post("/admin/channels", {"channel": channel, "name": "微信公众号", "source": "4"})
    first = re.search(r'<strong class="mono">(tdk_[^<]+)</strong>', r.text).group(1)

    def status(key: str) -> int:
        return admin.http.get(server.api + "/intake/status", params={"cursor": 0},
                              headers={"X-Api-Key": key}).status_code

    assert status(first) == 200
    with server.session() as s:
        key_id = s.scalars(select(ChannelKey.id).where(ChannelKey.channel == channel)).one()
    r = admin.post(f"/admin/channels/{key_id}/rotate")
    second = re.search(r'<strong class="mono">(tdk_[^<]+)</strong>', r.text).group(1)
    assert second != first and status(first) == 401 and status(second) == 200
    assert admin.get("/admin/builds").status_code == 200
    assert signed_in(server, "township_admin", TOWNSHIP).get("/admin/channels").status_code == 403


def _pulled_codes(client) -> dict[str, dict]:
    found, cursor = {}, 0
    while True:
        page = client.pull(cursor, 2000).json()
        found.update({r["record_id"]: r["fields"] for r in page["records"] if r["entity"] == "code_entry"})
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return found


def test_city_code_tables_and_local_additions_reach_the_clients(server):
    admin = signed_in(server, "city_admin")
    admin.get("/admin/code-tables?table=case_category")
    entry = code_entry_id("case_category", "0101")
    assert admin.post(f"/admin/code-tables/{entry}", {"label_zh": "", "label_en": ""}).status_code == 422
    r = admin.post(f"/admin/code-tables/{entry}", {"label_zh": "邻里纠纷（含噪音）", "label_en": "Neighbour disputes",
                                                    "active": "1"})
    assert r.status_code == 200 and "已保存" in r.text
    code = "99" + uuid.uuid4().hex[:4]
    assert admin.post("/admin/code-tables", {"table": "case_category", "code": "0101", "label_zh": "x"}).status_code == 422
    assert admin.post("/admin/code-tables", {"table": "case_category", "code": code, "label_zh": "<i>新类</i>",
                                             "parent_code": "01"}).status_code == 200
    township_admin = server.user_client("township_admin", TOWNSHIP)
    local = new_id()
    pushed = township_admin.push([township_admin.change("code_entry", local, {
        "table": "case_category", "code": "L" + local[-4:], "label_zh": "本镇特色分类", "scope_prefix": TOWNSHIP,
        "parent_code": "01", "attrs": {}, "sort_order": 999, "active": True})])
    assert pushed.json()["results"][0]["outcome"] == "accepted", pushed.text
    admin.get("/admin/codes")
    assert "本镇特色分类" in admin.page
    assert admin.post(f"/admin/codes/{local}/refuse").status_code == 200
    codes = _pulled_codes(server.user_client("township_staff", TOWNSHIP))
    assert codes[entry]["label_zh"] == "邻里纠纷（含噪音）"
    assert codes[code_entry_id("case_category", code)]["label_zh"] == "<i>新类</i>"
    assert codes[local]["active"] is False and codes[local]["attrs"]["city_review"] == "refuse"
    assert "&lt;i&gt;新类&lt;/i&gt;" in admin.get("/admin/code-tables?table=case_category").text


def test_department_reissues_a_returned_target_and_reopens_a_completed_one(server):
    clerk = signed_in(server, "department", "150422", dept_code())
    clerk.get("/dept/issue")
    r = clerk.post("/dept/issue", {"title": "秸秆禁烧巡查", "kind": "1", "priority": "2", "workdays": "2",
                                   "regions[]": [f"rg-{VILLAGE}"]})
    assert r.status_code == 200
    with server.session() as s:
        target = s.scalars(select(TaskTarget).join(Task, Task.id == TaskTarget.task_id)
                           .where(Task.title == "秸秆禁烧巡查", TaskTarget.region_code == VILLAGE)).first()
    cadre = server.user_client("village_cadre", VILLAGE)
    seq = {r["record_id"]: r["seq"] for r in cadre.pull(0, 2000).json()["records"]}
    back = cadre.push([cadre.change("task_target", target.id, {"status": "40"}, base={"status": seq.get(target.id, 0)})])
    assert back.json()["results"][0]["outcome"] == "accepted", back.text
    clerk.get(f"/dept/targets/{target.id}")
    assert "重新下发" in clerk.page
    assert clerk.post(f"/dept/targets/{target.id}/reopen").status_code == 409  # not completed
    clerk.get(f"/dept/targets/{target.id}")
    assert clerk.post(f"/dept/targets/{target.id}/reissue").status_code == 200
    with server.session() as s:
        assert s.get(TaskTarget, target.id).status == "10"


def test_escrowed_key_is_released_only_with_a_reason_and_shows_in_the_audit(server):
    cadre = server.user_client("village_cadre", VILLAGE)
    key = "k" + uuid.uuid4().hex * 2
    stored = requests.put(server.api + "/escrow/key", json={"key": key}, headers=cadre.headers(), timeout=30)
    assert stored.status_code == 200, stored.text
    admin = signed_in(server, "city_admin")
    admin.get("/admin/devices")
    assert admin.post(f"/admin/devices/{cadre.device_id}/release", {"reason": " "}).status_code == 422
    admin.get("/admin/devices")
    r = admin.post(f"/admin/devices/{cadre.device_id}/release", {"reason": "电脑故障，恢复数据"})
    assert r.status_code == 200 and key in r.text
    audit = admin.get("/admin/audit?action=key_release").text
    assert "电脑故障，恢复数据" in audit
    other_township = signed_in(server, "township_admin", OTHER_TOWNSHIP)
    other_township.get("/admin/devices")
    assert cadre.device_id not in other_township.page
    assert other_township.post(f"/admin/devices/{cadre.device_id}/release", {"reason": "x"}).status_code == 404


def test_department_sees_the_photo_a_village_attached_to_its_feedback(server):
    clerk = signed_in(server, "department", "150422", dept_code())
    clerk.get("/dept/issue")
    assert clerk.post("/dept/issue", {"title": "危房排查照片", "kind": "1", "priority": "2", "workdays": "2",
                                      "regions[]": [f"rg-{VILLAGE}"]}).status_code == 200
    with server.session() as s:
        target = s.scalars(select(TaskTarget).join(Task, Task.id == TaskTarget.task_id)
                           .where(Task.title == "危房排查照片")).first()
    cadre = server.user_client("village_cadre", VILLAGE)
    feedback, photo = new_id(), b"\xff\xd8\xff\xe0" + uuid.uuid4().bytes * 300
    sha = hashlib.sha256(photo).hexdigest()
    pushed = cadre.push([
        cadre.change("task_feedback", feedback, {"target_id": target.id, "region_code": VILLAGE, "text": "已排查",
                                                 "at": "2026-12-06T09:00:00", "author": "村干部"}),
        cadre.change("attachment", new_id(), {
            "owner_entity": "task_feedback", "owner_id": feedback, "region_code": VILLAGE, "grid_code": None,
            "sha256": sha, "size": len(photo), "mime": "image/jpeg", "filename": "危房<1>.jpg", "caption": "东墙裂缝",
            "thumb_sha256": None, "taken_at": None, "added_by": "村干部", "added_at": "2026-12-06T09:00:00",
            "printed_version": None})])
    assert all(r["outcome"] == "accepted" for r in pushed.json()["results"]), pushed.text
    uploaded = requests.put(f"{server.api}/blobs/{sha}", params={"offset": 0, "total": len(photo)}, data=photo,
                            headers={**cadre.headers(), "Content-Type": "application/octet-stream"}, timeout=30)
    assert uploaded.json()["complete"] is True, uploaded.text
    page = clerk.get(f"/dept/targets/{target.id}").text
    link = re.search(rf'href="/console(/dept/targets/{target.id}/files/[^"]+)"><span class="muted">文件：</span>危房&lt;1&gt;.jpg', page)
    assert link and "东墙裂缝" in page
    got = clerk.get(link.group(1))
    assert got.status_code == 200 and got.content == photo and got.headers["content-type"] == "image/jpeg"
    other = signed_in(server, "department", "150422", dept_code())
    assert other.get(link.group(1)).status_code == 404
    with server.session() as s:
        assert s.scalars(select(AuditEntry).where(AuditEntry.entity == "attachment",
                                                  AuditEntry.reason.contains("危房<1>.jpg"))).first()


def test_the_department_api_lists_its_approved_catalogue(server):
    dept = dept_code()
    admin = signed_in(server, "city_admin")
    clerk = signed_in(server, "department", "150422", dept)
    entry = approved_entry(server, clerk, admin, "独居老人联系方式", ["phone", "current_address"])
    clerk.get("/dept/catalogue")
    clerk.post("/dept/catalogue", {"name": "待批事项", "fields[]": ["education"], "purpose": ""})
    api = server.login(server.add_user("department", "150422", dept))
    approved = api.get("/department/catalogue").json()
    assert [(e["id"], e["fields"], e["field_labels"]) for e in approved] == [
        (entry, ["phone", "current_address"], ["联系电话", "现住址"])]
    assert [e["name"] for e in api.get("/department/catalogue", params={"state": "pending"}).json()] == ["待批事项"]
    assert server.user_client("township_staff", TOWNSHIP).get("/department/catalogue").status_code == 403


def test_user_search_narrows_the_list(server):
    admin = signed_in(server, "city_admin")
    wanted = server.add_user("grid_worker", "150422100203001")
    page = admin.get(f"/admin/users?q={wanted[-8:]}").text
    assert wanted in page and page.count("<tr>") == 2  # the header and the one user
    assert "150422100203001" in admin.get("/admin/users?q=150422100203001&role=grid_worker").text


def test_a_reminder_reaches_the_township_with_the_targets_feedback(server):
    dept = dept_code()
    clerk = signed_in(server, "department", "150422", dept)
    clerk.get("/dept/issue")
    assert clerk.post("/dept/issue", {"title": "防汛物资清点", "kind": "1", "priority": "2", "workdays": "2",
                                      "regions[]": [f"rg-{TOWNSHIP}"]}).status_code == 200
    with server.session() as s:
        target = s.scalars(select(TaskTarget).join(Task, Task.id == TaskTarget.task_id)
                           .where(Task.title == "防汛物资清点", Task.department_code == dept)).one()
    clerk.get(f"/dept/targets/{target.id}")
    assert clerk.post(f"/dept/targets/{target.id}/remind", {"text": " "}).status_code == 422
    clerk.get(f"/dept/targets/{target.id}")
    assert clerk.post(f"/dept/targets/{target.id}/remind", {"text": "请本周五前反馈"}).status_code == 200
    assert "催办：请本周五前反馈" in clerk.get(f"/dept/targets/{target.id}").text
    other = signed_in(server, "department", "150422", dept_code())
    other.get("/dept/progress")
    assert other.post(f"/dept/targets/{target.id}/remind", {"text": "x"}).status_code == 404
    staff = server.user_client("township_staff", TOWNSHIP)
    pulled = [r for r in _pulled(staff) if r["entity"] == "task_feedback" and r["fields"]["target_id"] == target.id]
    assert [r["fields"]["text"] for r in pulled] == ["催办：请本周五前反馈"]
    api = server.login(server.add_user("department", "150422", dept))
    edit = api.push([api.change("task_feedback", pulled[0]["record_id"], {"text": "改写"})]).json()["results"][0]
    assert edit["outcome"] == "rejected"  # added, never changed


def _pulled(client) -> list[dict]:
    found, cursor = [], 0
    while True:
        page = client.pull(cursor, 2000).json()
        found += page["records"]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return found


def test_the_holiday_calendar_is_edited_as_a_code_table_and_moves_deadlines(server):
    admin = signed_in(server, "city_admin")
    admin.get("/admin/code-tables?table=work_calendar")
    assert "元旦" in admin.page and "放假" in admin.page
    assert admin.post("/admin/code-tables", {"table": "work_calendar", "code": "2099-13-01",
                                             "label_zh": "x"}).status_code == 422
    # Far in the future, so no other test's deadline on the shared server moves.
    day_off, makeup = "2099-01-02", "2099-01-03"  # a Friday off, the Saturday worked instead
    for code, label, workday in ((day_off, "测试放假", ""), (makeup, "测试调休上班", "1")):
        with server.session() as s:
            known = s.get(CodeEntry, code_entry_id("work_calendar", code)) is not None
        if not known:
            r = admin.post("/admin/code-tables", {"table": "work_calendar", "code": code, "label_zh": label,
                                                  "workday": workday})
            assert r.status_code == 200, r.text[:300]
    with server.session() as s:
        calendar = work_calendar(s)
    assert dt.date(2099, 1, 2) in calendar[0] and dt.date(2099, 1, 3) in calendar[1]
    assert add_workdays(dt.date(2099, 1, 1), 1, calendar) == dt.date(2099, 1, 3)  # what issuing a task counts


def test_the_city_admin_reads_every_departments_catalogue_or_the_one_it_issues_for(server):
    """The city admin may issue a data request for any department, so the API lets it read the
    approved catalogue of all departments (each entry naming its department) or of one; a department
    user naming another department is refused, translated; other roles are refused."""
    one, other = dept_code(), dept_code()
    admin = signed_in(server, "city_admin")
    first = approved_entry(server, signed_in(server, "department", "150422", one), admin, "独居老人电话 " + one, ["phone"])
    second = approved_entry(server, signed_in(server, "department", "150422", other), admin, "适龄儿童 " + other,
                            ["education"])
    device = server.user_client("city_admin")
    everything = {e["id"]: e["department_code"] for e in device.get("/department/catalogue").json()}
    assert everything[first] == one and everything[second] == other
    scoped = device.get("/department/catalogue", params={"department": other}).json()
    assert [(e["id"], e["fields"], e["field_labels"]) for e in scoped] == [(second, ["education"], ["文化程度"])]

    clerk = server.user_client("department", "150422", one)
    assert [e["id"] for e in clerk.get("/department/catalogue", params={"department": one}).json()] == [first]
    refused = clerk.get("/department/catalogue", params={"department": other})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden_scope"
    assert refused.json()["error"]["message"] == "该记录不在您的管辖范围内。"
    english = requests.get(server.api + "/department/catalogue", params={"department": other},
                           headers={**clerk.headers(), "Accept-Language": "en"})
    assert english.json()["error"]["message"] == "This record is outside your jurisdiction."
    for role, scope in (("township_admin", TOWNSHIP), ("village_cadre", VILLAGE)):
        assert server.user_client(role, scope).get("/department/catalogue", params={"department": one}).status_code == 403
