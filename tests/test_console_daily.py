"""What the console's people met in their daily work (tried at 1366×768 as city admin, township admin
and department clerk, in Chinese and English): a user's scope said only as a code, and the English
header in Chinese punctuation."""

from __future__ import annotations

from tests.console_support import signed_in
from tests.server.fixtures import server_fixture  # noqa: F401

TOWNSHIP, VILLAGE = "150422102", "150422102201"  # 十三敖包镇, 乌登村


def test_the_user_list_names_each_users_place(server):
    cadre = server.add_user("village_cadre", VILLAGE)
    admin = signed_in(server, "city_admin")
    row = admin.get(f"/admin/users?q={cadre}").text.split(f">{cadre}</td>", 1)[1].split("</tr>", 1)[0]
    assert "乌登村" in row and VILLAGE in row, row
    everyone = admin.get("/admin/users?role=city_admin").text
    assert "全市" in everyone  # a city-wide user's scope is said, not left blank


def test_the_english_header_reads_as_english(server):
    admin = signed_in(server, "township_admin", TOWNSHIP)
    admin.http.cookies.set("td_lang", "en")
    header = admin.get("/admin/users").text.split('<span class="who">', 1)[1].split("</span>", 1)[0]
    assert header.startswith("Signed in as ") and "(Township administrator · 十三敖包镇)" in header, header
    assert "：" not in header and "（" not in header
    admin.http.cookies.set("td_lang", "zh")
    header = admin.get("/admin/users").text.split('<span class="who">', 1)[1].split("</span>", 1)[0]
    assert header.startswith("当前用户：") and header.endswith("（乡镇管理员 · 十三敖包镇）"), header
    clerk = signed_in(server, "department", "150422", "mz")
    header = clerk.get("/dept/progress").text.split('<span class="who">', 1)[1].split("</span>", 1)[0]
    assert header.endswith("（部门用户 · 民政 · 巴林左旗）"), header  # names, not mz and 150422


def test_the_audit_is_searched_by_action_in_words_and_names_places(server):
    import datetime as dt
    import uuid

    from db.ids import new_id

    staff = server.user_client("township_staff", TOWNSHIP)
    reason = f"核实低保资格{uuid.uuid4().hex[:4]}"
    r = staff.push([staff.change("audit_entry", new_id(), {
        "at": dt.datetime.now().replace(microsecond=0).isoformat(), "username": "staff", "device_id": staff.device_id,
        "action": "reveal", "entity": "person", "record_ids": [new_id()], "reason": reason, "region_code": VILLAGE})])
    assert r.json()["results"][0]["outcome"] == "accepted", r.text
    admin = signed_in(server, "city_admin")
    page = admin.get("/admin/audit").text
    assert '<option value="reveal">查看完整号码</option>' in page  # not a key to type: reveal, key_release …
    row = admin.get("/admin/audit?action=reveal").text.split(reason)[0].rsplit("<tr>", 1)[1]
    assert "乌登村" in row, row


def test_a_leaders_case_list_names_the_village(server):
    from db.ids import new_id

    staff = server.user_client("township_staff", TOWNSHIP)
    case_id = new_id()
    title = f"路灯不亮{case_id[-5:]}"
    r = staff.push([staff.change("case", case_id, {
        "case_no": "DL" + case_id[-10:], "source": "1", "request_type": "1", "category_code": "01", "title": title,
        "registered_at": "2026-11-02T09:00:00", "region_code": VILLAGE, "status": 50, "deadline_on": "2026-11-09"})])
    assert r.json()["results"][0]["outcome"] == "accepted", r.text
    admin = signed_in(server, "township_admin", TOWNSHIP)
    row = admin.get(f"/leader/cases?township={TOWNSHIP}").text.split(title)[1].split("</tr>")[0]
    assert "乌登村" in row and VILLAGE in row, row


def test_the_city_admin_lists_the_users_of_one_village(server):
    here = server.add_user("village_cadre", VILLAGE)
    there = server.add_user("village_cadre", TOWNSHIP + "202")
    admin = signed_in(server, "city_admin")
    page = admin.get(f"/admin/users?township={TOWNSHIP}&village={VILLAGE}").text
    listed = page.split("<tbody>")[1]
    assert f">{here}<" in listed and f">{there}<" not in listed
    assert f'<option value="{VILLAGE}" selected ' in page  # the filter says where it is


def test_the_city_code_tables_are_named_in_words_and_their_columns_line_up(server):
    admin = signed_in(server, "city_admin")
    page = admin.get("/admin/code-tables?table=case_category").text
    assert '<option value="case_category" selected>事件分类</option>' in page
    header = page.split("<thead>")[1].split("</thead>")[0]
    assert header.count("<th") == 2, header  # 代码 and the row's form: the row has two cells
    admin.http.cookies.set("td_lang", "en")
    assert '<option value="case_category" selected>Case category</option>' in admin.get(
        "/admin/code-tables?table=case_category").text


def test_a_department_user_is_made_by_choosing_the_department(server):
    import uuid

    admin = signed_in(server, "city_admin")
    page = admin.get("/admin/users").text
    assert '<option value="mz">民政</option>' in page  # chosen, not a code typed from memory
    name = "mz_" + uuid.uuid4().hex[:6]
    wrong = admin.post("/admin/users", {"username": name, "password": "correct horse 9", "role": "department",
                                        "department_code": "minzheng", "township": ""})
    assert wrong.status_code == 422 and "没有这个部门" in wrong.text
    made = admin.post("/admin/users", {"username": name, "password": "correct horse 9", "role": "department",
                                       "department_code": "mz", "township": "150422"})
    assert made.status_code == 200, made.text[-1500:]
    row = admin.get(f"/admin/users?q={name}").text.split(f">{name}</td>", 1)[1].split("</tr>", 1)[0]
    assert "民政" in row and "巴林左旗" in row, row


def test_the_leaders_pages_name_categories_and_departments_in_english(server):
    from db.ids import new_id

    staff = server.user_client("township_staff", TOWNSHIP)
    case_id = new_id()
    r = staff.push([staff.change("case", case_id, {
        "case_no": "EN" + case_id[-10:], "source": "1", "request_type": "1", "category_code": "0101",
        "title": "邻里噪声", "registered_at": "2026-11-02T09:00:00", "region_code": VILLAGE, "status": 50})])
    assert r.json()["results"][0]["outcome"] == "accepted", r.text
    admin = signed_in(server, "township_admin", TOWNSHIP)
    admin.http.cookies.set("td_lang", "en")
    import re

    shown = re.findall(r'/leader/cases\?category=[0-9]+">([^<]*)</a>', admin.get("/leader").text)
    assert shown and not [label for label in shown if re.search("[\u4e00-\u9fff]", label)], shown
    assert "Neighbour dispute" in admin.get(f"/leader/cases?township={TOWNSHIP}").text
    assert "Cases · Neighbour dispute" in admin.get("/leader/cases?category=0101").text


def test_the_village_burden_is_shown_for_one_township(server):
    clerk = signed_in(server, "department", "150422", "rs")
    clerk.get("/dept/issue")
    r = clerk.post("/dept/issue", {"title": "就业登记核对", "description": "", "kind": "1", "priority": "2",
                                   "workdays": "5", "regions[]": [f"rg-{VILLAGE}", "rg-150422103201"]})
    assert r.status_code == 200
    admin = signed_in(server, "city_admin")
    page = admin.get(f"/leader/burden?township={TOWNSHIP}").text
    listed = page.split("<tbody>")[1]
    assert VILLAGE in listed and "150422103201" not in listed
    assert f'<option value="{TOWNSHIP}" selected>' in page
