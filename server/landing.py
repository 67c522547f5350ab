"""The pages a person opens in a browser before anything else: `/` (what this server is, with links to
its health check and API documentation), `/docs` (a redirect to the documentation), and the Swagger UI
page itself, whose script and style come from the `swagger-ui-bundle` package and are served by this
server — a city network may have no internet, so nothing loads from a CDN."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

_LANDING = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>基层治理工作台 · 市级服务</title>
<style>body{{font-family:sans-serif;max-width:40em;margin:3em auto;line-height:1.6}}</style></head>
<body><h1>基层治理工作台 · 市级服务</h1>
<p>Township Desk city server. 桌面客户端在“设置”页填写本服务器地址即可登录同步。</p>
<ul>
<li><a href="{prefix}/health">运行状态 Health</a></li>
<li><a href="{prefix}/docs">接口文档 API documentation</a></li>
{console}</ul></body></html>"""


def install_landing_pages(app: FastAPI, api_prefix: str) -> None:
    """Add `/`, `/docs` and the offline Swagger UI at `{api_prefix}/docs` (create the app with
    docs_url=None so FastAPI's CDN page is not registered)."""
    assets = f"{api_prefix}/docs-assets"
    app.mount(assets, StaticFiles(directory=swagger_ui_path), name="swagger-ui-assets")

    @app.get(f"{api_prefix}/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=app.openapi_url or f"{api_prefix}/openapi.json",
                                   title=app.title, swagger_js_url=f"{assets}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{assets}/swagger-ui.css",
                                   swagger_favicon_url=f"{assets}/favicon-32x32.png")

    @app.get("/", include_in_schema=False)
    def landing() -> HTMLResponse:
        has_console = any(getattr(r, "path", "").startswith("/console") for r in app.routes)
        console = '<li><a href="/console/">市级管理台 City console</a></li>\n' if has_console else ""
        return HTMLResponse(_LANDING.format(prefix=api_prefix, console=console))

    @app.get("/docs", include_in_schema=False)
    def docs_redirect() -> RedirectResponse:
        return RedirectResponse(f"{api_prefix}/docs", status_code=307)
