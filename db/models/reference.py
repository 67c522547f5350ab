"""Code tables kept as data (docs/ARCHITECTURE.md "Glossary") and the audit log."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, SyncedMixin
from db.fields import declare


class CodeEntry(SyncedMixin, Base):
    """One entry of a code table (case categories, request-type deadlines, tags with sensitivity,
    visit frequencies, departments, GB/T code lists). `scope_prefix` "" is city-wide; a township
    admin's local additions carry the township's 9-digit prefix and reach only its users.
    `attrs` holds per-table extras, e.g. {"sensitivity": 2} for tags, {"deadline_workdays": 10}."""

    __tablename__ = "code_entries"
    __sync_entity__ = "code_entry"
    __sync_kind__ = "record"
    __sync_id_versions__ = (5, 7)  # uuid5 of its content, or a new UUIDv7
    __sync_scope_columns__ = ("scope_prefix",)

    table: Mapped[str] = mapped_column(String(30))
    code: Mapped[str] = mapped_column(String(20))
    label_zh: Mapped[str] = mapped_column(String(100))
    label_en: Mapped[str] = mapped_column(String(100), default="")
    parent_code: Mapped[str | None] = mapped_column(String(20))
    scope_prefix: Mapped[str] = mapped_column(String(15), default="", info=declare(format="region"))
    # readers compute with these keys (sensitivity ≥ 3 hides a tag, deadlines, the holiday calendar)
    attrs: Mapped[dict] = mapped_column(JSON, default=dict, info=declare(shape="object", keys={
        "sensitivity": int, "deadline_workdays": int, "interval_days": int, "workday": bool, "sensitive": bool,
        "subject": str, "tags": list, "residence_types": list}))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (Index("ix_code_entries_table_code", "table", "code"),)


class AuditEntry(SyncedMixin, Base):
    """Who viewed in full, printed, exported or discarded personal data: append-only, synced up."""

    __tablename__ = "audit_entries"
    __sync_entity__ = "audit_entry"
    __sync_kind__ = "append_only"
    __sync_push_only__ = True  # the audit log belongs to the server once it has arrived

    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    username: Mapped[str] = mapped_column(String(50), index=True)
    device_id: Mapped[str] = mapped_column(String(36), default="")
    action: Mapped[str] = mapped_column(String(20))  # reveal, print, export, discard, …
    entity: Mapped[str] = mapped_column(String(30), default="")
    record_ids: Mapped[list] = mapped_column(JSON, default=list, info=declare(shape="list", items=str))
    reason: Mapped[str] = mapped_column(Text, default="")
    region_code: Mapped[str] = mapped_column(String(12), index=True, default="", info=declare(format="region"))
