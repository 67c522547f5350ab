"""A bearer token missing the per-worker cache, read from the database (server.auth_cache, whose read
ends with COMMIT since decision 0044): every refusal as before — unknown, revoked (with the wipe
flag), expired, user disabled — none of them writing the device's last contact, and the last
contact written at most once a minute, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from db.ids import new_id
from server import auth_cache
from server import db as server_db
from server.accounts import create_user, login
from server.auth_cache import PrincipalCache, authenticate_cached
from server.config import load_settings
from server.errors import ApiError
from server.models import Device, User
from tests.server.databases import BACKENDS, fresh_database
from tests.server.live import PASSWORD, TEST_ENV

NOW = dt.datetime(2026, 12, 7, 9, 0)


@pytest.fixture(params=BACKENDS)
def accounts(request, tmp_path, monkeypatch):
    for key, value in TEST_ENV.items():
        monkeypatch.setenv(key, value)
    with fresh_database(request.param, tmp_path) as url:
        engine = server_db.make_server_engine(url)
        server_db.upgrade(engine)
        yield server_db.session_factory(engine), load_settings(), monkeypatch
        engine.dispose()


def _token(sessions, settings, name: str) -> tuple[str, str]:
    with sessions() as s:
        create_user(s, settings, name, PASSWORD, "village_cadre", "320508019001")
        device = new_id()
        token = login(s, settings, username=name, password=PASSWORD, device_id=device, device_name="PC",
                      public_key=None, address="127.0.0.1", now=NOW).token
        s.commit()
    return token, device


def _refused(sessions, settings, token: str) -> tuple[int, str, dict]:
    with pytest.raises(ApiError) as refused:
        authenticate_cached(PrincipalCache(ttl=0), sessions, settings, token)
    return refused.value.status, refused.value.code, refused.value.extra or {}


def test_a_token_miss_refuses_and_notes_the_contact_as_before(accounts):
    sessions, settings, monkeypatch = accounts
    clock = [NOW + dt.timedelta(seconds=5)]
    monkeypatch.setattr(auth_cache, "utcnow", lambda: clock[0])
    token, device = _token(sessions, settings, "cadre")

    def seen():
        with sessions() as s:
            return s.get(Device, device).last_seen_at

    with sessions() as s:
        s.get(Device, device).last_seen_at = None
        s.commit()
    who = authenticate_cached(PrincipalCache(ttl=0), sessions, settings, token)
    assert (who.username, who.device_id) == ("cadre", device) and seen() == clock[0]
    first = clock[0]
    clock[0] = first + dt.timedelta(seconds=59)
    authenticate_cached(PrincipalCache(ttl=0), sessions, settings, token)
    assert seen() == first  # within a minute: not written again
    clock[0] = first + dt.timedelta(seconds=61)
    authenticate_cached(PrincipalCache(ttl=0), sessions, settings, token)
    assert seen() == clock[0]

    assert _refused(sessions, settings, "no-such-token")[:2] == (401, "not_authenticated")
    for n, (change, refusal) in enumerate((
            (lambda d, u: setattr(u, "active", False), (403, "user_disabled", {})),
            (lambda d, u: setattr(d, "token_expires_at", clock[0]), (401, "token_expired", {})),
            (lambda d, u: setattr(d, "token_expires_at", None), (401, "token_expired", {})),
            (lambda d, u: (setattr(d, "revoked", True), setattr(d, "wipe", True)),
             (403, "device_revoked", {"wipe": True})))):
        token, device = _token(sessions, settings, f"cadre{n}")
        with sessions() as s:
            d = s.get(Device, device)
            d.last_seen_at = None
            change(d, s.get(User, d.user_id))
            s.commit()
        assert _refused(sessions, settings, token) == refusal
        assert seen() is None  # a refused token is no contact
