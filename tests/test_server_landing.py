"""What a browser sees on the city server without logging in: a landing page linking health and the API
documentation, `/docs` redirecting there, and a Swagger UI whose every asset this server serves itself
(an offline city network cannot reach a CDN). `serve` names its database without the password."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from server.app import create_app
from server.cli import describe_database
from server.config import Settings


def _client(tmp_path) -> TestClient:
    return TestClient(create_app(Settings(database_url=f"sqlite:///{tmp_path / 'city.db'}", secret_key="k" * 32)))


def test_landing_page_links_health_and_docs(tmp_path):
    page = _client(tmp_path).get("/")
    assert page.status_code == 200 and "基层治理工作台" in page.text
    assert 'href="/api/v1/health"' in page.text and 'href="/api/v1/docs"' in page.text


def test_docs_redirect_and_every_asset_is_local(tmp_path):
    client = _client(tmp_path)
    redirect = client.get("/docs", follow_redirects=False)
    assert redirect.status_code in (307, 308) and redirect.headers["location"] == "/api/v1/docs"
    html = client.get("/api/v1/docs").text
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']|url: ?["']([^"']+)["']""", html)
    urls = [a or b for a, b in urls]
    assert urls and not [u for u in urls if u.startswith(("http://", "https://", "//"))], urls
    for url in urls:
        assert client.get(url).status_code == 200, url
    assert client.get("/api/v1/docs-assets/swagger-ui-bundle.js").headers["content-type"].startswith(
        ("application/javascript", "text/javascript"))


def test_database_named_without_its_password():
    shown = describe_database("postgresql+psycopg://city:s3cret@db-host:5432/citydb")
    assert "s3cret" not in shown and "db-host:5432/citydb" in shown and "city:***@" in shown
