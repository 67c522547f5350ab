"""The pull (GET /api/v1/sync/pull), most of a city's requests, on a short path (decision 0028).

`pull_answer` is the one handler: it reads the page (server.sync_service.pull_page) from the standby
when it has caught up, else the primary (server.replica), notes the head served and the device's
position, and builds the answer's bytes and headers. Two ways reach it:
- `fast_pull`, called by the request middleware (server.middleware) before FastAPI's router for a
  GET whose query is plain (`cursor` and `limit` as digits, each at most once, nothing else): it
  checks the schema version and the token as the route's dependencies do, in the same order, and
  answers errors with the same bodies (server.errors) — without FastAPI's dependency resolution,
  query validation and Response objects (~18 % and ~18 % of a no-op pull's CPU);
- the FastAPI route (server.routers.sync.pull), which documents the endpoint in the OpenAPI schema
  and answers every other request (a query to validate and refuse, another method), so its
  validation errors stay FastAPI's own.

On PostgreSQL the page is read on the event loop: `AsyncSession.run_sync` runs the same sync store
code in a greenlet over psycopg's async driver (server.db.make_async_reads), so a pull costs no
thread hand-off (~22 % of a no-op pull's CPU), and the pulls of a worker that ask at the same moment
share one read of the cursor (server.replica.PullReads, decision 0030). SQLite keeps its worker
thread."""

from __future__ import annotations

import hashlib
import re

import orjson
from anyio import to_thread
from sqlalchemy.orm import Session

from server.auth_cache import Principal
from server.deps import checked_schema_version, principal_of
from server.replica import read_pull
from server.short_path import short_get
from server.store.numbering import UPPER_READ
from server.sync_service import pull_page

_PLAIN_QUERY = re.compile(rb"(?:(cursor|limit)=([0-9]{1,18}))(?:&(cursor|limit)=([0-9]{1,18}))?")
_FULL_PAGE = b"public, max-age=31536000, immutable"
_HEAD_PAGE = b"private, no-store"
_JSON = b"application/json"
_HEADERS = frozenset((b"authorization", b"x-schema-version", b"accept-language"))


def plain_query(query: bytes) -> tuple[int, int] | None:
    """(cursor, limit) of a query the fast path may answer, else None (FastAPI's route validates it):
    only `cursor` and `limit`, as digits, each at most once, limit at least 1 (18 digits stay under
    the cursor's bound 2**62). Defaults as the route's: cursor 0, limit 500."""
    values = {"cursor": 0, "limit": 500}
    if query:
        match = _PLAIN_QUERY.fullmatch(query)
        if match is None or match[1] == match[3]:
            return None
        for key, value in ((match[1], match[2]), (match[3], match[4])):
            if key is not None:
                values[key.decode()] = int(value)
    return (values["cursor"], values["limit"]) if values["limit"] >= 1 else None


def _page(session: Session, who: Principal, cursor: int, limit: int, version: int):
    page = pull_page(session, who, cursor, limit, version=version)  # read only: closing ends it
    return page, session.info.get(UPPER_READ)


def _page_and_close(session: Session, who: Principal, cursor: int, limit: int, version: int):
    """`_page`, the session closed in the same greenlet (an AsyncSession's `async with` closes it in
    a second one: ~0.1 ms of CPU per pull, measured in process)."""
    try:
        return _page(session, who, cursor, limit, version)
    finally:
        session.close()


def _page_in_thread(state, who: Principal, cursor: int, limit: int, version: int):
    # the standby when it has caught up
    (page, upper), source = read_pull(state, lambda session: _page(session, who, cursor, limit, version))
    if who.device_id:
        state.pull_notes.note(who.device_id, page.next_cursor)  # what tombstone collection waits for
    return page, upper, source


async def pull_answer(state, who: Principal, cursor: int, limit: int, version: int) -> tuple[bytes, list]:
    """The answer to `who`'s pull: (JSON body, raw headers)."""
    limit = min(limit, state.settings.max_pull_limit)
    reads = getattr(state, "pull_reads", None)
    if reads is None:
        page, upper, source = await to_thread.run_sync(_page_in_thread, state, who, cursor, limit, version)
    else:
        (page, upper), source = await reads.read(_page_and_close, who, cursor, limit, version)
        if who.device_id and state.pull_notes.due(who.device_id):  # on the primary, every few minutes
            async with reads.primary() as session:
                await session.run_sync(state.pull_notes.write, who.device_id, page.next_cursor)
                await session.commit()
    if upper is not None:  # everything up to it is held: later pulls from there need no restore check
        state.identity.note_head(upper)
    body = orjson.dumps(page.to_json())
    headers = [(b"content-length", str(len(body)).encode()), (b"content-type", _JSON),
               (b"x-td-read-from", source.encode())]
    if page.has_more:
        # A full page: the same for every device of the caller's view and never wrong later (a
        # record changed again since comes again in a later page), so a proxy may keep it
        # (docs/SERVER.md: nginx keyed by the view /sync/view answers). The head page is not kept.
        etag = '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'
        headers += [(b"cache-control", _FULL_PAGE), (b"etag", etag.encode())]
    else:
        headers.append((b"cache-control", _HEAD_PAGE))
    return body, headers


async def _answer(state, scope, found: dict[bytes, str], query: tuple[int, int]):
    # the route's dependencies in their order: the router's schema version, then the token
    version_number = checked_schema_version(found.get(b"x-schema-version"), state.settings)
    who = await principal_of(state, found.get(b"authorization", ""), scope)
    return await pull_answer(state, who, *query, version_number)


def fast_pull(route):
    """The middleware's handler for the pull's path (server.short_path: `route`, the FastAPI route,
    is named in the scope for the access log). Returns False, having sent nothing, for a request
    FastAPI is to answer."""
    return short_get(route, plain_query, _HEADERS, _answer)
