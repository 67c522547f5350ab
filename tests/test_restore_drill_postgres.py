"""The restore drill on a real PostgreSQL with WAL archiving, as docs/OPERATIONS.md tells a city to run
it: base backup, more work, point-in-time recovery to a moment between, and the city server on the
restored database. The restore is noticed without anyone telling the server (PostgreSQL's timeline
changed): a new epoch whose base is the last change the restored database holds, so devices re-offer
what came after; the work before the chosen moment is there, the work after it is not."""

from __future__ import annotations

import shutil
import time

import pytest
import requests

from db.ids import new_id
from tests import pg_cluster
from tests.server.live import free_port, live_server, server_cli

pytestmark = pytest.mark.skipif(not pg_cluster.available(), reason="needs PostgreSQL binaries and root")
VILLAGE = "150422100201"


def _identity(server) -> tuple[str, str, int]:
    answer = requests.get(server.api + "/health", timeout=10)
    return answer.headers["X-Installation-Id"], answer.headers["X-Server-Epoch"], int(answer.headers["X-Epoch-Base"])


def _households(client, numbers: range) -> list[str]:
    ids = [new_id() for _ in numbers]
    changes = [client.change("household", rid, {"household_no": f"{VILLAGE}{n:06d}", "region_code": VILLAGE,
                                                 "address": "幸福路"}) for rid, n in zip(ids, numbers, strict=True)]
    answer = client.push(changes)
    assert answer.status_code == 200 and all(r["outcome"] == "accepted" for r in answer.json()["results"]), answer.text
    return ids


def _held(server, client, ids: list[str]) -> set[str]:
    cursor, seen = 0, set()
    while True:
        page = client.pull(cursor, 500).json()
        seen |= {r["record_id"] for r in page["records"] if r["entity"] == "household"}
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return seen & set(ids)


def test_point_in_time_recovery_starts_a_new_epoch_by_itself(tmp_path):
    root, archive, backups = (pg_cluster.scratch_dir(p) for p in ("td-pg-", "td-wal-", "td-base-"))
    try:
        primary = pg_cluster.PgCluster.create(root, archive=archive)
        primary.start()
        primary.execute("CREATE DATABASE citydb")
        with live_server(primary.url("citydb"), tmp_path) as server:
            installation, epoch, _ = _identity(server)
            staff = server.user_client("township_staff", "150422100")
            before_backup = _households(staff, range(1, 4))
            primary.base_backup(backups / "nightly")
            before_moment = _households(staff, range(4, 6))
            primary.switch_wal()
            moment = primary.execute("SELECT to_char(clock_timestamp(), 'YYYY-MM-DD HH24:MI:SS.US TZH')")[0][0]
            time.sleep(1.2)
            after_moment = _households(staff, range(6, 8))
            with server.session() as s:
                from server.identity import held_head

                head_before_restore = held_head(s)
            primary.switch_wal()
        checked = server_cli(primary.url("citydb"), "backup-check", "--archive", str(archive))
        assert checked[0] == 0 and "archive_mode = on" in checked[1] and "最近基础备份" in checked[1], checked
        primary.stop()
        restored = pg_cluster.PgCluster.restore(backups / "nightly", root, archive, target_time=moment)
        try:
            (tmp_path / "after").mkdir()
            with live_server(restored.url("citydb"), tmp_path / "after") as server:
                again, new_epoch, base = _identity(server)
                assert again == installation and new_epoch != epoch, "the restore went unnoticed"
                staff = server.login(staff_username(server, staff))
                held = _held(server, staff, before_backup + before_moment + after_moment)
                assert held == set(before_backup + before_moment)
                assert 0 < base < head_before_restore
        finally:
            restored.stop("immediate")
    finally:
        for path in (root, archive, backups):
            shutil.rmtree(path, ignore_errors=True)


def staff_username(server, client) -> str:
    """The username behind a test client (its device was enrolled before the restore)."""
    from sqlalchemy import select

    from server.models import Device, User

    with server.session() as s:
        return s.scalar(select(User.username).join(Device, Device.user_id == User.id)
                        .where(Device.id == client.device_id))


@pytest.mark.parametrize("target", ["backup", "moment"])
def test_desktop_clients_lose_nothing_over_a_restore(tmp_path, target):
    """Desktop sync clients around a restore — to the base backup itself, and to a moment after it
    (point-in-time recovery): work before the base backup, between it and the moment (kept by the
    point-in-time recovery only), and after the moment (lost either way, held by the devices), one
    device offline throughout, and one real concurrent edit of the same field by two devices. After
    the devices sync, the server and every device hold every edit, and the only review item is the
    real conflict."""
    from sqlalchemy import select

    from db.models import Household
    from server.store.tables import ReviewItem
    from tests.test_restore_drill import TOWNSHIP, Device

    root, archive, backups = (pg_cluster.scratch_dir(p) for p in ("td-pg-", "td-wal-", "td-base-"))
    try:
        primary = pg_cluster.PgCluster.create(root, archive=archive)
        primary.start()
        primary.execute("CREATE DATABASE citydb")
        port = free_port()  # the restored server comes back at the same address
        with live_server(primary.url("citydb"), tmp_path, port=port) as server:
            staff = Device(tmp_path / "staff.db", server.url, server.add_user("township_staff", TOWNSHIP))
            cadre = Device(tmp_path / "cadre.db", server.url, server.add_user("village_cadre", VILLAGE))
            office = Device(tmp_path / "office.db", server.url, server.add_user("township_staff", TOWNSHIP))
            early = [staff.add(i, f"早{i}") for i in range(1, 4)]
            for device in (staff, cadre, office):
                device.sync.sync_now()
            primary.base_backup(backups / "nightly")
            kept = cadre.add(4, "备份后、恢复点前")
            cadre.sync.sync_now()
            primary.switch_wal()
            moment = primary.execute("SELECT to_char(clock_timestamp(), 'YYYY-MM-DD HH24:MI:SS.US TZH')")[0][0]
            time.sleep(1.2)
            lost = staff.add(5, "恢复点后")
            staff.edit(early[0], "乡镇改")
            staff.sync.sync_now()
            cadre.edit(early[0], "村里改")  # concurrent with the staff's edit: a real conflict
            cadre.sync.sync_now()
            staff.sync.sync_now()
            offline = office.add(6, "一直离线")
            primary.switch_wal()
        primary.stop()
        restored = (pg_cluster.PgCluster.restore(backups / "nightly", root, archive, target_time=moment)
                    if target == "moment" else pg_cluster.PgCluster.restore(backups / "nightly", root, archive,
                                                                              immediate=True))
        try:
            (tmp_path / "after").mkdir()
            with live_server(restored.url("citydb"), tmp_path / "after", port=port) as server:
                with server.session() as s:
                    assert (s.get(Household, kept) is not None) == (target == "moment")
                    assert s.get(Household, lost) is None
                for _round in range(2):
                    for device in (office, cadre, staff):
                        device.sync.sync_now()
                with server.session() as s:
                    held = {h.id: h.notes for h in s.scalars(select(Household).where(Household.region_code == VILLAGE))}
                    reviews = s.scalars(select(ReviewItem)).all()
                assert set(held) == {*early, kept, lost, offline}
                assert held[early[0]] in ("乡镇改", "村里改") and held[lost] == "恢复点后" and held[offline] == "一直离线"
                for device in (staff, cadre, office):
                    assert device.households() == held
                    assert device.sync.pending_count() == 0
                assert [(r.kind, r.record_id) for r in reviews] == [("conflict", early[0])]
        finally:
            restored.stop("immediate")
            for device in (staff, cadre, office):
                device.engine.dispose()
    finally:
        for path in (root, archive, backups):
            shutil.rmtree(path, ignore_errors=True)
