"""Accounts over real HTTP: login, per-device tokens, logout, renewal, expiry, revocation with wipe,
device lists by role, and login throttling per user (429 with Retry-After) and per address."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import requests
from sqlalchemy import select

from server.models import Device, User
from tests.server.fixtures import server_fixture  # noqa: F401
from tests.server.live import PASSWORD


def _login(server, username, password=PASSWORD, device_id=None):
    return requests.post(server.api + "/login", json={
        "username": username, "password": password, "device_id": device_id or str(uuid.uuid4()),
        "device_name": "乡镇办公室电脑"})


def test_login_returns_a_device_token_stored_only_as_a_hash(server):
    name = server.add_user("township_staff", "150402001")
    r = _login(server, name)
    assert r.status_code == 200
    body = r.json()
    assert body["user"]["role"] == "township_staff" and body["user"]["scope_prefix"] == "150402001"
    assert body["user"]["role_label"] == "乡镇工作人员"
    token = body["token"]
    with server.session() as s:
        device = s.get(Device, body["device_id"])
        assert device.token_hash and device.token_hash != token and token not in device.token_hash
        user = s.scalar(select(User).where(User.username == name))
        assert user.password_hash.startswith("$argon2") and PASSWORD not in user.password_hash
    me = requests.get(server.api + "/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["username"] == name


def test_wrong_password_and_unknown_user_look_the_same(server):
    name = server.add_user("village_cadre", "150402001001")
    wrong = _login(server, name, "not the password")
    unknown = _login(server, "nobody_" + uuid.uuid4().hex[:6])
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["error"]["code"] == unknown.json()["error"]["code"] == "bad_credentials"
    assert wrong.json()["error"]["message"] == "用户名或密码错误。"


def test_english_message_when_asked(server):
    r = requests.post(server.api + "/login", headers={"Accept-Language": "en-US,en;q=0.8"},
                      json={"username": "x", "password": "y", "device_id": str(uuid.uuid4())})
    assert r.status_code == 401 and r.json()["error"]["message"] == "Wrong username or password."


def test_failed_logins_are_throttled_per_user_with_retry_after(server):
    name = server.add_user("township_staff", "150402001")
    for _ in range(server.settings.login_max_failures_user):
        assert _login(server, name, "wrong password").status_code == 401
    blocked = _login(server, name)  # even the right password waits out the lock
    assert blocked.status_code == 429
    assert blocked.json()["error"]["code"] == "too_many_attempts"
    retry_after = int(blocked.headers["Retry-After"])
    assert 0 < retry_after <= server.settings.login_window_seconds + 1


def test_logout_ends_the_token(server):
    client = server.user_client("township_staff", "150402001")
    assert client.post("/logout").status_code == 204
    r = client.get("/me")
    assert r.status_code == 401 and r.json()["error"]["code"] == "not_authenticated"


def test_renewal_replaces_the_token(server):
    client = server.user_client("township_staff", "150402001")
    r = client.post("/renew")
    assert r.status_code == 200
    old_token, client.token = client.token, r.json()["token"]
    assert client.get("/me").status_code == 200
    stale = requests.get(server.api + "/me", headers={"Authorization": f"Bearer {old_token}"})
    assert stale.status_code == 401


def test_expired_token_is_refused(server):
    client = server.user_client("village_cadre", "150402001001")
    with server.session() as s:
        s.get(Device, client.device_id).token_expires_at = dt.datetime(2020, 1, 1)
        s.commit()
    r = client.get("/me")
    assert r.status_code == 401 and r.json()["error"]["code"] == "token_expired"


def test_revoked_device_is_told_so_with_the_wipe_flag_and_cannot_log_in_again(server):
    admin = server.user_client("township_admin", "150402001")
    cadre_name = server.add_user("village_cadre", "150402001002")
    cadre = server.login(cadre_name)
    listed = {d["id"]: d for d in admin.get("/devices").json()}
    assert cadre.device_id in listed and listed[cadre.device_id]["username"] == cadre_name
    r = admin.post(f"/devices/{cadre.device_id}/revoke", json={"wipe": True})
    assert r.status_code == 200 and r.json()["revoked"] and r.json()["wipe"]
    refused = cadre.get("/me")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "device_revoked" and refused.json()["error"]["wipe"] is True
    again = _login(server, cadre_name, device_id=cadre.device_id)
    assert again.status_code == 403 and again.json()["error"]["code"] == "device_revoked"
    assert _login(server, cadre_name).status_code == 200  # a new device may still enrol


def test_devices_outside_a_township_admins_scope_are_invisible(server):
    admin = server.user_client("township_admin", "150402001")
    other = server.user_client("village_cadre", "150402002001")
    assert other.device_id not in {d["id"] for d in admin.get("/devices").json()}
    r = admin.post(f"/devices/{other.device_id}/revoke", json={})
    assert r.status_code == 404
    cadre = server.user_client("village_cadre", "150402001003")
    assert [d["id"] for d in cadre.get("/devices").json()] == [cadre.device_id]


@pytest.mark.parametrize("body", [
    {"username": "a", "password": "b", "device_id": "not-a-uuid"},
    {"username": "", "password": "b", "device_id": str(uuid.UUID(int=1))},
    {"username": "a", "password": "b", "device_id": str(uuid.UUID(int=1)), "admin": True},
    {"username": ["a"], "password": "b", "device_id": str(uuid.UUID(int=1))},
])
def test_malformed_login_bodies_are_422(server, body):
    r = requests.post(server.api + "/login", json=body)
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request"


def test_throttle_per_address_counts_every_username(tmp_path):
    from server.accounts import check_throttle, utcnow
    from server.config import load_settings
    from server.db import make_server_engine, session_factory, upgrade
    from server.errors import ApiError
    from server.models import LoginFailure

    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'a.db'}", secret_key="k",
                             login_max_failures_address=3)
    engine = make_server_engine(settings.database_url)
    upgrade(engine)
    now = utcnow()
    with session_factory(engine)() as s:
        for i in range(3):
            s.add(LoginFailure(username=f"user{i}", address="10.0.0.7", at=now))
        s.flush()
        check_throttle(s, settings, "fresh", "10.0.0.8", now)  # another address is unaffected
        with pytest.raises(ApiError) as caught:
            check_throttle(s, settings, "fresh", "10.0.0.7", now)
        assert caught.value.status == 429 and int(caught.value.headers["Retry-After"]) > 0
        # Once the failures leave the window the address may try again.
        check_throttle(s, settings, "fresh", "10.0.0.7", now + dt.timedelta(seconds=settings.login_window_seconds + 1))
    engine.dispose()


def test_admins_manage_users_within_their_scope(server):
    city = server.user_client("city_admin", "")
    township = server.user_client("township_admin", "150402003")
    cadre_name = "cadre_" + uuid.uuid4().hex[:6]
    r = township.post("/users", json={"username": cadre_name, "password": "long enough 1",
                                      "role": "village_cadre", "scope_prefix": "150402003001"})
    assert r.status_code == 201 and r.json()["role_label"] == "村（社区）干部"
    assert _login(server, cadre_name, "long enough 1").status_code == 200
    for body in ({"username": "x_" + uuid.uuid4().hex[:6], "password": "long enough 1", "role": "township_admin",
                  "scope_prefix": "150402003"},
                 {"username": "y_" + uuid.uuid4().hex[:6], "password": "long enough 1", "role": "village_cadre",
                  "scope_prefix": "150402004001"}):
        assert township.post("/users", json=body).status_code == 403
    short = township.post("/users", json={"username": "z_short", "password": "short", "role": "village_cadre",
                                          "scope_prefix": "150402003001"})
    assert short.status_code == 422
    assert cadre_name in {u["username"] for u in township.get("/users").json()}
    dup = city.post("/users", json={"username": cadre_name, "password": "long enough 1", "role": "village_cadre",
                                    "scope_prefix": "150402003001"})
    assert dup.status_code == 409 and dup.json()["error"]["code"] == "username_taken"
    cadre = server.login(cadre_name, "long enough 1")
    assert township.post(f"/users/{cadre_name}/disable").json()["active"] is False
    refused = cadre.get("/me")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "user_disabled"
    assert cadre.get("/users").status_code == 403
