"""Moving attachment bytes between a client and the city server, apart from record sync: the
attachment records travel in the ordinary push and pull; this step, run after them, uploads the
files this client holds that the server lacks and fetches previews (thumbnails first, full files
only when asked for). Each file is content-addressed by SHA-256 and sent in chunks from the offset
the server reports, so a cut link costs at most the chunk in flight; a file the server finds
corrupt (hash mismatch) is sent again from the start. The step has a time budget per cycle, so a
large photo on a weak link never holds record sync back: the next cycle pushes and pulls records
first and then carries on where the upload stopped.

Local files live in `blob_dir` (beside the database) named by their hash; `BlobTransfer` rows say
where each attachment's bytes stand (pending, uploading with bytes done, uploaded, thumb, full).

After the city server was restored from a backup (sync/client.py `server_restored`), its attachment
store may lack files that live records name. The client then asks for a recheck (`request_recheck`):
the next steps go through every live attachment whose file or preview this device holds — its own
or fetched from others — ask the server how much of it it has, and send what it lacks, resuming
where the time budget stopped them. A file whose record the server does not hold (yet) is skipped."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from db.client import BlobTransfer, OutboxChange, SyncState
from db.models import Attachment
from sync.capture import read_state, write_state
from sync.transport import ServerError

log = logging.getLogger(__name__)

CHUNK_BYTES = 64 * 1024
STEP_SECONDS = 20.0  # blob work per sync cycle before records get their turn again
MAX_HASH_RETRIES = 2
PENDING, UPLOADING, UPLOADED, THUMB, FULL = "pending", "uploading", "uploaded", "thumb", "full"
RECHECK_KEY = "blob_recheck"  # sync_state: the attachment id a restore recheck has reached ("" = start)
RECHECK_BATCH = 500


def request_recheck(session: Session) -> None:
    """Ask the next blob steps to make sure the server holds every file this device holds (after
    the server was restored from a backup). Written in the caller's transaction."""
    write_state(session, RECHECK_KEY, "")


def blob_dir_for(engine: Engine) -> Path:
    """Where a client keeps attachment files: `attachments/` beside its database file."""
    database = engine.url.database or ""
    return (Path(database).parent if database and database != ":memory:" else Path.cwd()) / "attachments"


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def store_local(blob_dir: Path, data: bytes) -> str:
    """Keeps `data` under its hash (written whole, then renamed); returns the hash."""
    sha = sha256_of(data)
    target = blob_dir / sha
    if not target.is_file():
        blob_dir.mkdir(parents=True, exist_ok=True)
        part = target.with_suffix(".tmp")
        part.write_bytes(data)
        part.replace(target)
    return sha


@dataclass
class TransferStats:
    """What one step moved: files finished, bytes sent (all of them, re-sent ones too), bytes re-sent."""

    uploaded: int = 0
    downloaded: int = 0
    restored: int = 0  # files sent again to a server restored from a backup
    bytes_sent: int = 0
    bytes_resent: int = 0
    errors: list[str] = field(default_factory=list)


class BlobMover:
    """One client's blob traffic over a transport with `blob_status`, `blob_put` and `blob_get`."""

    def __init__(self, sessions: sessionmaker[Session], transport: Any, blob_dir: Path,
                 chunk_bytes: int = CHUNK_BYTES, budget_seconds: float = STEP_SECONDS,
                 on_progress: Callable[[str, int, int], None] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.sessions, self.transport, self.blob_dir = sessions, transport, Path(blob_dir)
        self.chunk_bytes, self.budget, self.clock = chunk_bytes, budget_seconds, clock
        self.on_progress = on_progress
        self.stats = TransferStats()
        self._deadline = 0.0

    def step(self, downloads: bool = True) -> TransferStats:
        """Uploads what is pending, then (with `downloads`) fetches missing thumbnails and wanted
        files, within the time budget. Transport errors propagate (the caller logs them: records
        already synced)."""
        self._deadline = self.clock() + self.budget
        for attachment_id, sha, thumb, size in self._uploads():
            if self.clock() > self._deadline:
                break
            if thumb and (self.blob_dir / thumb).is_file():
                self._upload(None, thumb, (self.blob_dir / thumb).stat().st_size)
            if self._upload(attachment_id, sha, size):
                self.stats.uploaded += 1
        self._recheck()
        for sha in self._missing_thumbs() if downloads else ():
            if self.clock() > self._deadline:
                break
            self.fetch(sha)
        return self.stats

    def _uploads(self) -> list[tuple[str, str, str | None, int]]:
        """Pending uploads whose attachment record the server already has (no change waiting)."""
        with self.sessions() as session:
            waiting = set(session.scalars(select(OutboxChange.record_id).where(  # accepted ones stay a while
                OutboxChange.entity == "attachment", OutboxChange.state != "accepted")))
            rows = session.execute(
                select(BlobTransfer.attachment_id, Attachment.sha256, Attachment.thumb_sha256, Attachment.size)
                .join(Attachment, Attachment.id == BlobTransfer.attachment_id)
                .where(BlobTransfer.state.in_((PENDING, UPLOADING)), Attachment.deleted.is_(False))).all()
        return [tuple(r) for r in rows if r[0] not in waiting]

    def _recheck(self) -> None:
        """The restore recheck (module docstring), in attachment id order from where it stopped."""
        with self.sessions() as session:
            after = read_state(session, RECHECK_KEY)
        while after is not None:
            with self.sessions() as session:
                rows = session.execute(
                    select(Attachment.id, Attachment.sha256, Attachment.thumb_sha256, Attachment.size)
                    .where(Attachment.deleted.is_(False), Attachment.id > after)
                    .order_by(Attachment.id).limit(RECHECK_BATCH)).all()
            for attachment_id, sha, thumb, size in rows:
                held = [(s, (self.blob_dir / s).stat().st_size if s == thumb else size)
                        for s in (thumb, sha) if s and (self.blob_dir / s).is_file()]
                for name, length in held:
                    if self.clock() > self._deadline or not self._resend(name, length):
                        self._recheck_at(after)  # this attachment again, next step
                        return
                after = attachment_id
            if len(rows) < RECHECK_BATCH:
                after = None
            self._recheck_at(after)

    def _resend(self, sha: str, size: int) -> bool:
        """One held file to a restored server; False when the time budget ran out midway."""
        before = self.stats.bytes_sent
        try:
            done = self._upload(None, sha, size)
        except ServerError as exc:  # its record is not on the server (yet), or not in scope: skip it
            log.info("restore recheck skips a file (%s)", exc.code)
            return True
        if done and self.stats.bytes_sent > before:
            self.stats.restored += 1
        return done or self.clock() <= self._deadline  # a refused file is skipped, not retried

    def _recheck_at(self, after: str | None) -> None:
        with self.sessions.begin() as session:
            if after is None:
                row = session.get(SyncState, RECHECK_KEY)
                if row is not None:
                    session.delete(row)
            else:
                write_state(session, RECHECK_KEY, after)

    def _missing_thumbs(self) -> list[str]:
        with self.sessions() as session:
            thumbs = session.scalars(select(Attachment.thumb_sha256).where(
                Attachment.deleted.is_(False), Attachment.thumb_sha256.is_not(None))).all()
            wanted = session.scalars(select(BlobTransfer.sha256).where(BlobTransfer.state == "wanted")).all()
        return [s for s in dict.fromkeys([*thumbs, *wanted]) if not (self.blob_dir / s).is_file()]

    def _upload(self, attachment_id: str | None, sha: str, size: int) -> bool:
        """Sends one file from the server's offset; True when the server holds it whole."""
        offset, retries = self.transport.blob_status(sha)["received"], 0
        data = (self.blob_dir / sha).read_bytes() if offset < size else b""
        while offset < size:
            if self.clock() > self._deadline:
                self._note(attachment_id, UPLOADING, offset)
                return False
            piece = data[offset:offset + self.chunk_bytes]
            self.stats.bytes_sent += len(piece)  # counted when sent: a chunk lost to a cut is re-sent bytes
            answer = self.transport.blob_put(sha, offset, piece, size)
            if answer.get("code") == "blob_hash_mismatch" and retries < MAX_HASH_RETRIES:
                retries += 1  # the server threw the corrupt copy away: start again
                self.stats.bytes_resent += offset + len(piece)
                offset = 0
                continue
            if answer.get("code") == "blob_offset":
                offset = int(answer["expected"])
                continue
            if "code" in answer:
                self._note(attachment_id, UPLOADING, offset, answer.get("message") or answer["code"])
                return False
            offset = int(answer["received"])
            self._note(attachment_id, UPLOADING, offset)
            if self.on_progress and attachment_id:
                self.on_progress(attachment_id, offset, size)
        self._note(attachment_id, UPLOADED, size)
        return True

    def _note(self, attachment_id: str | None, state: str, done: int, error: str | None = None) -> None:
        if attachment_id is None:
            return
        with self.sessions.begin() as session:
            row = session.get(BlobTransfer, attachment_id)
            if row is not None:
                row.state, row.done, row.error = state, done, error

    def fetch(self, sha: str) -> Path:
        """Downloads one file (resuming a partial one) and checks its hash; returns its path."""
        target, part = self.blob_dir / sha, self.blob_dir / f"{sha}.part"
        if target.is_file():
            return target
        self.blob_dir.mkdir(parents=True, exist_ok=True)
        offset = part.stat().st_size if part.is_file() else 0
        with part.open("ab") as handle:
            for piece in self.transport.blob_get(sha, offset):
                handle.write(piece)
        if sha256_of(part.read_bytes()) != sha:
            part.unlink(missing_ok=True)
            raise ValueError(f"downloaded file {sha[:12]} does not match its hash")
        part.replace(target)
        self.stats.downloaded += 1
        return target


BUNDLE_BLOB_BYTES = 40 * 1024 * 1024  # attachment bytes one USB bundle carries at most (the rest: next bundle)


def bundle_blobs(sessions: sessionmaker[Session], blob_dir: Path) -> dict[str, str]:
    """The files (and previews) of attachments not yet uploaded, base64 by hash, for a USB bundle."""
    import base64

    with sessions() as session:
        rows = session.execute(select(Attachment.sha256, Attachment.thumb_sha256)
                               .join(BlobTransfer, BlobTransfer.attachment_id == Attachment.id)
                               .where(BlobTransfer.state.in_((PENDING, UPLOADING)), Attachment.deleted.is_(False))).all()
    carried: dict[str, str] = {}
    total = 0
    for sha in (s for row in rows for s in row if s):
        path = blob_dir / sha
        if sha in carried or not path.is_file() or total + path.stat().st_size > BUNDLE_BLOB_BYTES:
            continue
        total += path.stat().st_size
        carried[sha] = base64.b64encode(path.read_bytes()).decode("ascii")
    return carried


def settle_bundled(sessions: sessionmaker[Session], stored: list[str]) -> int:
    """Marks the attachments whose files the server stored from a bundle as uploaded."""
    with sessions.begin() as session:
        rows = session.scalars(select(BlobTransfer).where(BlobTransfer.sha256.in_(list(stored)))).all()
        for row in rows:
            row.state, row.done = UPLOADED, row.size
        return len(rows)
