"""The restore drill on the SQLite trial server with real desktop sync clients: devices sync, the city
administrator takes a backup, more work is accepted (one device keeps its edit offline), the server is
restored from the backup and comes back at the same address — and after the devices sync, the server
and every device hold every edit any of them made, with no review item (no edits were concurrent).
Each device re-offers its own accepted changes the restore lost (kept in its outbox for that); the
offline one simply pushes."""

from __future__ import annotations

import contextlib
import io
import os
import shutil

from sqlalchemy import func, select

from app.enrolment import SecretStore
from app.sync_service import client_sync
from db.engine import open_local, session_factory
from db.models import Household
from server.cli import main as server_main
from server.store.tables import ReviewItem
from sync.capture import install_capture
from tests.client_sync_support import MemoryKeyring
from tests.server.live import PASSWORD, free_port, live_server

TOWNSHIP, VILLAGE = "150422100", "150422100201"


class Device:
    def __init__(self, path, url: str, username: str) -> None:
        self.engine = open_local(path)
        self.sessions = session_factory(self.engine)
        self.enrolment, self.sync = client_sync(self.engine, self.sessions, SecretStore(MemoryKeyring()))
        install_capture(self.sessions, self.enrolment.device_id())
        self.enrolment.enrol(url, username, PASSWORD, device_name="演练")

    def add(self, seq: int, notes: str) -> str:
        with self.sessions.begin() as s:
            h = Household(household_no=f"{VILLAGE}{seq:06d}", region_code=VILLAGE, notes=notes)
            s.add(h)
            s.flush()
            return h.id

    def edit(self, hid: str, notes: str) -> None:
        with self.sessions.begin() as s:
            s.get(Household, hid).notes = notes

    def households(self) -> dict[str, str]:
        with self.sessions() as s:
            return {h.id: h.notes for h in s.scalars(select(Household).where(Household.region_code == VILLAGE))}


def _backup(database_url: str, target) -> None:
    out, saved = io.StringIO(), dict(os.environ)
    os.environ["DATABASE_URL"] = database_url
    try:
        with contextlib.redirect_stdout(out):
            assert server_main(["backup", str(target)]) == 0, out.getvalue()
    finally:
        os.environ.clear()
        os.environ.update(saved)


def test_a_restored_server_loses_nothing_any_device_held(tmp_path):
    db_file = tmp_path / "city.db"
    url, port = f"sqlite:///{db_file}", free_port()
    with live_server(url, tmp_path, port=port) as server:
        staff = Device(tmp_path / "staff.db", server.url, server.add_user("township_staff", TOWNSHIP))
        cadre = Device(tmp_path / "cadre.db", server.url, server.add_user("village_cadre", VILLAGE))
        office = Device(tmp_path / "office.db", server.url, server.add_user("township_staff", TOWNSHIP))
        early = [staff.add(i, f"早{i}") for i in range(1, 4)]
        for device in (staff, cadre, office):
            device.sync.sync_now()
        _backup(url, tmp_path / "nightly.db")
        staff.edit(early[0], "备份后修改")  # accepted after the backup: lost by the restore
        late_staff = staff.add(4, "备份后新增")
        staff.sync.sync_now()
        late_cadre = cadre.add(5, "村里备份后新增")
        cadre.sync.sync_now()  # also pulls the staff's late work
        offline = office.add(6, "一直离线")  # never reached the server before the restore
    shutil.copyfile(tmp_path / "nightly.db", db_file)
    for suffix in ("-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.remove(f"{db_file}{suffix}")
    (tmp_path / "after").mkdir()
    with live_server(url, tmp_path / "after", port=port) as server:
        with server.session() as s:  # the restore really lost the late work
            assert s.scalar(select(func.count()).select_from(Household).where(
                Household.id.in_([late_staff, late_cadre, offline]))) == 0
        for _round in range(2):
            for device in (office, cadre, staff):
                device.sync.sync_now()
        expected = {**{h: f"早{i}" for i, h in enumerate(early, 1)}, early[0]: "备份后修改",
                    late_staff: "备份后新增", late_cadre: "村里备份后新增", offline: "一直离线"}
        for device in (staff, cadre, office):
            assert device.households() == expected
        with server.session() as s:
            held = {h.id: h.notes for h in s.scalars(select(Household).where(Household.region_code == VILLAGE))}
            assert held == expected
            assert s.scalar(select(func.count()).select_from(ReviewItem)) == 0
        for device in (staff, cadre, office):
            assert device.sync.pending_count() == 0
            device.engine.dispose()
