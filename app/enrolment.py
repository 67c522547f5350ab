"""Enrolling this PC with the city server and keeping its secrets: server URL + username + password
are exchanged (once) for a per-device token, and at the same moment the device makes its Ed25519
key pair (USB bundles are signed with it) and registers the public half with the server. Both
secrets live only in the OS keyring, keyed by the device id, never in a file; a machine whose only
keyring is the "fail"/"null" backend or a plaintext file backend is refused with a clear message
instead of silently writing a secret in the clear. The non-secret facts (device id, server URL,
user, role, scope) are kept in the local database's sync state so the client knows who it is offline.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import datetime as dt
import json
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import keyring
import keyring.backend
from keyring.errors import KeyringError
from sqlalchemy.orm import Session, sessionmaker

from app.errors import UserFacingError
from db.client import SyncState
from db.ids import new_id
from sync.client import pending_count
from sync.http_transport import HttpTransport
from sync.transport import AuthFailed, Offline, TransportError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

KEYRING_SERVICE = "township-desk"
DEVICE_ID_KEY = "device_id"
ENROLMENT_KEY = "enrolment"
RENEW_AHEAD = dt.timedelta(days=7)
# Backends that do not protect a secret: keyring's own "no backend" stand-ins and plaintext files.
_INSECURE_BACKENDS = {
    "keyring.backends.fail.Keyring",
    "keyring.backends.null.Keyring",
    "keyrings.alt.file.PlaintextKeyring",
    "keyrings.alt.Gnome.Keyring",
}


class KeyringUnavailable(UserFacingError):
    """No secure keyring backend on this machine: the token cannot be kept safely."""

    def __init__(self, backend: str) -> None:
        super().__init__("keyring_unavailable", backend=backend)


class NotEnrolled(UserFacingError):
    """The client has no device token yet (or it was removed): log in first."""

    def __init__(self) -> None:
        super().__init__("not_enrolled")


@dataclass(frozen=True)
class Enrolment:
    """Who this device is on which server, as the server confirmed at login."""

    server_url: str
    username: str
    device_id: str
    role: str
    scope: str
    department_code: str | None = None
    display_name: str = ""
    server_public_key: str = ""  # base64 Ed25519 key the server signs answer bundles with
    token_expires_at: str = ""  # ISO time from the server; renewed ahead of time while online


def _backend_name(backend: keyring.backend.KeyringBackend) -> str:
    return f"{type(backend).__module__}.{type(backend).__qualname__}"


def check_secure_keyring(backend: keyring.backend.KeyringBackend | None = None) -> None:
    """Raise `KeyringUnavailable` unless the active keyring backend protects secrets.

    keyring itself ranks a backend with priority below 1 as not recommended; a chainer is secure when
    it has at least one secure member."""
    backend = backend or keyring.get_keyring()
    if getattr(backend, "memory_only", False):
        # Keeps secrets in this process's memory and writes nothing anywhere (the demo's keyring, which
        # discovery never offers: it is only ever handed over explicitly). Nothing to leak; lost at exit.
        return
    members = getattr(backend, "backends", None)
    if members is not None:
        for member in members:
            try:
                check_secure_keyring(member)
                return
            except KeyringUnavailable:
                continue
        raise KeyringUnavailable(_backend_name(backend))
    name = _backend_name(backend)
    try:
        priority = float(backend.priority)
    except Exception:  # a backend that cannot even say its priority is not viable here
        priority = 0.0
    if name in _INSECURE_BACKENDS or priority < 1:
        raise KeyringUnavailable(name)


class SecretStore:
    """The device's secrets in the OS keyring, one entry per (device, kind)."""

    def __init__(self, backend: keyring.backend.KeyringBackend | None = None) -> None:
        self._backend = backend

    @property
    def backend(self) -> keyring.backend.KeyringBackend:
        return self._backend or keyring.get_keyring()

    def _get(self, kind: str, device_id: str) -> str | None:
        try:
            return self.backend.get_password(KEYRING_SERVICE, f"{kind}:{device_id}")
        except KeyringError as exc:
            raise KeyringUnavailable(_backend_name(self.backend)) from exc

    def _set(self, kind: str, device_id: str, value: str) -> None:
        check_secure_keyring(self.backend)
        try:
            self.backend.set_password(KEYRING_SERVICE, f"{kind}:{device_id}", value)
        except KeyringError as exc:
            raise KeyringUnavailable(_backend_name(self.backend)) from exc

    def _delete(self, kind: str, device_id: str) -> None:
        with contextlib.suppress(KeyringError):  # already gone: forgetting is idempotent
            self.backend.delete_password(KEYRING_SERVICE, f"{kind}:{device_id}")

    def token(self, device_id: str) -> str | None:
        return self._get("token", device_id)

    def store_token(self, device_id: str, token: str) -> None:
        self._set("token", device_id, token)

    def signing_key(self, device_id: str) -> Ed25519PrivateKey | None:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # not at client start

        raw = self._get("signing-key", device_id)
        return Ed25519PrivateKey.from_private_bytes(base64.b64decode(raw)) if raw else None

    def store_signing_key(self, device_id: str, key: Ed25519PrivateKey) -> None:
        raw = key.private_bytes_raw()
        self._set("signing-key", device_id, base64.b64encode(raw).decode("ascii"))

    def forget_token(self, device_id: str) -> None:
        self._delete("token", device_id)

    def forget(self, device_id: str) -> None:
        self._delete("token", device_id)
        self._delete("signing-key", device_id)


def public_key_text(key: Ed25519PrivateKey) -> str:
    """The public half as sent to the server: base64 of the 32 raw bytes."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return base64.b64encode(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode("ascii")


def local_device_id(session: Session) -> str:
    """This database's device id, made (UUIDv7) and stored the first time it is asked for."""
    row = session.get(SyncState, DEVICE_ID_KEY)
    if row is None:
        row = SyncState(key=DEVICE_ID_KEY, value=new_id())
        session.add(row)
        session.flush()
    return row.value


def read_enrolment(session: Session) -> Enrolment | None:
    row = session.get(SyncState, ENROLMENT_KEY)
    return Enrolment(**json.loads(row.value)) if row is not None else None


def _enrolment_from_answer(server_url: str, username: str, device_id: str, answer: dict[str, Any]) -> Enrolment:
    user = answer.get("user") or {}
    return Enrolment(
        server_url=server_url, username=str(user.get("username") or username), device_id=device_id,
        role=str(user.get("role") or answer.get("role") or ""),
        scope=str(user.get("scope_prefix") or user.get("scope") or ""),
        department_code=user.get("department_code") or answer.get("department_code"),
        display_name=str(user.get("display_name") or ""),
        server_public_key=str(answer.get("server_public_key") or ""),
        token_expires_at=str(answer.get("expires_at") or ""))


def _due_for_renewal(expires_at: str, now: dt.datetime) -> bool:
    if not expires_at:
        return False
    try:
        when = dt.datetime.fromisoformat(expires_at.replace("Z", "+00:00"))
    except ValueError:
        return False
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)  # the server answers in UTC
    return now < when < now + RENEW_AHEAD


class EnrolmentService:
    """Log this device in, keep its token and signing key, and hand out a ready transport."""

    def __init__(self, sessions: sessionmaker[Session], secrets: SecretStore,
                 transport_factory: Callable[[str], HttpTransport],
                 now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)) -> None:
        self._now = now
        self._sessions = sessions
        self._secrets = secrets
        self._transport_factory = transport_factory

    def device_id(self) -> str:
        with self._sessions.begin() as session:
            return local_device_id(session)

    def current(self) -> Enrolment | None:
        with self._sessions() as session:
            return read_enrolment(session)

    def enrol(self, server_url: str, username: str, password: str, device_name: str | None = None,
              switch_with_unsent: bool = False) -> Enrolment:
        """Exchange credentials for a device token; the password is sent once and never kept.

        Another account's login on a PC holding changes not yet uploaded is refused (unless
        `switch_with_unsent`): they would go up under the new account, and what lies outside its
        scope would come back 被退回 — the previous user's work lost to them. Sync first."""
        check_secure_keyring(self._secrets.backend)  # refuse before anything leaves the machine
        if not switch_with_unsent:
            self._refuse_switch_with_unsent(username.strip())
        server_url = server_url.strip().rstrip("/")
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        device_id = self.device_id()
        key = self._secrets.signing_key(device_id) or Ed25519PrivateKey.generate()
        transport = self._transport_factory(server_url)
        try:
            answer = transport.login(username.strip(), password, device_id=device_id,
                                     device_name=device_name or socket.gethostname(),
                                     public_key=public_key_text(key))
        except AuthFailed as exc:
            raise UserFacingError("login_failed", detail=exc.message or exc.code) from exc
        except Offline as exc:
            raise UserFacingError("server_unreachable") from exc
        except TransportError as exc:
            raise UserFacingError("sync_server_error", detail=exc.message or exc.code) from exc
        finally:
            transport.close()
        token = answer.get("token") or answer.get("access_token")
        if not token:
            raise UserFacingError("sync_server_error", detail="no token")
        self._secrets.store_signing_key(device_id, key)
        self._secrets.store_token(device_id, str(token))
        enrolment = _enrolment_from_answer(server_url, username.strip(), device_id, answer)
        with self._sessions.begin() as session:
            session.merge(SyncState(key=ENROLMENT_KEY, value=json.dumps(enrolment.__dict__, ensure_ascii=False)))
        return enrolment

    def _refuse_switch_with_unsent(self, username: str) -> None:
        current = self.current()
        if current is None or current.username == username:
            return
        count = pending_count(self._sessions)
        if count:
            raise UserFacingError("unsent_before_switch", count=count, user=current.username)

    def token(self) -> str:
        enrolment = self.current()
        token = self._secrets.token(enrolment.device_id) if enrolment else None
        if not token:
            raise NotEnrolled()
        return token

    def signing_key(self) -> Ed25519PrivateKey:
        key = self._secrets.signing_key(self.device_id())
        if key is None:
            raise NotEnrolled()
        return key

    def township(self) -> str:
        """The township (9-digit prefix) this device works in, "" for city-wide users."""
        enrolment = self.current()
        if enrolment is None:
            raise NotEnrolled()
        return enrolment.scope[:9]

    def transport(self) -> HttpTransport:
        """A transport to the enrolled server carrying this device's token (renewed first when it
        expires within RENEW_AHEAD, so a laptop that syncs now and then never finds it expired)."""
        enrolment = self.current()
        if enrolment is None:
            raise NotEnrolled()
        transport = self._transport_factory(enrolment.server_url)
        transport.token = self.token()
        if _due_for_renewal(enrolment.token_expires_at, self._now()):
            self._renew(transport, enrolment)
        return transport

    def _renew(self, transport: HttpTransport, enrolment: Enrolment) -> None:
        try:
            answer = transport.renew()
        except TransportError:
            return  # offline or refused: the sync cycle itself reports what is wrong
        token = answer.get("token")
        if not token:
            return
        self._secrets.store_token(enrolment.device_id, str(token))
        transport.token = str(token)
        renewed = dataclasses.replace(enrolment, token_expires_at=str(answer.get("expires_at") or ""))
        with self._sessions.begin() as session:
            session.merge(SyncState(key=ENROLMENT_KEY, value=json.dumps(renewed.__dict__, ensure_ascii=False)))

    def forget_device(self) -> None:
        """Remove both secrets of this device from the keyring (remote wipe)."""
        self._secrets.forget(self.device_id())

    def log_out(self) -> None:
        """Forget the token (the signing key stays: bundles already written must stay verifiable)."""
        enrolment = self.current()
        if enrolment:
            self._secrets.forget_token(enrolment.device_id)
