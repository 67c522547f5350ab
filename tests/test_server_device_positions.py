"""The device's sequence position (sync_device_state.last_device_seq) after every kind of push, on
SQLite and PostgreSQL: on PostgreSQL the numbering statement writes it (server.store.push
`_device_positions`), unless the row has another change (a flagged clock), then the flush does.
Review of 61d947f: accepted, rejected-only, flagged clock, a new device, several pushes numbered
once in one transaction."""

from __future__ import annotations

from db.ids import new_id
from server.store import push
from server.store.push import SqlMergeStore
from server.store.tables import DeviceSyncState
from tests.test_sync_merge import NOW, Dev, household, server  # noqa: F401 (the fixture)

DAY_MS = 86_400_000


def _position(server, dev) -> tuple[int, object, object]:  # noqa: F811
    with server() as s:
        state = s.get(DeviceSyncState, dev.id)
        return state.last_device_seq, state.last_push_at, state.clock_flagged_at


def test_the_device_position_is_written_once_by_every_kind_of_push(server):  # noqa: F811
    a = Dev(server)
    hid = new_id()
    first = a.push(a.change("household", hid, household()), a.change("household", hid, {"notes": "一"}))
    assert [r.outcome for r in first] == ["accepted", "accepted"]
    assert _position(server, a)[0] == 2  # a new device
    [refused] = a.push(a.change("household", hid, {"no_such_field": 1}))
    assert refused.outcome == "rejected"
    seq, pushed_at, _ = _position(server, a)
    assert seq == 3 and pushed_at is not None  # a push with nothing accepted (no numbers taken)
    [again] = a.push(a.change("household", hid, {"notes": "二"}, {"notes": first[1].server_seq}))
    assert again.outcome == "accepted" and _position(server, a)[0] == 4
    # a clock days ahead: the row has another change, the flush writes it all
    fast = Dev(server, offset_ms=3 * DAY_MS)
    fast.seq = 0
    [flagged] = fast.push(fast.change("household", new_id(), household()))
    assert flagged.outcome == "accepted"
    seq, _, flagged_at = _position(server, fast)
    assert seq == 1 and flagged_at is not None
    # several pushes in one transaction, numbered once
    with server() as s:
        for notes in ("三", "四"):
            push(s, a.id, "user", [a.change("household", hid, {"notes": notes}, {"notes": again.server_seq})], NOW,
                 may_write=lambda _e, region: region.startswith(a.scope), finish=False)
        SqlMergeStore.of(s).finish()
        s.commit()
    assert _position(server, a)[0] == 6
    # and the next push starts from there: a retry of 6 is a duplicate, 7 is taken
    [next_one] = a.push(a.change("household", hid, {"notes": "五"}, {"notes": again.server_seq}))
    assert next_one.outcome in ("accepted", "merged_with_conflict") and _position(server, a)[0] == 7
