"""The FastAPI application factory: settings → engine → routers under /api/v1, one error shape,
request ids, the body size limit, the server's identity headers and gzip for large answers (one
middleware, server.middleware). `uvicorn --factory server.app:create_app`
(or `township-server serve`) builds it from the environment."""

from __future__ import annotations

import asyncio
import contextlib
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

from server.auth_cache import PrincipalCache
from server.auth_changes import listen as listen_for_auth_changes
from server.config import Settings, load_settings
from server.console import mount as mount_console
from server.console import upload_limits as console_upload_limits
from server.db import (
    STANDBY_CONNECT_TIMEOUT,
    dispose_async_reads,
    make_async_reads,
    make_server_engine,
    reading,
    session_factory,
)
from server.errors import ERROR_RESPONSES, install_error_handlers
from server.feed_path import fast_feed
from server.identity import IdentityCache
from server.landing import install_landing_pages
from server.logs import configure_logging
from server.middleware import RequestMiddleware
from server.pull_path import fast_pull
from server.push_path import fast_push
from server.replica import PullReads, StandbyHealth
from server.routers import (
    audit,
    auth,
    blobs,
    department,
    history,
    intake,
    reference,
    review,
    sync,
    updates,
    users,
)
from server.standby_guard import watch
from server.tombstones import PullNotes

API_PREFIX = "/api/v1"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    configure_logging(settings.log_level)
    engine = make_server_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # the token cache hears revocations, so it may keep what it checked (server.auth_changes)
        hearing = (asyncio.create_task(listen_for_auth_changes(app.state.principals, app.state.sessions))
                   if settings.auth_cache_seconds > 0 else None)
        yield
        if hearing is not None:
            hearing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await hearing
        # the pulls' asyncio pools: their connections belong to this event loop
        await dispose_async_reads(app.state.async_reads, app.state.async_replica)

    app = FastAPI(title="Township Desk city server · 基层治理工作台市级服务", version="1",
                  openapi_url=f"{API_PREFIX}/openapi.json", docs_url=None, redoc_url=None,
                  responses=ERROR_RESPONSES, lifespan=lifespan)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    app.state.read_sessions = session_factory(reading(engine))  # pulls: no BEGIN/ROLLBACK (server.db)
    app.state.principals = PrincipalCache(settings.auth_cache_seconds, settings.auth_cache_hold_seconds)
    # the standby's reads in worker threads, each bounded by a watchdog (server.standby_guard)
    app.state.replica_sessions = (session_factory(reading(watch(make_server_engine(settings.replica_url,
                                                                                   STANDBY_CONNECT_TIMEOUT))))
                                  if settings.replica_url else None)
    app.state.standby_health = StandbyHealth()  # a standby that fails is left alone for a while (server.replica)
    # pulls on PostgreSQL: on the event loop, no thread hand-off (server.pull_path; None on SQLite)
    app.state.async_reads = make_async_reads(settings.database_url)
    app.state.async_replica = (make_async_reads(settings.replica_url, STANDBY_CONNECT_TIMEOUT)
                               if settings.replica_url else None)
    app.state.pull_reads = (PullReads(app.state.async_reads, app.state.async_replica, settings.replica_wait_ms / 1000,
                                      app.state.standby_health)
                            if app.state.async_reads is not None else None)
    # sync first: routes are matched in order, and pulls and pushes are most of a city's requests
    for module in (sync, auth, users, reference, review, department, intake, audit, updates, blobs, history):
        app.include_router(module.router, prefix=API_PREFIX)
    mount_console(app)
    install_landing_pages(app, API_PREFIX)
    app.include_router(sync.proxy_router, prefix=API_PREFIX)
    install_error_handlers(app)
    app.state.identity = IdentityCache(app.state.sessions)
    # how far devices pulled, for tombstone collection (server/tombstones.py)
    app.state.pull_notes = PullNotes(app.state.sessions, app.state.settings.pull_note_seconds)
    app.add_middleware(RequestMiddleware, max_body_bytes=settings.max_body_bytes,
                       larger_bodies={f"{API_PREFIX}/sync/bundle": settings.max_bundle_bytes,
                                      **console_upload_limits(settings)},
                       identity_of=lambda: app.state.identity, api_prefix=API_PREFIX,
                       fast_paths={f"{API_PREFIX}/sync/pull": fast_pull(_route(sync.router, "/sync/pull")),
                                   f"{API_PREFIX}/sync/push": fast_push(_route(sync.router, "/sync/push")),
                                   f"{API_PREFIX}/history/feed": fast_feed(_route(history.router, "/history/feed"))})
    return app


def _route(router: APIRouter, path: str) -> APIRoute:
    """The route FastAPI names in the request scope (the access log's path) for `path`."""
    return next(r for r in router.routes if isinstance(r, APIRoute) and r.path == path)
