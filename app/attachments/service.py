"""`AttachmentService`: files on cases, case log entries, task feedback, households and persons.

Adding a file reads and prepares it (app/attachments/files.py), keeps its bytes and preview under
their SHA-256 in the client's attachment folder, then records the `Attachment` (captured and synced
like any record) and its `BlobTransfer` ("pending": sync/attachments.py uploads it after the record
has been pushed), in one transaction: a refused file leaves nothing behind. The owner must exist
and lie in the actor's scope; the attachment takes the owner's region code, so it is seen exactly
where its owner is seen. Listing gives each file's sync state for the UI: 待上传 (pending), 上传中
x% (uploading), 已上传 (uploaded), 仅缩略图 (only the preview is here), 未下载 (nothing yet)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from app.attachments.files import Prepared, prepare
from app.errors import UserFacingError, ValidationError
from app.services.context import ServiceBase
from db.client import BlobTransfer
from db.models import (
    ATTACHMENT_OWNERS,
    Attachment,
    Case,
    CaseLogEntry,
    Household,
    Person,
    TaskFeedback,
    TaskTarget,
)
from sync.attachments import PENDING, store_local

OWNER_MODELS = {"case": Case, "case_log": CaseLogEntry, "task_target": TaskTarget, "task_feedback": TaskFeedback,
                "household": Household, "person": Person}
assert set(OWNER_MODELS) == set(ATTACHMENT_OWNERS)


@dataclass(frozen=True)
class AttachmentView:
    id: str
    filename: str
    mime: str
    size: int
    caption: str
    taken_at: dt.datetime | None
    added_by: str
    added_at: dt.datetime
    state: str  # pending, uploading, uploaded, thumb, full, remote
    done: int  # bytes uploaded so far (uploading)
    thumb_path: str | None
    file_path: str | None
    printed_version: str | None

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.size) if self.size else 0


class AttachmentService(ServiceBase):
    """Constructor: sessionmaker, Actor, the client's attachment folder, optional clock."""

    def __init__(self, sessions, actor, blob_dir: Path, clock=None) -> None:
        super().__init__(sessions, actor, **({"clock": clock} if clock else {}))
        self.blob_dir = Path(blob_dir)

    def add(self, owner_entity: str, owner_id: str, path: Path | str, caption: str = "",
            keep_location: bool = False, printed_version: str | None = None) -> AttachmentView:
        if owner_entity not in OWNER_MODELS:
            raise ValidationError("owner", "attachment_owner")
        with self._unit_of_work() as session:  # the owner first: a file for a stranger is not even read
            self._get(session, OWNER_MODELS[owner_entity], owner_id, owner_entity)
        prepared = prepare(path, keep_location=keep_location)
        return self.keep(owner_entity, owner_id, prepared, caption, printed_version)

    def keep(self, owner_entity: str, owner_id: str, prepared: Prepared, caption: str = "",
             printed_version: str | None = None) -> AttachmentView:
        """Records a prepared file on its owner (bytes first: content-addressed files are harmless)."""
        sha = store_local(self.blob_dir, prepared.data)
        thumb = store_local(self.blob_dir, prepared.thumb) if prepared.thumb else None
        with self._unit_of_work() as session:
            owner = self._get(session, OWNER_MODELS[owner_entity], owner_id, owner_entity)
            attachment = Attachment(owner_entity=owner_entity, owner_id=owner_id, region_code=owner.region_code[:12],
                                    grid_code=getattr(owner, "grid_code", None),
                                    sha256=sha, size=len(prepared.data), mime=prepared.mime,
                                    filename=prepared.filename[:200], caption=caption, thumb_sha256=thumb,
                                    taken_at=prepared.taken_at, added_by=self.actor.username, added_at=self.now(),
                                    printed_version=printed_version)
            session.add(attachment)
            session.flush()
            session.add(BlobTransfer(attachment_id=attachment.id, sha256=sha, state=PENDING, done=0,
                                     size=len(prepared.data)))
            session.flush()
            return self._view(attachment, session.get(BlobTransfer, attachment.id))

    def list_for(self, owner_entity: str, owner_id: str) -> tuple[AttachmentView, ...]:
        with self._sessions() as session:
            rows = session.execute(
                select(Attachment, BlobTransfer).outerjoin(BlobTransfer, BlobTransfer.attachment_id == Attachment.id)
                .where(Attachment.owner_entity == owner_entity, Attachment.owner_id == owner_id,
                       Attachment.deleted.is_(False)).order_by(Attachment.added_at, Attachment.id)).all()
            return tuple(self._view(a, t) for a, t in rows)

    def remove(self, attachment_id: str) -> None:
        with self._unit_of_work() as session:
            attachment = self._get(session, Attachment, attachment_id, "attachment")
            attachment.deleted = True

    def want_file(self, attachment_id: str) -> None:
        """Marks a file the user opened (or wants kept) for download by the next sync."""
        with self._unit_of_work() as session:
            attachment = self._get(session, Attachment, attachment_id, "attachment")
            if session.get(BlobTransfer, attachment_id) is None and not (self.blob_dir / attachment.sha256).is_file():
                session.add(BlobTransfer(attachment_id=attachment_id, sha256=attachment.sha256, state="wanted",
                                         size=attachment.size))

    def want_all(self, owner_entity: str, owner_id: str) -> int:
        """Marks every file of a record for download by the next sync (a record the user wants at
        hand offline); returns how many were not here yet."""
        missing = [v.id for v in self.list_for(owner_entity, owner_id) if v.file_path is None]
        for attachment_id in missing:
            self.want_file(attachment_id)
        return len(missing)

    def file_path(self, attachment_id: str) -> Path:
        """The file to open; refuses one that has not been downloaded yet (and marks it wanted)."""
        with self._sessions() as session:
            attachment = self._get(session, Attachment, attachment_id, "attachment")
            path = self.blob_dir / attachment.sha256
        if not path.is_file():
            self.want_file(attachment_id)
            raise UserFacingError("attachment_missing")
        return path

    def _view(self, a: Attachment, transfer: BlobTransfer | None) -> AttachmentView:
        local = (self.blob_dir / a.sha256).is_file()
        thumb = self.blob_dir / a.thumb_sha256 if a.thumb_sha256 else None
        if transfer is not None and transfer.state != "wanted":
            state = transfer.state
        else:
            state = "full" if local else "thumb" if thumb and thumb.is_file() else "remote"
        return AttachmentView(a.id, a.filename, a.mime, a.size, a.caption, a.taken_at, a.added_by, a.added_at,
                              state, transfer.done if transfer else 0,
                              str(thumb) if thumb and thumb.is_file() else None,
                              str(self.blob_dir / a.sha256) if local else None, a.printed_version)


