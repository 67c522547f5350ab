"""Sync endpoints (docs/ARCHITECTURE.md "The sync contract"): push a batch of changes, pull pages after a cursor,
and stream a snapshot. All need a token and an X-Schema-Version the server can serve.

The snapshot is newline-delimited JSON, one line per chunk (`sync.pages.SnapshotChunk.to_json`),
gzip-compressed on the fly when the client accepts gzip. Three formats of the same records:
- `records` (the default): per-field JSON records, {"cursor", "records", "last"};
- `rows`: one entity's table rows per line in the client's storage format (db.storage), {"cursor",
  "entity", "columns", "rows", "seqs", "last"};
- `sqlite` (what the desktop asks for): per chunk a JSON header line {"cursor", "entity", "columns",
  "count", "last_id", "bytes", "last"} followed by `bytes` bytes of a SQLite database image holding
  the rows (sync.pages.SnapshotImage), which the client attaches and copies with one INSERT … SELECT.
  Its chunks are SQLITE_CHUNK_FACTOR times the server's chunk size unless the client asks for fewer.
See docs/decisions/0008-snapshot-as-database-images.md.
It is produced chunk by chunk from a keyset scan, so memory stays flat however large the township;
on PostgreSQL it reads in one REPEATABLE READ transaction, exactly consistent with its cursor."""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from server import bundles
from server.deps import Principal, principal, schema_version, settings_of
from server.errors import ApiError, request_lang
from server.pull_path import pull_answer
from server.push_path import push_answer
from server.replica import STANDBY_ERRORS, bounded_on_standby, primary_position, standby_caught_up
from server.snapshot import parse_position, snapshot_images, snapshot_rows
from server.store.numbering import CURSOR_KEY
from server.sync_service import snapshot_chunks, snapshot_estimate

router = APIRouter(prefix="/sync", tags=["sync"], dependencies=[Depends(schema_version)])
proxy_router = APIRouter(prefix="/sync", tags=["sync"])  # for the caching proxy: no schema version


class PushRequest(BaseModel):
    changes: list[dict[str, Any]] = Field(max_length=100_000)


class ChangeAnswer(BaseModel):
    change_id: str
    outcome: str
    server_seq: int | None = None
    code: str | None = None
    message: str | None = None
    expected_seq: int | None = None
    field: str | None = None


class PushAnswer(BaseModel):
    results: list[ChangeAnswer]


class PulledRecordOut(BaseModel):
    entity: str
    record_id: str
    seq: int
    fields: dict[str, Any]


class PageOut(BaseModel):
    cursor: int
    next_cursor: int
    has_more: bool
    records: list[PulledRecordOut]
    evictions: list[list[str]]
    echoes: list[list[str | int]] = Field(default_factory=list, description=(
        "[entity, record_id, seq] of records changed after the cursor only by the caller's own device, "
        "exactly as it pushed them: not sent back"))


@router.post("/push", response_model=PushAnswer, response_model_exclude_none=True)
async def push(body: PushRequest, request: Request, who: Principal = Depends(principal),
               version: int = Depends(schema_version)) -> Response:
    # The work is server.push_path.push_answer's (the merge in a worker thread). A POST of plain JSON
    # is answered by its short path in the request middleware before FastAPI's router; this route
    # documents the endpoint (OpenAPI) and answers the rest, a body to refuse above all, with
    # FastAPI's own validation.
    answer = await push_answer(request.app.state, who, body.changes, request_lang(request), version)
    return Response(answer, media_type="application/json")


@router.get("/pull", response_model=PageOut)
async def pull(request: Request, cursor: int = Query(default=0, ge=0, le=2**62), limit: int = Query(default=500, ge=1),
               who: Principal = Depends(principal), version: int = Depends(schema_version)) -> Response:
    # The work is server.pull_path.pull_answer's. A GET with a plain query is answered by its fast
    # path in the request middleware before FastAPI's router; this route documents the endpoint
    # (OpenAPI) and answers the rest, a query to refuse above all, with FastAPI's own validation.
    body, headers = await pull_answer(request.app.state, who, cursor, limit, version)
    answer = Response(body, media_type="application/json")
    answer.raw_headers = headers
    return answer


@proxy_router.get("/view", status_code=204, response_class=Response)
async def view(request: Request, who: Principal = Depends(principal)) -> Response:
    """Authorises a pull for a caching proxy (nginx `auth_request`): 204 with the caller's view in
    X-TD-View — role, department and scope, everything a page's content depends on besides cursor
    and limit — which the proxy puts in its cache key; 401/403 as for any request otherwise. Async:
    asked once per proxied pull, it does no I/O once the token is cached (no thread hand-off)."""
    return Response(status_code=204, headers={"X-TD-View": page_view(who)})


def page_view(who: Principal) -> str:
    return f"{who.role}:{who.department_code or ''}:{who.scope_prefix}"


SQLITE_CHUNK_FACTOR = 10  # a database image carries per-table overhead: fewer, larger chunks


def _chunk_lines(request: Request, who: Principal, after: tuple[str, str] | None,
                 chunk_size: int, form: str, version: int) -> Iterator[bytes]:
    app = request.app
    engine = app.state.engine
    info = {}
    if engine.dialect.name == "postgresql":
        # The cursor first, in a transaction of its own: every number up to it is committed before
        # the snapshot's transaction starts, so the snapshot holds them all (server.store.numbering);
        # read from the standby when it has replayed that far (server.replica).
        upper, lsn = primary_position(app.state.read_sessions)
        info[CURSOR_KEY] = upper
        engine = engine.execution_options(isolation_level="REPEATABLE READ")
        if standby_caught_up(app.state, lsn):
            standby = app.state.replica_sessions.kw["bind"].execution_options(isolation_level="REPEATABLE READ")
            sent = False
            try:
                for line in bounded_on_standby(_lines(standby, info, who, after, chunk_size, form, version)):
                    sent = True
                    yield line
                return
            except STANDBY_ERRORS as exc:  # the standby is left alone for a while (StandbyHealth)
                app.state.standby_health.failed(exc)
                if sent:  # the stream breaks: the client resumes after its last whole line, on the primary
                    raise
    yield from _lines(engine, info, who, after, chunk_size, form, version)


def _lines(engine, info: dict, who: Principal, after: tuple[str, str] | None,
           chunk_size: int, form: str, version: int) -> Iterator[bytes]:
    chunks = {"records": snapshot_chunks, "rows": snapshot_rows, "sqlite": snapshot_images}[form]
    with Session(engine, info=info) as session:
        total = snapshot_estimate(session, who) if after is None else 0
        for chunk in chunks(session, who, chunk_size, after, version):
            chunk.total, total = total, 0  # on the first line only
            image = chunk.image
            if form != "sqlite":
                yield json.dumps(chunk.to_json(), ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
            elif image is None:
                header = {"cursor": chunk.cursor, "bytes": 0, "last": chunk.last}
                yield json.dumps({**header, "total": chunk.total} if chunk.total else header).encode() + b"\n"
            else:
                header = {"cursor": chunk.cursor, "entity": image.entity, "columns": image.columns,
                          "count": image.count, "last_id": image.last_id, "bytes": len(image.data),
                          "last": chunk.last}
                if chunk.total:
                    header["total"] = chunk.total
                yield json.dumps(header, separators=(",", ":")).encode() + b"\n" + image.data
        session.rollback()


def _gzipped(lines: Iterator[bytes], level: int = 6) -> Iterator[bytes]:
    packer = zlib.compressobj(level, zlib.DEFLATED, 31)  # wbits 31: a gzip member
    for line in lines:
        # A sync flush per line: each finished chunk reaches the client whole at once, instead of its
        # tail waiting in the compressor for the next one (a resume starts after the last whole line).
        yield packer.compress(line) + packer.flush(zlib.Z_SYNC_FLUSH)
    yield packer.flush()


@router.get("/snapshot", response_class=StreamingResponse,
            responses={200: {"content": {"application/x-ndjson": {}}}})
def snapshot(request: Request, after: str | None = Query(default=None, max_length=80),
             chunk: int | None = Query(default=None, ge=1),
             format: str = Query(default="records", pattern="^(records|rows|sqlite)$"),  # noqa: A002 (the query name)
             who: Principal = Depends(principal), version: int = Depends(schema_version)) -> StreamingResponse:
    """The in-scope state; `after=entity:record_id` resumes a stream that broke off; `chunk` asks for
    fewer records per line than the server's setting (a slow link loses less when it breaks);
    `format` chooses per-field records or table rows (see the module docstring)."""
    try:
        position = parse_position(after)
    except ValueError:
        raise ApiError(422, "invalid_request", detail="after") from None
    size = settings_of(request).snapshot_chunk * (SQLITE_CHUNK_FACTOR if format == "sqlite" else 1)
    media = "application/octet-stream" if format == "sqlite" else "application/x-ndjson"
    lines = _chunk_lines(request, who, position, min(chunk or 10**9, size), format, version)
    if "gzip" in request.headers.get("accept-encoding", "").lower():
        # A client asking for small chunks is on a slow or untried link, where every byte saved
        # counts; one taking the server's full chunks has seen a fast link, where compressing harder
        # costs more time than the bytes it saves (level 1: ~half the CPU of 6, ~18 % more bytes).
        level = 6 if chunk else 1
        return StreamingResponse(_gzipped(lines, level), media_type=media,
                                 headers={"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})
    return StreamingResponse(lines, media_type=media)


@router.post("/bundle", response_class=Response,
             responses={200: {"content": {"application/json": {}}, "description": "签名的应答包"}},
             openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                 "schema": {"type": "object"}}}}})
async def relay_bundle(request: Request, who: Principal = Depends(principal)) -> Response:
    """A village device's signed outbox, relayed by an online PC of its township (the caller)."""
    data = await request.body()
    settings = settings_of(request)

    def work() -> bytes:
        with request.app.state.sessions() as session:
            return bundles.relay(session, settings, who, data)

    answer = await run_in_threadpool(work)
    return Response(answer, media_type="application/json")
