"""The offline (USB) bundle file: sealing and opening, shared by the client that writes and reads
bundles and the server that verifies and answers them (docs/decisions/0003-usb-bundles.md).

A bundle is a small JSON envelope around an exact byte string: `payload` is the base64 of the
canonical JSON `{"header": …, "body": …}` and `signature` the Ed25519 signature of those bytes by
`public_key`. Signing bytes rather than re-serialised JSON means no two implementations can disagree
about canonical forms. Opening checks the envelope, the signature against the embedded public key
and, when the caller knows whose bundle it must be, that the embedded key is that one. No database
and no network here."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

FORMAT = "township-desk-bundle"
VERSION = 1
KIND_OUTBOX = "outbox"  # a device's pending changes, signed by the device
KIND_ANSWER = "answer"  # the server's answers and a pull for that device, signed by the server
MAX_BUNDLE_BYTES = 64 * 1024 * 1024


class BundleError(ValueError):
    """A bundle that must be refused. `code`: bundle_malformed, bundle_bad_signature, bundle_foreign,
    bundle_replayed; `detail` a short English note for logs (never personal data)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class OpenedBundle:
    header: dict[str, Any]
    body: dict[str, Any]
    public_key: str  # base64 of the 32 raw bytes of the signer's Ed25519 key


def public_key_b64(key: Ed25519PrivateKey) -> str:
    return base64.b64encode(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode("ascii")


def canonical(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def seal(header: dict[str, Any], body: dict[str, Any], key: Ed25519PrivateKey) -> bytes:
    """The file bytes of a bundle with `header` and `body`, signed by `key`."""
    payload = canonical({"header": header, "body": body})
    envelope = {
        "format": FORMAT, "version": VERSION, "alg": "Ed25519",
        "public_key": public_key_b64(key),
        "payload": base64.b64encode(payload).decode("ascii"),
        "signature": base64.b64encode(key.sign(payload)).decode("ascii"),
    }
    return json.dumps(envelope, indent=1).encode("utf-8")


def _field(envelope: dict[str, Any], name: str) -> bytes:
    value = envelope.get(name)
    if not isinstance(value, str):
        raise BundleError("bundle_malformed", f"missing {name}")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BundleError("bundle_malformed", f"{name} is not base64") from exc


def _envelope(data: bytes) -> dict[str, Any]:
    if len(data) > MAX_BUNDLE_BYTES:
        raise BundleError("bundle_malformed", "too large")
    try:
        envelope = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BundleError("bundle_malformed", "not JSON") from exc
    if not isinstance(envelope, dict) or envelope.get("format") != FORMAT:
        raise BundleError("bundle_malformed", "not a bundle")
    if envelope.get("version") != VERSION or envelope.get("alg") != "Ed25519":
        raise BundleError("bundle_malformed", "unsupported version")
    return envelope


def open_bundle(data: bytes, expected_public_key: str | None = None) -> OpenedBundle:
    """Check and decode a bundle. `expected_public_key` (base64) pins the signer: the server passes the
    key the device registered at enrolment, a device the server key it got at login."""
    envelope = _envelope(data)
    raw_key, payload, signature = (_field(envelope, n) for n in ("public_key", "payload", "signature"))
    if expected_public_key is not None and envelope["public_key"] != expected_public_key:
        raise BundleError("bundle_bad_signature", "signed by another key")
    try:
        Ed25519PublicKey.from_public_bytes(raw_key).verify(signature, payload)
    except (InvalidSignature, ValueError) as exc:
        raise BundleError("bundle_bad_signature", "signature does not verify") from exc
    try:
        content = json.loads(payload.decode("utf-8"))
        header, body = content["header"], content["body"]
    except (UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise BundleError("bundle_malformed", "bad payload") from exc
    if not isinstance(header, dict) or not isinstance(body, dict) or header.get("kind") not in (
            KIND_OUTBOX, KIND_ANSWER):
        raise BundleError("bundle_malformed", "bad header")
    return OpenedBundle(header, body, envelope["public_key"])
