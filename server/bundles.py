"""Offline (USB) bundles on the server (docs/decisions/0003-usb-bundles.md): an online PC of the
township relays a village device's signed outbox; the server verifies the signature against the key
that device registered at login, applies the changes as that device and its user (idempotent by
change id, exactly like a push), and answers with a bundle signed by the server's own Ed25519 key
holding the push answers and pull pages for that device's scope.

The server key is made once and kept (PEM, mode 0600) at `signing_key_file` or beside the default
database; its public half goes to every client in the login answer."""

from __future__ import annotations

import datetime as dt
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)
from sqlalchemy.orm import Session

from db.ids import new_id
from server.blobs import store_bundled
from server.config import Settings, data_dir
from server.deps import Principal
from server.errors import ApiError
from server.models import Device, User
from server.scope import read_prefix
from server.sync_service import pull_page, push_batch
from sync.bundle_format import KIND_ANSWER, KIND_OUTBOX, BundleError, open_bundle, public_key_b64, seal

ANSWER_PAGES = 20


def _key_path(settings: Settings) -> Path:
    return Path(settings.signing_key_file) if settings.signing_key_file else data_dir() / "bundle-signing.pem"


@lru_cache(maxsize=4)
def _load_or_make(path: str) -> Ed25519PrivateKey:
    file = Path(path)
    if file.exists():
        key = load_pem_private_key(file.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} does not hold an Ed25519 key")
        return key
    key = Ed25519PrivateKey.generate()
    file.parent.mkdir(parents=True, exist_ok=True)
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    try:
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker made it first: use theirs
        return _load_or_make.__wrapped__(path)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    return key


def server_key(settings: Settings) -> Ed25519PrivateKey:
    return _load_or_make(str(_key_path(settings)))


def server_public_key(settings: Settings) -> str:
    return public_key_b64(server_key(settings))


def _bundle_error(exc: BundleError) -> ApiError:
    return ApiError(403 if exc.code == "bundle_foreign" else 400, exc.code)


def _signer(session: Session, data: bytes) -> tuple[Device, User, dict[str, Any], dict[str, Any]]:
    try:
        claimed = open_bundle(data)  # read the header to learn which device must have signed it
    except BundleError as exc:
        raise _bundle_error(exc) from None
    if claimed.header.get("kind") != KIND_OUTBOX:
        raise ApiError(400, "bundle_malformed")
    device = session.get(Device, str(claimed.header.get("device_id")))
    if device is None or not device.public_key:
        raise ApiError(403, "bundle_foreign")
    try:
        opened = open_bundle(data, expected_public_key=device.public_key)
    except BundleError as exc:
        raise _bundle_error(exc) from None
    if device.revoked:
        raise ApiError(403, "device_revoked", extra={"wipe": device.wipe})
    user = session.get(User, device.user_id)
    if user is None or not user.active:
        raise ApiError(403, "user_disabled")
    return device, user, opened.header, opened.body


def relay(session: Session, settings: Settings, relay_by: Principal, data: bytes) -> bytes:
    """Apply a relayed outbox bundle and return the signed answer bundle; commits the push."""
    device, user, header, body = _signer(session, data)
    relay_prefix = read_prefix(relay_by) or ""
    township = str(header.get("township") or "")
    if relay_by.role == "department" or not (township.startswith(relay_prefix)
                                             and user.scope_prefix.startswith(relay_prefix)):
        raise ApiError(403, "bundle_foreign")
    changes = body.get("changes")
    cursor = header.get("cursor", 0)
    if not isinstance(changes, list) or not isinstance(cursor, int) or isinstance(cursor, bool) or cursor < 0:
        raise ApiError(400, "bundle_malformed")
    signer = Principal(user.id, user.username, user.role, user.scope_prefix, user.department_code, device.id)
    results = push_batch(session, signer, changes)
    session.commit()
    stored = store_bundled(session, settings, signer, body.get("blobs"))  # attachment files, after their records
    pages = []
    for _ in range(ANSWER_PAGES):
        page = pull_page(session, signer, cursor, settings.max_pull_limit, skip_echoes=False)
        pages.append(page.to_json())
        cursor = page.next_cursor
        if not page.has_more:
            break
    session.rollback()
    answer_header = {"kind": KIND_ANSWER, "bundle_id": new_id(), "in_reply_to": header.get("bundle_id"),
                     "device_id": device.id, "township": township,
                     "created_at": dt.datetime.now(dt.UTC).isoformat(), "cursor": header.get("cursor", 0)}
    return seal(answer_header, {"results": [r.to_json() for r in results], "pages": pages, "blobs_stored": stored},
                server_key(settings))
