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
    assert header.startswith("Signed in as ") and "(Township administrator · 150422102)" in header, header
    assert "：" not in header and "（" not in header
    admin.http.cookies.set("td_lang", "zh")
    header = admin.get("/admin/users").text.split('<span class="who">', 1)[1].split("</span>", 1)[0]
    assert header.startswith("当前用户：") and header.endswith("（乡镇管理员 · 150422102）"), header
