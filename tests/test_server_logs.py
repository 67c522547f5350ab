"""The server's logs are JSON lines carrying request ids, and never contain the ID numbers, phone
numbers or names that passed through it (bodies and query strings are not logged)."""

from __future__ import annotations

import json
import time

import requests

from db.ids import new_id
from tests.server.fixtures import server_fixture  # noqa: F401
from tests.server.numbers import household_no

VILLAGE = "150422100207"
NAME, ID_NUMBER, PHONE = "欧阳𠮷祥", "11010519491231002X", "13912345678"


def test_logs_are_json_with_request_ids_and_no_personal_data(server):
    staff = server.user_client("township_staff", "150422100")
    hid = new_id()
    r = staff.push([
        staff.change("household", hid, {"household_no": household_no(VILLAGE), "region_code": VILLAGE, "phone": PHONE}),
        staff.change("person", new_id(), {"household_id": hid, "region_code": VILLAGE, "name": NAME,
                                          "id_number": ID_NUMBER, "phone": PHONE}),
        staff.change("person", new_id(), {"household_id": hid, "region_code": VILLAGE, "name": NAME,
                                          "id_number": ID_NUMBER[:-1] + "1"}),  # invalid: rejected
    ])
    assert r.status_code == 200
    request_id = r.headers["X-Request-Id"]
    chosen = requests.get(server.api + "/health", headers={"X-Request-Id": "trace-abc-12345"})
    assert chosen.headers["X-Request-Id"] == "trace-abc-12345"
    requests.get(server.api + "/sync/pull", params={"cursor": 0, "q": ID_NUMBER}, headers=staff.headers())
    requests.post(server.api + "/login", json={"username": NAME, "password": PHONE, "device_id": new_id()})
    time.sleep(0.3)  # let the server flush its log lines
    text = server.log_text()
    for secret in (NAME, ID_NUMBER, PHONE, ID_NUMBER[-6:], staff.token):
        assert secret not in text
    entries = [json.loads(line) for line in text.splitlines() if line.strip()]
    access = [e for e in entries if e["logger"] == "server.access"]
    assert any(e["request_id"] == request_id and e["path"].endswith("/sync/push") and e["status"] == 200
               and e["device_id"] == staff.device_id for e in access)
    assert any(e["request_id"] == "trace-abc-12345" for e in access)
    assert all({"ts", "level", "msg", "request_id"} <= e.keys() for e in entries)
