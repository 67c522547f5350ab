"""An independent model of what the server should hold and which review items it should raise,
fed with every change the server accepted, in server order. It only knows plain and status fields
of ordinary records (the ones that can conflict); it does not read the server's bookkeeping."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from db.base import model_for_entity
from sync.clock import clamp

LIFECYCLE = ("deleted", "deletion_gen")
TASK_RANK = {"10": 1, "20": 2, "30": 3, "40": 3}


@dataclass
class Version:
    value: Any
    seq: int
    device: str
    hlc: str


@dataclass
class Oracle:
    fields: dict[tuple[str, str, str], Version] = field(default_factory=dict)
    expected_reviews: set[tuple[str, str, str, str]] = field(default_factory=set)  # entity, id, field, change
    applied: dict[int, str] = field(default_factory=dict)  # server_seq -> change_id

    @staticmethod
    def _rank(entity: str, value: Any) -> int:
        return TASK_RANK.get(value, 0) if entity == "task_target" else int(value or 0)

    def _wins(self, entity: str, name: str, value: Any, hlc: str, current: Version) -> bool:
        if model_for_entity(entity).__table__.columns[name].info.get("sync") == "status":
            mine, theirs = self._rank(entity, value), self._rank(entity, current.value)
            if mine != theirs:
                return mine > theirs
        return hlc > current.hlc

    def accept(self, change: dict[str, Any], server_seq: int, server_now_ms: int) -> None:
        """One accepted change, in server_seq order."""
        if server_seq in self.applied:
            return
        self.applied[server_seq] = change["change_id"]
        entity = change["entity"]
        if getattr(model_for_entity(entity), "__sync_kind__", "record") != "record":
            return
        hlc = str(clamp(change["hlc"], server_now_ms).timestamp)
        for name, value in change["fields"].items():
            if name in LIFECYCLE:
                continue
            key = (entity, change["record_id"], name)
            current = self.fields.get(key)
            concurrent = (current is not None and current.seq > change["base"].get(name, 0)
                          and current.device != change["device_id"])
            if concurrent and value != current.value:
                self.expected_reviews.add((entity, change["record_id"], name, change["change_id"]))
            if not concurrent or self._wins(entity, name, value, hlc, current):
                self.fields[key] = Version(value, server_seq, change["device_id"], hlc)

    def value(self, entity: str, record_id: str, name: str) -> Any:
        return self.fields[(entity, record_id, name)].value
