"""What a pull or a snapshot carries from the server to a client: records with their synced fields
as JSON values, pages of them after a cursor, and snapshot chunks. Plain data classes, kept apart
from the server's store (`server.store`) so the client imports them without the server's tables."""

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
    # (entity, record_id, seq) of records changed only by the pulling device's own pushes, taken as
    # sent: not sent back, the device already holds them (it only notes the seq)
    echoes: list[tuple[str, str, int]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        out = {"cursor": self.cursor, "next_cursor": self.next_cursor, "has_more": self.has_more,
               "records": [r.to_json() for r in self.records],
               "evictions": [list(e) for e in self.evictions]}
        if self.echoes:
            out["echoes"] = [list(e) for e in self.echoes]
        return out

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Page:
        return cls(raw["cursor"], raw["next_cursor"], raw["has_more"],
                   [PulledRecord(**r) for r in raw["records"]], [tuple(e) for e in raw["evictions"]],
                   [tuple(e) for e in raw.get("echoes") or ()])


@dataclass
class SnapshotRows:
    """Records of one entity as table rows: `columns` are the client table's column names ("id"
    first), each row holds their values in the SQLite storage format (db.storage), `seqs` the
    server_seq of each row's record. A snapshot sends these instead of per-field JSON records, so the
    client inserts them as they come (a first sync faster than row-by-row JSON, docs/PERFORMANCE.md)."""
    entity: str
    columns: list[str]
    rows: list[list[Any]]
    seqs: list[int]


@dataclass
class SnapshotImage:
    """Records of one entity as a SQLite database image (the "sqlite" snapshot format): its table
    "rows" holds the client table's `columns` (values in the storage format) and "_seq", in id order.
    The client attaches the image and copies the rows with one INSERT … SELECT, so no value passes
    through Python. Only rows with an id after `after_id` count (a resumed stream's overlap)."""
    entity: str
    columns: list[str]
    count: int
    last_id: str
    data: bytes
    after_id: str = ""


@dataclass
class SnapshotChunk:
    cursor: int  # the cursor the whole snapshot is consistent with
    records: list[PulledRecord]
    last: bool
    table: SnapshotRows | None = None  # rows instead of records (the "rows" snapshot format)
    image: SnapshotImage | None = None  # a database image instead (the "sqlite" snapshot format)
    # On a snapshot's first chunk, the server's estimate of the records it will send in all (the
    # version heads in the reader's region scope): what first-sync progress counts towards. 0: none.
    total: int = 0

    @property
    def size(self) -> int:
        return len(self.records) + (len(self.table.rows) if self.table else 0) + (
            self.image.count if self.image else 0)

    @property
    def position(self) -> tuple[str, str] | None:
        """(entity, record_id) of the chunk's last record in snapshot order; None when empty."""
        if self.image and self.image.count:
            return self.image.entity, self.image.last_id
        if self.table and self.table.rows:
            return self.table.entity, self.table.rows[-1][0]
        if self.records:
            return self.records[-1].entity, self.records[-1].record_id
        return None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"cursor": self.cursor, "records": [r.to_json() for r in self.records],
                               "last": self.last}
        if self.table:
            out.update(entity=self.table.entity, columns=self.table.columns, rows=self.table.rows,
                       seqs=self.table.seqs)
        if self.total:
            out["total"] = self.total
        return out

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> SnapshotChunk:
        table = None
        if "rows" in raw:
            table = SnapshotRows(str(raw["entity"]), list(raw["columns"]), raw["rows"], raw["seqs"])
            if not all(isinstance(c, str) for c in table.columns) or len(table.seqs) != len(table.rows):
                raise ValueError("snapshot rows")
        return cls(int(raw["cursor"]), [PulledRecord(**r) for r in raw.get("records", ())], bool(raw["last"]),
                   table, total=count_from_wire(raw.get("total")))


def count_from_wire(value: Any) -> int:
    """A non-negative count from the wire, 0 for anything else (an estimate is never worth failing on)."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0
