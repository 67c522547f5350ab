"""Server-only tables: the declarative base the city server's own tables hang on (`ServerBase`) and
the sync bookkeeping the store in `server/store/` keeps beside the entity tables.

- `SyncCounter`: on SQLite, one row holding the last `server_seq` (the push transaction takes it
  with the database's write lock). On PostgreSQL the numbers come from the sequence `sync_seq`
  instead, and pulls serve below the oldest number in flight (server.store.numbering).
- `ChangeLogEntry`: every accepted change, as applied (the fields that actually took effect), with a
  strictly increasing `server_seq`, the record's region before and after (scope and evictions).
- `RecordVersion`: per record, its latest `server_seq`, current region and the per-field versions
  {field: [server_seq, hlc, device_id]} that the merge rules compare a change's `base` with. One row
  per record (fields as JSON) so a change costs one read and one write, not one per field.
- `ReviewItem`: conflicts and possible duplicates with both values, authors and times, for a reviewer.
- `AppliedChange`: every change id the server has answered, with its outcome and a hash of the
  payload, so a retried change gets the same answer and a reused id with a new payload is refused.
- `DeviceSyncState`: per device, the last `device_seq` received and clock-skew flags.

Accounts (users, devices, api keys) are defined by the server in `server/models.py` on the same base.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from db.base import NAMING


class ServerBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class SyncCounter(ServerBase):
    """The single row (id 1) holding the last server_seq handed out."""

    __tablename__ = "sync_counter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    # Tombstones at or below this number were collected (server/tombstones.py): a pull from a cursor
    # below it could miss deletions, and is answered "cursor_too_old".
    tombstone_horizon: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


_MOVED = text("old_region_code IS NOT NULL")


class ChangeLogEntry(ServerBase):
    """One accepted change as it took effect. `fields` holds only the values written (a field that
    lost last-writer-wins is absent), `previous` what they held before; `old_region_code` is set
    when the change moved the record.
    `echo`: the change took effect exactly as its device sent it (every field written as sent, no
    review, no move), so that device already holds the result and its pull need not send it back."""

    __tablename__ = "sync_change_log"

    server_seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    change_id: Mapped[str] = mapped_column(String(36), index=True)
    device_id: Mapped[str] = mapped_column(String(36))
    username: Mapped[str] = mapped_column(String(50), default="")
    entity: Mapped[str] = mapped_column(String(30))
    record_id: Mapped[str] = mapped_column(String(36))
    op: Mapped[str] = mapped_column(String(10))
    fields: Mapped[dict] = mapped_column(JSON, default=dict)
    hlc: Mapped[str] = mapped_column(String(60))
    region_code: Mapped[str] = mapped_column(String(15), default="")
    old_region_code: Mapped[str | None] = mapped_column(String(15))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime)
    echo: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The written fields' values before the change ({field: value}, wire form; a field absent was
    # empty); NULL on entries from before server migration 0027, whose old values the history
    # replays from the record's earlier entries.
    previous: Mapped[dict | None] = mapped_column(JSON, nullable=True)

    # The history feed reads its scope's entries in server order like a pull (server migration 0024).
    __table_args__ = (
        # a record's changes in server order: its history, and a pull's echoes (migration 0026)
        Index("ix_sync_change_log_record_seq", "entity", "record_id", "server_seq"),
        Index("ix_sync_change_log_region_seq", "region_code", "server_seq"),
        Index("ix_sync_change_log_scope9_seq", text("substr(region_code, 1, 9)"), "server_seq"),
        Index("ix_sync_change_log_scope12_seq", text("substr(region_code, 1, 12)"), "server_seq"),
        # the changes that moved a record, which a pull reads for its evictions (migration 0031)
        Index("ix_sync_change_log_moved_seq", "server_seq", postgresql_where=_MOVED, sqlite_where=_MOVED),
    )


# The entities a department's pull reads (server.scope.DEPARTMENT_ENTITIES, which the tests hold
# equal to this predicate).
_DEPARTMENT_HEADS = text("entity IN ('code_entry', 'task', 'task_target', 'task_link', 'task_feedback', 'case', "
                         "'case_log', 'case_whistle')")


class RecordVersion(ServerBase):
    """Latest version of one synced record: what pull serves and what merge compares against."""

    __tablename__ = "sync_record_versions"
    # A pull reads its scope's heads in server order: a township's and a village's by the scope key
    # (server.store.common.scope_key), other scopes by region; server migration 0023.
    __table_args__ = (
        Index("ix_sync_record_versions_region_seq", "region_code", "server_seq"),
        Index("ix_sync_record_versions_scope9_seq", text("substr(region_code, 1, 9)"), "server_seq"),
        Index("ix_sync_record_versions_scope12_seq", text("substr(region_code, 1, 12)"), "server_seq"),
        # a department's view in server order (server.department_pull; migration 0028)
        Index("ix_sync_record_versions_dept_seq", "server_seq", postgresql_where=_DEPARTMENT_HEADS,
              sqlite_where=_DEPARTMENT_HEADS),
    )

    entity: Mapped[str] = mapped_column(String(30), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    server_seq: Mapped[int] = mapped_column(BigInteger, index=True)
    region_code: Mapped[str] = mapped_column(String(15), default="")
    field_versions: Mapped[dict] = mapped_column(JSON, default=dict)


class ReviewItem(ServerBase):
    """Something a person must look at: `kind` is "conflict" (concurrent edits of one field with
    different values), "delete_conflict" (a delete racing an update), "status_conflict" (a return or
    reopen whose base status was no longer current), "duplicate_id" (a second active person with
    the same ID number; `related_record_id` is the first) or "duplicate_hh_no" (a second active
    household of a village with the same household number; `kind` holds 20 characters, hence the
    short name). `winner_*` took effect, `loser_*` did not
    (for duplicates both are kept). A decision is an ordinary new change; `state` records it.
    `server_seq` (the change that raised it) and `resolved_seq` (a sequence number its resolution
    took) say when its mark came and went, in server order: PCs fetch their marks incrementally
    (server.review_marks)."""

    __tablename__ = "sync_review_items"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    state: Mapped[str] = mapped_column(String(10), default="open", index=True)
    entity: Mapped[str] = mapped_column(String(30))
    record_id: Mapped[str] = mapped_column(String(36), index=True)
    field: Mapped[str | None] = mapped_column(String(50))
    related_record_id: Mapped[str | None] = mapped_column(String(36), index=True)
    region_code: Mapped[str] = mapped_column(String(15), default="", index=True)
    change_id: Mapped[str] = mapped_column(String(36), index=True)
    server_seq: Mapped[int | None] = mapped_column(BigInteger, index=True)  # of the change that raised it
    winner_value: Mapped[object | None] = mapped_column(JSON)
    winner_device: Mapped[str | None] = mapped_column(String(36))
    winner_user: Mapped[str | None] = mapped_column(String(50))
    winner_hlc: Mapped[str | None] = mapped_column(String(60))
    loser_value: Mapped[object | None] = mapped_column(JSON)
    loser_device: Mapped[str | None] = mapped_column(String(36))
    loser_user: Mapped[str | None] = mapped_column(String(50))
    loser_hlc: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(50))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    resolved_seq: Mapped[int | None] = mapped_column(BigInteger, index=True)  # a number taken when resolved
    resolution: Mapped[str | None] = mapped_column(Text)


class AppliedChange(ServerBase):
    """The server's answer to one change id, kept so a retry gets the same answer."""

    __tablename__ = "sync_applied_changes"

    change_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(36), index=True)
    device_seq: Mapped[int] = mapped_column(BigInteger)
    payload_hash: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(25))  # accepted | merged_with_conflict | rejected
    server_seq: Mapped[int | None] = mapped_column(BigInteger)
    code: Mapped[str | None] = mapped_column(String(40))
    message: Mapped[str | None] = mapped_column(Text)
    applied_at: Mapped[dt.datetime] = mapped_column(DateTime)

    __table_args__ = (Index("ix_sync_applied_changes_device_seq", "device_id", "device_seq"),)


class DeviceSyncState(ServerBase):
    """Per device: the highest device_seq answered (gap/duplicate detection) and clock flags."""

    __tablename__ = "sync_device_state"

    device_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    last_device_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    clock_flagged_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    clock_skew_ms: Mapped[int | None] = mapped_column(BigInteger)
    last_push_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # How far the device has pulled, noted at most every few minutes (server/tombstones.py).
    pulled_to: Mapped[int | None] = mapped_column(BigInteger)
    pulled_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class ProgressCount(ServerBase):
    """The department progress grid kept as a summary (server/store/progress.py): how many live targets
    of a department's live tasks with one deadline are in one status in one township. The push path
    keeps it equal to the targets in the same transaction that changes them, so the console reads a
    department's township × status grid (overdue: not completed and due before now) from a few
    hundred rows instead of grouping every target."""

    __tablename__ = "progress_counts"

    department_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    township: Mapped[str] = mapped_column(String(9), primary_key=True)
    status: Mapped[str] = mapped_column(String(2), primary_key=True)
    due_at: Mapped[dt.datetime] = mapped_column(DateTime, primary_key=True)
    targets: Mapped[int] = mapped_column(Integer, default=0)


class CaseTownCount(ServerBase):
    """Live cases per township, category, outcome class and rating class, with the repeat appeals among
    them (server/store/case_counts.py keeps it with the push)."""

    __tablename__ = "case_town_counts"

    township: Mapped[str] = mapped_column(String(9), primary_key=True)
    category_code: Mapped[str] = mapped_column(String(10), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(1), primary_key=True)
    rating: Mapped[str] = mapped_column(String(1), primary_key=True)
    cases: Mapped[int] = mapped_column(Integer, default=0)
    repeats: Mapped[int] = mapped_column(Integer, default=0)


class CaseMonthCount(ServerBase):
    """Live cases per township, registration month (YYYY-MM), outcome class and rating class."""

    __tablename__ = "case_month_counts"

    township: Mapped[str] = mapped_column(String(9), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(1), primary_key=True)
    rating: Mapped[str] = mapped_column(String(1), primary_key=True)
    cases: Mapped[int] = mapped_column(Integer, default=0)


class CasePhoneCount(ServerBase):
    """Live cases per township, category and reporter phone (its SHA-256): what makes a repeat appeal."""

    __tablename__ = "case_phone_counts"

    township: Mapped[str] = mapped_column(String(9), primary_key=True)
    category_code: Mapped[str] = mapped_column(String(10), primary_key=True)
    phone_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    cases: Mapped[int] = mapped_column(Integer, default=0)


class CaseOpenCount(ServerBase):
    """Open cases with a deadline per township, category, registration month and deadline day."""

    __tablename__ = "case_open_counts"

    township: Mapped[str] = mapped_column(String(9), primary_key=True)
    category_code: Mapped[str] = mapped_column(String(10), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    deadline_on: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    cases: Mapped[int] = mapped_column(Integer, default=0)
