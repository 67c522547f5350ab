"""Attachments (photos, PDF scans) and print snapshots as synced records.

An `Attachment` is the metadata of one file on a case, case log entry, task feedback, household or
person: it syncs like any record (captured, merged per field, scoped by `region_code`, copied from
its owner, deleted by tombstone), while its bytes are content-addressed by SHA-256 and move
separately (sync/attachments.py). `thumb_sha256` names a small JPEG preview that is fetched first.

A `PrintSnapshot` is what a printed form showed of a record (append-only): the version a form's QR
code names, so a signed page that comes back as a scan can show what changed since it was printed."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, SyncedMixin
from db.fields import declare, refers

# The records a file may be attached to (entity name on the wire -> what the UI calls it).
ATTACHMENT_OWNERS = ("case", "case_log", "task_target", "task_feedback", "household", "person")
# The records whose printed forms carry a snapshot (household card, case form, task sheet).
PRINTED_ENTITIES = ("household", "case", "task_target")


class Attachment(SyncedMixin, Base):
    __tablename__ = "attachments"
    __sync_entity__ = "attachment"
    __sync_kind__ = "record"
    __sync_since__ = 2  # new in schema version 2: older clients are served without attachments

    owner_entity: Mapped[str] = mapped_column(String(30))
    owner_id: Mapped[str] = mapped_column(String(36), info=refers(*ATTACHMENT_OWNERS, by="owner_entity", parent=True))
    region_code: Mapped[str] = mapped_column(String(12), index=True, info=declare(format="region"))
    grid_code: Mapped[str | None] = mapped_column(String(15), info=declare(format="grid"))  # the owner's grid
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    mime: Mapped[str] = mapped_column(String(60))
    filename: Mapped[str] = mapped_column(String(200), default="")
    caption: Mapped[str] = mapped_column(Text, default="")
    thumb_sha256: Mapped[str | None] = mapped_column(String(64))
    taken_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    added_by: Mapped[str] = mapped_column(String(50), default="")
    added_at: Mapped[dt.datetime] = mapped_column(DateTime)
    # a scan of a printed form: the snapshot of what was printed
    printed_version: Mapped[str | None] = mapped_column(String(36), info=refers("print_snapshot", scope="read"))

    __table_args__ = (Index("ix_attachments_owner", "owner_entity", "owner_id"),)


class PrintSnapshot(SyncedMixin, Base):
    __tablename__ = "print_snapshots"
    __sync_entity__ = "print_snapshot"
    __sync_kind__ = "append_only"
    __sync_since__ = 2

    entity: Mapped[str] = mapped_column(String(30))
    record_id: Mapped[str] = mapped_column(String(36), index=True,  # what was printed: one the printer sees
                                           info=refers(*PRINTED_ENTITIES, scope="read", by="entity"))
    region_code: Mapped[str] = mapped_column(String(12), index=True, info=declare(format="region"))
    printed_at: Mapped[dt.datetime] = mapped_column(DateTime)
    printed_by: Mapped[str] = mapped_column(String(50), default="")
    fields: Mapped[dict] = mapped_column(JSON, default=dict, info=declare(shape="object"))  # label -> printed text, as on the form
