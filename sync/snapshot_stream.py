"""The byte streams of a snapshot answer, decoded: NDJSON lines of record chunks, or frames of
database images (a JSON header line, then its bytes; docs/decisions/0008), and the snapshot order
used to drop what a resumed stream sends again."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from db.models import SYNC_ORDER
from sync.pages import SnapshotChunk, SnapshotImage, count_from_wire


def snapshot_position(entity: str, record_id: str) -> tuple[int, str]:
    """Where a record comes in the snapshot: entities in sync order, then by record id."""
    order = SYNC_ORDER.index(entity) if entity in SYNC_ORDER else len(SYNC_ORDER)
    return order, record_id


def frames(pieces: Iterator[bytes]) -> Iterator[tuple[dict[str, Any], bytes]]:
    """(header, payload) frames of a "sqlite" snapshot stream: a JSON header line, then its
    `bytes` bytes. A stream that ends inside a frame ends the iteration with ValueError."""
    buffer = bytearray()
    stream = iter(pieces)
    while True:
        while (end := buffer.find(b"\n")) < 0:
            piece = next(stream, None)
            if piece is None:
                if buffer:
                    raise ValueError("a frame header cut off")
                return
            buffer += piece
        header = json.loads(bytes(buffer[:end]))
        size = int(header["bytes"])
        while len(buffer) < end + 1 + size:
            piece = next(stream, None)
            if piece is None:
                raise ValueError("a frame cut off")
            buffer += piece
        data = bytes(buffer[end + 1:end + 1 + size])
        del buffer[:end + 1 + size]
        yield header, data


def image_chunk(header: dict[str, Any], data: bytes) -> SnapshotChunk:
    image = None
    if header.get("entity"):
        columns = header["columns"]
        if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
            raise ValueError("snapshot columns")
        image = SnapshotImage(str(header["entity"]), columns, int(header["count"]), str(header["last_id"]), data)
    return SnapshotChunk(int(header["cursor"]), [], bool(header["last"]), image=image,
                         total=count_from_wire(header.get("total")))


def drop_up_to(chunk: SnapshotChunk, start: tuple[int, str]) -> None:
    """Remove what lies at or before `start` in snapshot order (a server that cannot resume mid-way
    sends it again)."""
    chunk.records = [r for r in chunk.records if snapshot_position(r.entity, r.record_id) > start]
    image = chunk.image
    if image and image.count and snapshot_position(image.entity, image.last_id) <= start:
        chunk.image = None
    elif image and snapshot_position(image.entity, "")[0] == start[0]:
        image.after_id = start[1]  # the rows after the resume position only
    table = chunk.table
    if table and table.rows and snapshot_position(table.entity, table.rows[0][0]) <= start:
        kept = [(row, seq) for row, seq in zip(table.rows, table.seqs, strict=True)
                if snapshot_position(table.entity, row[0]) > start]
        table.rows, table.seqs = [k[0] for k in kept], [k[1] for k in kept]


def split_lines(pieces: Iterator[bytes]) -> Iterator[bytes]:
    """Non-empty lines of a byte stream. A snapshot line is a chunk of thousands of records (hundreds
    of kilobytes); requests' iter_lines re-joins and re-splits the pending tail on every piece."""
    tail: list[bytes] = []
    for piece in pieces:
        start = 0
        while (end := piece.find(b"\n", start)) >= 0:
            tail.append(piece[start:end])
            line = b"".join(tail)
            tail = []
            if line:
                yield line
            start = end + 1
        if start < len(piece):
            tail.append(piece[start:])
    line = b"".join(tail)
    if line:
        yield line
