"""The city console's audit search names actions and objects in the console's language: a city
administrator read import / person and print / task_target (the keys the clients record) in the
Chinese console's 动作 and 对象 columns (seen as demo_city at 1366×768). The 动作 filter still takes
the recorded key."""

from __future__ import annotations

from tests.console_support import signed_in
from tests.server.fixtures import server_fixture  # noqa: F401


def test_the_audit_names_actions_and_objects_in_chinese_and_english(server):
    clerk = signed_in(server, "department", "150422", "mz")
    assert clerk.get("/dept/progress.xlsx").status_code == 200  # an audited export of task targets
    admin = signed_in(server, "city_admin")
    page = admin.get("/admin/audit?action=export").text
    assert "<td>导出</td>" in page and "<td>任务对象</td>" in page
    assert "<td>export</td>" not in page and "<td>task_target</td>" not in page
    admin.get("/lang?to=en")
    english = admin.get("/admin/audit?action=export").text
    assert "<td>Export</td>" in english and "<td>Task target</td>" in english
