"""Merge rules and the server store, driven with wire changes straight into `push` (SQLite file):
per-field last-writer-wins with review, status ranks, tombstones, tags, append-only children,
duplicate ID numbers, idempotency, device sequences, clock clamping, scope, pull and snapshot."""

from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import sessionmaker

from db.base import Base
from db.ids import new_id, tag_assignment_id
from db.models import Case, Household, Person, TagAssignment
from server.store import init_store, pull, push, snapshot_iter
from server.store.tables import DeviceSyncState, ReviewItem, ServerBase
from sync.wire import SCHEMA_VERSION
from tests.server.numbers import household_no
from tests.sim.world import server_engine

NOW = 1_800_000_000_000
V1, V2 = "320508019001", "320508019002"


PG_URL = os.environ.get("TD_TEST_PG_URL")


_pg_ready: list[bool] = []


def fresh_pg_engine():
    """The PostgreSQL store, emptied: tables made once per run, then truncated per test."""
    engine = create_engine(PG_URL, pool_size=8)
    if not _pg_ready:
        for metadata in (ServerBase.metadata, Base.metadata):
            metadata.drop_all(engine)
        Base.metadata.create_all(engine)
        ServerBase.metadata.create_all(engine)
        _pg_ready.append(True)
    names = ", ".join(t.name for m in (Base.metadata, ServerBase.metadata) for t in m.sorted_tables)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {names}")
        conn.exec_driver_sql("ALTER SEQUENCE sync_seq RESTART")  # numbers from 1 again (server.store.numbering)
    with sessionmaker(engine)() as session:
        init_store(session)
        session.commit()
    return engine


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def server(request, tmp_path):
    if request.param == "postgres":
        if not PG_URL:
            pytest.skip("TD_TEST_PG_URL not set")
        engine = fresh_pg_engine()
    else:
        engine = server_engine(tmp_path / "server.db")
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


class Dev:
    """A fake device: numbers its changes and stamps them with its own (fake) clock."""

    def __init__(self, server, offset_ms: int = 0, scope: str = "320508019") -> None:
        self.id = new_id()
        self.seq = 0
        self.server = server
        self.ms = NOW + offset_ms
        self.scope = scope

    def change(self, entity, record_id, fields, base=None, op="upsert", seq=None):
        self.seq = seq or self.seq + 1
        self.ms += 1
        return {"change_id": new_id(), "device_id": self.id, "device_seq": self.seq, "entity": entity,
                "record_id": record_id, "op": op, "fields": fields,
                "base": {k: (base or {}).get(k, 0) for k in fields},
                "hlc": f"{self.ms:013d}-00000-{self.id}", "schema_version": SCHEMA_VERSION}

    def push(self, *changes):
        with self.server() as s:
            results = push(s, self.id, "user-" + self.id[-4:], list(changes), NOW,
                           may_write=lambda _e, region: region.startswith(self.scope))
            s.commit()
        return results


def household(**extra):
    # a number of its own: two live households of a village with one number go to review (decision 0041)
    return {"household_no": household_no("3" * 12), "region_code": V1, "notes": "", "deleted": False, "deletion_gen": 0,
            **extra}


def reviews(server, kind=None):
    with server() as s:
        q = select(ReviewItem).order_by(ReviewItem.created_at)
        return [r for r in s.scalars(q) if kind is None or r.kind == kind]


def load(server, cls, record_id):
    with server() as s:
        return s.get(cls, record_id)


def test_concurrent_edits_keep_the_later_hlc_and_a_review_with_both_values(server):
    a, b = Dev(server), Dev(server, offset_ms=50)
    hid = new_id()
    [created] = a.push(a.change("household", hid, household()))
    base = {"notes": created.server_seq}
    first = a.push(a.change("household", hid, {"notes": "甲的备注"}, base))[0]
    second = b.push(b.change("household", hid, {"notes": "乙的备注"}, base))[0]  # did not see a's edit
    assert first.outcome == "accepted" and second.outcome == "merged_with_conflict"
    assert load(server, Household, hid).notes == "乙的备注"  # b's HLC is later
    [item] = reviews(server)
    assert (item.kind, item.field, item.winner_value, item.loser_value) == ("conflict", "notes", "乙的备注", "甲的备注")
    assert item.winner_device == b.id and item.loser_device == a.id and item.loser_hlc < item.winner_hlc
    # An edit that saw the latest value is not concurrent; nor is the same value twice.
    assert a.push(a.change("household", hid, {"notes": "定稿"}, {"notes": second.server_seq}))[0].outcome == "accepted"
    assert b.push(b.change("household", hid, {"notes": "定稿"}, base))[0].outcome == "accepted"
    assert len(reviews(server)) == 1


def test_a_late_arriving_older_edit_loses_but_is_kept_in_review(server):
    a, b = Dev(server, offset_ms=100), Dev(server)
    hid = new_id()
    seq = a.push(a.change("household", hid, household()))[0].server_seq
    a.push(a.change("household", hid, {"address": "新地址"}, {"address": seq}))
    late = b.push(b.change("household", hid, {"address": "旧地址"}, {"address": seq}))[0]
    assert late.outcome == "merged_with_conflict"
    assert load(server, Household, hid).address == "新地址"
    assert reviews(server)[0].loser_value == "旧地址"


def case_fields(status=10):
    return {"case_no": "C1", "source": "1", "request_type": "3", "category_code": "A1", "title": "噪音",
            "registered_at": "2026-03-01T09:00:00", "region_code": V1, "status": status, "deleted": False,
            "deletion_gen": 0}


def test_status_keeps_the_further_state_and_a_stale_return_goes_to_review(server):
    a, b = Dev(server), Dev(server, offset_ms=500)
    cid = new_id()
    seq = a.push(a.change("case", cid, case_fields(30)))[0].server_seq
    a.push(a.change("case", cid, {"status": 50}, {"status": seq}))
    # b, who still saw 30, moves it to 40 with a later clock: the further state (50) stays.
    assert b.push(b.change("case", cid, {"status": 40}, {"status": seq}))[0].outcome == "merged_with_conflict"
    assert load(server, Case, cid).status == 50
    # b returns it (45 退单 → 20) without having seen 50: not applied, reviewed.
    b.push(b.change("case", cid, {"status": 20}, {"status": seq}))
    assert load(server, Case, cid).status == 50
    assert {r.kind for r in reviews(server)} == {"status_conflict"}
    # a return based on the current status applies.
    with server() as s:
        current = pull(s, "", 0).records[-1].seq
    assert a.push(a.change("case", cid, {"status": 20}, {"status": current}))[0].outcome == "accepted"
    assert load(server, Case, cid).status == 20


def test_delete_racing_an_update_converges_and_is_reviewed_in_either_order(server):
    finals = []
    for order in ("delete_first", "update_first"):
        a, b = Dev(server), Dev(server)
        hid = new_id()
        seq = a.push(a.change("household", hid, household()))[0].server_seq
        delete = a.change("household", hid, {"deleted": True, "deletion_gen": 0}, {"deleted": seq}, op="delete")
        edit = b.change("household", hid, {"notes": "还在"}, {"notes": seq})
        if order == "delete_first":
            a.push(delete), b.push(edit)
        else:
            b.push(edit), a.push(delete)
        row = load(server, Household, hid)
        finals.append((row.deleted, row.notes))
    assert finals == [(True, "还在"), (True, "还在")]
    assert [r.kind for r in reviews(server)] == ["delete_conflict", "delete_conflict"]


def test_restore_beats_a_stale_delete_and_double_deletes_are_one(server):
    a, b = Dev(server), Dev(server)
    hid = new_id()
    a.push(a.change("household", hid, household()))
    a.push(a.change("household", hid, {"deleted": True, "deletion_gen": 0}, op="delete"))
    assert b.push(b.change("household", hid, {"deleted": True, "deletion_gen": 0}, op="delete"))[0].outcome \
        == "accepted"
    a.push(a.change("household", hid, {"deleted": False, "deletion_gen": 1}))
    b.push(b.change("household", hid, {"deleted": True, "deletion_gen": 0}, op="delete"))  # stale
    row = load(server, Household, hid)
    assert (row.deleted, row.deletion_gen) == (False, 1)
    assert [r.kind for r in reviews(server)] == ["delete_conflict"]


def test_tags_merge_as_a_set_without_reviews(server):
    a, b = Dev(server), Dev(server, offset_ms=10)
    pid = new_id()
    tid = tag_assignment_id(pid, "DB")
    tag = {"subject_type": "person", "subject_id": pid, "tag_code": "DB", "region_code": V1,
           "deleted": False, "deletion_gen": 0}
    a.push(a.change("tag_assignment", tid, tag))
    assert b.push(b.change("tag_assignment", tid, tag))[0].outcome == "accepted"  # the same add twice
    a.push(a.change("tag_assignment", tid, {"deleted": True, "deletion_gen": 0}, op="delete"))
    b.push(b.change("tag_assignment", tid, {"deleted": False, "deletion_gen": 1}))  # re-add after its own remove
    assert load(server, TagAssignment, tid).deleted is False
    assert reviews(server) == []


def test_append_only_entries_insert_once_and_refuse_updates(server):
    a = Dev(server)
    hid, vid = new_id(), new_id()
    a.push(a.change("household", hid, household()))
    visit = {"household_id": hid, "region_code": V1, "visited_on": "2026-02-01", "visitor": "张", "kind": "1",
             "findings": "", "follow_up": "", "deleted": False, "deletion_gen": 0}
    assert a.push(a.change("visit", vid, visit))[0].outcome == "accepted"
    assert a.push(a.change("visit", vid, visit))[0].outcome == "accepted"  # same entry: a no-op
    refused = a.push(a.change("visit", vid, {"findings": "改写"}))[0]
    assert (refused.outcome, refused.code) == ("rejected", "append_only")


def test_second_person_with_the_same_id_number_is_accepted_and_flagged_once(server):
    a, b = Dev(server), Dev(server)
    person = {"region_code": V1, "name": "张三", "id_type": "01", "id_number": "11010519491231002X",
              "deleted": False, "deletion_gen": 0}
    first, second = new_id(), new_id()
    a.push(a.change("person", first, person))
    assert b.push(b.change("person", second, {**person, "name": "张叁"}))[0].outcome == "merged_with_conflict"
    b.push(b.change("person", second, {"notes": "同一人？"}))
    [item] = reviews(server, "duplicate_id")
    assert {item.record_id, item.related_record_id} == {first, second}
    # the reviewer merges: the loser becomes a tombstone pointing at the survivor, an ordinary change
    merge = b.push(b.change("person", second, {"deleted": True, "deletion_gen": 0, "merged_into": first},
                            op="delete"))[0]
    assert merge.outcome == "accepted" and load(server, Person, second).merged_into == first


def test_retries_get_the_same_answer_and_reused_ids_are_refused(server):
    a = Dev(server)
    hid = new_id()
    change = a.change("household", hid, household())
    first = a.push(change)[0]
    assert a.push(change)[0] == first
    reused = a.push({**change, "fields": {**change["fields"], "notes": "别的内容"}})[0]
    assert (reused.outcome, reused.code) == ("rejected", "change_id_reused")


def test_device_sequence_gaps_name_the_expected_sequence(server):
    a = Dev(server)
    a.push(a.change("household", new_id(), household()))
    gap = a.push(a.change("household", new_id(), household(), seq=5))[0]
    assert (gap.code, gap.expected_seq) == ("device_seq_gap", 2)
    assert a.push(a.change("household", new_id(), household(), seq=2))[0].outcome == "accepted"


def test_a_clock_days_ahead_is_clamped_and_the_device_flagged(server):
    fast, honest = Dev(server, offset_ms=3 * 86_400_000), Dev(server, offset_ms=1000)
    hid = new_id()
    seq = honest.push(honest.change("household", hid, household()))[0].server_seq
    fast.push(fast.change("household", hid, {"notes": "快钟"}, {"notes": seq}))
    honest.push(honest.change("household", hid, {"notes": "正常"}, {"notes": seq}))
    assert load(server, Household, hid).notes == "正常"  # the fast clock did not win by days
    with server() as s:
        assert s.get(DeviceSyncState, fast.id).clock_flagged_at is not None
        assert s.get(DeviceSyncState, honest.id).clock_flagged_at is None


def test_scope_parents_wrong_device_and_invalid_changes_are_rejected_with_codes(server):
    a = Dev(server, scope=V1)
    outside = a.push(a.change("household", new_id(), household(region_code=V2)))[0]
    assert outside.code == "forbidden_scope"
    orphan = {"household_id": new_id(), "region_code": V1, "visited_on": "2026-02-01", "visitor": "张",
              "deleted": False, "deletion_gen": 0}
    assert a.push(a.change("visit", new_id(), orphan))[0].code == "missing_parent"
    other = Dev(server)
    assert a.push(other.change("household", new_id(), household()))[0].code == "wrong_device"
    bad = a.push(a.change("household", new_id(), {"colour": "red"}))[0]
    assert bad.code == "unknown_field"
    assert a.push(a.change("household", new_id(), {"notes": "只有备注"}))[0].code == "missing_fields"
    # every rejection consumed its sequence number: the next change is not a gap
    assert a.push(a.change("household", new_id(), household()))[0].outcome == "accepted"


def test_pull_filters_by_scope_pages_and_evicts_records_that_moved_out(server):
    a = Dev(server)
    ids = [new_id() for _ in range(5)]
    for i, hid in enumerate(ids):
        a.push(a.change("household", hid, household(region_code=V1 if i < 3 else V2)))
    with server() as s:
        page = pull(s, V1, 0, limit=2)
        assert page.has_more and [r.record_id for r in page.records] == ids[:2]
        rest = pull(s, V1, page.next_cursor, limit=2)
        assert not rest.has_more and [r.record_id for r in rest.records] == ids[2:3]
        cursor = rest.next_cursor
    a.push(a.change("household", ids[0], {"region_code": V2}, {"region_code": 1}))
    with server() as s:
        moved = pull(s, V1, cursor)
        assert moved.records == [] and moved.evictions == [("household", ids[0])]
        arrived = pull(s, V2, cursor)
        assert [r.record_id for r in arrived.records] == [ids[0]] and arrived.records[0].fields["notes"] == ""
        township = pull(s, "320508019", cursor)
        assert township.evictions == [] and len(township.records) == 1


def test_snapshot_streams_the_scope_in_chunks_with_one_cursor(server):
    a = Dev(server)
    for i in range(7):
        a.push(a.change("household", new_id(), household(region_code=V1 if i % 2 else V2)))
    with server() as s:
        chunks = list(snapshot_iter(s, V2, chunk_size=2))
    assert [len(c.records) for c in chunks] == [2, 2, 0] and chunks[-1].last
    assert {c.cursor for c in chunks} == {7}
    assert all(r.fields["region_code"] == V2 for c in chunks for r in c.records)


def test_concurrent_pushes_never_make_a_puller_skip_a_change(server):
    """Writers push in parallel while a reader pulls small pages: every record must reach the
    reader, i.e. the cursor never passes a sequence number that commits later."""
    writers = [Dev(server) for _ in range(3)]
    created: set[str] = set()
    received: dict[str, int] = {}
    done = threading.Event()

    def write(dev):
        for _ in range(15):
            hid = new_id()
            created.add(hid)
            dev.push(dev.change("household", hid, household()))

    def read():
        cursor = 0
        while True:
            finished = done.is_set()
            with server() as s:
                page = pull(s, "", cursor, limit=4)
            received.update((r.record_id, r.seq) for r in page.records)
            cursor = page.next_cursor
            if finished and not page.has_more:
                return

    reader = threading.Thread(target=read)
    reader.start()
    threads = [threading.Thread(target=write, args=(d,)) for d in writers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    reader.join()
    assert set(received) == created
