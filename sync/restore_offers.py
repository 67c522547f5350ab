"""Offering back, after the city server was restored from a backup, the records this device
received after the restored point: the server may hold them older, or not at all, and the device
that wrote them may never sync again. Each becomes an outbox change with op "restore" carrying the
record's whole state as held here, stamped with the sequence number it was seen at
(sync/merge.py `restore_stamp`): the server fills in with it only what is older than the restored
point and never lets it beat a real edit, so offers from several devices and the authors' own
re-offered changes settle on the newest state without review items.

Records whose newest version here is this device's own accepted change are not offered: that change
is offered again itself (sync/client.py `server_restored`)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from db.base import synced_models
from db.client import OutboxChange, RecordSeen
from db.ids import new_id
from sync.capture import OUTBOX_TOUCHED, read_state, write_state
from sync.merge import RESTORE_OP, restore_stamp
from sync.wire import SCHEMA_VERSION, record_fields

BATCH = 500


def offer_received(session: Session, device_id: str, base: int) -> int:
    """Queue restore offers for every record seen above `base` (in the caller's transaction), parents
    before children; returns how many."""
    seen = session.execute(select(RecordSeen.entity, RecordSeen.record_id, RecordSeen.seq)
                           .where(RecordSeen.seq > base)).all()
    own = set(session.execute(select(OutboxChange.entity, OutboxChange.record_id, OutboxChange.server_seq)
                              .where(OutboxChange.server_seq > base)).all())
    wanted: dict[str, dict[str, int]] = defaultdict(dict)
    for entity, record_id, seq in seen:
        if (entity, record_id, seq) not in own:
            wanted[entity][record_id] = seq
    device_seq = int(read_state(session, "device_seq") or 0)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rows = []
    for cls in synced_models():  # declared parents first, so a child never arrives before its parent
        entity = cls.__sync_entity__
        ids = sorted(wanted.get(entity, ()))
        for start in range(0, len(ids), BATCH):
            for obj in session.scalars(select(cls).where(cls.id.in_(ids[start:start + BATCH]))):
                device_seq += 1
                rows.append({"device_seq": device_seq, "change_id": new_id(), "entity": entity,
                             "record_id": obj.id, "op": RESTORE_OP, "fields": record_fields(obj), "base": {},
                             "hlc": restore_stamp(wanted[entity][obj.id], device_id),
                             "schema_version": SCHEMA_VERSION, "created_at": now, "state": "pending"})
    if rows:
        session.execute(insert(OutboxChange), rows)
        write_state(session, "device_seq", str(device_seq))
        session.info[OUTBOX_TOUCHED] = True
    return len(rows)
