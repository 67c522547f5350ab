"""A person at the city console without a browser: a requests session that signs in through the login
form, keeps the session cookie and posts forms with the CSRF token taken from the page it last
opened, the way the form would. Used by the console's HTTP tests (the Chromium tests drive a real
browser)."""

from __future__ import annotations

import re

import requests

from tests.server.live import PASSWORD, LiveServer

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class ConsoleClient:
    def __init__(self, server: LiveServer):
        self.server = server
        self.http = requests.Session()
        self.page = ""

    @property
    def csrf(self) -> str:
        found = CSRF.search(self.page)
        assert found, "no form with a CSRF token on the last page"
        return found.group(1)

    def get(self, path: str, **kw) -> requests.Response:
        r = self.http.get(self.server.url + "/console" + path, timeout=60, **kw)
        if r.headers.get("content-type", "").startswith("text/html"):
            self.page = r.text
        return r

    def post(self, path: str, data: dict | None = None, csrf: str | None = None) -> requests.Response:
        body = {"csrf": self.csrf if csrf is None else csrf, **(data or {})}
        r = self.http.post(self.server.url + "/console" + path, data=body, timeout=60)
        if r.headers.get("content-type", "").startswith("text/html"):
            self.page = r.text
        return r

    def login(self, username: str, password: str = PASSWORD) -> requests.Response:
        self.get("/login")
        return self.post("/login", {"username": username, "password": password, "next": "/console/"})


def signed_in(server: LiveServer, role: str, scope: str = "", department: str | None = None) -> ConsoleClient:
    client = ConsoleClient(server)
    r = client.login(server.add_user(role, scope, department))
    assert r.status_code == 200 and "/login" not in r.url, r.text[:500]
    return client


def texts(html: str, css_class: str) -> list[str]:
    return [m.strip() for m in re.findall(rf'class="{css_class}"[^>]*>([^<]*)<', html)]


def approved_catalogue_entry(server: LiveServer, department: str, name: str, fields: list[str],
                             purpose: str = "") -> str:
    """A request catalogue entry (报表准入) proposed by the department at the console and approved by
    the city admin, as people would; returns its id."""
    from sqlalchemy import select

    from server.models import RequestCatalogueEntry

    clerk = signed_in(server, "department", "150422", department)
    clerk.get("/dept/catalogue")
    r = clerk.post("/dept/catalogue", {"name": name, "purpose": purpose, "fields[]": fields})
    assert r.status_code == 200, r.text[:300]
    with server.session() as s:
        entry_id = s.scalars(select(RequestCatalogueEntry.id).where(RequestCatalogueEntry.name == name,
                                                                    RequestCatalogueEntry.department_code == department)
                             ).one()
    admin = signed_in(server, "city_admin")
    admin.get("/admin/catalogue")
    assert admin.post(f"/admin/catalogue/{entry_id}", {"decision": "approve", "note": ""}).status_code == 200
    return entry_id
