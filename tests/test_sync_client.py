"""The client side against an in-process store: round trips, pending edits protected from pulls,
acknowledgements and rejections, stale pages, atomic page apply, evictions and snapshots."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from db.client import OutboxChange, RecordSeen
from db.models import Household, Visit
from server.store import Page
from server.store.inprocess import StoreTransport
from sync.capture import read_state
from sync.merge import ChangeResult
from sync.transport import Offline
from tests.sim.world import TOWNSHIP, VILLAGES, make_device, server_engine, store_transport

V1, V2 = VILLAGES[:2]


@pytest.fixture
def server(tmp_path):
    engine = server_engine(tmp_path / "server.db")
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


@pytest.fixture
def devices(tmp_path, server):
    made = []

    def make(scope=TOWNSHIP, transport_for=None):
        device = make_device(tmp_path / f"client{len(made)}.db", transport_for or store_transport(server, scope))
        made.append(device)
        return device

    yield make
    for device in made:
        device.dispose()


def new_household(device, region=V1, notes="") -> str:
    with device.factory() as s:
        h = Household(household_no=region + "010001", region_code=region, notes=notes)
        s.add(h)
        s.commit()
        return h.id


def notes_of(device, hid):
    with device.factory() as s:
        row = s.get(Household, hid)
        return row.notes if row else None


def outbox(device):
    with device.factory() as s:
        return list(s.scalars(select(OutboxChange).where(OutboxChange.state != "accepted")))  # kept ones aside


def test_an_edit_travels_to_another_device_and_the_outbox_empties(devices):
    a, b = devices(), devices()
    hid = new_household(a, notes="甲")
    a.client.sync()
    b.client.sync()
    assert notes_of(b, hid) == "甲" and outbox(a) == [] and outbox(b) == []
    with b.factory() as s:
        assert s.get(RecordSeen, ("household", hid)).seq == 1


def test_a_pull_never_overwrites_a_pending_local_edit(devices):
    a, b = devices(), devices()
    hid = new_household(a)
    a.client.sync()
    b.client.sync()
    with b.factory() as s:
        s.get(Household, hid).notes = "乙的本地修改"
        s.commit()
    with a.factory() as s:
        row = s.get(Household, hid)
        row.notes, row.address = "甲的修改", "甲的地址"
        s.commit()
    a.client.sync()
    b.client.pull()  # without pushing first: the pending field is kept, the others arrive
    with b.factory() as s:
        row = s.get(Household, hid)
        assert (row.notes, row.address) == ("乙的本地修改", "甲的地址")
    b.client.sync()
    a.client.sync()
    assert notes_of(a, hid) == notes_of(b, hid)


class LosingAnswers(StoreTransport):
    """The server commits the push, then the answer is lost on the way back."""

    def push(self, changes):
        super().push(changes)
        raise Offline("offline", "answer lost")


def test_an_outbox_row_stays_until_its_acknowledgement_is_stored(devices, server):
    flaky = devices(transport_for=lambda dev: LosingAnswers(server, dev, "u", TOWNSHIP))
    new_household(flaky)
    with pytest.raises(Offline):
        flaky.client.push()
    assert len(outbox(flaky)) == 1
    flaky.client.transport = StoreTransport(server, flaky.device_id, "u", TOWNSHIP)
    assert flaky.client.push() == (1, 0, 0) and outbox(flaky) == []  # (accepted, conflicts, rejected)


def test_rejected_changes_stay_visible_with_the_reason(devices):
    village = devices(scope=V1)
    new_household(village, region=V2)
    village.client.push()
    [row] = outbox(village)
    assert (row.state, row.reject_code) == ("rejected", "forbidden_scope") and row.reject_message
    assert village.client.push_batch() == []


def test_stale_or_repeated_pages_are_ignored(devices):
    a = devices()
    new_household(a)
    a.client.sync()
    assert a.client.cursor() == 1
    assert a.client.apply_page(Page(0, 1, False, [], [])) is False


def test_a_page_and_its_cursor_are_applied_together_or_not_at_all(devices, monkeypatch):
    a, b = devices(), devices()
    hid = new_household(a)
    a.client.sync()
    import sync.client as client_module

    def crash(*_args):
        raise RuntimeError("killed before the cursor was saved")

    monkeypatch.setattr(client_module, "write_state", crash)
    with pytest.raises(RuntimeError):
        b.client.pull()
    monkeypatch.undo()
    assert notes_of(b, hid) is None and b.client.cursor() == 0
    b.client.pull()
    assert notes_of(b, hid) == ""


def test_evictions_wait_for_pending_changes_of_the_record(devices):
    township, village = devices(), devices(scope=V1)
    hid = new_household(township)
    township.client.sync()
    village.client.sync()
    with village.factory() as s:
        s.add(Visit(household_id=hid, region_code=V1, visited_on=__import__("datetime").date(2026, 1, 5),
                    visitor="村干部"))
        s.get(Household, hid).notes = "走访过"
        s.commit()
    with township.factory() as s:
        s.get(Household, hid).region_code = V2
        s.commit()
    township.client.sync()
    village.client.pull()
    assert notes_of(village, hid) == "走访过"  # kept: its edit is still pending
    with village.factory() as s:
        assert read_state(s, "evictions")
    village.client.sync()  # the edit is pushed (refused: now outside the village), then evicted
    assert notes_of(village, hid) is None


def test_a_snapshot_loads_the_scope_and_sets_the_cursor(devices):
    a = devices()
    ids = [new_household(a, region=region) for region in (V1, V2, V1)]
    a.client.sync()
    fresh = devices(scope=V1)
    assert fresh.client.load_snapshot() == 2
    assert fresh.client.cursor() == 3
    assert [notes_of(fresh, hid) for hid in ids] == ["", None, ""]
    assert outbox(fresh) == []


def test_results_and_pages_round_trip_through_json():
    result = ChangeResult("c", "rejected", code="device_seq_gap", message="m", expected_seq=4)
    assert ChangeResult.from_json(result.to_json()) == result
    page = Page(3, 9, True, [], [("household", "x")])
    assert Page.from_json(page.to_json()) == page
