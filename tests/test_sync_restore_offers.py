"""The merge rule for restore offers (op "restore", sync/merge.py): what a device offers back to a
server restored from a backup fills in only what the restored server holds from before the restored
point, ranks below every real edit and below an offer that saw the record later, and never raises a
review item; a real edit after an offer is not treated as concurrent with it."""

from __future__ import annotations

from sync.clock import Timestamp
from sync.merge import (
    RESTORE_OP,
    FieldVersion,
    RecordState,
    _concurrent,
    _decide_restore,
    is_restore_stamp,
    restore_stamp,
)
from sync.wire import Change

DEVICE, OTHER = "01930000-0000-7000-8000-00000000000a", "01930000-0000-7000-8000-00000000000b"
BASE = 100  # the restored database held changes up to 100


def _offer(fields: dict, seen: int, device: str = DEVICE) -> tuple[Change, FieldVersion]:
    stamp = restore_stamp(seen, device)
    change = Change("01930000-0000-7000-8000-0000000000c1", device, 9, "household",
                    "01930000-0000-7000-8000-0000000000d1", RESTORE_OP, fields, {}, stamp)
    return change, FieldVersion(0, stamp, device)


def test_a_restore_stamp_is_a_valid_clock_below_every_real_one_and_ordered_by_what_was_seen():
    stamp = restore_stamp(450, DEVICE)
    assert Timestamp.parse(stamp).device == DEVICE  # the server's check of the stamp's device holds
    real = str(Timestamp(1_765_000_000_000, 0, OTHER))
    assert is_restore_stamp(stamp) and not is_restore_stamp(real)
    assert stamp < real and restore_stamp(449, OTHER) < stamp < restore_stamp(451, OTHER)


def test_an_offer_recreates_a_lost_record_whole():
    change, mine = _offer({"notes": "村里新增", "region_code": "150422100201"}, seen=130)
    assert _decide_restore(change, None, mine, BASE).written == change.fields


def test_an_offer_fills_only_fields_untouched_since_the_restored_point():
    state = RecordState({"notes": "旧", "phone": "13800000000", "address": "一组"}, {
        "notes": FieldVersion(80, str(Timestamp(1_765_000_000_000, 0, OTHER)), OTHER),  # before the restore
        "phone": FieldVersion(104, str(Timestamp(1_765_000_500_000, 0, OTHER)), OTHER),  # a real edit after it
        "address": FieldVersion(103, restore_stamp(120, OTHER), OTHER),  # an offer that saw the record earlier
    })
    change, mine = _offer({"notes": "新", "phone": "13900000000", "address": "二组"}, seen=130)
    decision = _decide_restore(change, state, mine, BASE)
    assert decision.written == {"notes": "新", "address": "二组"} and decision.reviews == []
    stale, stale_mine = _offer({"address": "三组"}, seen=110)  # saw it before the offer already written
    assert _decide_restore(stale, state, stale_mine, BASE).written == {}


def test_deletion_only_moves_forward_in_an_offer():
    state = RecordState({"deleted": True, "deletion_gen": 2}, {})
    change, mine = _offer({"deleted": False, "deletion_gen": 1}, seen=130)
    assert _decide_restore(change, state, mine, BASE).written == {}
    change, mine = _offer({"deleted": False, "deletion_gen": 3}, seen=130)
    assert _decide_restore(change, state, mine, BASE).written == {"deleted": False, "deletion_gen": 3}


def test_a_real_edit_over_an_offered_value_is_not_a_conflict():
    edit = Change("01930000-0000-7000-8000-0000000000c2", OTHER, 3, "household",
                  "01930000-0000-7000-8000-0000000000d1", "upsert", {"notes": "作者的值"}, {"notes": 90},
                  str(Timestamp(1_765_000_000_000, 0, OTHER)))
    offered = FieldVersion(105, restore_stamp(130, DEVICE), DEVICE)
    real = FieldVersion(105, str(Timestamp(1_765_000_000_001, 0, DEVICE)), DEVICE)
    assert not _concurrent(edit, "notes", offered) and _concurrent(edit, "notes", real)
