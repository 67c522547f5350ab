"""The client's side of the update channel over HTTP: ask the city server for the newest signed build
above this client's version, and stream a build's bytes from an offset. Same transport (session,
token, TLS settings, retries for the JSON call) as sync; a download cut mid-way raises Offline and the
caller resumes from what it has."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class AvailableBuild:
    id: str
    version: str
    platform: str
    filename: str
    size: int
    sha256: str
    signature: str
    notes: str = ""


class JsonAndStream(Protocol):
    """What the update channel needs of a transport (sync.http_transport.HttpTransport has both)."""

    def request(self, method: str, path: str, *, params: dict | None = None) -> dict: ...

    def iter_pieces(self, path: str, params: dict | None = None) -> Iterator[bytes]: ...


class UpdateChannel:
    def __init__(self, transport: JsonAndStream) -> None:
        self.transport = transport

    def latest(self, platform: str, version: str) -> AvailableBuild | None:
        answer = self.transport.request("GET", "/updates/latest", params={"platform": platform, "version": version})
        build = answer.get("build")
        return AvailableBuild(**{k: build[k] for k in AvailableBuild.__dataclass_fields__}) if build else None

    def download(self, build_id: str, offset: int) -> Iterator[bytes]:
        return self.transport.iter_pieces(f"/updates/{build_id}/file", {"offset": offset})
