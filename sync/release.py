"""Client builds and their signatures, the one format both sides read: the city server checks a build
when an administrator publishes it, and a desktop client checks it again after downloading it (over
the network or from a USB stick) and before offering to install it.

What is signed is a short manifest, not the file alone, so a signature binds the file's SHA-256 to its
version and platform: an old build cannot be relabelled as new, nor a Windows build offered to Linux.
Signatures are Ed25519 (the `cryptography` package) by a release key whose private half never leaves
the release manager; the public halves a client trusts ship with it in resources/release_keys/*.pub
(base64 of the 32 raw bytes, one key a file). Several files may be present while a key is rotated."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from resources import RESOURCES_DIR

MANIFEST_MAGIC = "township-desk-build/1"
VERSION_PATTERN = re.compile(r"^\d+(\.\d+){1,3}$")
PLATFORM_PATTERN = re.compile(r"^[a-z0-9_]+-[a-z0-9_]+$")  # e.g. linux-x86_64, windows-amd64


@dataclass(frozen=True)
class BuildManifest:
    version: str
    platform: str
    sha256: str
    size: int

    def signed_bytes(self) -> bytes:
        return f"{MANIFEST_MAGIC}\n{self.version}\n{self.platform}\n{self.sha256}\n{self.size}\n".encode()


class SignatureInvalid(Exception):
    """The build is not signed by a key this installation trusts, or its bytes differ from the manifest."""


def version_key(version: str) -> tuple[int, ...]:
    """A dotted version as a comparable tuple; raises ValueError for anything else."""
    if not VERSION_PATTERN.match(version):
        raise ValueError(f"not a version: {version!r}")
    return tuple(int(part) for part in version.split("."))


def file_digest(path: Path) -> tuple[str, int]:
    """(SHA-256 hex, size) of a file, read in 1 MiB blocks."""
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


RELEASE_KEYS_DIR = RESOURCES_DIR / "release_keys"


def shipped_public_keys() -> list[str]:
    """The release keys this installation trusts (base64), from resources/release_keys/*.pub."""
    return [p.read_text(encoding="ascii").strip() for p in sorted(RELEASE_KEYS_DIR.glob("*.pub"))]


def sign(manifest: BuildManifest, private_key_b64: str) -> str:
    """The base64 signature of a manifest by a raw base64 Ed25519 private key (the release manager's)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(private_key_b64))
    return base64.b64encode(key.sign(manifest.signed_bytes())).decode("ascii")


def new_release_key() -> tuple[str, str]:
    """A fresh release key pair as (private base64, public base64)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
        PublicFormat,
    )

    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(private).decode("ascii"), base64.b64encode(public).decode("ascii")


def verify(manifest: BuildManifest, signature_b64: str, trusted_keys: Iterable[str]) -> None:
    """Raise SignatureInvalid unless one of the trusted public keys signed this manifest."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        signature = base64.b64decode(signature_b64, validate=True)
    except (binascii.Error, ValueError):
        raise SignatureInvalid("signature is not base64") from None
    for public in trusted_keys:
        try:
            Ed25519PublicKey.from_public_bytes(base64.b64decode(public)).verify(signature, manifest.signed_bytes())
            return
        except (InvalidSignature, ValueError, binascii.Error):
            continue
    raise SignatureInvalid("no trusted release key signed this build")


def verify_file(path: Path, manifest: BuildManifest, signature_b64: str, trusted_keys: Iterable[str]) -> None:
    """Verify the signature and that the file on disk is exactly the one the manifest names."""
    verify(manifest, signature_b64, trusted_keys)
    digest, size = file_digest(path)
    if (digest, size) != (manifest.sha256, manifest.size):
        raise SignatureInvalid("the file differs from the signed manifest")


def this_platform() -> str:
    """This machine's platform name on the update channel, e.g. linux-x86_64, windows-amd64."""
    import platform
    import sys

    system = {"win32": "windows", "darwin": "macos"}.get(sys.platform, sys.platform.split("-")[0])
    return f"{system}-{platform.machine().lower() or 'unknown'}"
