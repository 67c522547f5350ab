"""Region reference data on the server: importing a statistical-code extract (CSV with columns
code,name,level,parent_code — the format of resources/regions — or a JSON list of such objects)
and answering tree questions (children of a code, the subtree under a scope prefix, the township a
code belongs to). Regions are not synced as changes; clients fetch the tree over the API."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Region

TOWNSHIP_LEVEL = 4


def read_region_file(path: str | Path) -> Iterator[dict]:
    path = Path(path)
    if path.suffix.lower() == ".json":
        rows: Iterable[dict] = json.loads(path.read_text(encoding="utf-8"))
    else:
        rows = csv.DictReader(path.open(encoding="utf-8-sig", newline=""))
    for row in rows:
        code = str(row["code"]).strip()
        if not code.isdigit() or len(code) not in (12, 15):
            raise ValueError(f"bad region code {code!r}")
        parent = str(row.get("parent_code") or "").strip() or None
        yield {"code": code, "name": str(row["name"]).strip(), "level": int(row["level"]),
               "parent_code": parent, "urban_rural": (row.get("urban_rural") or None)}


def import_regions(session: Session, rows: Iterable[dict]) -> tuple[int, int]:
    """Insert new regions and update changed names/levels/parents; returns (inserted, updated)."""
    inserted = updated = 0
    for row in rows:
        region = session.get(Region, row["code"])
        if region is None:
            session.add(Region(**row))
            inserted += 1
        elif (region.name, region.level, region.parent_code) != (row["name"], row["level"], row["parent_code"]):
            region.name, region.level, region.parent_code = row["name"], row["level"], row["parent_code"]
            updated += 1
    session.flush()
    return inserted, updated


def township_of(session: Session, region_code: str) -> Region | None:
    """The township (level 4) a village/township/grid code belongs to, if that region is known."""
    region = session.get(Region, region_code)
    while region is not None and region.level > TOWNSHIP_LEVEL:
        region = session.get(Region, region.parent_code) if region.parent_code else None
    if region is None or region.level != TOWNSHIP_LEVEL:
        return None
    return region


def as_dict(region: Region) -> dict:
    return {"code": region.code, "name": region.name, "level": region.level, "parent_code": region.parent_code}


def children(session: Session, parent_code: str | None) -> list[Region]:
    query = select(Region).order_by(Region.code)
    query = query.where(Region.parent_code == parent_code) if parent_code else query.where(
        Region.parent_code.is_(None))
    return list(session.scalars(query))


def subtree(session: Session, scope_prefix: str) -> list[Region]:
    """Every region whose code starts with the prefix, plus the chain of ancestors above it, so a
    client can show where its jurisdiction sits."""
    rows = list(session.scalars(select(Region).where(Region.code.startswith(scope_prefix)).order_by(Region.code)))
    known = {r.code for r in rows}
    ancestors: list[Region] = []
    for region in list(rows[:1]):
        parent = region.parent_code
        while parent and parent not in known:
            node = session.get(Region, parent)
            if node is None:
                break
            ancestors.append(node)
            known.add(node.code)
            parent = node.parent_code
    return sorted(ancestors, key=lambda r: r.level) + rows
