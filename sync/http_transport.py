"""The client's side of the wire over HTTP (requests): one `HttpTransport` per server, holding one
`requests.Session` (connection reuse, proxies from the environment, TLS verification on by default
with an optional CA bundle for a city's private CA). A slow link is not a dead link, so connecting
has a short timeout and reading a longer one. Connection errors, 5xx and 429 are retried with
exponential backoff and full jitter, honouring Retry-After; every sync request is idempotent on the
server (by change id, cursor or chunk), so a retry never duplicates anything. Request bodies are
gzip-compressed once the server has advertised that it accepts gzip (RFC 7694: `Accept-Encoding`
on a response), and sent plain again if it answers 415. Failures surface as typed exceptions mapped
from the server's `{"error": {"code", "message"}}` bodies: `Offline`, `AuthFailed`, `DeviceRevoked`,
`UpgradeNeeded`, `ServerError`. The token is never logged; personal data is never logged.
"""

from __future__ import annotations

import email.utils
import gzip
import itertools
import json
import logging
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sync.merge import ChangeResult
from sync.pages import Page, SnapshotChunk
from sync.snapshot_stream import drop_up_to, image_chunk, snapshot_position, split_lines
from sync.snapshot_stream import frames as image_frames
from sync.transport import (
    BLOBS,
    BUNDLE_RELAY,
    REFERENCE_DATA,
    RESUMABLE_SNAPSHOT,
    SERVER_IDENTITY,
    AuthFailed,
    CursorTooOld,
    DeviceRevoked,
    ForeignServer,
    Offline,
    ServerError,
    ServerIdentity,
    TlsError,
    TransportError,
    UpgradeNeeded,
)

if TYPE_CHECKING:
    import requests
# requests (with urllib3, charset_normalizer and every codec it loads: ~210 modules) is imported where a
# request is made, not with this module: the desktop imports this module at start and syncs later.

log = logging.getLogger("sync.http")

API = "/api/v1"
SCHEMA_HEADER = "X-Schema-Version"
GZIP_MIN_BYTES = 1024  # below this, compressing costs more than it saves
BINARY = "application/octet-stream"  # attachment chunks: photos and scans are compressed already
# A body this large is worth one small request to learn whether the server takes gzip, when nothing
# has told this process yet: at 64 kbit/s a round trip of 0.8 s carries ~6 KB, compression saves more.
GZIP_PROBE_BYTES = 8192
# A first sync starts with small snapshot chunks, so a weak link that breaks loses at most one of them;
# when the stream runs faster than SNAPSHOT_FAST_RATE (bytes of JSON rows a second, ~600 records/s:
# ~2 Mbit/s of gzip, a LAN or a good line, not a mobile link), the server's own chunk size is used
# from there on.
SNAPSHOT_FIRST_CHUNK = 200
IMAGE_TYPE = "application/octet-stream"  # a snapshot of database images (docs/decisions/0008)
# Full chunks come as database images when this Python's sqlite3 can open one (3.11 built against
# SQLite ≥ 3.36 can); otherwise as JSON rows.
IMAGES_READABLE = hasattr(sqlite3.Connection, "deserialize")
SNAPSHOT_FAST_RATE = 150_000
_RESULT_KEYS = ("change_id", "outcome", "server_seq", "code", "message", "expected_seq")


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry: `attempts` in total, delays doubling from `base_delay`
    up to `max_delay` with full jitter; a Retry-After longer than `max_retry_after` is not waited for
    (a login lock-out of 15 minutes is reported, not slept through)."""

    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 20.0
    max_retry_after: float = 60.0

    def delay(self, attempt: int, retry_after: float | None, rng: Callable[[], float]) -> float:
        if retry_after is not None:
            return min(retry_after, self.max_retry_after)
        ceiling = min(self.max_delay, self.base_delay * (2 ** attempt))
        return ceiling * rng()


@dataclass(frozen=True)
class Timeouts:
    connect: float = 5.0
    read: float = 60.0


def parse_retry_after(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """Seconds to wait from a Retry-After header (delta seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now())


def _error_of(response: requests.Response) -> tuple[str, str, dict[str, Any]]:
    """The server's (code, message, other keys of the error), or a code derived from the status when
    the body is not ours (e.g. a proxy's HTML page)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and error.get("code"):
        details = {k: v for k, v in error.items() if k not in ("code", "message")}
        return str(error["code"]), str(error.get("message", "")), details
    return f"http_{response.status_code}", "", {}


def error_from_response(response: requests.Response) -> TransportError:
    """The typed exception for a non-2xx answer."""
    status = response.status_code
    code, message, details = _error_of(response)
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    if code == "device_revoked":
        kind: type[TransportError] = DeviceRevoked
    elif code == "foreign_installation":
        kind = ForeignServer
    elif code == "cursor_too_old":
        kind = CursorTooOld
    elif status == 426 or code in ("upgrade_required", "upgrade_needed"):
        kind = UpgradeNeeded
    elif status == 401 or code in ("bad_credentials", "user_disabled", "token_expired", "not_authenticated"):
        kind = AuthFailed
    else:
        kind = ServerError
    return kind(code, message, status, retry_after, details)


def _retryable(status: int) -> bool:
    return status == 429 or status >= 500


class HttpTransport:
    """Talks to one city server. `token` is the device token (set after enrolment); `schema_version`
    goes on every request so the server can answer "upgrade needed". `session`, `sleep` and `rng`
    are injectable so tests run without real waiting."""

    capabilities = frozenset({RESUMABLE_SNAPSHOT, REFERENCE_DATA, BUNDLE_RELAY, BLOBS, SERVER_IDENTITY})

    def __init__(
        self,
        base_url: str,
        *,
        schema_version: int,
        token: str | None = None,
        ca_bundle: str | None = None,
        timeouts: Timeouts = Timeouts(),
        retry: RetryPolicy = RetryPolicy(),
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
        lang: str = "zh-CN",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.schema_version = schema_version
        self.token = token
        self.timeouts = timeouts
        self.retry = retry
        self._sleep = sleep
        self._rng = rng
        if session is None:
            import requests

            session = requests.Session()
        self.session = session
        self._probed = False
        self._stream_type = ""  # the Content-Type of the streamed answer being read
        self.identity: ServerIdentity | None = None  # what the last answer announced (SERVER_IDENTITY)
        self.expected_installation: str | None = None  # named on every request once known
        self.known_epoch: str | None = None  # the epoch this device last synced with, named likewise
        # trust_env stays on: a township's proxy settings come from the environment. The CA bundle
        # goes with every request, because requests lets REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE override
        # a session-level `verify` and the city's CA would silently stop counting.
        self.verify: bool | str = ca_bundle if ca_bundle else True
        self.session.verify = self.verify
        self.session.headers.update({"Accept": "application/json", "Accept-Language": lang,
                                     "Accept-Encoding": "gzip", "User-Agent": "township-desk"})

    # Servers known (in this process) to take gzip bodies, so a fresh transport for the next cycle
    # compresses its very first push too instead of learning it again.
    _gzip_servers: set[str] = set()

    @property
    def server_accepts_gzip(self) -> bool:
        return self.base_url in self._gzip_servers

    @server_accepts_gzip.setter
    def server_accepts_gzip(self, value: bool) -> None:
        if value:
            self._gzip_servers.add(self.base_url)
        else:
            self._gzip_servers.discard(self.base_url)

    def close(self) -> None:
        self.session.close()

    # --- the protocol calls ---------------------------------------------------------------------------

    def login(self, username: str, password: str, *, device_id: str, device_name: str,
              public_key: str) -> dict[str, Any]:
        """Exchange credentials (and this device's public key) for a device token."""
        body = {"username": username, "password": password, "device_id": device_id,
                "device_name": device_name, "public_key": public_key}
        return self.request("POST", "/login", json_body=body, auth=False)

    def renew(self) -> dict[str, Any]:
        """A fresh token for this device (the old one stops working at once)."""
        return self.request("POST", "/renew")

    def push(self, changes: list[dict[str, Any]]) -> list[ChangeResult]:
        """Send a batch of wire changes; one answer per change, in order."""
        answer = self.request("POST", "/sync/push", json_body={"changes": changes})
        return [ChangeResult(**{k: r.get(k) for k in _RESULT_KEYS}) for r in answer.get("results", [])]

    def pull(self, cursor: int, limit: int) -> Page:
        """One page of in-scope changes after `cursor`."""
        return Page.from_json(self.request("GET", "/sync/pull", params={"cursor": cursor, "limit": limit}))

    def snapshot(self, after: list[str] | tuple[str, str] | None = None) -> Iterator[SnapshotChunk]:
        """The server's snapshot, chunk by chunk, from just after record `after` = (entity,
        record_id) in snapshot order (from the start without it). The
        position goes to the server as `after=entity:record_id`; records at or before it are also
        skipped here, so a server that cannot start mid-way still yields a correct resume. A stream
        that breaks is reopened after the last whole chunk, in the same call (a weak link is not a
        dead one); only `retry.attempts` breaks in a row without a chunk in between raise Offline."""
        position = (after[0], after[1]) if after else None
        chunk_size: int | None = SNAPSHOT_FIRST_CHUNK
        failures = 0
        while True:
            try:
                for chunk, rate in self._snapshot_stream(position, chunk_size):
                    failures = 0
                    position = chunk.position or position
                    yield chunk
                    if chunk.last:
                        return
                    if chunk_size and rate > SNAPSHOT_FAST_RATE and chunk.size >= chunk_size:
                        chunk_size = None  # a fast link: the server's full chunks, from here on
                        break
            except TlsError:
                raise
            except Offline as exc:
                failures += 1
                if failures >= self.retry.attempts:
                    raise
                wait = self.retry.delay(failures - 1, None, self._rng)
                log.info("snapshot stream broke off (%s); resuming after the last whole chunk in %.1fs",
                         exc.code, wait)
                self._sleep(wait)

    def _snapshot_stream(self, after: tuple[str, str] | None,
                         chunk_size: int | None) -> Iterator[tuple[SnapshotChunk, float]]:
        """One snapshot request: its chunks, each with the rate (bytes of JSON a second, counted from
        the request) the stream has delivered so far — lines read in one burst do not look fast."""
        # Small chunks (a slow or untried link) come as JSON rows, which gzip ~15 % smaller than
        # database images of 200 records; full chunks (a fast link) as images, which cost the client
        # a fraction of the CPU (docs/decisions/0008-snapshot-as-database-images.md).
        params: dict[str, Any] = {"format": "rows" if chunk_size or not IMAGES_READABLE else "sqlite"}
        if after:
            params["after"] = f"{after[0]}:{after[1]}"
        if chunk_size:
            params["chunk"] = chunk_size
        start = snapshot_position(after[0], after[1]) if after else None
        began, received = time.monotonic(), 0
        pieces = self.iter_pieces("/sync/snapshot", params)
        first = next(pieces, b"")  # sends the request: the answer's type says how to read it
        # A server older than the image format ignores `format` and answers NDJSON records.
        pieces = itertools.chain([first], pieces)
        if self._stream_type.startswith(IMAGE_TYPE):
            frames = image_frames(pieces)
        else:
            frames = ((None, line) for line in split_lines(pieces))
        while True:
            try:
                header, data = next(frames)
                chunk = image_chunk(header, data) if header else SnapshotChunk.from_json(json.loads(data))
            except StopIteration:  # the stream ended before its last chunk (a proxy or the server gave up)
                raise Offline("snapshot_incomplete") from None
            except (ValueError, KeyError, TypeError) as exc:  # a line or frame cut off mid-way
                raise Offline("snapshot_incomplete", type(exc).__name__) from exc
            received += len(data)
            if start is not None:
                drop_up_to(chunk, start)
            yield chunk, received / max(time.monotonic() - began, 1e-6)
            if chunk.last:
                return

    def relay_bundle(self, bundle: bytes) -> bytes:
        """Hand a signed USB bundle to the server, which applies it as the device that signed it and
        answers with the answer bundle (returned as file bytes; its signature covers its payload
        string, so re-encoding the envelope keeps it verifiable)."""
        answer = self.request("POST", "/sync/bundle", raw_body=bundle, content_type="application/json")
        return json.dumps(answer, indent=1).encode("utf-8")

    # --- attachment bytes (sync/attachments.py) ------------------------------------------------------

    def blob_status(self, sha: str) -> dict[str, Any]:
        """How many bytes of a blob the server holds: {"received": n, "complete": bool}."""
        return self.request("GET", f"/blobs/{sha}/status")

    def blob_put(self, sha: str, offset: int, data: bytes, total: int) -> dict[str, Any]:
        """Appends a chunk; the server's refusals that the mover acts on (a corrupt whole, another
        offset) come back as {"code": …} with their details instead of raising."""
        try:
            return self.request("PUT", f"/blobs/{sha}", raw_body=data, content_type=BINARY,
                                params={"offset": offset, "total": total})
        except ServerError as exc:
            if exc.code in ("blob_hash_mismatch", "blob_offset"):
                return {"code": exc.code, "message": exc.message, **exc.details}
            raise

    def blob_get(self, sha: str, offset: int = 0) -> Iterator[bytes]:
        """A blob from `offset`, as it arrives (a cut stream raises Offline; resume by offset)."""
        return self.iter_pieces(f"/blobs/{sha}", {"offset": offset})

    # --- the machinery --------------------------------------------------------------------------------

    def request(self, method: str, path: str, *, json_body: Any = None, raw_body: bytes | None = None,
                content_type: str = "application/json", params: dict[str, Any] | None = None,
                auth: bool = True) -> dict[str, Any]:
        """One API call with retries; returns the decoded JSON answer or raises a TransportError."""
        body = raw_body if raw_body is not None else (
            None if json_body is None else json.dumps(json_body, ensure_ascii=False).encode())
        last_error: TransportError | None = None
        for attempt in range(self.retry.attempts):
            try:
                response = self._send(method, path, body, content_type, params, auth)
            except TlsError:
                raise  # a certificate does not get better by asking again
            except TransportError as exc:  # network failure: always worth another try
                last_error = exc
            else:
                self._note_capabilities(response)
                if response.status_code < 400:
                    return self._decode(response)
                last_error = error_from_response(response)
                if not _retryable(response.status_code):
                    raise last_error
                if (last_error.retry_after or 0) > self.retry.max_retry_after:
                    raise last_error
            if attempt + 1 < self.retry.attempts:
                wait = self.retry.delay(attempt, last_error.retry_after, self._rng)
                log.info("retrying %s %s in %.1fs after %s", method, path, wait, last_error.code)
                self._sleep(wait)
        assert last_error is not None
        raise last_error

    def iter_lines(self, path: str, params: dict[str, Any] | None = None) -> Iterator[bytes]:
        """The lines of a streamed answer (NDJSON), decompressed."""
        return split_lines(self.iter_pieces(path, params))

    def iter_pieces(self, path: str, params: dict[str, Any] | None = None) -> Iterator[bytes]:
        """A streamed answer as it arrives, decompressed. No retry mid-stream: the caller resumes by
        position. A stream cut off before its end raises Offline."""
        import requests

        url = self.base_url + API + path
        try:
            response = self.session.get(url, params=params, headers=self._headers(True), verify=self.verify,
                                        timeout=(self.timeouts.connect, self.timeouts.read), stream=True)
        except requests.exceptions.SSLError as exc:
            raise TlsError("tls_failed", type(exc).__name__) from exc
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
            raise Offline("offline", type(exc).__name__) from exc
        try:
            if response.status_code >= 400:
                raise error_from_response(response)
            self._stream_type = response.headers.get("Content-Type", "")
            yield from response.iter_content(chunk_size=256 * 1024)
        except (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError) as exc:
            raise Offline("offline", type(exc).__name__) from exc
        finally:
            response.close()

    def _headers(self, auth: bool) -> dict[str, str]:
        headers = {SCHEMA_HEADER: str(self.schema_version)}
        if auth and self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.expected_installation:
            headers["X-Installation-Id"] = self.expected_installation
        if self.known_epoch:
            headers["X-Server-Epoch"] = self.known_epoch  # lets the server notice a restore nobody announced
        return headers

    def _send(self, method: str, path: str, body: bytes | None, content_type: str,
              params: dict[str, Any] | None, auth: bool) -> requests.Response:
        headers = self._headers(auth)
        compressed = False
        if body is not None and len(body) >= GZIP_PROBE_BYTES and not self.server_accepts_gzip:
            self._probe_gzip()
        if body is not None:
            headers["Content-Type"] = content_type
            if self.server_accepts_gzip and len(body) >= GZIP_MIN_BYTES and content_type != BINARY:
                body_out = gzip.compress(body, compresslevel=5)
                headers["Content-Encoding"] = "gzip"
                compressed = True
            else:
                body_out = body
        else:
            body_out = None
        response = self._call(method, path, body_out, headers, params)
        if compressed and response.status_code == 415:
            # The server stopped taking gzip (e.g. a proxy in front of it): send this one plain.
            self.server_accepts_gzip = False
            headers.pop("Content-Encoding")
            response = self._call(method, path, body, headers, params)
        return response

    def _call(self, method: str, path: str, body: bytes | None, headers: dict[str, str],
              params: dict[str, Any] | None) -> requests.Response:
        import requests

        try:
            return self.session.request(method, self.base_url + API + path, data=body, params=params,
                                        headers=headers, verify=self.verify,
                                        timeout=(self.timeouts.connect, self.timeouts.read))
        except requests.exceptions.SSLError as exc:
            raise TlsError("tls_failed", type(exc).__name__) from exc
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout,
                requests.exceptions.ChunkedEncodingError) as exc:  # the last: an answer cut off mid-body
            raise Offline("offline", type(exc).__name__) from exc

    def _probe_gzip(self) -> None:
        """Ask the health endpoint once per transport; its answer says whether gzip bodies are taken."""
        if self._probed:
            return
        self._probed = True
        import requests

        try:
            response = self.session.get(self.base_url + API + "/health", verify=self.verify,
                                        timeout=(self.timeouts.connect, self.timeouts.read))
        except requests.exceptions.RequestException:
            return  # the real request will find out what is wrong and say so
        self._note_capabilities(response)

    def _note_capabilities(self, response: requests.Response) -> None:
        accepted = response.headers.get("Accept-Encoding", "")
        if "gzip" in accepted.lower():
            self.server_accepts_gzip = True
        installation, epoch = response.headers.get("X-Installation-Id"), response.headers.get("X-Server-Epoch")
        base = response.headers.get("X-Epoch-Base", "")
        if installation and epoch and base.isdigit():
            self.identity = ServerIdentity(installation, epoch, int(base))

    @staticmethod
    def _decode(response: requests.Response) -> dict[str, Any]:
        if not response.content:
            return {}
        try:
            return response.json()
        except ValueError as exc:
            raise ServerError("bad_response", "", response.status_code) from exc
