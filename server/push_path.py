"""The push (POST /api/v1/sync/push) on a short path, as the pull's (decisions 0028 and 0031).

`push_answer` is the one handler: the batch limit, the merge in a worker thread (its session, commit
or rollback; server.sync_service.push_batch) and the answer's bytes, each change's message in the
caller's language. Two ways reach it:
- `fast_push`, called by the request middleware (server.middleware) before FastAPI's router for a
  POST with no query whose body is JSON (`application/json`) holding a list `changes` of objects —
  what the desktop sends. It reads and parses the body (as FastAPI does), checks the schema version and the
  token as the route's dependencies do, in the same order, and answers errors with the same bodies
  (server.errors) — without FastAPI's routing, dependency resolution and body handling, which cost
  about as much of a push's CPU as the merge of five changes (docs/perf-notes/server.md);
- the FastAPI route (server.routers.sync.push), which documents the endpoint (OpenAPI) and answers
  everything else: a body that is not such JSON (FastAPI's own 422 and 400), a query, another
  content type. The short path hands such a request to it with the body it has read, unchanged."""

from __future__ import annotations

import json
from typing import Any

import orjson
from anyio import to_thread

from server.auth_cache import Principal
from server.deps import checked_schema_version, principal_of
from server.errors import ApiError, api_error_answer, lang_of
from server.middleware import first_headers
from server.sync_service import push_batch
from sync.merge import ChangeResult
from sync.messages import change_message

MAX_CHANGES = 100_000  # the route's model (server.routers.sync.PushRequest) refuses longer lists
_JSON = b"application/json"
_HEADERS = frozenset((b"authorization", b"x-schema-version", b"accept-language", b"content-type"))


def _merge(state, who: Principal, changes: list[dict[str, Any]], version: int) -> list[ChangeResult]:
    with state.sessions() as session:
        try:
            results = push_batch(session, who, changes, state.settings.duplicate_alarm_per_day, version=version)
            session.commit()
        except BaseException:
            session.rollback()
            raise
    return results


def _answer(result: ChangeResult, lang: str) -> dict:
    """A change's answer with its message in the request's language (the stored text is Chinese)."""
    out = result.to_json()
    if lang != "zh" and result.code:
        text = change_message(result.code, lang, **(result.params or {"field": result.field or ""}))
        if text:
            out["message"] = text
    return out


async def push_answer(state, who: Principal, changes: list[dict[str, Any]], lang: str, version: int) -> bytes:
    """The answer's JSON body to `who`'s push of `changes` (merged in a worker thread)."""
    if len(changes) > state.settings.max_batch:
        raise ApiError(413, "batch_too_large", limit=state.settings.max_batch)
    results = await to_thread.run_sync(_merge, state, who, changes, version)
    return orjson.dumps({"results": [_answer(r, lang) for r in results]})


def _changes_of(body: bytes) -> list[dict[str, Any]] | None:
    """The body's `changes` when the route's model would take them as they are, else None."""
    try:  # the standard library's parser, as FastAPI's: orjson reads an integer beyond 64 bits as
        parsed = json.loads(body)  # a float, and the wire's answer to it would differ (out_of_range)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, nested past the parser's limit: FastAPI
        return None  # answers it (400 for the last two)
    if not isinstance(parsed, dict):
        return None
    changes = parsed.get("changes")
    if not isinstance(changes, list) or len(changes) > MAX_CHANGES or not all(isinstance(c, dict) for c in changes):
        return None
    return changes


def _is_json(content_type: str | None) -> bool:
    """The route's test of a JSON body, narrowed: `application/json` (parameters allowed)."""
    return content_type is not None and content_type.split(";")[0].strip().lower() == "application/json"


async def _read_body(receive) -> bytes | None:
    """The whole body, or None when the client went away."""
    parts = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        parts.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(parts)


def _replay(event: dict, receive):
    """A `receive` that gives the app `event` (the body already read, or the client gone), then
    whatever comes next."""
    sent = False

    async def again():
        nonlocal sent
        if not sent:
            sent = True
            return event
        return await receive()

    return again


def fast_push(route):
    """The middleware's handler for the push's path (`route`: the FastAPI route, named in the scope
    for the access log). Returns True when it answered, False to leave the request to the app as it
    is, or a `receive` to give the app instead (the body it has read)."""

    async def serve(scope, receive, send):
        if scope["method"] != "POST" or scope.get("query_string"):
            return False
        headers = first_headers(scope, _HEADERS)
        if not _is_json(headers.get(b"content-type")):
            return False
        scope["route"] = route  # before the body, as FastAPI's router: a body cut short is logged as the route's too
        body = await _read_body(receive)
        if body is None:  # FastAPI answers a client gone mid-body (400), as it would have
            return _replay({"type": "http.disconnect"}, receive)
        changes = _changes_of(body)
        if changes is None:  # FastAPI's own validation answers it
            return _replay({"type": "http.request", "body": body, "more_body": False}, receive)
        state = scope["app"].state
        lang = lang_of(headers.get(b"accept-language", ""))
        try:  # the route's dependencies in their order: the router's schema version, then the token
            version = checked_schema_version(headers.get(b"x-schema-version"), state.settings)
            who = await principal_of(state, headers.get(b"authorization", ""), scope)
            answer = await push_answer(state, who, changes, lang, version)
        except ApiError as exc:
            await api_error_answer(lang, exc)(scope, receive, send)
            return True
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-length", str(len(answer)).encode()), (b"content-type", _JSON)]})
        await send({"type": "http.response.body", "body": answer})
        return True

    return serve
