"""Code tables (docs/ARCHITECTURE.md "Glossary") kept as data: read from resources/codes/*.json, seeded into the
`code_entries` table with stable ids, and looked up through a `CodeBook` that shows a user the
city-wide entries plus the local additions of the township (or village) in their scope.

Ids are uuid5 of (table, code, scope_prefix), so the server and a client seeding the same files
make the same records and a second seed changes nothing. Seeding is reference data, not a user's
edit: it writes with Core statements. A township's local addition is an edit and goes through the
ORM session like any other change (so sync's change capture sees it)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from app.errors import UserFacingError
from db.models import CodeEntry
from resources import code_labels_en, code_table_files

CODE_NAMESPACE = uuid.UUID("0d7f6c2a-8b1e-4c55-9a3e-2f41b7e6c9d0")


class CodeTableError(UserFacingError):
    """A code-table request that cannot be met (unknown table, clash, bad scope)."""


@dataclass(frozen=True)
class CodeItem:
    """One entry of a code table as the rest of the app sees it."""

    table: str
    code: str
    label_zh: str
    parent_code: str | None = None
    attrs: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    scope_prefix: str = ""
    sort_order: int = 0
    active: bool = True
    label_en: str = ""

    @property
    def label(self) -> str:
        """The label in the interface language: English when the interface is English and the entry has an
        English label, Chinese otherwise (a township's local entry may have only a Chinese one)."""
        return self.label_en if _DISPLAY["english"] and self.label_en else self.label_zh


_DISPLAY = {"english": False}


def set_display_language(lang: str) -> None:
    """The interface language code labels are shown in (the desktop sets it from its language setting at
    start; printed forms keep their Chinese labels: `label_zh`, or a book loaded with `chinese=True`)."""
    _DISPLAY["english"] = lang.lower().startswith("en")


def code_entry_id(table: str, code: str, scope_prefix: str = "") -> str:
    """The stable record id of a code entry: equal on every machine that seeds the same entry."""
    return str(uuid.uuid5(CODE_NAMESPACE, f"{table}\x1f{code}\x1f{scope_prefix}"))


@lru_cache(maxsize=1)
def _resource_tables() -> dict[str, tuple[CodeItem, ...]]:
    tables: dict[str, tuple[CodeItem, ...]] = {}
    english = code_labels_en()
    for path in code_table_files():
        data = json.loads(path.read_text(encoding="utf-8"))
        for name, table in data["tables"].items():
            if name in tables:
                raise ValueError(f"code table {name} defined twice (second in {path.name})")
            labels_en = english.get(name, {})
            tables[name] = tuple(
                CodeItem(name, e["code"], e["label_zh"], e.get("parent"),
                         MappingProxyType(dict(e.get("attrs", {}))), "", i * 10, e.get("active", True),
                         labels_en.get(e["code"], ""))
                for i, e in enumerate(table["entries"])
            )
    return tables


def table_names() -> list[str]:
    return sorted(_resource_tables())


def resource_entries(table: str) -> tuple[CodeItem, ...]:
    """The shipped (city-wide default) entries of one table, without touching a database."""
    try:
        return _resource_tables()[table]
    except KeyError:
        raise CodeTableError("code_table_unknown", table=table) from None


def resource_label(table: str, code: str) -> str:
    for item in resource_entries(table):
        if item.code == code:
            return item.label_zh
    raise KeyError((table, code))


def _row_for(item: CodeItem) -> dict[str, Any]:
    return {
        "id": code_entry_id(item.table, item.code, item.scope_prefix),
        "table": item.table, "code": item.code, "label_zh": item.label_zh, "label_en": item.label_en,
        "parent_code": item.parent_code, "scope_prefix": item.scope_prefix,
        "attrs": dict(item.attrs), "sort_order": item.sort_order, "active": item.active,
        "deleted": False, "deletion_gen": 0,
    }


_COMPARED = ("label_zh", "label_en", "parent_code", "attrs", "sort_order")


def seed_code_entries(session: Session) -> tuple[int, int]:
    """Bring the city-wide entries in the database in line with the shipped files: insert missing
    ones, update changed labels/attrs. Returns (inserted, updated); a second call returns (0, 0).
    Local additions (scope_prefix != "") are never touched."""
    wanted = [_row_for(item) for items in _resource_tables().values() for item in items]
    existing = {
        row.id: row
        for row in session.execute(
            select(CodeEntry.id, *(getattr(CodeEntry, c) for c in _COMPARED))
            .where(CodeEntry.scope_prefix == "")
        )
    }
    new_rows = [row for row in wanted if row["id"] not in existing]
    changed = [
        row for row in wanted
        if row["id"] in existing
        and any(getattr(existing[row["id"]], c) != row[c] for c in _COMPARED)
    ]
    if new_rows:
        session.execute(insert(CodeEntry), new_rows)
    for row in changed:
        values = {c: row[c] for c in _COMPARED}
        session.execute(update(CodeEntry).where(CodeEntry.id == row["id"]).values(**values))
    return len(new_rows), len(changed)


def visible_to(entry_scope: str, user_scope: str) -> bool:
    """A city-wide entry ("") reaches everyone; a local one reaches users inside its region."""
    return user_scope.startswith(entry_scope)


class CodeBook:
    """The code tables as one user sees them: city-wide entries plus local additions of the
    regions enclosing the user's scope. Lookups are in memory; build one per session/scope."""

    def __init__(self, items: list[CodeItem]):
        self._by_table: dict[str, list[CodeItem]] = {}
        self._by_key: dict[tuple[str, str], CodeItem] = {}
        # Longer scope prefixes override shorter ones: a township may relabel a city code.
        for item in sorted(items, key=lambda i: (len(i.scope_prefix), i.table, i.sort_order)):
            self._by_key[(item.table, item.code)] = item
        for item in self._by_key.values():
            self._by_table.setdefault(item.table, []).append(item)
        for entries in self._by_table.values():
            entries.sort(key=lambda i: (i.sort_order, i.code))

    @classmethod
    def load(cls, session: Session, scope_prefix: str = "", *, chinese: bool = False) -> CodeBook:
        """`chinese`: labels in Chinese whatever the interface language (printed forms)."""
        rows = session.scalars(select(CodeEntry).where(CodeEntry.deleted.is_(False))).all()
        items = [
            CodeItem(r.table, r.code, r.label_zh, r.parent_code, MappingProxyType(dict(r.attrs or {})),
                     r.scope_prefix or "", r.sort_order or 0, bool(r.active), "" if chinese else r.label_en or "")
            for r in rows if visible_to(r.scope_prefix or "", scope_prefix)
        ]
        return cls(items)

    @classmethod
    def from_resources(cls) -> CodeBook:
        return cls([item for items in _resource_tables().values() for item in items])

    def entries(self, table: str, *, include_inactive: bool = False) -> list[CodeItem]:
        return [i for i in self._by_table.get(table, []) if include_inactive or i.active]

    def get(self, table: str, code: str) -> CodeItem | None:
        return self._by_key.get((table, code))

    def label(self, table: str, code: str | None, default: str = "") -> str:
        item = self._by_key.get((table, code or ""))
        return item.label if item else default

    def attr(self, table: str, code: str, name: str, default: Any = None) -> Any:
        item = self._by_key.get((table, code))
        return item.attrs.get(name, default) if item else default

    def children(self, table: str, parent_code: str) -> list[CodeItem]:
        return [i for i in self.entries(table) if i.parent_code == parent_code]


def add_local_entry(session: Session, *, table: str, code: str, label_zh: str, scope_prefix: str,
                    parent_code: str | None = None, attrs: dict | None = None) -> CodeItem:
    """A township's (or village's) own entry, e.g. a local case sub-category. It reaches only users
    whose scope lies inside `scope_prefix`. Added through the ORM so it is synced like any edit."""
    if table not in _resource_tables():
        raise CodeTableError("code_table_unknown", table=table)
    if not (scope_prefix.isdigit() and len(scope_prefix) in (6, 9, 12, 15)):
        raise CodeTableError("code_local_scope")
    if not code or not label_zh.strip():
        raise CodeTableError("required", label="代码和名称")
    if any(item.code == code for item in _resource_tables()[table]):
        raise CodeTableError("code_is_city_wide", entry=code)
    entry_id = code_entry_id(table, code, scope_prefix)
    if session.get(CodeEntry, entry_id) is not None:
        raise CodeTableError("code_local_exists", entry=code)
    entry = CodeEntry(id=entry_id, table=table, code=code, label_zh=label_zh.strip(), label_en="",
                      parent_code=parent_code, scope_prefix=scope_prefix, attrs=dict(attrs or {}),
                      sort_order=10_000, active=True)
    session.add(entry)
    session.flush()
    return CodeItem(table, code, entry.label_zh, parent_code, MappingProxyType(dict(entry.attrs)),
                    scope_prefix, entry.sort_order, True)
