"""The sync cycle (app/sync_service.py) against the real server store in process (server.store.inprocess):
convergence of two offline devices, events, offline/revoked/upgrade answers, background and
periodic runs, a resumable first sync, rejected changes (fix + resubmit, audited discard) and
evictions."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from app.errors import UserFacingError
from app.services.context import Actor
from app.sync_service import (
    DeviceLocked,
    OutboxReview,
    SyncFailed,
    SyncFinished,
    SyncProgress,
    SyncService,
    SyncStarted,
)
from db.client import OutboxChange, SyncState
from db.models import AuditEntry, Household
from server.store import snapshot_iter
from sync.transport import RESUMABLE_SNAPSHOT, DeviceRevoked, Offline, UpgradeNeeded
from tests.sim.world import TOWNSHIP, VILLAGES, make_device, server_engine, store_transport


@pytest.fixture
def server(tmp_path):
    engine = server_engine(tmp_path / "server.db")
    yield sessionmaker(engine)
    engine.dispose()


class Wrapped:
    """A transport around the store transport that can fail on demand and resume snapshots."""

    def __init__(self, inner, fail: Exception | None = None) -> None:
        self.inner = inner
        self.fail = fail
        self.calls: list[str] = []
        self.snapshot_fail_after: int | None = None
        self.chunk_size = 2000

    def _check(self, name: str) -> None:
        self.calls.append(name)
        if self.fail:
            raise self.fail

    def push(self, changes):
        self._check("push")
        return self.inner.push(changes)

    def pull(self, cursor, limit):
        self._check("pull")
        return self.inner.pull(cursor, limit)

    def _chunks(self, after):
        with self.inner.server_factory() as session:
            for chunk in snapshot_iter(session, self.inner.scope_prefix, chunk_size=self.chunk_size):
                if after is not None:
                    chunk.records = [r for r in chunk.records if _position(r) > _position_of(after)]
                yield chunk

    capabilities = frozenset({RESUMABLE_SNAPSHOT})

    def snapshot(self, after=None):
        self._check("snapshot")
        for i, chunk in enumerate(self._chunks(after)):
            if self.snapshot_fail_after is not None and i == self.snapshot_fail_after:
                raise Offline("offline")
            self.calls.append(f"chunk:{len(chunk.records)}")
            yield chunk

    def close(self):
        pass


def _position(record):
    from db.models import SYNC_ORDER

    return SYNC_ORDER.index(record.entity), record.record_id


def _position_of(after):
    from db.models import SYNC_ORDER

    return SYNC_ORDER.index(after[0]), after[1]


def _device(tmp_path, server, name, scope=TOWNSHIP):
    make = store_transport(server, scope=scope)
    device = make_device(tmp_path / f"{name}.db", make)
    transport = Wrapped(device.client.transport)
    service = SyncService(device.engine, device.factory, device.device_id, lambda: transport)
    events: list = []
    service.subscribe(events.append)
    return device, service, transport, events


def _add_household(device, village=VILLAGES[0], notes="") -> str:
    with device.factory.begin() as s:
        h = Household(household_no=village + "010001", region_code=village, notes=notes)
        s.add(h)
        s.flush()
        return h.id


def _notes(device, hid):
    with device.factory() as s:
        h = s.get(Household, hid)
        return None if h is None else h.notes


def test_two_offline_devices_converge(tmp_path, server):
    a, sa, _, events = _device(tmp_path, server, "a")
    b, sb, _, _ = _device(tmp_path, server, "b")
    ha = _add_household(a, notes="甲")
    hb = _add_household(b, VILLAGES[1], notes="乙")
    done = sa.sync_now()
    assert done.pushed == 1
    sb.sync_now()
    sa.sync_now()
    assert _notes(a, hb) == "乙" and _notes(b, ha) == "甲"
    assert sa.pending_count() == sb.pending_count() == 0
    assert isinstance(events[0], SyncStarted) and isinstance(events[-1], SyncFinished)
    assert any(isinstance(e, SyncProgress) and e.phase == "push" for e in events)


def test_last_sync_time_is_recorded_for_the_status_bar(tmp_path, server):
    a, sa, _, _ = _device(tmp_path, server, "a")
    sa.sync_now()
    with a.factory() as s:
        assert s.get(SyncState, "last_sync_at") is not None


def test_offline_is_reported_and_edits_stay(tmp_path, server):
    a, sa, transport, events = _device(tmp_path, server, "a")
    _add_household(a)
    transport.fail = Offline("offline")
    with pytest.raises(UserFacingError) as info:
        sa.sync_now()
    assert info.value.code == "server_unreachable"
    assert isinstance(events[-1], SyncFailed) and events[-1].offline and "无法连接" in events[-1].reason
    assert sa.online is False and sa.pending_count() == 1
    transport.fail = None
    sa.sync_now()
    assert sa.online is True and sa.pending_count() == 0


def test_revoked_device_locks_for_good(tmp_path, server):
    a, sa, transport, events = _device(tmp_path, server, "a")
    transport.fail = DeviceRevoked("device_revoked", "停用", 403)
    with pytest.raises(DeviceLocked):
        sa.sync_now()
    assert sa.is_locked() and not sa.wipe_requested()
    transport.fail = None
    calls = len(transport.calls)
    with pytest.raises(DeviceLocked) as info:
        sa.sync_now()
    assert len(transport.calls) == calls  # the server is not even asked
    assert "停用" in info.value.message()
    assert isinstance(events[-1], SyncFailed) and events[-1].code == "device_revoked"


def test_upgrade_needed_says_so(tmp_path, server):
    a, sa, transport, _ = _device(tmp_path, server, "a")
    transport.fail = UpgradeNeeded("upgrade_required", "", 426)
    with pytest.raises(UserFacingError) as info:
        sa.sync_now()
    assert info.value.code == "upgrade_needed" and "升级" in info.value.message()


def test_background_run_returns_at_once(tmp_path, server):
    a, sa, transport, events = _device(tmp_path, server, "a")
    gate = threading.Event()
    original = transport.push

    def slow_push(changes):
        gate.wait(5)
        return original(changes)

    transport.push = slow_push
    _add_household(a)
    started = time.perf_counter()
    thread = sa.run_in_background()
    assert time.perf_counter() - started < 0.5
    with pytest.raises(UserFacingError) as info:  # one cycle at a time
        sa.sync_now()
    assert info.value.code == "sync_running"
    gate.set()
    thread.join(5)
    assert isinstance(events[-1], SyncFinished) and events[-1].pushed == 1


def test_periodic_sync_runs_until_stopped(tmp_path, server):
    a, sa, _, events = _device(tmp_path, server, "a")
    sa.start_periodic(0.05)
    deadline = time.time() + 5
    while sum(isinstance(e, SyncFinished) for e in events) < 2 and time.time() < deadline:
        time.sleep(0.02)
    sa.stop()
    finished = sum(isinstance(e, SyncFinished) for e in events)
    assert finished >= 2
    time.sleep(0.15)
    assert sum(isinstance(e, SyncFinished) for e in events) == finished


def test_interrupted_first_sync_resumes_after_finished_chunks(tmp_path, server):
    a, sa, _, _ = _device(tmp_path, server, "a")
    ids = [_add_household(a, notes=str(i)) for i in range(5)]
    sa.sync_now()
    b, sb, tb, _ = _device(tmp_path, server, "b")
    tb.chunk_size = 2
    tb.snapshot_fail_after = 2  # two chunks arrive, then the line drops
    with pytest.raises(UserFacingError):
        sb.sync_now()
    with b.factory() as s:
        assert s.get(SyncState, "cursor") is None  # not caught up: no cursor yet
        assert len(s.scalars(select(Household)).all()) == 4
    tb.snapshot_fail_after = None
    tb.calls.clear()
    sb.sync_now()
    chunks = [c for c in tb.calls if c.startswith("chunk:")]
    assert sum(int(c.split(":")[1]) for c in chunks) == 1  # only the record not yet loaded
    assert all(_notes(b, hid) == _notes(a, hid) for hid in ids)


def test_rejected_change_fix_and_resubmit(tmp_path, server):
    a, sa, _, _ = _device(tmp_path, server, "a", scope=VILLAGES[0])
    hid = _add_household(a, VILLAGES[1])  # outside this user's village: the server refuses it
    finished = sa.sync_now()
    assert finished.rejected == 1
    review = OutboxReview(a.factory, Actor("zhang", "village_cadre", VILLAGES[0], a.device_id))
    [rejected] = review.rejected_changes()
    assert rejected.record_id == hid and rejected.message
    assert review.record_state("household", hid).status == "rejected"
    with a.factory.begin() as s:  # the user fixes the record ...
        h = s.get(Household, hid)
        h.region_code, h.household_no = VILLAGES[0], VILLAGES[0] + "010002"
    new_seq = review.resubmit(rejected.device_seq)  # ... and resubmits
    assert new_seq > rejected.device_seq
    assert review.record_state("household", hid).status == "pending"
    sa.sync_now()
    assert review.record_state("household", hid).status == "synced"
    with server() as s:
        assert s.get(Household, hid).region_code == VILLAGES[0]


def test_discard_is_audited_and_pushed(tmp_path, server):
    a, sa, _, _ = _device(tmp_path, server, "a", scope=VILLAGES[0])
    hid = _add_household(a, VILLAGES[1])
    sa.sync_now()
    review = OutboxReview(a.factory, Actor("zhang", "village_cadre", VILLAGES[0], a.device_id))
    [rejected] = review.rejected_changes()
    review.discard(rejected.device_seq, "录错了")
    assert review.rejected_changes() == []
    with a.factory() as s:
        [entry] = s.scalars(select(AuditEntry)).all()
        assert entry.action == "discard" and entry.record_ids == [hid] and "录错了" in entry.reason
        assert s.scalars(select(OutboxChange).where(OutboxChange.entity == "audit_entry")).all()
    with pytest.raises(UserFacingError):
        review.discard(rejected.device_seq)
    sa.sync_now()
    with server() as s:
        assert s.scalars(select(AuditEntry).where(AuditEntry.action == "discard")).all()


def test_eviction_removes_local_copy(tmp_path, server):
    a, sa, _, _ = _device(tmp_path, server, "a")  # township-wide
    v, sv, _, _ = _device(tmp_path, server, "v", scope=VILLAGES[0])
    hid = _add_household(a)
    sa.sync_now()
    sv.sync_now()
    assert _notes(v, hid) == ""
    with a.factory.begin() as s:  # the household moves to another village
        h = s.get(Household, hid)
        h.region_code, h.household_no = VILLAGES[1], VILLAGES[1] + "010001"
    sa.sync_now()
    finished = sv.sync_now()
    assert finished.evicted == 1 and _notes(v, hid) is None


def test_revocation_with_remote_wipe_removes_local_data_and_secrets(tmp_path, server):
    a, _, transport, _ = _device(tmp_path, server, "a")
    forgotten = []
    service = SyncService(a.engine, a.factory, a.device_id, lambda: transport,
                          forget_secrets=lambda: forgotten.append(True))
    _add_household(a, notes="个人信息")
    service.sync_now()
    _add_household(a, notes="未同步")
    transport.fail = DeviceRevoked("device_revoked", "停用", 403, details={"wipe": True})
    with pytest.raises(DeviceLocked):
        service.sync_now()
    assert service.is_locked() and service.wipe_requested() and forgotten == [True]
    with a.factory() as s:
        assert s.scalars(select(Household)).all() == []
        assert s.scalars(select(OutboxChange)).all() == []
    a.engine.dispose()
    assert b"\xe4\xb8\xaa\xe4\xba\xba" not in (tmp_path / "a.db").read_bytes()  # 个人 is gone from the file


def test_an_unexpected_failure_still_ends_with_a_failed_event(tmp_path, server):
    a, sa, transport, events = _device(tmp_path, server, "a")
    _add_household(a)

    def broken(changes):
        raise RuntimeError("bug")

    transport.push = broken
    with pytest.raises(RuntimeError):
        sa.sync_now()
    assert isinstance(events[-1], SyncFailed) and events[-1].code == "sync_internal_error"
    assert sa.pending_count() == 1


def test_a_batch_too_big_for_the_server_is_split(tmp_path, server):
    from sync.transport import ServerError

    a, sa, transport, _ = _device(tmp_path, server, "a")
    for i in range(6):
        _add_household(a, notes=str(i))
    original, sizes = transport.push, []

    def limited(changes):
        sizes.append(len(changes))
        if len(changes) > 2:
            raise ServerError("batch_too_large", "一次最多提交 2 条变更。", 413)
        return original(changes)

    transport.push = limited
    assert sa.sync_now().pushed == 6
    assert sizes[:3] == [6, 3, 1] and sa.pending_count() == 0  # halved until the server takes it
