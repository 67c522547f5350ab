"""The wire format of a change (docs/ARCHITECTURE.md "The sync contract") and its validation against the models.

A `Change` carries only the fields it changed, as JSON values: dates as "YYYY-MM-DD", date-times
as ISO 8601 without zone (business times are naive Beijing time), JSON columns as they are. `base`
maps each field to the `server_seq` of the value the device last saw (0: never seen). Validation
turns anything malformed into a `WireError` with a machine code (`unknown_entity`, `unknown_field`,
`bad_type`, `bad_id`, `bad_op`, `too_long`, `out_of_range`, `not_finite`, `bad_chars`, `bad_format`,
`derived_field`, `bad_change`, `bad_hlc`, `schema_version`), the field it is about and a readable
message (sync.messages); it never touches a database. Each value is checked against its field's one
declaration (db.fields): type, the database column's range and length, no NUL or lone surrogates,
finite numbers, JSON that any database stores, coded identifiers' formats. Record ids are UUIDv7
(or v5 where derived from content); the clock stamp's device part is the change's own device.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from db.base import column_keys, dated_column_names, model_for_entity, push_only_entities, synced_column_names
from db.fields import FieldProblem, check, id_versions, specs
from sync.clock import Timestamp
from sync.messages import change_message
from sync.versions import current_version

# This code's schema version: the highest `since` declared on a synced field or entity (sync.versions).
SCHEMA_VERSION = current_version()
OPS = ("upsert", "delete", "restore")  # restore: a record offered back to a restored server (sync/merge.py)
MAX_SEQ = 2**63 - 1  # device_seq and base sequence numbers: a BIGINT column
MAX_HLC_CHARS = 60  # the change log's hlc column; a device id is 36 characters
# Pushed up, never served down (models declare it: `__sync_push_only__`).
PUSH_ONLY_ENTITIES = push_only_entities()


class WireError(ValueError):
    """A malformed change. `code` is for machines, `message` for people (Chinese; the server
    answers in the request's language from `code`, `field` and `params`, see sync.messages)."""

    def __init__(self, code: str, message: str | None = None, *, field: str | None = None,
                 **params: Any) -> None:
        self.code = code
        self.field = field
        self.params = {"field": field, **params} if field else params
        self.message = message or change_message(code, "zh", **self.params) or code
        super().__init__(f"{code}: {self.message}")


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
        return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def encode_value(value: Any) -> Any:
    """A Python column value as a JSON value."""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def decode_value(cls: type, name: str, value: Any) -> Any:
    """A JSON value as the Python value for column `name` of `cls` (checked against the field's
    declaration, db.fields); WireError with the field's name when it does not fit."""
    try:
        return check(specs(cls)[name], value)
    except FieldProblem as problem:
        raise WireError(problem.code, field=name, **problem.params) from None


def _short(value: Any) -> str:
    """A value for a message: its repr, cut short (an unknown name may be anything a client sent)."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _check_uuid(value: Any, what: str, versions: tuple[int, ...] | None = None) -> None:
    if not isinstance(value, str) or len(value) != 36:
        raise WireError("bad_id", f"{what} 不是有效的 UUID", field=what)
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        raise WireError("bad_id", f"{what} 不是有效的 UUID", field=what) from None
    if str(parsed) != value:
        raise WireError("bad_id", f"{what} 必须是小写标准格式的 UUID", field=what)
    if versions is not None and (parsed.version not in versions or parsed.variant != uuid.RFC_4122):
        raise WireError("bad_id", field=what)


def _int_in(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _check_envelope(raw: dict[str, Any]) -> None:
    expected = {"change_id", "device_id", "device_seq", "entity", "record_id", "op", "fields", "base",
                "hlc", "schema_version"}
    if not isinstance(raw, dict):
        raise WireError("bad_change", "变更必须是 JSON 对象", detail="JSON")
    missing = expected - raw.keys()
    extra = raw.keys() - expected
    if missing or extra:
        detail = f"缺少 {sorted(missing)}，多余 {_short(sorted(extra))}"
        raise WireError("bad_change", f"变更字段不符：{detail}", detail=detail)
    version = raw["schema_version"]
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= current_version():
        raise WireError("schema_version", f"客户端数据版本 {_short(version)} 不受支持，请升级客户端")
    if not _int_in(raw["device_seq"], 1, MAX_SEQ):
        raise WireError("bad_change", "device_seq 必须是正整数", detail="device_seq")
    if raw["op"] not in OPS:
        raise WireError("bad_op", f"未知操作 {_short(raw['op'])}（只允许 upsert 或 delete）")
    if not isinstance(raw["fields"], dict) or not isinstance(raw["base"], dict):
        raise WireError("bad_change", "fields 和 base 必须是对象", detail="fields, base")
    hlc = raw["hlc"] if isinstance(raw["hlc"], str) and len(raw["hlc"]) <= MAX_HLC_CHARS else ""
    try:
        stamp = Timestamp.parse(hlc)
    except ValueError:
        raise WireError("bad_hlc", "hlc 时间戳格式不对", field="hlc") from None
    if stamp.device != raw["device_id"]:  # the tie-break of equal clocks must not be forgeable
        raise WireError("bad_hlc", "hlc 时间戳的设备部分不是本设备", field="hlc")


def _check_fields(cls: type, entity: str, fields: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    allowed = synced_column_names(cls)
    all_columns = column_keys(cls)
    decoded = {}
    for name, value in fields.items():
        if name not in allowed:
            if name in all_columns and name != "id":
                raise WireError("derived_field", field=name)
            raise WireError("unknown_field", field=_short(name), entity=entity)
        decoded[name] = decode_value(cls, name, value)
    for name, seq in base.items():
        if name not in allowed:
            raise WireError("unknown_field", f"base 中的字段 {_short(name)} 不属于 {entity}",
                            field=_short(name), entity=entity)
        if not _int_in(seq, 0, MAX_SEQ):
            raise WireError("bad_change", f"base 中字段 {name} 的序号必须是非负整数", detail=f"base.{name}")
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
        raise WireError("unknown_entity", entity=_short(entity))
    _check_uuid(raw["change_id"], "change_id")
    _check_uuid(raw["device_id"], "device_id")
    _check_uuid(raw["record_id"], "record_id", id_versions(cls))
    decoded = _check_fields(cls, entity, raw["fields"], raw["base"])
    if raw["op"] == "delete" and raw["fields"].get("deleted") is not True:
        raise WireError("bad_change", "delete 变更必须带 deleted: true", detail="deleted")
    return Change(**raw), decoded


def record_fields(obj: Any) -> dict[str, Any]:
    """All synced fields of an ORM object as wire values."""
    cls = type(obj)
    fields = {name: getattr(obj, name) for name in synced_column_names(cls)}
    for name in dated_column_names(cls):  # the only values whose wire form differs
        fields[name] = encode_value(fields[name])
    return fields
