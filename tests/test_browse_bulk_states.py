"""The badges of an export's 20,000-row page (`sync_states` reading the outbox and the marks whole)
are the badges the list's 200-row pages get (binding the ids): 被退回 over 冲突待审 over 待上传,
a duplicate's partner marked too, accepted outbox rows and records without any left out."""

from __future__ import annotations

import datetime as dt
import uuid

from app.client.browse import BULK_STATES, sync_states
from db.client import OpenReview, OutboxChange


def test_bulk_and_paged_badges_agree(session):
    ids = [str(uuid.UUID(int=n)) for n in range(BULK_STATES + 500)]
    at = dt.datetime(2026, 12, 6, 8, 0)
    outbox = [(ids[1], "pending"), (ids[2], "rejected"), (ids[2], "pending"), (ids[3], "accepted"),
              (ids[4], "pending"), (ids[2400], "rejected"), ("not-in-page", "pending")]
    session.add_all(OutboxChange(device_seq=n, change_id=str(uuid.uuid4()), entity="person", record_id=record,
                                 op="update", fields={}, base={}, hlc=f"{n:020d}", schema_version=1,
                                 created_at=at, state=state) for n, (record, state) in enumerate(outbox, start=1))
    session.add_all([OpenReview(id="r1", kind="conflict", entity="person", record_id=ids[4]),
                     OpenReview(id="r2", kind="duplicate", entity="person", record_id="elsewhere",
                                related_record_id=ids[5]),
                     OpenReview(id="r3", kind="conflict", entity="person", record_id=ids[2])])
    session.commit()
    bulk = sync_states(session, ids)
    paged = {}
    for start in range(0, len(ids), 200):
        paged.update(sync_states(session, ids[start:start + 200]))
    assert bulk == paged == {ids[1]: "pending", ids[2]: "rejected", ids[4]: "conflict", ids[5]: "conflict",
                             ids[2400]: "rejected"}
