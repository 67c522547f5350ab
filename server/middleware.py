"""The one ASGI middleware around every request (pure ASGI, one layer, no thread hop on the common path):
- a request id (taken from a well-formed X-Request-Id or made fresh, echoed in the response) and the
  access log line;
- the body size limit: a declared Content-Length over the limit is refused before the body is read,
  and a streamed body is cut off with 413 as soon as it passes the limit, so an oversized upload never
  reaches a handler. Request bodies may be gzip-compressed (Content-Encoding: gzip, advertised by
  `Accept-Encoding: gzip` on every answer): they are inflated on the fly, the limit applying to the
  inflated size;
- the server's identity on every API answer (server.identity: installation, epoch), a request that
  names another installation refused (409), and a pull's cursor checked against the change log;
- gzip for answers of at least GZIP_MINIMUM bytes to clients that accept it (as starlette's
  GZipMiddleware: not for bodies already encoded, partial answers or compressed media types).

These were four middlewares (three of ours and starlette's gzip), each a layer of calls, header
parsing and send wrappers per request, and the identity read went through a worker thread on every
request; together they were a large part of a no-op pull's CPU (docs/perf-notes/server.md)."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
import zlib

from anyio import CapacityLimiter, to_thread
from anyio.lowlevel import RunVar

from server.errors import lang_of, message
from server.logs import request_id_var

log = logging.getLogger("server.access")
ident_log = logging.getLogger("server.identity")
errors_log = logging.getLogger("server.errors")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# The request headers the middleware reads, collected in one pass over the scope's headers.
_WANTED = frozenset((b"x-request-id", b"content-length", b"content-encoding", b"accept-encoding",
                     b"accept-language", b"x-installation-id", b"x-server-epoch"))
# gzip level 4 (measured on a pull page of the demo township, 512 records, 175 kB of JSON): level 1
# 0.76 ms / 66 B per record, 4 1.18 ms / 60 B, 6 1.72 ms / 57 B, 9 5.82 ms / 55 B. Level 4 is the knee:
# a third less CPU than 6 for 5 % more bytes (a village link pays for bytes, the city server for CPU
# on every page); starlette's default 9 costs 5x the CPU of 4 for 8 % fewer bytes.
GZIP_LEVEL = 4
GZIP_MINIMUM = 4096
GZIP_IN_THREAD = 128 * 1024  # larger bodies are compressed in a worker thread (the loop keeps serving)
_NOT_COMPRESSED = frozenset(("application/grpc", "application/gzip", "application/x-gzip", "application/zip",
                             "audio/*", "font/woff", "font/woff2", "image/avif", "image/gif", "image/jpeg",
                             "image/png", "image/webp", "text/event-stream", "video/*"))
_gzip_threads: RunVar[CapacityLimiter] = RunVar("td_gzip_threads")


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


def first_headers(scope, names: frozenset[bytes]) -> dict[bytes, str]:
    """The first occurrence of each header of `names` (lower-case) in an ASGI scope, decoded."""
    found = {}
    for key, value in scope.get("headers", ()):
        if key in names and key not in found:
            found[key] = value.decode("latin-1")
    return found


def _lang(scope, headers: dict[bytes, str] | None = None) -> str:
    """The answer's language, by the routes' rule (server.errors.lang_of: the first choice)."""
    value = headers.get(b"accept-language") if headers is not None else _header(scope, b"accept-language")
    return lang_of(value or "")


async def _send_error(send, scope, status: int, code: str, request_id: str, headers: dict[bytes, str] | None = None,
                      **params) -> None:
    body = json.dumps({"error": {"code": code, "message": message(code, _lang(scope, headers), **params)}},
                      ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        (b"x-request-id", request_id.encode())]})
    await send({"type": "http.response.body", "body": body})


class RequestMiddleware:
    def __init__(self, app, max_body_bytes: int, larger_bodies: dict[str, int] | None = None,
                 identity_of=None, api_prefix: str = "/api/v1", fast_paths: dict | None = None):
        self.app = app
        self.default_max_body = max_body_bytes
        self.larger_bodies = larger_bodies or {}
        self._identity_of = identity_of  # () -> server.identity.IdentityCache (the app's), or None
        self._prefix = api_prefix
        self._docs = (f"{api_prefix}/docs", f"{api_prefix}/openapi.json")
        # path → async (scope, receive, send): a route answered before the app's router
        # (server.pull_path, server.push_path). It returns True when it answered, False when it
        # leaves the request to the app, or a `receive` for the app (the body it has read, again).
        self._fast = fast_paths or {}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = first_headers(scope, _WANTED)
        incoming = headers.get(b"x-request-id")
        request_id = incoming if incoming and _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status_box = [0]
        seen = [scope]  # the scope the app saw (a copy for an inflated body): the router notes the route in it
        try:
            await self._serve(scope, receive, send, request_id, headers, status_box, seen)
        except Exception as exc:
            if status_box[0]:  # the answer had begun: nothing more can be sent (the server drops the connection)
                raise
            # answered here, not by the app's handler outside this layer, so the 500 and its traceback
            # carry the request's id (X-Request-Id, the log line's request_id) like every other answer
            status_box[0] = 500
            errors_log.error("unhandled error", exc_info=exc)
            await _send_error(send, scope, 500, "internal", request_id, headers)
            exc.td_answered = True  # server.errors: the app's handler neither logs nor answers it again
            raise  # on to the server (and a test client that re-raises), as Starlette does after its 500
        finally:
            if log.isEnabledFor(logging.INFO):
                state = seen[0].get("state") or {}
                log.info("request", extra={
                    "method": scope.get("method"), "path": _route_path(seen[0]), "status": status_box[0],
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                    "user_id": state.get("user_id"), "device_id": state.get("device_id")})
            request_id_var.reset(token)

    async def _serve(self, scope, receive, send, request_id, headers, status_box, seen) -> None:
        path = scope.get("path", "")
        limit = self.larger_bodies.get(path, self.default_max_body)
        declared = headers.get(b"content-length")
        encoding = (headers.get(b"content-encoding") or "identity").strip().lower()
        refusal = None
        if declared and declared.isdigit() and int(declared) > limit:
            refusal = (413, "body_too_large")
        elif encoding not in ("identity", "gzip"):
            refusal = (415, "unsupported_encoding")
        if refusal:
            status_box[0] = refusal[0]
            await _send_error(send, scope, *refusal, request_id, headers, limit=limit)
            return
        cache = identity = None
        if self._identity_of is not None and path.startswith(self._prefix) and not path.startswith(self._docs):
            cache = self._identity_of()
            identity = cache.fresh() or await _read_identity(cache)
            claimed = headers.get(b"x-installation-id")
            if identity is not None and claimed and claimed != identity.installation_id:
                status_box[0] = 409
                await _send_error(send, scope, 409, "foreign_installation", request_id, headers)
                return
        extra = [(b"x-request-id", request_id.encode()), (b"accept-encoding", b"gzip"),  # request bodies may be gzipped
                 *(identity.raw_headers if identity is not None else ())]
        answer = _Answer(send, extra, status_box, "gzip" in headers.get(b"accept-encoding", ""))
        gate = _BodyGate(receive, limit, gzipped=encoding == "gzip")
        if gate.gzipped:  # the app sees the inflated body; its length is no longer the declared one
            scope = {**scope, "headers": [(k, v) for k, v in scope["headers"]
                                          if k not in (b"content-encoding", b"content-length")]}
            seen[0] = scope
        try:
            fast = self._fast.get(path)
            handled = False if fast is None else await fast(scope, gate.receive, answer.send)
            if handled is not True:  # False, or a `receive` that gives the app a body already read
                await self.app(scope, handled or gate.receive, answer.send)
        except (BodyTooLarge, BadBodyEncoding) as exc:
            if not answer.started:
                status, code = (413, "body_too_large") if isinstance(exc, BodyTooLarge) else (400, "bad_encoding")
                status_box[0] = status
                await _send_error(send, scope, status, code, request_id, headers, limit=limit)
            return
        if identity is not None and path.endswith("/sync/pull"):
            cursor, device = _cursor(scope), (scope.get("state") or {}).get("device_id")
            epoch = headers.get(b"x-server-epoch")
            if cursor and device and cache.needs_check(cursor, epoch):
                await to_thread.run_sync(cache.check_cursor, cursor, device, epoch)


async def _read_identity(cache):
    try:
        return await to_thread.run_sync(cache.get)
    except Exception:  # a database not migrated yet: the request itself will say what is wrong
        ident_log.exception("server identity unavailable")
        return None


class _Answer:
    """The response on its way out: our headers added, and gzip-compressed when the client accepts it
    and the body is large enough (the decision waits for the first body message)."""

    __slots__ = ("_send", "_extra", "_status", "_gzip", "_start", "_mode", "_packer", "started")

    def __init__(self, send, extra: list, status_box: list, gzip: bool) -> None:
        self._send, self._extra, self._status, self._gzip = send, extra, status_box, gzip
        self._start = None
        self._mode = "plain" if not gzip else None  # None: undecided until the first body
        self._packer = None
        self.started = False

    async def send(self, event) -> None:
        kind = event["type"]
        if kind == "http.response.start":
            self.started = True
            self._status[0] = event["status"]
            event = {**event, "headers": [*event.get("headers", ()), *self._extra]}
            if self._mode is None and not _compressible(event):
                self._mode = "plain"
            if self._mode == "plain":
                await self._send(event)
            else:
                self._start = event
            return
        if self._mode == "plain" or self._start is None and self._mode is None:
            await self._send(event)
            return
        if kind != "http.response.body":
            if kind == "http.response.pathsend" and self._mode is None:
                self._mode = "plain"
                await self._send(self._start)
            await self._send(event)
            return
        body, more = event.get("body", b""), event.get("more_body", False)
        if self._mode is None:
            start = self._start
            if len(body) < GZIP_MINIMUM and not more:
                self._mode = "plain"
                await self._send(start)
                await self._send(event)
                return
            self._mode = "gzip"
            self._packer = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)
            data = await self._compress(body, more)
            kept = [(k, v) for k, v in start["headers"] if k.lower() not in (b"content-length", b"vary")]
            vary = [v for k, v in start["headers"] if k.lower() == b"vary"]
            kept += [(b"content-encoding", b"gzip"), (b"vary", b", ".join([*vary, b"Accept-Encoding"]))]
            if not more and not start.get("trailers", False):
                kept.append((b"content-length", str(len(data)).encode()))
            await self._send({**start, "headers": kept})
            await self._send({**event, "body": data})
            return
        await self._send({**event, "body": await self._compress(body, more)})

    async def _compress(self, body: bytes, more: bool) -> bytes:
        if len(body) >= GZIP_IN_THREAD:
            try:
                limiter = _gzip_threads.get()
            except LookupError:
                limiter = CapacityLimiter(40)
                _gzip_threads.set(limiter)
            return await to_thread.run_sync(self._pack, body, more, limiter=limiter)
        return self._pack(body, more)

    def _pack(self, body: bytes, more: bool) -> bytes:
        return self._packer.compress(body) + self._packer.flush(zlib.Z_SYNC_FLUSH if more else zlib.Z_FINISH)


def _compressible(start) -> bool:
    if start["status"] == 206:
        return False
    media = ""
    for key, value in start["headers"]:
        key = key.lower()
        if key == b"content-encoding":
            return False
        if key == b"content-type":
            media = value.decode("latin-1").partition(";")[0].strip().lower()
    return media not in _NOT_COMPRESSED and media.partition("/")[0] + "/*" not in _NOT_COMPRESSED


def _cursor(scope) -> int:
    from urllib.parse import parse_qs

    raw = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("cursor", ["0"])[0]
    return int(raw) if raw.isdigit() and len(raw) < 19 else 0


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
