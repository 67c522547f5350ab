"""Bad input gets a 4xx with a machine code and a readable message, and changes nothing: malformed
JSON, wrong types, unknown entities and fields, oversized bodies, batches over the limit, foreign
scope, invalid ID numbers, missing or unsupported schema versions, missing/expired/revoked tokens."""

from __future__ import annotations

import gzip
import json

import pytest
import requests
from sqlalchemy import func, select

from db.ids import new_id
from db.models import Person
from server.store.tables import ChangeLogEntry
from tests.server.fixtures import server_fixture  # noqa: F401
from tests.server.numbers import household_no

TOWNSHIP = "150422100"
VILLAGE = "150422100201"


def log_size(server) -> int:
    with server.session() as s:
        return s.scalar(select(func.count()).select_from(ChangeLogEntry))


def error_of(r) -> str:
    body = r.json()
    assert set(body) == {"error"} and body["error"]["message"], body
    return body["error"]["code"]


@pytest.fixture(scope="module")
def staff(server):
    return server.user_client("township_staff", TOWNSHIP)


def test_malformed_json_is_400(server, staff):
    before = log_size(server)
    r = staff.post("/sync/push", data=b'{"changes": [ {"entity": ', headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and error_of(r) == "malformed_json"
    assert log_size(server) == before


@pytest.mark.parametrize("body", [{"changes": "not a list"}, {"changes": [1, 2]}, {"nothing": []}, []])
def test_wrong_shapes_are_422(server, staff, body):
    before = log_size(server)
    r = staff.post("/sync/push", json=body)
    assert r.status_code == 422 and error_of(r) == "invalid_request"
    assert log_size(server) == before


@pytest.mark.parametrize("mutate, code", [
    (lambda c: c.update(entity="spaceship"), "unknown_entity"),
    (lambda c: c["fields"].update(favourite_colour="蓝"), "unknown_field"),
    (lambda c: c["fields"].update(address=12345), "bad_type"),
    (lambda c: c["fields"].update(last_visit_on="yesterday"), "bad_type"),
    (lambda c: c.update(record_id="42"), "bad_id"),
    (lambda c: c.update(op="explode"), "bad_op"),
    (lambda c: c.pop("hlc"), "bad_change"),
])
def test_invalid_changes_are_rejected_each_with_a_code(server, staff, mutate, code):
    before = log_size(server)
    change = staff.change("household", new_id(), {"household_no": household_no(VILLAGE), "region_code": VILLAGE})
    mutate(change)
    r = staff.push([change])
    assert r.status_code == 200
    [result] = r.json()["results"]
    assert result["outcome"] == "rejected" and result["code"] == code and result["message"]
    assert log_size(server) == before


def test_invalid_resident_id_number_is_rejected(server, staff):
    hid, bad, good = new_id(), new_id(), new_id()
    staff.push([staff.change("household", hid, {"household_no": household_no(VILLAGE), "region_code": VILLAGE})])
    person = {"household_id": hid, "region_code": VILLAGE, "name": "张三", "id_type": "01"}
    r = staff.push([staff.change("person", bad, {**person, "id_number": "11010519491231002Y"}),
                    staff.change("person", good, {**person, "id_number": "11010519491231002X"})])
    bad_result, good_result = r.json()["results"]
    assert bad_result["outcome"] == "rejected" and bad_result["code"] == "invalid_id_number"
    assert good_result["outcome"] == "accepted"
    with server.session() as s:
        assert s.get(Person, bad) is None and s.get(Person, good) is not None
    # A passport number is not checked as a resident ID.
    passport = staff.push([staff.change("person", new_id(), {**person, "id_type": "03", "id_number": "E12345678"})])
    assert passport.json()["results"][0]["outcome"] == "accepted"


def test_oversized_body_is_413_before_it_is_read(server, staff):
    before = log_size(server)
    filler = "x" * (server.settings.max_body_bytes + 10)
    r = staff.post("/sync/push", data=json.dumps({"changes": [], "pad": filler}),
                   headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and error_of(r) == "body_too_large"

    def chunks():  # no Content-Length: the limit is enforced while streaming
        for _ in range(server.settings.max_body_bytes // 65536 + 2):
            yield b" " * 65536

    streamed = requests.post(staff.server.api + "/sync/push", data=chunks(), headers={
        **staff.headers(), "Content-Type": "application/json"})
    assert streamed.status_code == 413 and error_of(streamed) == "body_too_large"
    assert log_size(server) == before


def test_gzip_bodies_are_inflated_within_the_limit(server, staff):
    hid = new_id()
    body = json.dumps({"changes": [staff.change("household", hid, {"household_no": household_no(VILLAGE),
                                                                 "region_code": VILLAGE})]}).encode()
    r = staff.post("/sync/push", data=gzip.compress(body),
                   headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})
    assert r.status_code == 200 and r.json()["results"][0]["outcome"] == "accepted"
    assert "gzip" in r.headers["Accept-Encoding"]
    before = log_size(server)
    bomb = gzip.compress(b" " * (server.settings.max_body_bytes + 1024))  # small on the wire, huge inflated
    assert len(bomb) < server.settings.max_body_bytes // 100
    r = staff.post("/sync/push", data=bomb, headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})
    assert r.status_code == 413 and error_of(r) == "body_too_large"
    broken = staff.post("/sync/push", data=gzip.compress(body)[:-12],
                        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})
    assert broken.status_code == 400 and error_of(broken) == "bad_encoding"
    brotli = staff.post("/sync/push", data=body, headers={"Content-Type": "application/json",
                                                        "Content-Encoding": "br"})
    assert brotli.status_code == 415 and error_of(brotli) == "unsupported_encoding"
    assert log_size(server) == before


def test_batch_over_the_limit_is_413(server, staff):
    before = log_size(server)
    batch = [staff.change("household", new_id(), {"household_no": household_no(VILLAGE), "region_code": VILLAGE})
             for _ in range(server.settings.max_batch + 1)]
    staff.device_seq -= len(batch)  # nothing is taken: the next batch starts where this one did
    r = staff.push(batch)
    assert r.status_code == 413 and error_of(r) == "batch_too_large"
    assert log_size(server) == before


def test_foreign_scope_is_rejected(server):
    cadre = server.user_client("village_cadre", VILLAGE)
    before = log_size(server)
    r = cadre.push([cadre.change("household", new_id(), {"household_no": "150422101000010001",
                                                         "region_code": "150422101000"})])
    assert r.json()["results"][0]["code"] == "forbidden_scope"
    assert log_size(server) == before


def test_schema_version_is_negotiated(server, staff):
    missing = requests.get(server.api + "/sync/pull", headers={"Authorization": f"Bearer {staff.token}"})
    assert missing.status_code == 400 and error_of(missing) == "schema_version_missing"
    # below the minimum (1), or no version at all; "\xb2" (a superscript two, a digit to str.isdigit that
    # int() refuses) had answered 500 on every route
    for version in ("0", "abc", "9" * 40, "\xb2", "1\xb9"):
        r = requests.get(server.api + "/sync/pull", headers={"Authorization": f"Bearer {staff.token}",
                                                               "X-Schema-Version": version})
        assert r.status_code == 426 and error_of(r) == "upgrade_required"
        assert "升级" in r.json()["error"]["message"]
    newer = requests.get(server.api + "/sync/pull", headers={"Authorization": f"Bearer {staff.token}",
                                                               "X-Schema-Version": "999"})
    assert newer.status_code == 409 and error_of(newer) == "server_outdated"  # not the client's fault


def test_every_schema_version_header_is_answered_not_raised():
    """Whatever a header holds (read as latin-1), the version check refuses it with an ApiError or
    takes it as a number: a ValueError from int() was a 500 on every route."""
    from server.config import Settings
    from server.deps import checked_schema_version
    from server.errors import ApiError
    from sync.wire import SCHEMA_VERSION

    settings = Settings(secret_key="k" * 32)
    for raw in ("\xb2", "1\xb9", "\x1c1", "1\x1f", "\x1c", "", " ", "٣", "1" * 7, "-1", "+1", "0x1"):
        try:
            checked_schema_version(raw, settings)
        except ApiError as exc:
            assert exc.status == 426, raw
    assert checked_schema_version(f" {SCHEMA_VERSION}\x1c", settings) == SCHEMA_VERSION


def test_missing_and_garbage_tokens_are_401(server):
    assert error_of(requests.get(server.api + "/sync/pull", headers={"X-Schema-Version": "1"})) == \
        "not_authenticated"
    r = requests.get(server.api + "/sync/pull", headers={"X-Schema-Version": "1", "Authorization": "Bearer nope"})
    assert r.status_code == 401 and error_of(r) == "not_authenticated"


def test_revoked_device_cannot_push(server):
    admin = server.user_client("township_admin", TOWNSHIP)
    cadre = server.user_client("village_cadre", VILLAGE)
    admin.post(f"/devices/{cadre.device_id}/revoke", json={})
    before = log_size(server)
    r = cadre.push([cadre.change("household", new_id(), {"household_no": household_no(VILLAGE),
                                                         "region_code": VILLAGE})])
    assert r.status_code == 403 and error_of(r) == "device_revoked"
    assert log_size(server) == before


def test_unknown_paths_and_methods_use_the_same_error_shape(server, staff):
    assert error_of(staff.get("/no/such/thing")) == "not_found"
    assert error_of(requests.delete(server.api + "/login")) == "method_not_allowed"
