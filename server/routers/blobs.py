"""Attachment bytes over HTTP (server/blobs.py holds the rules): how much of a blob the server
holds, a chunk appended at an offset (resumable uploads), and the blob read from an offset
(resumable downloads). Every call checks the caller's scope through the attachment records."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from server.blobs import THUMB_MAX_BYTES, BlobRefused, BlobStore, blob_dir, blob_ref
from server.deps import Principal, db_session, principal
from server.errors import ApiError

router = APIRouter(tags=["attachments"])
SHA = r"^[0-9a-f]{64}$"


def _store(request: Request) -> BlobStore:
    return BlobStore(blob_dir(request.app.state.settings))


def _refused(exc: BlobRefused) -> ApiError:
    return ApiError(exc.status, exc.code, extra=dict(exc.params), **exc.params)


@router.get("/blobs/{sha}/status")
def blob_status(request: Request, sha: str, who: Principal = Depends(principal),
                session: Session = Depends(db_session)) -> dict:
    try:
        blob_ref(session, who, sha, write=False, max_bytes=request.app.state.settings.max_attachment_bytes)
    except BlobRefused as exc:
        raise _refused(exc) from None
    held, complete = _store(request).received(sha)
    return {"received": held, "complete": complete}


@router.put("/blobs/{sha}")
async def blob_chunk(request: Request, sha: str, offset: int = Query(ge=0), total: int = Query(ge=1),
                     who: Principal = Depends(principal), session: Session = Depends(db_session)) -> dict:
    settings = request.app.state.settings
    try:
        ref = blob_ref(session, who, sha, write=True, max_bytes=settings.max_attachment_bytes)
        if (total > THUMB_MAX_BYTES) if ref.thumb else (total != ref.size):
            raise BlobRefused(422, "blob_size", expected=ref.size)
        held, complete = _store(request).write(sha, offset, await request.body(), total)
    except BlobRefused as exc:
        raise _refused(exc) from None
    return {"received": held, "complete": complete}


@router.get("/blobs/{sha}")
def blob_read(request: Request, sha: str, offset: int = Query(default=0, ge=0),
              who: Principal = Depends(principal), session: Session = Depends(db_session)):
    store = _store(request)
    try:
        ref = blob_ref(session, who, sha, write=False, max_bytes=request.app.state.settings.max_attachment_bytes)
    except BlobRefused as exc:
        raise _refused(exc) from None
    held, complete = store.received(sha)
    if not complete:
        raise ApiError(404, "attachment_missing")
    return StreamingResponse(store.read(sha, offset), media_type=ref.mime,
                             headers={"Content-Length": str(max(0, held - offset))})
