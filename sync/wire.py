"""The wire format of a change (DESIGN.md "Sync protocol") and its validation against the models.

A `Change` carries only the fields it changed, as JSON values: dates as "YYYY-MM-DD", date-times
as ISO 8601 without zone (business times are naive Beijing time), JSON columns as they are. `base`
maps each field to the `server_seq` of the value the device last saw (0: never seen). Validation
turns anything malformed into a `WireError` with a machine code (`unknown_entity`, `unknown_field`,
`bad_type`, `bad_id`, `bad_op`, `too_long`, `derived_field`, `bad_change`, `bad_hlc`,
`schema_version`) and a readable Chinese message; it never touches a database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Integer, String, Text

from db.base import model_for_entity, push_only_entities, synced_columns
from sync.clock import Timestamp
from sync.versions import current_version

# This code's schema version: the highest `since` declared on a synced field or entity (sync.versions).
SCHEMA_VERSION = current_version()
OPS = ("upsert", "delete")
MAX_TEXT_CHARS = 20_000
MAX_JSON_BYTES = 64_000
# Pushed up, never served down (models declare it: `__sync_push_only__`).
PUSH_ONLY_ENTITIES = push_only_entities()


class WireError(ValueError):
    """A malformed change. `code` is for machines, `message` for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass
class Change:
    change_id: str
    device_id: str
    device_seq: int
    entity: str
    record_id: str
    op: str
    fields: dict[str, Any] = field(default_factory=dict)
    base: dict[str, int] = field(default_factory=dict)
    hlc: str = ""
    schema_version: int = SCHEMA_VERSION

    def to_json(self) -> dict[str, Any]:
        # not dataclasses.asdict: its deep copy of every value was a quarter of a 600-change push
        return {"change_id": self.change_id, "device_id": self.device_id, "device_seq": self.device_seq,
                "entity": self.entity, "record_id": self.record_id, "op": self.op, "fields": dict(self.fields),
                "base": dict(self.base), "hlc": self.hlc, "schema_version": self.schema_version}

    def payload_hash(self) -> str:
        """Hash of everything the sender decided (not the change id), to spot a reused id."""
        body = {k: v for k, v in self.to_json().items() if k != "change_id"}
        raw = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _column(cls: type, name: str):
    return cls.__table__.columns[name]


def encode_value(value: Any) -> Any:
    """A Python column value as a JSON value."""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _decode_date(value: Any) -> dt.date:
    if not isinstance(value, str):
        raise TypeError
    return dt.date.fromisoformat(value)


def _decode_datetime(value: Any) -> dt.datetime:
    if not isinstance(value, str):
        raise TypeError
    parsed = dt.datetime.fromisoformat(value)
    if parsed.tzinfo is not None:  # stored naive: business times are Beijing time by convention
        parsed = parsed.astimezone(dt.timezone(dt.timedelta(hours=8))).replace(tzinfo=None)
    return parsed


def _check_scalar(col_type, value: Any) -> Any:
    if isinstance(col_type, Boolean):
        if not isinstance(value, bool):
            raise TypeError
        return value
    if isinstance(col_type, Integer):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError
        return value
    if isinstance(col_type, Float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError
        return float(value)
    if isinstance(col_type, String | Text):
        if not isinstance(value, str):
            raise TypeError
        return value
    raise TypeError


def decode_value(cls: type, name: str, value: Any) -> Any:
    """A JSON value as the Python value for column `name` of `cls`; WireError when it does not fit."""
    col = _column(cls, name)
    if value is None:
        if not col.nullable:
            raise WireError("bad_type", f"字段 {name} 不能为空")
        return None
    col_type = col.type
    try:
        if isinstance(col_type, DateTime):
            return _decode_datetime(value)
        if isinstance(col_type, Date):
            return _decode_date(value)
        if isinstance(col_type, JSON):
            size = len(json.dumps(value, ensure_ascii=False).encode("utf-8"))
            if size > MAX_JSON_BYTES:
                raise WireError("too_long", f"字段 {name} 过大（{size} 字节）")
            return value
        checked = _check_scalar(col_type, value)
    except (TypeError, ValueError) as exc:
        if isinstance(exc, WireError):
            raise
        raise WireError("bad_type", f"字段 {name} 的值类型不对") from None
    limit = getattr(col_type, "length", None) or (MAX_TEXT_CHARS if isinstance(col_type, Text) else None)
    if isinstance(checked, str) and limit and len(checked) > limit:
        raise WireError("too_long", f"字段 {name} 超长（最多 {limit} 个字符）")
    return checked


def _check_uuid(value: Any, what: str) -> None:
    if not isinstance(value, str) or len(value) != 36:
        raise WireError("bad_id", f"{what} 不是有效的 UUID")
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        raise WireError("bad_id", f"{what} 不是有效的 UUID") from None
    if str(parsed) != value:
        raise WireError("bad_id", f"{what} 必须是小写标准格式的 UUID")


def _check_envelope(raw: dict[str, Any]) -> None:
    expected = {"change_id", "device_id", "device_seq", "entity", "record_id", "op", "fields", "base",
                "hlc", "schema_version"}
    if not isinstance(raw, dict):
        raise WireError("bad_change", "变更必须是 JSON 对象")
    missing = expected - raw.keys()
    extra = raw.keys() - expected
    if missing or extra:
        raise WireError("bad_change", f"变更字段不符：缺少 {sorted(missing)}，多余 {sorted(extra)}")
    version = raw["schema_version"]
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= current_version():
        raise WireError("schema_version", f"客户端数据版本 {version} 不受支持，请升级客户端")
    seq = raw["device_seq"]
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
        raise WireError("bad_change", "device_seq 必须是正整数")
    if raw["op"] not in OPS:
        raise WireError("bad_op", f"未知操作 {raw['op']!r}（只允许 upsert 或 delete）")
    if not isinstance(raw["fields"], dict) or not isinstance(raw["base"], dict):
        raise WireError("bad_change", "fields 和 base 必须是对象")
    try:
        Timestamp.parse(raw["hlc"] if isinstance(raw["hlc"], str) else "")
    except ValueError:
        raise WireError("bad_hlc", "hlc 时间戳格式不对") from None


def _check_fields(cls: type, entity: str, fields: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    allowed = set(synced_columns(cls))
    all_columns = {c.key for c in cls.__table__.columns}
    decoded = {}
    for name, value in fields.items():
        if name not in allowed:
            if name in all_columns and name != "id":
                raise WireError("derived_field", f"字段 {name} 由本地计算，不能同步")
            raise WireError("unknown_field", f"{entity} 没有字段 {name!r}")
        decoded[name] = decode_value(cls, name, value)
    for name, seq in base.items():
        if name not in allowed:
            raise WireError("unknown_field", f"base 中的字段 {name!r} 不属于 {entity}")
        if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
            raise WireError("bad_change", f"base 中字段 {name} 的序号必须是非负整数")
    return decoded


def parse_change(raw: dict[str, Any]) -> tuple[Change, dict[str, Any]]:
    """Validate a wire change; returns it and its fields decoded to Python values."""
    _check_envelope(raw)
    entity = raw["entity"]
    try:
        cls = model_for_entity(entity) if isinstance(entity, str) else None
    except KeyError:
        cls = None
    if cls is None:
        raise WireError("unknown_entity", f"未知的数据类型 {entity!r}")
    _check_uuid(raw["change_id"], "change_id")
    _check_uuid(raw["device_id"], "device_id")
    _check_uuid(raw["record_id"], "record_id")
    decoded = _check_fields(cls, entity, raw["fields"], raw["base"])
    if raw["op"] == "delete" and raw["fields"].get("deleted") is not True:
        raise WireError("bad_change", "delete 变更必须带 deleted: true")
    return Change(**raw), decoded


def record_fields(obj: Any) -> dict[str, Any]:
    """All synced fields of an ORM object as wire values."""
    cls = type(obj)
    return {name: encode_value(getattr(obj, name)) for name in synced_columns(cls)}
