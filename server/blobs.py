"""Attachment bytes on the server: a content-addressed store in a filesystem directory (files named
by their SHA-256 under two levels of folders), written in resumable chunks and checked whole.

Who may touch a blob is decided by the attachment records that name it (`sha256` or
`thumb_sha256`): reading needs a live attachment in the caller's reading scope (a department: on a
task copy, feedback or case it sees), writing one in its writing scope, and the record must have
reached the server first (metadata before bytes). A blob
larger than the configured cap, of a type not accepted, or longer than its record says is refused;
a finished upload whose hash is not its name is deleted and refused, so the client sends it again.
`collect_garbage` deletes blobs no live attachment names and partial uploads left for a day.

The store is a directory on purpose: backups and quotas work on it with ordinary tools. An
S3-compatible store can replace it behind the same four calls (docs/SERVER.md)."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from db.models import Attachment
from server.config import Settings, data_dir
from server.deps import Principal
from server.scope import DepartmentView, may_write_region, read_prefix

ACCEPTED_TYPES = frozenset({"image/jpeg", "image/png", "application/pdf"})
READ_BLOCK = 256 * 1024
THUMB_MAX_BYTES = 256 * 1024
PARTIAL_MAX_AGE = 24 * 3600


class BlobRefused(Exception):
    """A blob request that cannot be served: `code` and `status` for the API error."""

    def __init__(self, status: int, code: str, **params: object) -> None:
        super().__init__(code)
        self.status, self.code, self.params = status, code, params


@dataclass(frozen=True)
class BlobRef:
    """What the attachment records say about a blob: its expected size and type."""

    size: int
    mime: str
    thumb: bool = False  # a preview: its size is known to the uploader only, up to THUMB_MAX_BYTES


def blob_dir(settings: Settings) -> Path:
    return Path(settings.blob_dir) if settings.blob_dir else data_dir() / "blobs"


def _valid(sha: str) -> bool:
    return len(sha) == 64 and all(c in "0123456789abcdef" for c in sha)


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, sha: str) -> Path:
        return self.root / sha[:2] / sha[2:4] / sha

    def partial(self, sha: str) -> Path:
        return self.root / "incoming" / f"{sha}.part"

    def received(self, sha: str) -> tuple[int, bool]:
        """(bytes held, complete) for a blob."""
        if self.path(sha).is_file():
            return self.path(sha).stat().st_size, True
        part = self.partial(sha)
        return (part.stat().st_size if part.is_file() else 0), False

    def write(self, sha: str, offset: int, data: bytes, total: int) -> tuple[int, bool]:
        """Appends a chunk at `offset` (which must be what is held); finishes at `total` bytes."""
        held, complete = self.received(sha)
        if complete:
            return held, True
        if offset != held:
            raise BlobRefused(409, "blob_offset", expected=held)
        if held + len(data) > total:
            raise BlobRefused(413, "attachment_too_large", size_mb=round(total / 1e6, 1), max_mb=total)
        part = self.partial(sha)
        part.parent.mkdir(parents=True, exist_ok=True)
        with part.open("ab") as handle:
            handle.write(data)
        held += len(data)
        if held == total:
            self._finish(sha, part)
            return held, True
        return held, False

    def _finish(self, sha: str, part: Path) -> None:
        digest = hashlib.sha256()
        with part.open("rb") as handle:
            while block := handle.read(READ_BLOCK):
                digest.update(block)
        if digest.hexdigest() != sha:
            part.unlink(missing_ok=True)
            raise BlobRefused(422, "blob_hash_mismatch")
        target = self.path(sha)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(part, target)

    def read(self, sha: str, offset: int = 0) -> Iterator[bytes]:
        with self.path(sha).open("rb") as handle:
            handle.seek(offset)
            while block := handle.read(READ_BLOCK):
                yield block

    def all_blobs(self) -> Iterator[Path]:
        for path in self.root.glob("??/??/*"):
            if _valid(path.name):
                yield path


def blob_ref(session: Session, who: Principal, sha: str, *, write: bool, max_bytes: int) -> BlobRef:
    """The blob's size and type from a live attachment record the caller may read (or write);
    refuses unknown blobs, other scopes, oversized and unaccepted ones."""
    if not _valid(sha):
        raise BlobRefused(404, "not_found", entity="附件")
    rows = session.execute(select(func.coalesce(Attachment.grid_code, Attachment.region_code).label("scope"),
                                  Attachment.sha256, Attachment.size, Attachment.mime, Attachment.owner_entity,
                                  Attachment.owner_id)
                           .where(or_(Attachment.sha256 == sha, Attachment.thumb_sha256 == sha),
                                  Attachment.deleted.is_(False))).all()
    prefix = read_prefix(who)
    if who.role == "department":  # reads what its tasks and cases carry; never writes files
        view = DepartmentView(session, who.department_code or "", who.scope_prefix)
        allowed = [] if write else [r for r in rows if view.visible_ids(r.owner_entity, [r.owner_id])]
    else:
        allowed = [r for r in rows if (may_write_region(who, "attachment", r.scope) if write
                                       else prefix is not None and (r.scope or "").startswith(prefix))]
    if not allowed:
        raise BlobRefused(404 if not rows else 403, "not_found" if not rows else "out_of_scope", entity="附件")
    main = next((r for r in allowed if r.sha256 == sha), None)
    if main is None:  # a thumbnail: a small JPEG, its size known to the uploader only
        return BlobRef(THUMB_MAX_BYTES, "image/jpeg", thumb=True)
    if main.mime not in ACCEPTED_TYPES:
        raise BlobRefused(415, "attachment_type", kind=main.mime)
    if main.size > max_bytes:
        raise BlobRefused(413, "attachment_too_large", size_mb=round(main.size / 1e6, 1),
                          max_mb=round(max_bytes / 1e6))
    return BlobRef(main.size, main.mime)


def collect_garbage(session: Session, store: BlobStore, now: float | None = None) -> list[str]:
    """Deletes blobs no live attachment names (as file or thumbnail) and partial uploads older than a
    day; returns the names deleted."""
    now = time.time() if now is None else now
    live = set()
    for sha, thumb in session.execute(select(Attachment.sha256, Attachment.thumb_sha256)
                                      .where(Attachment.deleted.is_(False))):
        live.update(x for x in (sha, thumb) if x)
    removed = []
    for path in list(store.all_blobs()):
        if path.name not in live:
            path.unlink(missing_ok=True)
            removed.append(path.name)
    for part in (store.root / "incoming").glob("*.part"):
        if now - part.stat().st_mtime > PARTIAL_MAX_AGE:
            part.unlink(missing_ok=True)
            removed.append(part.name)
    return removed


def store_bundled(session: Session, settings: Settings, who: Principal, blobs: object) -> list[str]:
    """Stores the attachment files a USB bundle carries (base64 by hash), after its records were
    applied, under the same checks as an upload; returns the hashes now held. A file that fails a
    check is skipped (its attachment uploads online later)."""
    import base64
    import binascii

    if not isinstance(blobs, dict):
        return []
    store, held = BlobStore(blob_dir(settings)), []
    for sha, text in blobs.items():
        try:
            data = base64.b64decode(str(text), validate=True)
            ref = blob_ref(session, who, str(sha), write=True, max_bytes=settings.max_attachment_bytes)
            if not ref.thumb and len(data) != ref.size:
                continue
            if not store.received(str(sha))[1]:
                store.write(str(sha), 0, data, len(data))
            held.append(str(sha))
        except (BlobRefused, binascii.Error, ValueError):
            continue
    return held
