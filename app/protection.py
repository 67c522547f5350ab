"""Protection of the local database at rest: its SQLCipher key, kept in the OS keyring beside the
device token, whether a database should be encrypted (always for village cadres and grid workers,
whose laptops leave the office; optional for other roles through a setting), converting an existing
plain file in place, opening an encrypted file with a clear message instead of a crash when its key
is missing or wrong, and the key's escrow with the city server so a lost keyring entry (a reinstalled
system, a broken profile) does not lose the unsynced work: the key is sent once over the
authenticated connection at enrolment, and a township admin can have it released for a device of
their township (server/escrow.py). The key entry is named by the database file (not by the device
id) because the device id lives inside the encrypted file and cannot be read before the key is."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import keyring.backend
from keyring.errors import KeyringError
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.enrolment import (
    KEYRING_SERVICE,
    EnrolmentService,
    KeyringUnavailable,
    SecretStore,
    check_secure_keyring,
)
from app.errors import UserFacingError
from app.sync_service import LOCK_KEY
from db.engine import DatabaseLocked, check_key, encrypt_in_place, is_encrypted, new_database_key, open_local
from sync.capture import read_state, write_state
from sync.http_transport import HttpTransport
from sync.transport import TransportError
from sync.wire import SCHEMA_VERSION

# Roles whose laptops go to the villages: their register is encrypted whatever the setting says.
ENCRYPTED_ROLES = frozenset({"village_cadre", "grid_worker"})
ESCROW_PATH = "/escrow/key"
# Local sync-state row: "pending" while the key of this (encrypted) database is not yet escrowed.
ESCROW_STATE = "database_key_escrow"
ENCRYPT_SETTING = "encrypt_database"  # local sync-state row: "1" when a user asked for encryption
log = logging.getLogger(__name__)


def encryption_required(role: str, setting: bool = False) -> bool:
    """Encrypt when the role's laptops leave the office, or when the setting asks for it."""
    return role in ENCRYPTED_ROLES or bool(setting)


def _entry_name(path: str | Path) -> str:
    digest = hashlib.sha256(str(Path(path).resolve()).encode("utf-8")).hexdigest()[:24]
    return f"database-key:{digest}"


class DatabaseKeys:
    """The database keys in the OS keyring (or a given backend in tests), one per database file."""

    def __init__(self, secrets: SecretStore | None = None) -> None:
        self._secrets = secrets or SecretStore()

    @property
    def backend(self) -> keyring.backend.KeyringBackend:
        return self._secrets.backend

    def get(self, path: str | Path) -> str | None:
        try:
            return self.backend.get_password(KEYRING_SERVICE, _entry_name(path))
        except KeyringError as exc:
            raise KeyringUnavailable(type(self.backend).__name__) from exc

    def store(self, path: str | Path, key: str) -> None:
        check_secure_keyring(self.backend)  # a database key in a plaintext file protects nothing
        try:
            self.backend.set_password(KEYRING_SERVICE, _entry_name(path), key)
        except KeyringError as exc:
            raise KeyringUnavailable(type(self.backend).__name__) from exc

    def forget(self, path: str | Path) -> None:
        with contextlib.suppress(KeyringError):
            self.backend.delete_password(KEYRING_SERVICE, _entry_name(path))


def _locked_error(exc: DatabaseLocked) -> UserFacingError:
    code = "database_key_missing" if exc.reason == "no_key" else "database_key_wrong"
    return UserFacingError(code, file=exc.path.name)


def open_protected(path: str | Path, keys: DatabaseKeys) -> Engine:
    """Open the local database with its key from the keyring (plain files open without one).

    A missing or wrong key raises a UserFacingError naming the recovery path; the file is left as it
    was, and no new empty database is ever created in its place."""
    try:
        return open_local(path, keys.get(path) if is_encrypted(path) else None)
    except DatabaseLocked as exc:
        raise _locked_error(exc) from exc


def protect(path: str | Path, keys: DatabaseKeys, engine: Engine | None = None) -> str:
    """Encrypt the database at `path` (in place, no record lost) and return its key.

    The key reaches the keyring before the file is converted, so a crash in between leaves a plain
    file and a spare key, never an encrypted file without its key. `engine`, if given, is disposed
    first (SQLite must not have the file open while it is swapped). An encrypted file is left as is."""
    path = Path(path)
    if engine is not None:
        engine.dispose()
    if is_encrypted(path):
        key = keys.get(path)
        if key is None:
            raise UserFacingError("database_key_missing", file=path.name)
        return key
    key = new_database_key()
    keys.store(path, key)
    if path.exists() and path.stat().st_size > 0:
        encrypt_in_place(path, key)
    for copy in path.parent.glob(f"{path.name}.*.bak"):  # copies kept before migrations hold the data too
        if copy.stat().st_size > 0 and not is_encrypted(copy):
            encrypt_in_place(copy, key)
    return key


def restore_key(path: str | Path, key: str, keys: DatabaseKeys) -> None:
    """Put a key released from escrow back into the keyring, after checking it opens the file."""
    key = key.strip()
    try:
        check_key(path, key)
    except DatabaseLocked as exc:
        raise _locked_error(exc) from exc
    keys.store(path, key)


@dataclass(frozen=True)
class EscrowReceipt:
    device_id: str
    stored_at: str


def escrow_key(transport: HttpTransport, key: str) -> EscrowReceipt:
    """Send the database key to the city server's escrow over the device's authenticated link."""
    try:
        answer = transport.request("PUT", ESCROW_PATH, json_body={"key": key})
    except TransportError as exc:
        raise UserFacingError("escrow_failed", detail=exc.code) from exc
    return EscrowReceipt(str(answer.get("device_id") or ""), str(answer.get("stored_at") or ""))


def secure_after_enrolment(path: str | Path, role: str, keys: DatabaseKeys, transport: HttpTransport,
                           engine: Engine | None = None, setting: bool = False) -> Engine:
    """After a login: encrypt the database when the role (or setting) asks for it, escrow its key,
    and return an engine on the (now encrypted) file. Without encryption the engine is reopened plain."""
    if not encryption_required(role, setting) and not is_encrypted(path):
        return engine if engine is not None else open_local(path)
    key = protect(path, keys, engine)
    escrow_key(transport, key)
    return open_protected(path, keys)


def erase_local_database(path: str | Path, keys: DatabaseKeys) -> list[Path]:
    """Remote wipe, second half: delete the database file, its WAL and shared memory, the copies
    kept before migrations and the key. Returns what was removed (for the message to the user)."""
    path = Path(path)
    removed: list[Path] = []
    candidates = [path, Path(f"{path}-wal"), Path(f"{path}-shm"), *path.parent.glob(f"{path.name}.*.bak")]
    for candidate in candidates:
        if candidate.exists():
            candidate.unlink()
            removed.append(candidate)
    keys.forget(path)
    return removed


def request_encryption(sessions: sessionmaker[Session]) -> None:
    """The optional setting for roles not encrypted by default (an office PC that holds the township's
    register): kept in the database itself, honoured at the next start by `protect_on_open`."""
    with sessions.begin() as session:
        write_state(session, ENCRYPT_SETTING, "1")


def protect_on_open(path: str | Path, engine: Engine, role: str, keys: DatabaseKeys,
                    setting: bool = False) -> Engine:
    """At startup, for an enrolled device: when its role (or the setting, given or stored by
    `request_encryption`) wants encryption and the file is still plain, convert it now, before any
    window shows its data, and mark the key as waiting for escrow. Returns the engine to use."""
    if is_encrypted(path):
        return engine
    if not setting:
        with sessionmaker(engine)() as session:
            setting = read_state(session, ENCRYPT_SETTING) == "1"
    if not encryption_required(role, setting):
        return engine
    protect(path, keys, engine)
    engine = open_protected(path, keys)
    with sessionmaker(engine).begin() as session:
        write_state(session, ESCROW_STATE, "pending")
    log.info("local database encrypted at rest; key escrow pending")
    return engine


def escrow_if_pending(path: str | Path, sessions: sessionmaker[Session], keys: DatabaseKeys,
                      transport: Callable[[], HttpTransport]) -> bool:
    """Send the key when escrow is pending; True once it is escrowed. Failures (offline, an expired
    login) leave it pending for the next start: the key is safe in the keyring meanwhile."""
    with sessions() as session:
        if read_state(session, ESCROW_STATE) != "pending":
            return True
    key = keys.get(path)
    if key is None:
        return False
    try:
        escrow_key(transport(), key)
    except UserFacingError as exc:
        log.warning("database key escrow postponed: %s", exc.code)
        return False
    with sessions.begin() as session:
        write_state(session, ESCROW_STATE, "done")
    return True


def start_escrow(path: str | Path, sessions: sessionmaker[Session], keys: DatabaseKeys,
                 enrolment: EnrolmentService) -> threading.Thread | None:
    """Send a key waiting for escrow on a daemon thread (None when nothing waits), so an offline
    start is not slowed by the network. Everything that reads the database (the state, the key, the
    token) is read here first: the thread only talks to the server, and writes once on success."""
    with sessions() as session:
        if read_state(session, ESCROW_STATE) != "pending":
            return None
    current, key = enrolment.current(), keys.get(path)
    try:
        token = enrolment.token()
    except UserFacingError:
        return None  # logged out: escrow waits for the next login
    if current is None or key is None:
        return None
    transport = HttpTransport(current.server_url, schema_version=SCHEMA_VERSION, token=token)

    def send() -> None:
        try:
            escrow_key(transport, key)
        except UserFacingError as exc:
            log.warning("database key escrow postponed: %s", exc.code)
            return
        finally:
            transport.close()
        with sessions.begin() as session:
            write_state(session, ESCROW_STATE, "done")

    thread = threading.Thread(target=send, name="key-escrow", daemon=True)
    thread.start()
    return thread


def finish_remote_wipe(path: str | Path, engine: Engine, keys: DatabaseKeys) -> None:
    """At startup, after a remote wipe emptied the database (app/sync_service.py): delete the file
    itself, its journal, the pre-migration copies and the key, then tell the user. The next start
    finds no database and offers the login, as on a new PC."""
    with sessionmaker(engine)() as session:
        lock = read_state(session, LOCK_KEY)  # {"at", "wipe"} once the device was revoked
    if lock is None or not json.loads(lock).get("wipe"):
        return
    engine.dispose()
    erase_local_database(path, keys)
    log.warning("remote wipe completed: local database and its key deleted")
    raise UserFacingError("local_data_erased")
