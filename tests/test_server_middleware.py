"""The one request middleware (server/middleware.py) on a small ASGI app: response gzip as starlette's
GZipMiddleware did it (large bodies only, to clients that accept it, never twice, not for compressed
media, streamed bodies chunk by chunk), our headers on every answer, and the identity headers and
foreign-installation refusal on API paths only."""

from __future__ import annotations

import gzip
import zlib

from starlette.applications import Starlette
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from server.identity import Identity
from server.middleware import GZIP_MINIMUM, RequestMiddleware

BIG = ("村民走访记录 " * 2000).encode()


class _Cache:
    def __init__(self) -> None:
        self.identity = Identity("inst-1", "epoch-1", 7)

    def fresh(self):
        return self.identity


def _app():
    async def big(_request):
        return Response(BIG, media_type="application/json")

    async def small(_request):
        return PlainTextResponse("ok")

    async def png(_request):
        return Response(BIG, media_type="image/png")

    async def already(_request):
        return Response(gzip.compress(BIG), headers={"Content-Encoding": "gzip", "Vary": "Cookie"})

    async def stream(_request):
        async def parts():
            for _ in range(3):
                yield BIG
        return StreamingResponse(parts(), media_type="application/x-ndjson")

    routes = [Route(f"/api/v1/{f.__name__}", f) for f in (big, small, png, already, stream)]
    routes.append(Route("/other", small))
    cache = _Cache()
    return RequestMiddleware(Starlette(routes=routes), max_body_bytes=1 << 20, identity_of=lambda: cache)


def _raw(client: TestClient, path: str, **headers):
    """(headers, body exactly as sent): httpx would inflate it."""
    with client.stream("GET", path, headers=headers) as r:
        return r.headers, b"".join(r.iter_raw())


def test_large_answers_are_gzipped_for_clients_that_accept_it_and_small_ones_are_not():
    client = TestClient(_app())
    headers, body = _raw(client, "/api/v1/big", **{"Accept-Encoding": "gzip"})
    assert headers["content-encoding"] == "gzip" and headers["vary"] == "Accept-Encoding"
    assert int(headers["content-length"]) == len(body) < len(BIG) and gzip.decompress(body) == BIG
    headers, body = _raw(client, "/api/v1/big", **{"Accept-Encoding": "identity"})
    assert "content-encoding" not in headers and body == BIG
    headers, body = _raw(client, "/api/v1/small", **{"Accept-Encoding": "gzip"})
    assert len(b"ok") < GZIP_MINIMUM and "content-encoding" not in headers and body == b"ok"


def test_compressed_media_and_encoded_bodies_are_left_alone():
    client = TestClient(_app())
    headers, body = _raw(client, "/api/v1/png", **{"Accept-Encoding": "gzip"})
    assert "content-encoding" not in headers and body == BIG
    headers, body = _raw(client, "/api/v1/already", **{"Accept-Encoding": "gzip"})
    assert headers["content-encoding"] == "gzip" and headers["vary"] == "Cookie" and gzip.decompress(body) == BIG


def test_a_streamed_answer_is_compressed_as_one_gzip_stream():
    headers, body = _raw(TestClient(_app()), "/api/v1/stream", **{"Accept-Encoding": "gzip"})
    assert headers["content-encoding"] == "gzip" and "content-length" not in headers
    assert zlib.decompress(body, 31) == BIG * 3


def test_request_id_identity_and_foreign_installation():
    client = TestClient(_app())
    r = client.get("/api/v1/small", headers={"X-Request-Id": "abcdef123456"})
    assert r.headers["x-request-id"] == "abcdef123456" and r.headers["accept-encoding"] == "gzip"
    assert (r.headers["x-installation-id"], r.headers["x-server-epoch"], r.headers["x-epoch-base"]) == \
        ("inst-1", "epoch-1", "7")
    assert "x-installation-id" not in client.get("/other").headers  # API answers only
    r = client.get("/api/v1/small", headers={"X-Installation-Id": "another", "Accept-Language": "en"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "foreign_installation"
    assert len(r.headers["x-request-id"]) == 32
