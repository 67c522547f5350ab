"""The one declaration of every synced field: what a value may be, what it refers to, since when.

Each field of a synced model is a column; what its type and length do not say is declared once in
the column's `info` with `declare(...)`:
- `ref=Ref(...)`: the field holds the id of another synced record, which entity it may name and the
  scope rule the referenced record follows (`Ref.scope`: "write" — the writer must be allowed to
  write the referenced record by the same rule as the record itself; "read" — the writer must see
  it, e.g. a village reporting on a township task target assigned to it);
- `format=`: a coded identifier's format (FORMATS: 户编号, region and grid codes, enumerations);
- `since=`: the schema version that introduced the field (1 for the first version);
- `label=`: a short Chinese name for messages (and the form's field label);
- `limit=`: a text's longest length where it is shorter than the column's (a Text column's notes);
- `minimum=`: an integer's least value where it is above the column's (a generation counter: 0);
- `shape=`: a JSON value's top level, "object" or "list"; `keys=`: the type of known keys of an
  object (a code entry's `sensitivity` is an integer: readers compute with it); `items=`: the type of
  a list's items (an audit entry's record ids are strings);
- `codes=`: the code table (resources/codes, synced as code entries) holding the field's legal values;
- `sync=`: False for derived columns never sent on the wire, "status" for a workflow status.

`spec(entity, name)` / `specs(cls)` read the declaration back as a `FieldSpec`, with the limits the
database column imposes (string length, integer range), and `check(spec, value)` turns a wire value
into the Python value or raises `FieldProblem` with a machine code. The sync wire format, the
server's validation and reference scope all read this; nothing else restates a field's limits."""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, DateTime, Float, Integer, SmallInteger, String, Text

MAX_TEXT_CHARS = 20_000
MAX_JSON_BYTES = 64_000
MAX_JSON_DEPTH = 16
INT_RANGES = {SmallInteger: (-(2**15), 2**15 - 1), BigInteger: (-(2**63), 2**63 - 1),
              Integer: (-(2**31), 2**31 - 1)}  # the narrowest database's column (PostgreSQL) decides
# Coded identifiers: a regular expression the whole value must match, and what it is (for messages).
FORMATS: dict[str, tuple[re.Pattern, str]] = {
    "household_no": (re.compile(r"\d{18}"), "18 位数字（12 位区划 + 2 位组 + 4 位序号）"),
    "village": (re.compile(r"\d{12}"), "12 位村（社区）代码"),
    "region": (re.compile(r"(\d{6}|\d{9}|\d{12})?"), "6、9 或 12 位区划代码"),
    "grid": (re.compile(r"\d{15}"), "15 位网格代码"),
    "place": (re.compile(r"\d{12}(\d{3})?"), "12 位村（社区）或 15 位网格代码"),
    "subject_type": (re.compile(r"person|household"), "person 或 household"),
}
_BAD_CHARS = re.compile("[\x00\ud800-\udfff]")  # NUL and lone surrogates: no database stores them


@dataclass(frozen=True)
class Ref:
    """A reference to another synced record. `entities` are the entities it may name; with `by`, the
    field `by` of the same record says which (e.g. a tag's subject_type). `forward`: the id may name
    a record that arrives later (a household's head, created in the same flush after the household):
    an unknown id is then accepted, a known one must still follow the scope rule. `parent`: the
    record lives where the referenced record lives — its `region_code` must be the parent's (a
    visit's household, a log entry's case, a tag's subject), so a child never reaches a village its
    parent is not in."""

    entities: tuple[str, ...]
    scope: str = "write"  # "write" | "read"
    by: str | None = None
    forward: bool = False
    parent: bool = False

    def entity_for(self, fields: dict[str, Any]) -> str | None:
        if self.by is None:
            return self.entities[0]
        value = fields.get(self.by)
        return value if value in self.entities else None


def declare(*, ref: Ref | None = None, format: str | None = None, since: int = 1,  # noqa: A002
            label: str | None = None, sync: bool | str | None = None, limit: int | None = None,
            codes: str | None = None, minimum: int | None = None, shape: str | None = None,
            keys: dict[str, type] | None = None, items: type | None = None) -> dict[str, Any]:
    """The `info` of a column: its declaration (see the module docstring)."""
    info: dict[str, Any] = {"since": since}
    if shape is not None:
        info["shape"] = {"object": dict, "list": list}[shape]
    if keys is not None:
        info["keys"] = tuple(keys.items())
    if items is not None:
        info["items"] = items
    if limit is not None:
        info["limit"] = limit
    if minimum is not None:
        info["minimum"] = minimum
    if codes is not None:
        info["codes"] = codes
    if ref is not None:
        info["ref"] = ref
    if format is not None:
        if format not in FORMATS:
            raise ValueError(f"unknown format {format!r}")
        info["format"] = format
    if label is not None:
        info["label"] = label
    if sync is not None:
        info["sync"] = sync
    return info


def refers(*entities: str, scope: str = "write", by: str | None = None, forward: bool = False,
           parent: bool = False, since: int = 1) -> dict[str, Any]:
    """Shorthand: `info=refers("household")`."""
    return declare(ref=Ref(tuple(entities), scope, by, forward, parent), since=since)


@dataclass(frozen=True)
class FieldSpec:
    entity: str
    name: str
    kind: str  # bool | int | float | str | date | datetime | json
    nullable: bool
    max_length: int | None = None
    int_range: tuple[int, int] | None = None
    format: str | None = None
    ref: Ref | None = None
    since: int = 1
    label: str | None = None
    sync: bool | str = True
    codes: str | None = None
    shape: type | None = None  # dict or list: a JSON value's top level
    keys: tuple[tuple[str, type], ...] = ()  # known keys of a JSON object and their types
    items: type | None = None  # the type of a JSON list's items


class FieldProblem(ValueError):
    """A value that does not fit its field. `code` is the machine code; `params` fill the message."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def _kind_and_limits(col) -> tuple[str, int | None, tuple[int, int] | None]:
    t = col.type
    if isinstance(t, Boolean):
        return "bool", None, None
    if isinstance(t, Integer):
        for cls, bounds in INT_RANGES.items():
            if isinstance(t, cls):
                return "int", None, bounds
    if isinstance(t, Float):
        return "float", None, None
    if isinstance(t, DateTime):
        return "datetime", None, None
    if isinstance(t, Date):
        return "date", None, None
    if isinstance(t, JSON):
        return "json", MAX_JSON_BYTES, None
    if isinstance(t, Text):
        return "str", MAX_TEXT_CHARS, None
    if isinstance(t, String):
        return "str", t.length, None
    raise TypeError(f"no field kind for column {col}")


def _spec_of(entity: str, col) -> FieldSpec:
    kind, length, bounds = _kind_and_limits(col)
    info = col.info
    if info.get("limit") is not None:
        length = min(length or info["limit"], info["limit"])
    if info.get("minimum") is not None and bounds is not None:
        bounds = (max(bounds[0], info["minimum"]), bounds[1])
    return FieldSpec(entity, col.key, kind, bool(col.nullable), length, bounds, info.get("format"),
                     info.get("ref"), info.get("since", 1), info.get("label"), info.get("sync", True),
                     info.get("codes"), info.get("shape"), info.get("keys", ()),
                     info.get("items"))


@functools.cache
def specs(cls: type) -> dict[str, FieldSpec]:
    """Every column of a synced model (id included) as a FieldSpec, in column order."""
    entity = getattr(cls, "__sync_entity__", None) or cls.__table__.name
    return {col.key: _spec_of(entity, col) for col in cls.__table__.columns}


def spec(entity: str, name: str) -> FieldSpec:
    from db.base import model_for_entity

    return specs(model_for_entity(entity))[name]


def synced_since(cls: type, version: int) -> list[str]:
    """The wire fields of `cls` a client of schema `version` knows (declared `since` <= version): what
    the server may send it and what its pushes can change."""
    return [s.name for s in specs(cls).values() if s.name != "id" and s.sync is not False and s.since <= version]


def references(cls: type) -> list[FieldSpec]:
    """The fields of `cls` that name another synced record."""
    return [s for s in specs(cls).values() if s.ref is not None]


def id_versions(cls: type) -> tuple[int, ...]:
    """The UUID versions a record id of `cls` may have: UUIDv7 made offline, or also v5 for the
    entities whose id is derived from their content (`__sync_id_versions__`, e.g. a tag from
    subject and tag code, so two devices adding it make one record)."""
    return getattr(cls, "__sync_id_versions__", (7,))


def bad_characters(text: str) -> bool:
    return _BAD_CHARS.search(text) is not None


def _check_json(value: Any, depth: int = 0) -> None:
    if depth > MAX_JSON_DEPTH:
        raise FieldProblem("too_deep", limit=MAX_JSON_DEPTH)
    if isinstance(value, str):
        if bad_characters(value):
            raise FieldProblem("bad_chars")
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        if not -(2**63) <= value < 2**63:
            raise FieldProblem("out_of_range", min=-(2**63), max=2**63 - 1)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise FieldProblem("not_finite")
    elif isinstance(value, list):
        for item in value:
            _check_json(item, depth + 1)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_json(key, depth + 1)
            _check_json(item, depth + 1)
    else:
        raise FieldProblem("bad_type")


def _check_shape(s: FieldSpec, value: Any) -> None:
    """The declared top level of a JSON value, and the types of its known keys (bool is no int)."""
    if s.shape is not None and not isinstance(value, s.shape):
        raise FieldProblem("bad_type")
    for key, kind in s.keys:
        item = value.get(key) if isinstance(value, dict) else None
        if item is not None and not _is(item, kind):
            raise FieldProblem("bad_type")
    if s.items is not None and isinstance(value, list) and not all(_is(item, s.items) for item in value):
        raise FieldProblem("bad_type")


def _is(value: Any, kind: type) -> bool:
    return isinstance(value, kind) and not (kind is int and isinstance(value, bool))


def _check_str(s: FieldSpec, value: Any) -> str:
    if not isinstance(value, str):
        raise FieldProblem("bad_type")
    if bad_characters(value):
        raise FieldProblem("bad_chars")
    if s.max_length and len(value) > s.max_length:
        raise FieldProblem("too_long", limit=s.max_length)
    if s.format and value is not None and not FORMATS[s.format][0].fullmatch(value):
        raise FieldProblem("bad_format", format=s.format, rule=FORMATS[s.format][1])
    return value


def _check_datetime(value: Any) -> dt.datetime:
    if not isinstance(value, str) or len(value) > 40:
        raise FieldProblem("bad_type")
    parsed = dt.datetime.fromisoformat(value)
    if parsed.tzinfo is not None:  # stored naive: business times are Beijing time by convention
        parsed = parsed.astimezone(dt.timezone(dt.timedelta(hours=8))).replace(tzinfo=None)
    return parsed


def _check_number(s: FieldSpec, value: Any) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FieldProblem("bad_type")
    if s.kind == "int":
        if not isinstance(value, int):
            raise FieldProblem("bad_type")
        low, high = s.int_range or INT_RANGES[BigInteger]
        if not low <= value <= high:
            raise FieldProblem("out_of_range", min=low, max=high)
        return value
    if not math.isfinite(value):
        raise FieldProblem("not_finite")
    return float(value)


def check(s: FieldSpec, value: Any) -> Any:
    """The Python value of wire value `value` for field `s`; FieldProblem when it does not fit."""
    if value is None:
        if not s.nullable:
            raise FieldProblem("bad_type")  # a required field
        return None
    try:
        if s.kind == "str":
            return _check_str(s, value)
        if s.kind in ("int", "float"):
            return _check_number(s, value)
        if s.kind == "bool":
            if not isinstance(value, bool):
                raise FieldProblem("bad_type")
            return value
        if s.kind == "datetime":
            return _check_datetime(value)
        if s.kind == "date":
            if not isinstance(value, str) or len(value) > 10:
                raise FieldProblem("bad_type")
            return dt.date.fromisoformat(value)
        _check_json(value)
        _check_shape(s, value)
        size = len(json.dumps(value, ensure_ascii=False).encode("utf-8"))
        if size > MAX_JSON_BYTES:
            raise FieldProblem("too_long", limit=MAX_JSON_BYTES)
        return value
    except FieldProblem:
        raise
    except (TypeError, ValueError, OverflowError):
        raise FieldProblem("bad_type") from None
