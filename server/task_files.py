"""Files a department sends down with a task from the city console (a notice, a form to fill in, a
photo): checked by their content — JPEG, PNG or PDF, the types the attachment store accepts — and
size (`Settings.max_attachment_bytes` each, at most MAX_FILES), kept once in the server's blob store
under their SHA-256, and attached to every target of the task as ordinary `attachment` records
pushed in the department's name, so each township and village receives them with its target by sync
and downloads the bytes like any attachment (scope-checked by server.blobs)."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import PurePath

from sqlalchemy.orm import Session

from db.ids import new_id
from db.models import TaskTarget
from server.blobs import ACCEPTED_TYPES, BlobStore
from server.models import User
from server.pushed_writes import Edit, push_edits

MAX_FILES = 5
SIGNATURES = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"%PDF-", "application/pdf"))


@dataclass(frozen=True)
class TaskFile:
    filename: str
    data: bytes
    mime: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def sniff(data: bytes) -> str | None:
    """The file's type by its first bytes (never its name or the browser's word), or None."""
    return next((mime for magic, mime in SIGNATURES if data.startswith(magic)), None)


def check_file(filename: str, data: bytes, max_bytes: int) -> TaskFile | str:
    """A file ready to attach, or the message key of why it cannot be."""
    if not data:
        return "attachment_empty"
    if len(data) > max_bytes:
        return "attachment_too_large"
    mime = sniff(data)
    if mime not in ACCEPTED_TYPES:
        return "attachment_type"
    name = PurePath(filename.replace("\\", "/")).name.strip()[:200] or "附件"
    return TaskFile(name, data, mime)


def attach_to_targets(session: Session, user: User, store: BlobStore, target_ids: tuple[str, ...],
                      files: list[TaskFile], now: dt.datetime) -> None:
    """Keep the files' bytes and push one attachment record per file and target (raises
    pushed_writes.PushRefused, rolled back). The caller commits."""
    if not files:
        return
    for file in files:
        store.write(file.sha256, 0, file.data, len(file.data))  # content-addressed: a second copy is a no-op
    edits = []
    for target_id in target_ids:
        target = session.get(TaskTarget, target_id)
        edits += [Edit("attachment", new_id(), {
            "owner_entity": "task_target", "owner_id": target_id, "region_code": target.region_code,
            "grid_code": target.grid_code, "sha256": f.sha256, "size": len(f.data), "mime": f.mime, "filename": f.filename,
            "caption": "", "thumb_sha256": None, "taken_at": None, "added_by": user.username, "added_at": now,
            "printed_version": None}) for f in files]
    push_edits(session, user, edits)
