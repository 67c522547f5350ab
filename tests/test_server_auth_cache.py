"""Token authentication from a short-lived cache: repeated requests with one token do not read or
write the accounts tables, while revocation, disabling, logout, renewal and expiry are still
honoured — at once in the worker that served them, within the cache's lifetime when another worker
or an operator wrote them straight to the database."""

from __future__ import annotations

import datetime as dt
import time

from sqlalchemy import event

from server.models import Device, User
from tests.server.fixtures import server_fixture  # noqa: F401

VILLAGE = "150422100201"


def _refused_within(client, seconds: float) -> tuple[float, dict]:
    """Seconds until the client's token is refused, polling /me; fails past `seconds`."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        r = client.get("/me")
        if r.status_code != 200:
            return time.monotonic() - started, {"status": r.status_code, **r.json()["error"]}
        time.sleep(0.2)
    raise AssertionError(f"token still accepted after {seconds} s")


def test_a_revocation_written_by_another_worker_is_honoured_within_the_cache_lifetime(server):
    client = server.user_client("village_cadre", VILLAGE)
    assert client.pull().status_code == 200  # the token is now cached
    with server.session() as s:  # what another worker, host or the security CLI does
        s.get(Device, client.device_id).revoked = True
        s.commit()
    # the cache's lifetime, plus room for requests that crawl on a machine shared with other work
    took, error = _refused_within(client, server.settings.auth_cache_seconds + 5)
    assert error["status"] == 403 and error["code"] == "device_revoked"


def test_a_user_disabled_in_the_database_and_an_expired_token_are_refused_within_seconds(server):
    disabled = server.user_client("village_cadre", VILLAGE)
    expired = server.user_client("village_cadre", VILLAGE)
    assert disabled.get("/me").status_code == 200 and expired.get("/me").status_code == 200
    with server.session() as s:
        s.get(User, s.get(Device, disabled.device_id).user_id).active = False
        s.get(Device, expired.device_id).token_expires_at = dt.datetime(2020, 1, 1)
        s.commit()
    limit = server.settings.auth_cache_seconds + 5
    assert _refused_within(disabled, limit)[1]["code"] == "user_disabled"
    assert _refused_within(expired, limit)[1]["code"] == "token_expired"


def test_revoke_logout_and_renew_through_the_api_take_effect_at_once(server):
    admin = server.user_client("township_admin", "150422100")
    cadre = server.login(server.add_user("village_cadre", VILLAGE))
    assert cadre.get("/me").status_code == 200
    assert admin.post(f"/devices/{cadre.device_id}/revoke", json={"wipe": False}).status_code == 200
    r = cadre.get("/me")
    assert r.status_code == 403 and r.json()["error"]["code"] == "device_revoked"

    leaving = server.user_client("village_cadre", VILLAGE)
    assert leaving.get("/me").status_code == 200
    assert leaving.post("/logout").status_code == 204
    assert leaving.get("/me").status_code == 401

    renewing = server.user_client("village_cadre", VILLAGE)
    assert renewing.get("/me").status_code == 200
    old = renewing.token
    renewing.token = renewing.post("/renew").json()["token"]
    assert renewing.get("/me").status_code == 200
    renewing.token = old
    assert renewing.get("/me").status_code == 401


def test_cached_requests_do_not_touch_the_accounts_tables(tmp_path, monkeypatch):
    """In-process app on SQLite: after the first request, a token's further requests run no
    statement on `devices` or `users` and commit nothing for authentication."""
    from fastapi.testclient import TestClient

    from tests.server.live import app_in_process, log_in

    statements: list[str] = []
    last: dict[int, str] = {}  # connection → its last statement
    commits: list[str] = []  # the last statement before each COMMIT

    def executing(conn, _cursor, sql, *_args):
        statements.append(sql.lower())
        last[id(conn)] = sql.lower()

    with app_in_process(f"sqlite:///{tmp_path / 'city.db'}", tmp_path, monkeypatch) as (app, lab):
        username = lab.add_user("village_cadre", VILLAGE)
        event.listen(app.state.engine, "before_cursor_execute", executing)
        event.listen(app.state.engine, "commit", lambda conn: commits.append(last.get(id(conn), "")))
        with TestClient(app) as http:
            headers = log_in(http, username)
            assert http.get("/api/v1/me", headers=headers).status_code == 200
            # The first pull notes how far the device pulled (server/tombstones.py: at most once per
            # pull_note_seconds per device); the pulls after it within that time write nothing at all.
            assert http.get("/api/v1/sync/pull", headers=headers).status_code == 200
            statements.clear()
            commits.clear()
            for _ in range(10):
                assert http.get("/api/v1/sync/pull", headers=headers).status_code == 200
    assert statements, "the pulls ran"
    assert not [s for s in statements if "devices" in s or "from users" in s]
    # Once a second the app reads which tokens changed (server.auth_changes) and COMMITs that read;
    # nothing else commits.
    assert [c for c in commits if "auth_changes" not in c] == []
