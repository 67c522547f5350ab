"""The city console: server-rendered pages (Jinja2, htmx served from this package — never from the
internet) at /console/ for departments, the city admin, township admins and leaders, signed in with
their ordinary accounts. `mount(app)` adds its routes, its static files and the handlers that turn a
missing session into the login page and a refused page into a 403 page."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from server.config import Settings
from server.console import (
    admin_pages,
    auth_pages,
    build_pages,
    channel_pages,
    code_pages,
    dept_pages,
    leader_pages,
    review_decisions,
    review_pages,
)
from server.console.web import PREFIX, Denied, LoginRequired, render
from server.task_files import MAX_FILES


def upload_limits(settings: Settings) -> dict[str, int]:
    """Request bodies larger than the server's default the console's upload forms may send: a client
    build, a task issued with its attachments."""
    return {f"{PREFIX}/admin/builds": settings.max_build_bytes + 1024 * 1024,
            f"{PREFIX}/dept/issue": MAX_FILES * settings.max_attachment_bytes + 1024 * 1024}


def mount(app: FastAPI) -> None:
    for module in (auth_pages, dept_pages, admin_pages, code_pages, channel_pages, build_pages, leader_pages,
                   review_pages, review_decisions):
        app.include_router(module.router, prefix=PREFIX)
    app.mount(PREFIX + "/static", StaticFiles(directory=Path(__file__).parent / "static"), name="console-static")

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        suffix = "&expired=1" if exc.expired else ""
        if request.headers.get("hx-request"):
            return RedirectResponse(f"{PREFIX}/login", status_code=200, headers={"HX-Redirect": f"{PREFIX}/login"})
        return RedirectResponse(f"{PREFIX}/login?next={quote(target)}{suffix}", status_code=303)

    @app.exception_handler(Denied)
    async def _denied(request: Request, exc: Denied):
        heading = {400: "csrf_failed", 404: "not_found"}.get(exc.status, "forbidden")
        return render(request, "error.html", None, status=exc.status, heading=heading)
