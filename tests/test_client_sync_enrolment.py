"""Enrolment: credentials become a device token and an Ed25519 key in the keyring (never a file),
the public key goes to the server, insecure keyrings are refused before anything is sent."""

from __future__ import annotations

import base64

import keyring
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from keyring.backends import fail, null

from app.enrolment import (
    EnrolmentService,
    KeyringUnavailable,
    NotEnrolled,
    SecretStore,
    check_secure_keyring,
)
from app.errors import UserFacingError
from db.engine import session_factory
from sync.transport import AuthFailed, Offline
from tests.client_sync_support import MemoryKeyring, PlaintextLikeKeyring


class LoginTransport:
    """Answers login like the server: records what was sent."""

    def __init__(self, fail_with: Exception | None = None, expires_at: str = "2026-12-20T00:00:00") -> None:
        self.sent: dict = {}
        self.token = None
        self.fail_with = fail_with
        self.expires_at = expires_at
        self.renewals = 0

    def renew(self):
        self.renewals += 1
        return {"token": f"renewed-{self.renewals}", "expires_at": "2027-01-30T00:00:00"}

    def login(self, username, password, *, device_id, device_name, public_key):
        if self.fail_with:
            raise self.fail_with
        self.sent = {"username": username, "password": password, "device_id": device_id,
                     "public_key": public_key}
        return {"token": "secret-token", "device_id": device_id, "expires_at": self.expires_at,
                "user": {"username": username, "role": "township_staff", "scope": "150402100"}}

    def close(self):
        pass


@pytest.fixture
def ring():
    backend = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def _service(engine, ring, transport):
    return EnrolmentService(session_factory(engine), SecretStore(ring), lambda url: transport)


def test_enrol_keeps_token_and_key_in_keyring_only(engine, ring, tmp_path):
    transport = LoginTransport()
    service = _service(engine, ring, transport)
    enrolment = service.enrol("https://city.example/ ", "zhang", "pw")
    assert enrolment.server_url == "https://city.example"
    assert enrolment.role == "township_staff" and enrolment.scope == "150402100"
    assert service.token() == "secret-token"
    # the public key sent matches the private key kept, and signs verifiably
    key = service.signing_key()
    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(transport.sent["public_key"]))
    public.verify(key.sign(b"bundle"), b"bundle")
    assert transport.sent["device_id"] == service.device_id()
    # neither secret reached the database file (nor its write-ahead log)
    engine.dispose()
    for path in tmp_path.glob("local.db*"):
        assert b"secret-token" not in path.read_bytes()
        assert key.private_bytes_raw() not in path.read_bytes()


def test_device_id_is_stable(engine, ring):
    service = _service(engine, ring, LoginTransport())
    assert service.device_id() == service.device_id()


def test_reenrol_keeps_the_same_signing_key(engine, ring):
    service = _service(engine, ring, LoginTransport())
    service.enrol("https://c", "zhang", "pw")
    first = service.signing_key().private_bytes_raw()
    service.enrol("https://c", "zhang", "pw")
    assert service.signing_key().private_bytes_raw() == first


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring(), PlaintextLikeKeyring()])
def test_insecure_keyring_is_refused_before_login(engine, backend):
    transport = LoginTransport()
    service = EnrolmentService(session_factory(engine), SecretStore(backend), lambda url: transport)
    with pytest.raises(KeyringUnavailable) as info:
        service.enrol("https://c", "zhang", "pw")
    assert transport.sent == {}  # the password never left the machine
    assert "密钥存储" in info.value.message()


def test_chainer_is_secure_when_one_member_is():
    class Chain:
        backends = [fail.Keyring(), MemoryKeyring()]

    check_secure_keyring(Chain())  # type: ignore[arg-type]
    Chain.backends = [fail.Keyring()]
    with pytest.raises(KeyringUnavailable):
        check_secure_keyring(Chain())  # type: ignore[arg-type]


def test_wrong_password_is_a_user_facing_error(engine, ring):
    service = _service(engine, ring, LoginTransport(AuthFailed("bad_credentials", "用户名或密码错误。", 401)))
    with pytest.raises(UserFacingError) as info:
        service.enrol("https://c", "zhang", "bad")
    assert info.value.code == "login_failed" and "用户名或密码错误" in info.value.message()
    with pytest.raises(NotEnrolled):
        service.token()


def test_unreachable_server(engine, ring):
    service = _service(engine, ring, LoginTransport(Offline("offline")))
    with pytest.raises(UserFacingError) as info:
        service.enrol("https://c", "zhang", "pw")
    assert info.value.code == "server_unreachable"


def test_transport_carries_token_and_log_out_forgets_it(engine, ring):
    service = _service(engine, ring, LoginTransport())
    service.enrol("https://c", "zhang", "pw")
    assert service.transport().token == "secret-token"
    service.log_out()
    with pytest.raises(NotEnrolled):
        service.transport()
    service.signing_key()  # the key survives a log-out


def test_token_is_renewed_a_week_before_it_expires(engine, ring):
    import datetime as dt

    now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    transport = LoginTransport(expires_at="2026-12-20T00:00:00")
    service = EnrolmentService(session_factory(engine), SecretStore(ring), lambda url: transport, now=lambda: now)
    service.enrol("https://c", "zhang", "pw")
    assert service.transport().token == "secret-token" and transport.renewals == 0  # 19 days left
    now = dt.datetime(2026, 12, 15, tzinfo=dt.UTC)  # 5 days left
    assert service.transport().token == "renewed-1"
    assert service.token() == "renewed-1" and service.current().token_expires_at == "2027-01-30T00:00:00"
    assert service.transport().token == "renewed-1" and transport.renewals == 1


def test_failed_renewal_keeps_the_old_token(engine, ring):
    import datetime as dt

    transport = LoginTransport(expires_at="2026-12-20T00:00:00")
    service = EnrolmentService(session_factory(engine), SecretStore(ring), lambda url: transport,
                               now=lambda: dt.datetime(2026, 12, 18, tzinfo=dt.UTC))
    service.enrol("https://c", "zhang", "pw")

    def offline():
        raise Offline("offline")

    transport.renew = offline
    assert service.transport().token == "secret-token"


def test_cli_sync_before_login_says_to_log_in(tmp_path, ring, capsys):
    from app.cli import main

    assert main(["sync", "--database", str(tmp_path / "fresh.db")]) == 2
    assert "尚未登录" in capsys.readouterr().err
