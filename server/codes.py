"""City-wide code tables on the server: seeded from the shipped resources/codes/*.json with the
same stable ids clients use (uuid5 of table, code and scope, namespace shared with app/codes.py —
the server may not import app/, so the namespace is repeated here and a test keeps the two equal).
Seeding is reference data written with Core statements (then adopted by the sync store, and a
re-seeded entry gets a new server_seq so clients pull it); later edits by the city admin and local
additions by township admins arrive as ordinary sync changes."""

from __future__ import annotations

import json
import uuid

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from db.models import CodeEntry
from resources import code_labels_en, code_table_files
from server.adopt import bump_versions

CODE_NAMESPACE = uuid.UUID("0d7f6c2a-8b1e-4c55-9a3e-2f41b7e6c9d0")
_COMPARED = ("label_zh", "label_en", "parent_code", "attrs", "sort_order", "active")


def code_entry_id(table: str, code: str, scope_prefix: str = "") -> str:
    return str(uuid.uuid5(CODE_NAMESPACE, f"{table}\x1f{code}\x1f{scope_prefix}"))


def shipped_rows() -> list[dict]:
    rows = []
    english = code_labels_en()
    for path in code_table_files():
        for name, table in json.loads(path.read_text(encoding="utf-8"))["tables"].items():
            for i, entry in enumerate(table["entries"]):
                rows.append({
                    "id": code_entry_id(name, entry["code"]), "table": name, "code": entry["code"],
                    "label_zh": entry["label_zh"], "label_en": english.get(name, {}).get(entry["code"], ""),
                    "parent_code": entry.get("parent"),
                    "scope_prefix": "", "attrs": dict(entry.get("attrs", {})), "sort_order": i * 10,
                    "active": True, "deleted": False, "deletion_gen": 0})
    return rows


def table_names() -> dict[str, str]:
    """{table: its Chinese name} of the shipped code tables (事件分类 for case_category)."""
    return {name: table.get("label_zh") or name for path in code_table_files()
            for name, table in json.loads(path.read_text(encoding="utf-8"))["tables"].items()}


def seed_city_codes(session: Session) -> tuple[int, int]:
    """Insert missing city-wide entries and refresh changed ones; returns (inserted, updated)."""
    wanted = shipped_rows()
    existing = {row.id: row for row in session.execute(
        select(CodeEntry.id, *(getattr(CodeEntry, c) for c in _COMPARED)).where(CodeEntry.scope_prefix == ""))}
    new_rows = [r for r in wanted if r["id"] not in existing]
    changed = [r for r in wanted if r["id"] in existing
               and any(getattr(existing[r["id"]], c) != r[c] for c in _COMPARED)]
    if new_rows:
        session.execute(insert(CodeEntry), new_rows)
    for row in changed:
        session.execute(update(CodeEntry).where(CodeEntry.id == row["id"]).values(
            **{c: row[c] for c in _COMPARED}))
    bump_versions(session, "code_entry", [row["id"] for row in changed])
    return len(new_rows), len(changed)
