"""The HTTP transport against a real loopback HTTP server with scripted answers: retries with backoff
on 5xx/429/connection errors (Retry-After honoured), typed errors from the server's error bodies,
gzip bodies once the server advertises them, schema version and token headers, timeouts."""

from __future__ import annotations

import contextlib
import gzip
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from server.store import Page
from sync.http_transport import HttpTransport, RetryPolicy, Timeouts, parse_retry_after
from sync.transport import AuthFailed, DeviceRevoked, Offline, ServerError, UpgradeNeeded


class ScriptedServer:
    """A loopback server answering from a queue of (status, body, headers); records each request."""

    def __init__(self) -> None:
        self.script: list[tuple[int, object, dict]] = []
        self.requests: list[dict] = []
        self.delay = 0.0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                outer.requests.append({"method": self.command, "path": self.path,
                                       "headers": dict(self.headers), "raw": raw})
                if outer.delay:
                    threading.Event().wait(outer.delay)
                status, body, headers = outer.script.pop(0) if outer.script else (200, {}, {})
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                if "Content-Type" not in headers:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", headers.get("Content-Length", str(len(data))))
                for key, value in headers.items():
                    if key != "Content-Length":  # a longer one than the body sent: a body cut off
                        self.send_header(key, value)
                self.end_headers()
                with contextlib.suppress(BrokenPipeError):  # the client gave up (the timeout test)
                    self.wfile.write(data)

            do_GET = do_POST = _serve

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(autouse=True)
def _forget_gzip_servers():
    HttpTransport._gzip_servers.clear()  # a port reused by another test's server starts unknown
    yield
    HttpTransport._gzip_servers.clear()


@pytest.fixture
def server():
    srv = ScriptedServer()
    yield srv
    srv.stop()


def _transport(url: str, sleeps: list[float] | None = None, **kw) -> HttpTransport:
    sleeps = sleeps if sleeps is not None else []
    return HttpTransport(url, schema_version=3, token="tok", sleep=sleeps.append, rng=lambda: 1.0, **kw)


PAGE = {"cursor": 0, "next_cursor": 0, "has_more": False, "records": [], "evictions": []}


def _error(code: str) -> dict:
    return {"error": {"code": code, "message": "消息"}}


def test_headers_carry_schema_version_and_token(server):
    server.script = [(200, {"results": [{"change_id": "c1", "outcome": "accepted", "server_seq": 4}]}, {})]
    [result] = _transport(server.url).push([])
    assert (result.change_id, result.outcome, result.server_seq) == ("c1", "accepted", 4)
    headers = server.requests[0]["headers"]
    assert headers["X-Schema-Version"] == "3"
    assert headers["Authorization"] == "Bearer tok"
    assert server.requests[0]["path"] == "/api/v1/sync/push"


def test_pull_sends_cursor_and_limit(server):
    server.script = [(200, dict(PAGE, cursor=5, next_cursor=7, records=[
        {"entity": "household", "record_id": "r1", "seq": 6, "fields": {"notes": "𠮷"}}]), {})]
    page = _transport(server.url).pull(5, 100)
    assert page.next_cursor == 7 and page.records[0].fields == {"notes": "𠮷"}
    assert server.requests[0]["path"] == "/api/v1/sync/pull?cursor=5&limit=100"


def test_login_sends_no_token(server):
    server.script = [(200, {"token": "t2"}, {})]
    _transport(server.url).login("u", "p", device_id="d", device_name="pc", public_key="k")
    assert "Authorization" not in server.requests[0]["headers"]
    assert json.loads(server.requests[0]["raw"])["public_key"] == "k"


def test_5xx_is_retried_with_exponential_backoff(server):
    sleeps: list[float] = []
    server.script = [(503, _error("internal"), {}), (500, _error("internal"), {}), (200, PAGE, {})]
    t = _transport(server.url, sleeps, retry=RetryPolicy(attempts=5, base_delay=0.5, max_delay=20))
    assert t.pull(0, 10) == Page.from_json(PAGE)
    assert sleeps == [0.5, 1.0]  # rng fixed at 1.0: the full ceiling each time


def test_backoff_is_capped_and_jittered():
    policy = RetryPolicy(base_delay=1, max_delay=8)
    assert policy.delay(10, None, lambda: 1.0) == 8
    assert policy.delay(2, None, lambda: 0.25) == 1.0
    assert policy.delay(0, 3.0, lambda: 0.0) == 3.0  # Retry-After wins over jitter


def test_429_honours_retry_after(server):
    sleeps: list[float] = []
    server.script = [(429, _error("busy"), {"Retry-After": "7"}), (200, PAGE, {})]
    assert _transport(server.url, sleeps).pull(0, 1) == Page.from_json(PAGE)
    assert sleeps == [7.0]


def test_long_retry_after_is_reported_not_slept(server):
    sleeps: list[float] = []
    server.script = [(429, _error("too_many_attempts"), {"Retry-After": "900"})]
    with pytest.raises(ServerError) as info:
        _transport(server.url, sleeps).login("u", "p", device_id="d", device_name="n", public_key="k")
    assert info.value.retry_after == 900 and sleeps == []


def test_5xx_exhausted_raises_server_error(server):
    server.script = [(500, _error("internal"), {})] * 3
    with pytest.raises(ServerError) as info:
        _transport(server.url, retry=RetryPolicy(attempts=3)).pull(0, 1)
    assert info.value.code == "internal" and info.value.status == 500
    assert len(server.requests) == 3


@pytest.mark.parametrize(("status", "code", "kind"), [
    (401, "token_expired", AuthFailed),
    (401, "bad_credentials", AuthFailed),
    (403, "device_revoked", DeviceRevoked),
    (426, "upgrade_required", UpgradeNeeded),
    (422, "invalid_request", ServerError),
    (403, "forbidden", ServerError),
])
def test_error_bodies_map_to_typed_exceptions_without_retry(server, status, code, kind):
    server.script = [(status, _error(code), {})]
    with pytest.raises(kind) as info:
        _transport(server.url).push([])
    assert info.value.code == code and info.value.message == "消息"
    assert len(server.requests) == 1


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_refused_connection_is_offline_after_retries():
    sleeps: list[float] = []
    t = _transport(f"http://127.0.0.1:{_closed_port()}", sleeps, retry=RetryPolicy(attempts=3))
    with pytest.raises(Offline):
        t.pull(0, 1)
    assert len(sleeps) == 2


def test_read_timeout_is_offline(server):
    server.delay = 0.5
    t = _transport(server.url, timeouts=Timeouts(connect=1, read=0.1), retry=RetryPolicy(attempts=1))
    with pytest.raises(Offline):
        t.pull(0, 1)


def test_an_answer_cut_off_mid_body_is_offline(server):
    """The server (or the link) gone while the body was on its way: the same as no answer — the
    cycle says offline and tries again later, not that it crashed (the kill test met this)."""
    body = json.dumps(PAGE).encode()
    server.script = [(200, body[:10], {"Content-Length": str(len(body))})]
    t = _transport(server.url, retry=RetryPolicy(attempts=1))
    with pytest.raises(Offline):
        t.pull(0, 1)


def test_gzip_only_after_server_advertises_it(server):
    big = [{"fields": {"notes": "走访记录" * 200}}]
    server.script = [(200, {}, {}), (200, {}, {"Accept-Encoding": "gzip"}), (200, {}, {})]
    t = _transport(server.url)
    t.push(big)
    assert "Content-Encoding" not in server.requests[0]["headers"]
    t.push(big)  # this answer advertises gzip ...
    t.push(big)  # ... so this request is compressed
    third = server.requests[2]
    assert third["headers"]["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(third["raw"]))["changes"] == big


def test_415_falls_back_to_a_plain_body(server):
    big = [{"fields": {"notes": "x" * 5000}}]
    server.script = [(200, {}, {"Accept-Encoding": "gzip"}), (415, _error("unsupported"), {}), (200, PAGE, {})]
    t = _transport(server.url)
    t.push([])
    assert t.push(big) == []
    assert "Content-Encoding" not in server.requests[2]["headers"]
    assert not t.server_accepts_gzip


def test_tls_verification_is_on_by_default_and_takes_a_ca_bundle(tmp_path):
    assert HttpTransport("https://x", schema_version=1).session.verify is True
    ca = tmp_path / "city-ca.pem"
    ca.write_text("dummy")
    assert HttpTransport("https://x", schema_version=1, ca_bundle=str(ca)).session.verify == str(ca)
    assert HttpTransport("https://x", schema_version=1).session.trust_env  # proxies from the environment


def test_retry_after_http_date():
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=lambda: 1445412480.0 - 30) == 30
    assert parse_retry_after("soon") is None


def test_revocation_carries_the_wipe_flag(server):
    server.script = [(403, {"error": {"code": "device_revoked", "message": "停用", "wipe": True}}, {})]
    with pytest.raises(DeviceRevoked) as info:
        _transport(server.url).pull(0, 1)
    assert info.value.details == {"wipe": True}


def test_a_proxy_error_page_is_a_server_error(server):
    server.script = [(502, "<html>bad gateway</html>", {})] * 2
    with pytest.raises(ServerError) as info:
        _transport(server.url, retry=RetryPolicy(attempts=2)).pull(0, 1)
    assert info.value.code == "http_502"


SNAPSHOT_IDS = (("household", ["a1", "b2"]), ("person", ["a0"]), ("visit", ["z9"]))


def _rows_snapshot() -> bytes:
    """A "rows" snapshot stream (what a first sync asks for while its chunks are small): a JSON line
    of one entity's rows per chunk, then the last line."""
    lines = [json.dumps({"cursor": 42, "records": [], "last": False, "entity": entity, "columns": ["id", "notes"],
                         "rows": [[i, "𠮷"] for i in ids], "seqs": [40] * len(ids)}, ensure_ascii=False)
             for entity, ids in SNAPSHOT_IDS]
    return ("\n".join([*lines, json.dumps({"cursor": 42, "records": [], "last": True})]) + "\n").encode()


def _image_snapshot(gzipped: bool) -> bytes:
    """A "sqlite" snapshot stream (full chunks, a fast link): a frame per entity (JSON header line +
    database image), then the last frame."""
    from server.snapshot import pack_image

    frames = b""
    for entity, ids in SNAPSHOT_IDS:
        data = pack_image(["id", "notes"], [(i, "𠮷", 40) for i in ids])
        header = {"cursor": 42, "entity": entity, "columns": ["id", "notes"], "count": len(ids),
                  "last_id": ids[-1], "bytes": len(data), "last": False}
        frames += json.dumps(header).encode() + b"\n" + data
    frames += json.dumps({"cursor": 42, "bytes": 0, "last": True}).encode() + b"\n"
    return gzip.compress(frames) if gzipped else frames


def _ids(chunks) -> list[tuple[str, str]]:
    from sync.snapshot_apply import _image_rows

    out = []
    for chunk in chunks:
        table = _image_rows(chunk.image) if chunk.image else chunk.table
        out += [(table.entity, row[0]) for row in table.rows] if table else []
    return out


def test_a_first_sync_starts_with_small_chunks_of_json_rows(server):
    server.script = [(200, gzip.compress(_rows_snapshot()), {"Content-Encoding": "gzip"})]
    chunks = list(_transport(server.url).snapshot())
    assert "format=rows" in server.requests[0]["path"] and "chunk=200" in server.requests[0]["path"]
    assert [c.size for c in chunks] == [2, 1, 1, 0] and chunks[-1].last and chunks[0].cursor == 42
    assert chunks[0].position == ("household", "b2") and chunks[0].table.rows == [["a1", "𠮷"], ["b2", "𠮷"]]


IMAGES = {"Content-Type": "application/octet-stream"}


@pytest.mark.parametrize("gzipped", [False, True])
def test_full_chunks_come_as_database_images(server, gzipped):
    server.script = [(200, _image_snapshot(gzipped), {**IMAGES, "Content-Encoding": "gzip"} if gzipped else IMAGES)]
    chunks = [chunk for chunk, _rate in _transport(server.url)._snapshot_stream(None, None)]
    assert "format=sqlite" in server.requests[0]["path"] and "chunk=" not in server.requests[0]["path"]
    assert [c.size for c in chunks] == [2, 1, 1, 0] and chunks[-1].last and chunks[0].cursor == 42
    assert chunks[0].position == ("household", "b2")
    assert _ids(chunks) == [("household", "a1"), ("household", "b2"), ("person", "a0"), ("visit", "z9")]


@pytest.mark.parametrize("images", [False, True])
def test_snapshot_resume_sends_the_position_and_skips_what_is_loaded(server, images):
    """A server that ignores the position sends everything again; the client keeps what follows."""
    body, headers = (_image_snapshot(False), IMAGES) if images else (_rows_snapshot(), {})
    for after, want in ((("household", "a1"), [("household", "b2"), ("person", "a0"), ("visit", "z9")]),
                        (("household", "b2"), [("person", "a0"), ("visit", "z9")])):
        server.script = [(200, body, headers)]
        transport = _transport(server.url)
        chunks = ([c for c, _ in transport._snapshot_stream(after, None)] if images
                  else list(transport.snapshot(list(after))))
        assert f"after={after[0]}%3A{after[1]}" in server.requests[-1]["path"]
        assert _ids(chunks) == want


@pytest.mark.parametrize("images", [False, True])
def test_snapshot_cut_off_mid_stream_is_offline(server, images):
    whole, headers = (_image_snapshot(False), IMAGES) if images else (_rows_snapshot(), {})
    for cut in (40, len(whole) // 2, len(whole) - 5):
        server.script = [(200, whole[:cut], headers)]
        with pytest.raises(Offline):
            transport = _transport(server.url, retry=RetryPolicy(attempts=1))
            list(transport._snapshot_stream(None, None if images else 200))


def test_a_server_without_images_answers_records_and_the_client_reads_them(server):
    """A city server older than the image format ignores `format=sqlite` and streams NDJSON records."""
    records = [json.dumps({"cursor": 42, "last": last, "records": [
        {"entity": "household", "record_id": rid, "seq": 40, "fields": {"notes": "𠮷"}}]}) for rid, last in
        (("a1", False), ("b2", True))]
    server.script = [(200, ("\n".join(records) + "\n").encode(), {"Content-Type": "application/x-ndjson"})]
    chunks = [chunk for chunk, _rate in _transport(server.url)._snapshot_stream(None, None)]
    assert "format=sqlite" in server.requests[0]["path"]
    assert [r.record_id for c in chunks for r in c.records] == ["a1", "b2"] and chunks[-1].last


def _city_ca_and_server_cert(tmp_path):
    """A private city CA and a certificate for 127.0.0.1 signed by it (PEM files)."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    def name(cn):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    now = dt.datetime.now(dt.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(name("赤峰市政务 CA")).issuer_name(name("赤峰市政务 CA"))
          .public_key(ca_key.public_key()).serial_number(1).not_valid_before(now - dt.timedelta(days=1))
          .not_valid_after(now + dt.timedelta(days=30))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    cert = (x509.CertificateBuilder().subject_name(name("127.0.0.1")).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(2).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = {n: tmp_path / f"{n}.pem" for n in ("ca", "cert", "key")}
    paths["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths["cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths["key"].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    return paths


def test_tls_with_a_private_city_ca(tmp_path):
    import ssl

    from sync.transport import TlsError

    pem = _city_ca_and_server_cert(tmp_path)
    srv = ScriptedServer()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pem["cert"], pem["key"])
    srv.httpd.socket = context.wrap_socket(srv.httpd.socket, server_side=True)
    url = srv.url.replace("http://", "https://")
    try:
        srv.script = [(200, PAGE, {})]
        with pytest.raises(TlsError):  # verification is on: an unknown CA is refused, not retried
            _transport(url).pull(0, 1)
        srv.script = [(200, PAGE, {})]
        assert _transport(url, ca_bundle=str(pem["ca"])).pull(0, 1) == Page.from_json(PAGE)
    finally:
        srv.stop()


def test_gzip_support_is_remembered_for_the_next_transport(server):
    big = [{"fields": {"notes": "走访" * 600}}]
    server.script = [(200, {}, {"Accept-Encoding": "gzip"}), (200, {}, {})]
    _transport(server.url).push([])
    _transport(server.url).push(big)  # a new transport, as each sync cycle makes
    assert server.requests[1]["headers"]["Content-Encoding"] == "gzip"
