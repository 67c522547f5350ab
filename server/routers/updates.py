"""The update channel for desktop clients: the newest signed build above a client's version, and the
build's bytes from any offset (a download cut on a weak link resumes where it stopped). Publishing is
the city administrator's CLI (`township-server publish-build`); the logic is in server/updates.py."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from server import updates
from server.deps import Principal, db_session, principal, settings_of
from server.errors import ApiError
from server.models import ClientBuild
from sync.release import PLATFORM_PATTERN, VERSION_PATTERN

router = APIRouter(prefix="/updates", tags=["updates"])


class BuildInfo(BaseModel):
    id: str
    version: str
    platform: str
    filename: str
    size: int
    sha256: str
    signature: str
    notes: str


class LatestBuild(BaseModel):
    build: BuildInfo | None


@router.get("/latest", response_model=LatestBuild)
def latest_build(platform: str = Query(max_length=40, pattern=PLATFORM_PATTERN.pattern),
                 version: str = Query(max_length=20, pattern=VERSION_PATTERN.pattern),
                 _who: Principal = Depends(principal), session: Session = Depends(db_session)) -> dict:
    build = updates.latest(session, platform, version)
    if build is None:
        return {"build": None}
    return {"build": {name: getattr(build, name) for name in BuildInfo.model_fields}}


@router.get("/{build_id}/file", response_class=StreamingResponse)
def build_file(build_id: str, request: Request, offset: int = Query(default=0, ge=0),
               _who: Principal = Depends(principal), session: Session = Depends(db_session)) -> StreamingResponse:
    build = session.get(ClientBuild, build_id)
    if build is None or build.withdrawn:
        raise ApiError(404, "not_found")
    if offset > build.size:
        raise ApiError(400, "invalid_request", detail="offset")
    settings = settings_of(request)
    return StreamingResponse(updates.read_from(settings, build, offset), media_type="application/octet-stream",
                             # a build is an archive already: "identity" keeps the gzip middleware off it
                             headers={"Content-Length": str(build.size - offset), "Content-Encoding": "identity",
                                      "X-Build-Sha256": build.sha256})
