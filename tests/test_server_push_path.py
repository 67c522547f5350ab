"""The push's short path (server.push_path, decision 0031): a POST of plain JSON is answered by the
request middleware before FastAPI's router, every other request by the FastAPI route, both through
one handler. Pinned here: the two give the same answers byte for byte (status, body, headers) for
good pushes, refusals and bad bodies, on SQLite and PostgreSQL; a body the short path will not take
reaches FastAPI intact; the short path really skips the router; the access log still names the
route and the caller."""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import json
import socket
import time
import uuid

import requests

from db.ids import new_id
from server.models import Device
from sync.wire import SCHEMA_VERSION
from tests.server.fixtures import server_fixture  # noqa: F401
from tests.server.live import app_in_process, log_in
from tests.server.numbers import household_no

VILLAGE = "150422100203"
_VARYING = {"date", "x-request-id", "server"}


def _send(server, query: str, headers: dict, body: bytes) -> tuple[int, bytes, list]:
    r = requests.post(f"{server.api}/sync/push{query}", headers=headers, data=body, timeout=60)
    kept = [(k.lower(), v) for k, v in r.raw.headers.items() if k.lower() not in _VARYING]
    return r.status_code, r.content, kept


def _both(server, headers: dict, body: bytes) -> tuple[int, bytes, list]:
    """The short path's answer and, asserted equal, the FastAPI route's (the same request with a
    query the route ignores, which the short path leaves to it). A change sent twice is answered
    from what the first answer stored, so good pushes compare too."""
    fast = _send(server, "", headers, body)
    routed = _send(server, "?via=route", headers, body)
    assert fast == routed, (fast, routed)
    return fast


def _household(client, _n: int, **fields) -> dict:
    return client.change("household", new_id(), {"household_no": household_no(VILLAGE), "region_code": VILLAGE,
                                                 **fields})


def _json_headers(client, **extra) -> dict:
    return client.headers(**{"Content-Type": "application/json", **extra})


def test_good_pushes_answer_the_same_both_ways(server):
    cadre = server.user_client("village_cadre", VILLAGE)
    for n, lang in enumerate(("zh-CN", "en-GB,en;q=0.9")):
        batch = [_household(cadre, 2 * n + 1), _household(cadre, 2 * n + 2, deletion_gen=-1),  # refused
                 cadre.change("household", new_id(), {"household_no": "1", "region_code": "150422999999"})]
        status, body, kept = _both(server, _json_headers(cadre, **{"Accept-Language": lang}),
                                   json.dumps({"changes": batch}).encode())
        answers = json.loads(body)["results"]
        assert status == 200 and [a["outcome"] for a in answers] == ["accepted", "rejected", "rejected"], answers
        assert dict(kept)["content-type"] == "application/json" and dict(kept)["x-installation-id"]
        assert answers[2]["message"].isascii() == lang.startswith("en"), answers[2]
    # the desktop's way: a gzipped body with its own headers
    gzipped = gzip.compress(json.dumps({"changes": [_household(cadre, 3)]}).encode())
    status, body, _ = _both(server, _json_headers(cadre, **{"Content-Encoding": "gzip"}), gzipped)
    assert status == 200 and json.loads(body)["results"][0]["outcome"] == "accepted"
    # an answer large enough to be gzipped on its way out (GZIP_MINIMUM): the same bytes and headers
    batch = [_household(cadre, 200 + i) for i in range(60)]
    status, body, kept = _both(server, _json_headers(cadre, **{"Accept-Encoding": "gzip"}),
                               json.dumps({"changes": batch}).encode())
    assert status == 200 and dict(kept)["content-encoding"] == "gzip" and len(json.loads(body)["results"]) == 60


def test_refusals_answer_the_same_both_ways(server):
    cadre = server.user_client("village_cadre", VILLAGE)
    headers = _json_headers(cadre)
    body = json.dumps({"changes": [_household(cadre, 10)]}).encode()
    english = {**headers, "Accept-Language": "en"}
    refusals = {
        "no token": ({k: v for k, v in headers.items() if k != "Authorization"}, 401, "not_authenticated"),
        "unknown token": ({**headers, "Authorization": "Bearer nope"}, 401, "not_authenticated"),
        "no schema version": ({k: v for k, v in english.items() if k != "X-Schema-Version"}, 400,
                              "schema_version_missing"),
        "old schema": ({**english, "X-Schema-Version": "0"}, 426, "upgrade_required"),
        "new schema": ({**headers, "X-Schema-Version": str(SCHEMA_VERSION + 1)}, 409, "server_outdated"),
        "superscript schema": ({**headers, "X-Schema-Version": "\xb2"}, 426, "upgrade_required"),  # was 500
        "no schema, no token": ({"Accept-Language": "en", "Content-Type": "application/json"}, 400,
                                "schema_version_missing"),  # the route's order
    }
    for name, (sent, status, code) in refusals.items():
        got, answer, _ = _both(server, sent, body)
        assert (got, json.loads(answer)["error"]["code"]) == (status, code), name
    too_many = json.dumps({"changes": [_household(cadre, 100 + i) for i in range(501)]}).encode()
    got, answer, _ = _both(server, headers, too_many)
    assert (got, json.loads(answer)["error"]["code"]) == (413, "batch_too_large")


def test_bodies_the_short_path_leaves_to_fastapi_reach_it_intact(server):
    cadre = server.user_client("village_cadre", VILLAGE)
    headers = _json_headers(cadre, **{"Accept-Language": "en"})
    bodies = {
        "not JSON": b"{changes:",
        "not an object": b"[1, 2]",
        "no changes": b'{"change": []}',
        "changes not a list": b'{"changes": 5}',
        "a change not an object": b'{"changes": [1]}',
        "not UTF-8": b'{"changes": ["\xff"]}',
    }
    for name, body in bodies.items():
        status, answer, _ = _both(server, headers, body)
        assert (status, json.loads(answer)["error"]["code"]) in (
            (400, "malformed_json"), (400, "invalid_request"), (422, "invalid_request")), (name, answer)
    # an integer beyond 64 bits: parsed as FastAPI parses it, so the wire refuses that change alone
    change = _household(cadre, 20)
    raw = json.dumps({"changes": [change]}).replace('"household_no"', '"deletion_gen": 1' + "0" * 30 + ', "household_no"')
    status, answer, _ = _send(server, "", headers, raw.encode())
    assert status == 200 and json.loads(answer)["results"][0]["code"] == "out_of_range", answer
    plain_text = {**headers, "Content-Type": "text/plain"}  # FastAPI does not read it as JSON
    assert _both(server, plain_text, json.dumps({"changes": []}).encode())[0] == 422


def test_the_short_path_skips_the_router_and_the_route_is_still_there(tmp_path, monkeypatch):
    """In process: a plain push never reaches FastAPI's router (Starlette's router notes the endpoint
    in the request scope); one with a query does, with the same answer."""
    from fastapi.testclient import TestClient

    with app_in_process(f"sqlite:///{tmp_path / 'city.db'}", tmp_path, monkeypatch) as (app, lab):
        username = lab.add_user("village_cadre", VILLAGE)
        routed: list[bool] = []

        async def watched(scope, receive, send):
            await app(scope, receive, send)
            if scope["type"] == "http" and scope["path"].endswith("/sync/push"):
                routed.append("endpoint" in scope)

        with TestClient(watched) as http:
            device = new_id()
            headers = log_in(http, username, device)
            change = {"change_id": new_id(), "device_id": device, "device_seq": 1, "entity": "household",
                      "record_id": new_id(), "op": "upsert", "base": {}, "schema_version": SCHEMA_VERSION,
                      "hlc": f"{int(time.time() * 1000):013d}-00000-{device}",
                      "fields": {"household_no": f"{VILLAGE}000030", "region_code": VILLAGE}}
            fast = http.post("/api/v1/sync/push", json={"changes": [change]}, headers=headers)
            slow = http.post("/api/v1/sync/push?via=route", json={"changes": [change]}, headers=headers)
        assert fast.status_code == slow.status_code == 200 and fast.content == slow.content
        assert routed == [False, True]


def test_the_access_log_names_the_route_and_the_caller(server):
    cadre = server.user_client("village_cadre", VILLAGE)
    body = json.dumps({"changes": [_household(cadre, 40)]}).encode()
    for query, sent in (("", body), ("?via=route", body), ("", b"[")):
        _send(server, query, _json_headers(cadre), sent)
    time.sleep(0.3)  # let the server flush its log lines
    entries = [json.loads(line) for line in server.log_text().splitlines() if cadre.device_id in line]
    pushes = [(e["path"], e["status"]) for e in entries if e["logger"] == "server.access"]
    assert pushes[-2:] == [("/sync/push", 200), ("/sync/push", 200)]
    lines = [json.loads(line) for line in server.log_text().splitlines()]
    assert ("/sync/push", 400) in [(e.get("path"), e.get("status")) for e in lines if e.get("logger") == "server.access"]


def test_revoked_and_expired_devices_are_refused_the_same_both_ways(server):
    admin = server.user_client("township_admin", "150422100")
    cadre = server.user_client("village_cadre", VILLAGE)
    body = json.dumps({"changes": [_household(cadre, 60)]}).encode()
    assert _both(server, _json_headers(cadre), body)[0] == 200  # the token is cached now
    assert admin.post(f"/devices/{cadre.device_id}/revoke", json={"wipe": True}).status_code == 200
    status, answer, _ = _both(server, _json_headers(cadre, **{"Accept-Language": "en"}), body)
    error = json.loads(answer)["error"]
    assert (status, error["code"], error["wipe"]) == (403, "device_revoked", True)

    expired = server.user_client("village_cadre", VILLAGE)  # never used: not cached
    with server.session() as s:
        s.get(Device, expired.device_id).token_expires_at = dt.datetime(2020, 1, 1)
        s.commit()
    status, answer, _ = _both(server, _json_headers(expired), json.dumps({"changes": [_household(expired, 61)]}).encode())
    assert (status, json.loads(answer)["error"]["code"]) == (401, "token_expired")


def test_json_nested_past_the_parsers_limit_is_refused_whole_both_ways(server):
    """docs/SECURITY.md: a body nested deeper than the parser's own limit is refused whole, 400
    `invalid_request`, never a 500. The short path's parser raises RecursionError there, not the
    ValueError it caught: it answered 500 (without the server's headers, a traceback in the log)."""
    cadre = server.user_client("village_cadre", VILLAGE)
    change = json.dumps({"changes": [_household(cadre, 50)]})
    bodies = {"the body": b'{"changes": ' + b"[" * 5000 + b"]" * 5000 + b"}",
              "a field": change.replace('"region_code"', '"x": ' + "[" * 990 + "]" * 990 + ', "region_code"').encode()}
    logged_before = len(server.log_text())
    for name, body in bodies.items():
        status, answer, kept = _both(server, _json_headers(cadre), body)
        assert (status, json.loads(answer)["error"]["code"]) == (400, "invalid_request"), (name, answer)
        assert dict(kept)["x-installation-id"], name
    time.sleep(0.3)
    assert "RecursionError" not in server.log_text()[logged_before:]


def _access_line(server, request_id: str) -> tuple[str, int]:
    """(path, status) of the access log's line for the request `request_id`."""
    for _ in range(50):
        for line in server.log_text().splitlines():
            if request_id in line and '"server.access"' in line:
                entry = json.loads(line)
                return entry["path"], entry["status"]
        time.sleep(0.1)
    raise AssertionError(f"no access log line for {request_id}")


def _gone_mid_body(server, query: str, headers: dict) -> str:
    """A push whose client declares 1,000 bytes, sends 10 and goes away; its request id."""
    request_id = uuid.uuid4().hex
    head = [f"POST /api/v1/sync/push{query} HTTP/1.1", f"Host: {server.url.split('//')[1]}",
            f"X-Request-Id: {request_id}", "Content-Length: 1000",
            *(f"{k}: {v}" for k, v in headers.items())]
    with socket.create_connection(tuple(server.url.split("//")[1].split(":"))) as sock:
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + b'{"changes"')
        time.sleep(0.3)
    return request_id


def test_the_access_log_line_is_the_routes(server):
    """The access log names the route and the status as FastAPI's router does, also for a push whose
    body is gzipped (the desktop's way for larger batches: the log read the request's scope, the
    route was noted in the copy the inflating middleware gave the app: "(unmatched)" both ways),
    whose streamed body passes the size limit or whose client goes away mid-body (the short path
    noted no route before reading the body: "(unmatched)", and status 0 for the client gone)."""
    cadre = server.user_client("village_cadre", VILLAGE)
    headers = _json_headers(cadre)

    def logged(query: str, body, **extra) -> tuple[str, int]:
        request_id = uuid.uuid4().hex
        with contextlib.suppress(requests.ConnectionError):  # a 413 may come before the whole body is sent
            requests.post(f"{server.api}/sync/push{query}", data=body() if callable(body) else body, timeout=60,
                          headers={**headers, "X-Request-Id": request_id, **extra})
        return _access_line(server, request_id)

    gzipped = gzip.compress(json.dumps({"changes": [_household(cadre, 70)]}).encode())
    assert logged("", gzipped, **{"Content-Encoding": "gzip"}) == ("/sync/push", 200)
    assert logged("?via=route", gzipped, **{"Content-Encoding": "gzip"}) == ("/sync/push", 200)

    def streamed():  # chunked: no Content-Length to refuse it by
        yield b'{"changes": [], "x": "'
        yield from (b"a" * 1024 * 1024 for _ in range(server.settings.max_body_bytes // (1024 * 1024) + 1))
        yield b'"}'

    assert logged("", streamed) == logged("?via=route", streamed) == ("/sync/push", 413)
    gone = [_access_line(server, _gone_mid_body(server, query, headers)) for query in ("", "?via=route")]
    assert gone[0] == gone[1] and gone[0][0] == "/sync/push", gone


def test_an_unexpected_error_is_logged_500_both_ways(tmp_path, monkeypatch):
    """A push that fails unexpectedly is answered 500 `internal` by the app's handler outside the
    request middleware, both ways; its access log line said status 0, so no search for 500s found it."""
    lines: list[tuple[str, int]] = []
    answers = _broken_push_both_ways(tmp_path, monkeypatch, "server.access",
                                     lambda record: lines.append((record.path, record.status)))
    assert [(a.status_code, a.json()["error"]["code"]) for a in answers] == [(500, "internal")] * 2
    assert lines[-2:] == [("/sync/push", 500)] * 2, lines


def test_an_unexpected_error_carries_its_request_id_both_ways(tmp_path, monkeypatch):
    """A 500 is answered inside the request middleware: its X-Request-Id is the request's, and the
    traceback is logged while the request's id is current, so an administrator can find one from the
    other (they said "-" and carried no id when the app's handler answered outside the middleware)."""
    from server.logs import request_id_var

    logged: list[tuple[str, str]] = []
    answers = _broken_push_both_ways(tmp_path, monkeypatch, "server.errors",
                                     lambda record: logged.append((record.getMessage(), request_id_var.get())),
                                     lambda n: {"X-Request-Id": f"trace-00{n}", "Accept-Language": " en"})
    assert [(a.status_code, a.headers.get("x-request-id"), a.json()["error"]["code"]) for a in answers] == [
        (500, "trace-000", "internal"), (500, "trace-001", "internal")]
    assert all(a.json()["error"]["message"].startswith("Internal server error") for a in answers)
    assert [entry for entry in logged if entry[0] == "unhandled error"] == [
        ("unhandled error", "trace-000"), ("unhandled error", "trace-001")], logged


def _broken_push_both_ways(tmp_path, monkeypatch, logger: str, note, extra_headers=lambda _n: {}) -> list:
    """Pushes whose merge raises, straight to the short path and through the route (`?via=route`), with
    `note(record)` called for each record of `logger` meanwhile; the two answers."""
    import logging

    from fastapi.testclient import TestClient

    def broken(*_args, **_kwargs):
        raise RuntimeError("the merge failed")

    class Noted(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            note(record)

    with app_in_process(f"sqlite:///{tmp_path / 'city.db'}", tmp_path, monkeypatch) as (app, lab):
        username = lab.add_user("village_cadre", VILLAGE)
        monkeypatch.setattr("server.push_path.push_batch", broken)
        noted = Noted()
        logging.getLogger(logger).addHandler(noted)
        try:
            with TestClient(app, raise_server_exceptions=False) as http:
                headers = log_in(http, username)
                return [http.post(f"/api/v1/sync/push{query}", json={"changes": []},
                                  headers={**headers, **extra_headers(n)})
                        for n, query in enumerate(("", "?via=route"))]
        finally:
            logging.getLogger(logger).removeHandler(noted)
