"""Reference data and liveness: health, the region tree within the caller's scope, people's names
for the accounts within it, and the code tables (city-wide entries plus the caller's township's
local additions)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from db.models import CodeEntry, Region
from server import regions
from server.deps import Principal, db_session, principal
from server.errors import ApiError
from server.models import User
from server.scope import code_entry_visible, read_prefix
from sync.versions import current_version

router = APIRouter()


class RegionInfo(BaseModel):
    code: str
    name: str
    level: int
    parent_code: str | None


class PersonName(BaseModel):
    username: str
    display_name: str


class CodeInfo(BaseModel):
    table: str
    code: str
    label_zh: str
    label_en: str
    parent_code: str | None
    scope_prefix: str
    attrs: dict
    sort_order: int
    active: bool


@router.get("/health", tags=["service"])
def health(request: Request, session: Session = Depends(db_session)) -> dict:
    session.execute(text("SELECT 1"))
    lowest = request.app.state.settings.min_schema_version
    return {"status": "ok", "schema_version": current_version(),
            "accepted_schema_versions": list(range(lowest, current_version() + 1))}


@router.get("/regions", response_model=list[RegionInfo], tags=["reference"])
def region_tree(parent: str | None = Query(default=None, max_length=15, pattern=r"^\d{1,15}$"),
                who: Principal = Depends(principal), session: Session = Depends(db_session)) -> list[dict]:
    """Without `parent`: the caller's jurisdiction (its subtree and the chain above it). With
    `parent`: that region's children, if they lie within the caller's jurisdiction."""
    prefix = read_prefix(who) or ""
    if parent is None:
        return [regions.as_dict(r) for r in regions.subtree(session, prefix)]
    if session.get(Region, parent) is None:
        raise ApiError(404, "unknown_region", region=parent)
    return [regions.as_dict(r) for r in regions.children(session, parent) if r.code.startswith(prefix)]


@router.get("/people", response_model=list[PersonName], tags=["reference"])
def people(who: Principal = Depends(principal), session: Session = Depends(db_session)) -> list[dict]:
    """People's names for the accounts a client meets in its records (handlers, authors): active
    accounts whose scope lies within the caller's jurisdiction or above it, and department accounts
    (they act on tasks and cases everywhere). Names only: no roles, scopes or anything else."""
    prefix = read_prefix(who) or ""
    rows = session.execute(select(User.username, User.display_name, User.scope_prefix, User.role)
                           .where(User.active.is_(True)))
    return [{"username": u, "display_name": n or u} for u, n, scope, role in rows
            if role == "department" or (scope or "").startswith(prefix) or prefix.startswith(scope or "")]


@router.get("/codes", response_model=list[CodeInfo], tags=["reference"])
def code_tables(table: str | None = Query(default=None, max_length=30),
                who: Principal = Depends(principal), session: Session = Depends(db_session)) -> list[dict]:
    query = select(CodeEntry).where(CodeEntry.deleted.is_(False)).order_by(
        CodeEntry.table, CodeEntry.sort_order, CodeEntry.code)
    if table:
        query = query.where(CodeEntry.table == table)
    return [
        {c: getattr(e, c) for c in CodeInfo.model_fields}
        for e in session.scalars(query) if code_entry_visible(who, e.scope_prefix)
    ]
