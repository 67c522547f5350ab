"""The settings page of an enrolled PC, as a clerk opens it to log in as a colleague or to check
where the PC syncs. Seen before: the server address and user name fields were empty on a PC bound
with `township-desk login` (or by the demo) — they showed only what a login from this very page had
saved — so changing one field meant finding and retyping the city server's address. They now show
the server and the account the PC is bound to. A PC on a real city server names no demo accounts."""

from __future__ import annotations

from demo import DEMO_TOWNSHIP
from tests.walkthroughs.conftest import Desktop


def test_the_settings_page_shows_the_server_and_account_the_pc_is_bound_to(desktop, township):
    clerk: Desktop = desktop("township_staff", DEMO_TOWNSHIP, name="clerk-settings")
    with clerk.step("乡镇干部打开设置：服务器地址和用户名已填好，只差密码"):
        page = clerk.page("settings")
        assert page.server_url.text() == township.server.url
        assert page.username.text() == clerk.username
        assert page.password.text() == ""
        assert page.demo_accounts is None  # a real city server: no demo accounts named
