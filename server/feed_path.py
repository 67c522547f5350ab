"""The history feed (GET /api/v1/history/feed) on a short path, as the pull's (server.pull_path,
decision 0028): every PC asks it after a sync that moved anything, with its review marks
(decision 0038), so after the pull and the push it is a city's most frequent request.

`fast_feed`, called by the request middleware (server.middleware) before FastAPI's router for a GET
whose query is plain — only the route's parameters, each at most once, numbers as digits, `marks` as
true or false, a jurisdiction as digits — checks the token and the role as the route's dependencies
do, in the same order, answers errors with the same bodies (server.errors), and serialises the
route's own answer (`server.routers.history.feed_answer`) with orjson: no FastAPI query validation,
dependency resolution or response model validation of every entry. The FastAPI route documents
the endpoint and answers every other request, so its validation errors stay its own."""

from __future__ import annotations

import re
from typing import Any

import orjson
from anyio import to_thread

from server.db import end_read
from server.deps import principal_of
from server.errors import ApiError
from server.routers.history import FEED_READERS, feed_answer
from server.short_path import short_get

_NUMBER = re.compile(rb"[0-9]{1,18}")  # below the route's bound 2**62
_REGION = re.compile(rb"[0-9]{0,15}")
_NUMBERS = frozenset((b"after", b"limit", b"upper", b"marks_after"))
_FLAGS = {b"true": True, b"false": False}
_HEADERS = frozenset((b"authorization",))
_DUMPS = orjson.OPT_NAIVE_UTC | orjson.OPT_UTC_Z  # naive times are UTC, written as the route writes them


def plain_feed_query(query: bytes) -> dict[str, Any] | None:
    """The keyword arguments of `feed_answer` for a query the short path may answer, else None."""
    values: dict[str, Any] = {}
    for part in query.split(b"&") if query else ():
        key, equals, value = part.partition(b"=")
        name = key.decode("ascii", "replace")
        if not equals or name in values:
            return None
        if key in _NUMBERS and _NUMBER.fullmatch(value):
            values[name] = int(value)
        elif key == b"marks" and value in _FLAGS:
            values[name] = _FLAGS[value]
        elif key == b"marks_scope" and _REGION.fullmatch(value):
            values[name] = value.decode()
        else:
            return None
    return values if 1 <= values.get("limit", 500) <= 2000 else None


def _answer(state, who, query: dict[str, Any]) -> dict:
    session = state.sessions()
    try:
        answer = feed_answer(session, who, **query)
        end_read(session)
        return answer
    finally:
        session.close()


async def _respond(state, scope, found: dict[bytes, str], query: dict[str, Any]):
    # the route's dependencies in their order: the token, then the role
    who = await principal_of(state, found.get(b"authorization", ""), scope)
    if who.role not in FEED_READERS:
        raise ApiError(403, "forbidden")
    body = orjson.dumps(await to_thread.run_sync(_answer, state, who, query), option=_DUMPS)
    return body, [(b"content-length", str(len(body)).encode()), (b"content-type", b"application/json")]


def fast_feed(route):
    """The middleware's handler for the feed's path (server.short_path: `route`, the FastAPI route,
    is named in the scope for the access log). Returns False, having sent nothing, for a request
    FastAPI is to answer."""
    return short_get(route, plain_feed_query, _HEADERS, _respond)
