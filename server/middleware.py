"""ASGI middleware around every request: a request id (taken from a well-formed X-Request-Id or made
fresh, echoed in the response), the access log line, and the body size limit — a declared
Content-Length over the limit is refused before the body is read, and a streamed body is cut off
with 413 as soon as it passes the limit, so an oversized upload never reaches a handler. Request
bodies may be gzip-compressed (Content-Encoding: gzip, advertised by `Accept-Encoding: gzip` on every
answer): they are inflated on the fly, the limit applying to the inflated size."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
import zlib

from server.errors import message
from server.logs import request_id_var

log = logging.getLogger("server.access")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class BadBodyEncoding(BaseException):  # noqa: N818
    """A gzip body that does not inflate (see BodyTooLarge for why a BaseException)."""


class BodyTooLarge(BaseException):  # noqa: N818
    """Raised from inside the body stream. A BaseException on purpose: FastAPI turns any Exception
    met while reading a body into a 400, and this must reach the middleware as itself."""


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


def _lang(scope) -> str:
    return "en" if (_header(scope, b"accept-language") or "").lower().startswith("en") else "zh"


async def _send_error(send, scope, status: int, code: str, request_id: str, **params) -> None:
    body = json.dumps({"error": {"code": code, "message": message(code, _lang(scope), **params)}},
                      ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        (b"x-request-id", request_id.encode())]})
    await send({"type": "http.response.body", "body": body})


class RequestMiddleware:
    def __init__(self, app, max_body_bytes: int, larger_bodies: dict[str, int] | None = None):
        self.app = app
        self.default_max_body = max_body_bytes
        self.larger_bodies = larger_bodies or {}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, b"x-request-id")
        request_id = incoming if incoming and _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status_box = {"status": 0}
        try:
            await self._serve(scope, receive, send, request_id, status_box)
        finally:
            log.info("request", extra={
                "method": scope.get("method"), "path": _route_path(scope), "status": status_box["status"],
                "ms": round((time.perf_counter() - started) * 1000, 1),
                "user_id": scope.get("state", {}).get("user_id"),
                "device_id": scope.get("state", {}).get("device_id")})
            request_id_var.reset(token)

    async def _serve(self, scope, receive, send, request_id, status_box) -> None:
        limit = self.larger_bodies.get(scope.get("path", ""), self.default_max_body)
        declared = _header(scope, b"content-length")
        encoding = (_header(scope, b"content-encoding") or "identity").strip().lower()
        refusal = None
        if declared and declared.isdigit() and int(declared) > limit:
            refusal = (413, "body_too_large")
        elif encoding not in ("identity", "gzip"):
            refusal = (415, "unsupported_encoding")
        if refusal:
            status_box["status"] = refusal[0]
            await _send_error(send, scope, *refusal, request_id, limit=limit)
            return
        gate = _BodyGate(receive, limit, gzipped=encoding == "gzip")
        if gate.gzipped:  # the app sees the inflated body; its length is no longer the declared one
            scope = {**scope, "headers": [(k, v) for k, v in scope["headers"]
                                          if k not in (b"content-encoding", b"content-length")]}
        started_response = False

        async def tagged_send(event):
            nonlocal started_response
            if event["type"] == "http.response.start":
                started_response = True
                status_box["status"] = event["status"]
                event = dict(event)
                event["headers"] = [*event.get("headers", []), (b"x-request-id", request_id.encode()),
                                    (b"accept-encoding", b"gzip")]  # request bodies may be gzipped
            await send(event)

        try:
            await self.app(scope, gate.receive, tagged_send)
        except (BodyTooLarge, BadBodyEncoding) as exc:
            if not started_response:
                status, code = (413, "body_too_large") if isinstance(exc, BodyTooLarge) else (400, "bad_encoding")
                status_box["status"] = status
                await _send_error(send, scope, status, code, request_id, limit=limit)


class _BodyGate:
    """The request body as the app reads it: counted against the limit and, for a gzip body,
    inflated piece by piece with the limit applied to the inflated size (no zip bombs)."""

    def __init__(self, receive, limit: int, gzipped: bool):
        self._receive = receive
        self.limit = limit
        self.gzipped = gzipped
        self._inflater = zlib.decompressobj(31) if gzipped else None
        self.received = 0

    async def receive(self):
        event = await self._receive()
        if event["type"] != "http.request":
            return event
        body = event.get("body", b"")
        if self._inflater is not None:
            body = self._inflate(body, final=not event.get("more_body", False))
            event = {**event, "body": body}
        self.received += len(body)
        if self.received > self.limit:
            raise BodyTooLarge()
        return event

    def _inflate(self, chunk: bytes, final: bool) -> bytes:
        try:
            out = self._inflater.decompress(chunk, self.limit - self.received + 1)
        except zlib.error:
            raise BadBodyEncoding() from None
        if self._inflater.unconsumed_tail:
            raise BodyTooLarge()
        if final and not self._inflater.eof:
            raise BadBodyEncoding()
        return out


def _route_path(scope) -> str:
    """The matched route's template (/api/v1/regions/{code}) rather than the raw path, so no record
    key or code a caller typed ends up in the log."""
    route = scope.get("route")
    return getattr(route, "path", None) or "(unmatched)"
