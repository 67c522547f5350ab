"""Tombstone collection against a real city server process: deleted records go once every active
device has pulled past their deletion (`township-server gc-tombstones`); a PC away longer than the
window is answered "cursor too old", pushes its waiting edit first, then starts over from a fresh
snapshot — it no longer holds the collected record, and its edit is on the server."""

from __future__ import annotations

import datetime as dt

import requests
from sqlalchemy import select, update

from db.models import Household
from server.store.tables import DeviceSyncState
from tests.server.live import free_port, live_server, server_cli
from tests.test_restore_drill import TOWNSHIP, Device


def _server_cli(database_url: str, *argv: str) -> str:
    code, out = server_cli(database_url, *argv)
    assert code == 0, out
    return out


def test_a_pc_away_too_long_starts_over_without_losing_its_edit(tmp_path):
    url = f"sqlite:///{tmp_path / 'city.db'}"
    with live_server(url, tmp_path, port=free_port(), TD_PULL_NOTE_SECONDS="0") as server:
        user = server.add_user("township_staff", TOWNSHIP)
        office, laptop = Device(tmp_path / "office.db", server.url, user), Device(tmp_path / "laptop.db", server.url, user)
        gone, kept = office.add(1, "将被删除"), office.add(2, "留下")
        office.sync.sync_now()
        laptop.sync.sync_now()
        with office.sessions.begin() as s:
            s.get(Household, gone).deleted = True
        office.sync.sync_now()
        office.sync.sync_now()  # has pulled past its own deletion
        laptop.edit(kept, "离线很久后修改")  # the laptop stays away for months
        with server.session() as s:
            s.execute(update(DeviceSyncState).where(DeviceSyncState.device_id == laptop.enrolment.device_id())
                      .values(pulled_at=dt.datetime(2026, 1, 5)))
            s.commit()
        dry = _server_cli(url, "gc-tombstones", "--dry-run")
        assert "可清理" in dry and "household 1 条" in dry
        with server.session() as s:
            assert s.get(Household, gone) is not None  # a dry run changes nothing
        done = _server_cli(url, "gc-tombstones")
        assert "已清理" in done and "household 1 条" in done
        with server.session() as s:
            assert s.get(Household, gone) is None
        token = laptop.enrolment.token()
        old = requests.get(server.url + "/api/v1/sync/pull", params={"cursor": 1},
                           headers={"Authorization": f"Bearer {token}", "X-Schema-Version": "1"}, timeout=10)
        assert old.status_code == 410 and old.json()["error"]["code"] == "cursor_too_old"
        assert "太久没有同步" in old.json()["error"]["message"]
        result = laptop.sync.sync_now()
        assert result.pushed == 1 and laptop.sync.pending_count() == 0
        assert laptop.households() == {kept: "离线很久后修改"}
        with server.session() as s:
            assert s.scalar(select(Household.notes).where(Household.id == kept)) == "离线很久后修改"
        office.sync.sync_now()  # an active PC pulls on as before (its own tombstone stays here)
        assert office.households() == {gone: "将被删除", kept: "离线很久后修改"}
        with office.sessions() as s:
            assert s.get(Household, gone).deleted
        for device in (office, laptop):
            device.engine.dispose()
