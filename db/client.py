"""Client-only tables: the outbox of local changes, what the client last saw per record, the record
history it has written or fetched, and
key/value sync state (cursor, HLC, device id). These never exist on the server."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, Integer, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from db.base import NAMING


class ClientBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class OutboxChange(ClientBase):
    """One local change waiting to be pushed (state "pending"), refused by the server ("rejected",
    with the server's code and message), or accepted ("accepted", with its `server_seq` and when,
    `settled_at`): accepted changes are kept for a while after the acknowledgement, so that if the
    city server is restored from a backup that predates them they can be offered again
    (sync/client.py); then they are removed. `device_seq` is this device's change counter (it goes
    on the wire; it is not a record key)."""

    __tablename__ = "outbox"

    device_seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    change_id: Mapped[str] = mapped_column(String(36), unique=True)
    entity: Mapped[str] = mapped_column(String(30))
    record_id: Mapped[str] = mapped_column(String(36), index=True)
    op: Mapped[str] = mapped_column(String(10))
    fields: Mapped[dict] = mapped_column(JSON)
    base: Mapped[dict] = mapped_column(JSON)
    hlc: Mapped[str] = mapped_column(String(40))
    schema_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    state: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    reject_code: Mapped[str | None] = mapped_column(String(40))
    reject_message: Mapped[str | None] = mapped_column(Text)
    server_seq: Mapped[int | None] = mapped_column(Integer)
    settled_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class RecordSeen(ClientBase):
    """The highest server_seq this client has applied for a record: the `base` of its next edit."""

    __tablename__ = "record_seen"

    entity: Mapped[str] = mapped_column(String(30), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)


class SyncState(ClientBase):
    """Small key/value facts about this client's sync: device id, pull cursor, persisted HLC, …"""

    __tablename__ = "sync_state"

    key: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class AccountName(ClientBase):
    """People's names by login name (陈晓燕 for demo_staff), from the server's account directory
    within this client's jurisdiction: what forms print for 处理人 and the watermark."""

    __tablename__ = "account_names"

    username: Mapped[str] = mapped_column(String(50), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(50), default="")


class BlobTransfer(ClientBase):
    """Where an attachment's bytes are on this client: "pending" (held here, not yet on the
    server), "uploading" (`done` bytes acknowledged), "uploaded", "thumb" (only the preview is
    here), "full" (fetched from the server). Keyed by the attachment record."""

    __tablename__ = "blob_transfers"

    attachment_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    state: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    done: Mapped[int] = mapped_column(Integer, default=0)
    size: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)


class HistoryLine(ClientBase):
    """One field of one change in a record's history as this client knows it: written here
    (source "local", recorded by capture in the same transaction) or fetched from the city
    server's change log (source "server", which replaces the local lines of the same change).
    Lets the history be read offline for whatever this PC wrote or has fetched."""

    __tablename__ = "record_history"

    change_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    field: Mapped[str] = mapped_column(String(50), primary_key=True)
    entity: Mapped[str] = mapped_column(String(30))
    record_id: Mapped[str] = mapped_column(String(36), index=True)
    old: Mapped[object | None] = mapped_column(JSON)
    new: Mapped[object | None] = mapped_column(JSON)
    username: Mapped[str] = mapped_column(String(50), default="")
    device_id: Mapped[str] = mapped_column(String(36), default="")
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    origin: Mapped[str] = mapped_column(String(10), default="edit")  # edit | merge | conflict
    source: Mapped[str] = mapped_column(String(10), default="local")  # local | server
    server_seq: Mapped[int | None] = mapped_column(Integer)


class OpenReview(ClientBase):
    """That a record (and, for a duplicate, its partner) has an open review item on the city server:
    the 冲突待审 badge in lists and details. Replaced by the marks fetched after each sync (`GET
    /review/marks`); a decision taken on this PC removes its row at once."""

    __tablename__ = "open_reviews"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the review item's id
    kind: Mapped[str] = mapped_column(String(20))
    entity: Mapped[str] = mapped_column(String(30))
    record_id: Mapped[str] = mapped_column(String(36), index=True)
    related_record_id: Mapped[str | None] = mapped_column(String(36), index=True)


class DuplicateCandidate(ClientBase):
    """A pair of persons the last likely-duplicate scan proposed (app/services/duplicates.py), kept
    so the review page shows the daily scan's findings at once and after a restart; replaced by
    every scan. When it ran is the sync_state key "duplicate_scan_at"."""

    __tablename__ = "duplicate_candidates"

    first_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    second_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    first_name: Mapped[str] = mapped_column(String(50))
    second_name: Mapped[str] = mapped_column(String(50))
    score: Mapped[int] = mapped_column(Integer)
    reasons: Mapped[list] = mapped_column(JSON)
