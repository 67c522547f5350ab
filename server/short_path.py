"""A GET answered by the request middleware before FastAPI's router (decision 0028): the pull's
(server.pull_path) and the history feed's (server.feed_path) short paths are this one frame with
their own query rule and answer, so the route's name in the access log, the declining of any other
request and the error bodies are written once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from server.errors import ApiError, api_error_answer, lang_of
from server.middleware import first_headers

# (app state, request scope, the first of each wanted header, the plain query) -> (body, headers);
# raises ApiError for an answer in the route's words
Answer = Callable[[Any, dict, dict[bytes, str], Any], Awaitable[tuple[bytes, list[tuple[bytes, bytes]]]]]


def short_get(route, plain: Callable[[bytes], Any | None], headers: frozenset[bytes], answer: Answer):
    """The middleware's handler for one path (`route`: the FastAPI route, named in the scope for the
    access log): a GET whose query `plain` reads (None: not plain) is answered by `answer`, any other
    request is left to FastAPI — the handler then returns False, having sent nothing. `headers`: the
    names `answer` reads (lower case); Accept-Language is always read, for the error bodies."""
    wanted = headers | {b"accept-language"}

    async def serve(scope, receive, send) -> bool:
        if scope["method"] != "GET":
            return False
        query = plain(scope.get("query_string", b""))
        if query is None:
            return False
        scope["route"] = route
        found = first_headers(scope, wanted)
        try:
            body, sent_headers = await answer(scope["app"].state, scope, found, query)
        except ApiError as exc:
            await api_error_answer(lang_of(found.get(b"accept-language", "")), exc)(scope, receive, send)
            return True
        await send({"type": "http.response.start", "status": 200, "headers": sent_headers})
        await send({"type": "http.response.body", "body": body})
        return True

    return serve
