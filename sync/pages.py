"""What a pull or a snapshot carries from the server to a client: records with their synced fields
as JSON values, pages of them after a cursor, and snapshot chunks. Plain data classes, kept apart
from the server's store (`sync.store_sql`) so the client imports them without the server's tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class PulledRecord:
    entity: str
    record_id: str
    seq: int
    fields: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"entity": self.entity, "record_id": self.record_id, "seq": self.seq, "fields": self.fields}


@dataclass
class Page:
    cursor: int  # the cursor this page continues from
    next_cursor: int
    has_more: bool
    records: list[PulledRecord] = field(default_factory=list)
    evictions: list[tuple[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"cursor": self.cursor, "next_cursor": self.next_cursor, "has_more": self.has_more,
                "records": [r.to_json() for r in self.records],
                "evictions": [list(e) for e in self.evictions]}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Page:
        return cls(raw["cursor"], raw["next_cursor"], raw["has_more"],
                   [PulledRecord(**r) for r in raw["records"]], [tuple(e) for e in raw["evictions"]])


@dataclass
class SnapshotChunk:
    cursor: int  # the cursor the whole snapshot is consistent with
    records: list[PulledRecord]
    last: bool

    def to_json(self) -> dict[str, Any]:
        return {"cursor": self.cursor, "records": [r.to_json() for r in self.records], "last": self.last}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> SnapshotChunk:
        return cls(raw["cursor"], [PulledRecord(**r) for r in raw["records"]], raw["last"])
