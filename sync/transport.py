"""What the sync client asks of a transport, and how a transport fails.

A transport carries the client's requests to one city server as one device: over HTTP
(`sync.http_transport.HttpTransport`) or in process (`server.store.inprocess.StoreTransport`, for
tests, the simulation and bundles). Every transport has the four calls of `Transport`; what only
some can do is declared in `capabilities`, never found out by looking for attributes:

- `RESUMABLE_SNAPSHOT`: `snapshot(after=(entity, record_id))` starts just after that record, so a
  first sync that broke off goes on where it stopped (without it, `after` is ignored and the
  snapshot starts over);
- `REFERENCE_DATA`: the transport is also a `ReferenceTransport`, whose `request` reaches the
  server's reference endpoints (the region tree);
- `BUNDLE_RELAY`: `relay_bundle(bundle)` hands a signed USB bundle to the server;
- `BLOBS`: the transport is also a `BlobTransport`, moving attachment bytes (sync/attachments.py);
- `SERVER_IDENTITY`: `identity` is the `ServerIdentity` the last answer announced (None before the
  first), and a transport told `expected_installation` names it on every request, so a server of
  another installation refuses instead of taking this device's changes.

Failures are `TransportError`s: the server's machine `code`, its readable `message`, the HTTP
`status` (0 when no answer arrived). The sync client branches on the subclass only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from sync.merge import ChangeResult
from sync.pages import Page, SnapshotChunk

RESUMABLE_SNAPSHOT = "resumable_snapshot"
REFERENCE_DATA = "reference_data"
BUNDLE_RELAY = "bundle_relay"
BLOBS = "blobs"
SERVER_IDENTITY = "server_identity"


@dataclass(frozen=True)
class ServerIdentity:
    """Which city server answered (`installation`) and which epoch its database is in: a new `epoch`
    means it was restored from a backup and may have lost accepted changes above `base`."""

    installation: str
    epoch: str
    base: int


@runtime_checkable
class Transport(Protocol):
    """One device's line to the server. `snapshot(after)` honours `after` only when
    `RESUMABLE_SNAPSHOT` is in `capabilities`; `close()` frees the connection (a no-op in process)."""

    capabilities: frozenset[str]

    def push(self, changes: list[dict[str, Any]]) -> list[ChangeResult]: ...
    def pull(self, cursor: int, limit: int) -> Page: ...
    def snapshot(self, after: tuple[str, str] | None = None) -> Iterable[SnapshotChunk]: ...
    def close(self) -> None: ...


class ReferenceTransport(Transport, Protocol):
    """A transport with `REFERENCE_DATA`: one JSON call to the server's API."""

    def request(self, method: str, path: str, *, json_body: Any = None, raw_body: bytes | None = None,
                content_type: str = "application/json", params: dict[str, Any] | None = None,
                auth: bool = True) -> dict[str, Any]: ...


class BlobTransport(Transport, Protocol):
    """A transport with `BLOBS`: how much of a blob the server holds, a chunk appended at an offset
    (a refusal the mover acts on comes back as {"code": …}), the blob read from an offset."""

    def blob_status(self, sha: str) -> dict[str, Any]: ...
    def blob_put(self, sha: str, offset: int, data: bytes, total: int) -> dict[str, Any]: ...
    def blob_get(self, sha: str, offset: int = 0) -> Iterable[bytes]: ...


class TransportError(Exception):
    """A request that did not get a usable answer. `code` is the server's machine code (or ours for
    network failures), `message` the server's readable text when it sent one, `status` the HTTP
    status (0 when no answer arrived)."""

    def __init__(self, code: str, message: str = "", status: int = 0, retry_after: float | None = None,
                 details: dict[str, Any] | None = None):
        super().__init__(code)
        self.details = details or {}
        self.code = code
        self.message = message
        self.status = status
        self.retry_after = retry_after

    def __str__(self) -> str:
        return f"{self.code} (HTTP {self.status})" if self.status else self.code


class Offline(TransportError):
    """No answer from the server at all: no route, refused, DNS, TLS handshake or timeout."""


class AuthFailed(TransportError):
    """Wrong credentials, an expired or unknown token, or a disabled account: log in again."""


class DeviceRevoked(TransportError):
    """An administrator revoked this device: it must lock and stop syncing."""


class UpgradeNeeded(TransportError):
    """The server cannot serve this client's schema version (HTTP 426)."""


class ServerError(TransportError):
    """The server failed (5xx after retries) or refused the request as malformed (other 4xx)."""


class CursorTooOld(TransportError):
    """The server collected deletions this device never pulled (it was away longer than the server
    keeps tombstones): push what is held, then start over from a fresh snapshot."""


class ForeignServer(TransportError):
    """The server is another installation than the one this device is enrolled with (a changed address,
    a test server): nothing is pushed to it or pulled from it."""


class TlsError(Offline):
    """The server's certificate could not be verified (wrong CA bundle, or an intercepting proxy)."""
