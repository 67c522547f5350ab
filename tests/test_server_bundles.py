"""USB bundles through the real server: a village laptop's signed outbox, relayed by a township PC,
is applied as that laptop (once, however often it is relayed) and answered with a bundle signed by
the server key announced at login; forged, tampered, foreign and revoked bundles are refused."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from db.ids import new_id
from sync.bundle_format import open_bundle, public_key_b64, seal
from tests.server.fixtures import server_fixture  # noqa: F401
from tests.server.live import PASSWORD, Client
from tests.server.numbers import household_no

TOWNSHIP = "150422100"
VILLAGE = "150422100208"


class Laptop:
    """A village device with its Ed25519 key, enrolled once (while it had a signal)."""

    def __init__(self, server, scope: str = VILLAGE):
        self.key = Ed25519PrivateKey.generate()
        self.device_id = str(uuid.uuid4())
        username = server.add_user("village_cadre", scope)
        r = requests.post(server.api + "/login", json={
            "username": username, "password": PASSWORD, "device_id": self.device_id,
            "device_name": "村委笔记本", "public_key": public_key_b64(self.key)})
        assert r.status_code == 200, r.text
        self.server_key = r.json()["server_public_key"]
        self.client = Client(server, r.json()["token"], self.device_id)
        self.username = username

    def bundle(self, changes: list[dict], cursor: int = 0, key=None, township: str = TOWNSHIP) -> bytes:
        header = {"kind": "outbox", "bundle_id": new_id(), "device_id": self.device_id, "username": self.username,
                  "township": township, "created_at": dt.datetime.now(dt.UTC).isoformat(), "cursor": cursor,
                  "first_device_seq": changes[0]["device_seq"], "last_device_seq": changes[-1]["device_seq"],
                  "count": len(changes)}
        return seal(header, {"changes": changes}, key or self.key)


def relay(client: Client, data: bytes) -> requests.Response:
    return requests.post(client.server.api + "/sync/bundle", data=data,
                         headers={**client.headers(), "Content-Type": "application/json"})


@pytest.fixture(scope="module")
def relay_pc(server):
    return server.user_client("township_staff", TOWNSHIP)


def test_a_relayed_bundle_is_applied_once_and_answered_with_a_signed_bundle(server, relay_pc):
    laptop = Laptop(server)
    hid = new_id()
    data = laptop.bundle([laptop.client.change("household", hid, {
        "household_no": household_no(VILLAGE), "region_code": VILLAGE, "address": "离线录入"})])
    r = relay(relay_pc, data)
    assert r.status_code == 200, r.text
    answer = open_bundle(r.content, expected_public_key=laptop.server_key)
    assert answer.header["kind"] == "answer" and answer.header["device_id"] == laptop.device_id
    [result] = answer.body["results"]
    assert result["outcome"] == "accepted"
    pulled = {(rec["entity"], rec["record_id"]) for page in answer.body["pages"] for rec in page["records"]}
    assert ("household", hid) in pulled
    again = open_bundle(relay(relay_pc, data).content, expected_public_key=laptop.server_key)
    assert again.body["results"] == answer.body["results"]  # idempotent by change id


def test_forged_tampered_and_malformed_bundles_are_refused(server, relay_pc):
    laptop = Laptop(server)
    change = laptop.client.change("household", new_id(), {"household_no": household_no(VILLAGE),
                                                          "region_code": VILLAGE})
    forged = relay(relay_pc, laptop.bundle([change], key=Ed25519PrivateKey.generate()))
    assert forged.status_code == 400 and forged.json()["error"]["code"] == "bundle_bad_signature"
    envelope = json.loads(laptop.bundle([change]))
    payload = json.loads(base64.b64decode(envelope["payload"]))
    payload["body"]["changes"][0]["fields"]["region_code"] = "150422100201"
    envelope["payload"] = base64.b64encode(json.dumps(payload).encode()).decode()
    tampered = relay(relay_pc, json.dumps(envelope).encode())
    assert tampered.status_code == 400 and tampered.json()["error"]["code"] == "bundle_bad_signature"
    junk = relay(relay_pc, b'{"format": "something else"}')
    assert junk.status_code == 400 and junk.json()["error"]["code"] == "bundle_malformed"


def test_bundles_of_another_township_or_a_revoked_device_are_refused(server, relay_pc):
    laptop = Laptop(server)
    change = laptop.client.change("household", new_id(), {"household_no": household_no(VILLAGE),
                                                          "region_code": VILLAGE})
    other_pc = server.user_client("township_staff", "150422101")
    foreign = relay(other_pc, laptop.bundle([change]))
    assert foreign.status_code == 403 and foreign.json()["error"]["code"] == "bundle_foreign"
    admin = server.user_client("township_admin", TOWNSHIP)
    admin.post(f"/devices/{laptop.device_id}/revoke", json={"wipe": True})
    revoked = relay(relay_pc, laptop.bundle([change]))
    assert revoked.status_code == 403 and revoked.json()["error"]["code"] == "device_revoked"


def test_a_bundle_carries_attachment_files_to_the_server(server, relay_pc):
    import hashlib

    laptop = Laptop(server)
    case_id, photo = new_id(), b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40
    sha, forged = hashlib.sha256(photo).hexdigest(), hashlib.sha256(b"other").hexdigest()
    case = {"case_no": f"SJ20261126-{case_id[-4:]}", "source": "1", "request_type": "3", "category_code": "0201",
            "title": "消防通道堵塞", "registered_at": "2026-11-26T09:00:00", "region_code": VILLAGE, "status": 10}
    case_change = laptop.client.change("case", case_id, case)  # device_seq 1: the owner first
    attachments = [laptop.client.change("attachment", new_id(), {
        "owner_entity": "case", "owner_id": case_id, "region_code": VILLAGE, "grid_code": None, "sha256": digest,
        "size": len(photo), "mime": "image/jpeg", "filename": "p.jpg", "caption": "", "thumb_sha256": None,
        "taken_at": None, "added_by": laptop.username, "added_at": "2026-11-26T09:05:00", "printed_version": None})
        for digest in (sha, forged)]
    header_changes = [case_change, *attachments]
    body_blobs = {sha: base64.b64encode(photo).decode(), forged: base64.b64encode(photo).decode()}
    header = {"kind": "outbox", "bundle_id": new_id(), "device_id": laptop.device_id, "username": laptop.username,
              "township": TOWNSHIP, "created_at": dt.datetime.now(dt.UTC).isoformat(), "cursor": 0,
              "first_device_seq": 1, "last_device_seq": 3, "count": 3}
    r = relay(relay_pc, seal(header, {"changes": header_changes, "blobs": body_blobs}, laptop.key))
    assert r.status_code == 200, r.text
    answer = open_bundle(r.content, expected_public_key=laptop.server_key)
    assert [x["outcome"] for x in answer.body["results"]] == ["accepted"] * 3, answer.body["results"]
    assert answer.body["blobs_stored"] == [sha]  # the copy whose bytes are not its name is not kept
    assert relay_pc.get(f"/blobs/{sha}").content == photo
    assert relay_pc.get(f"/blobs/{forged}/status").json()["received"] == 0
