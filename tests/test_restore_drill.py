"""The restore drill on the SQLite trial server with real desktop sync clients: devices sync, the city
administrator takes a backup, more work is accepted (one device keeps its edit offline), the server is
restored from the backup and comes back at the same address — and after the devices sync, the server
and every device hold every edit any of them made, with no review item (no edits were concurrent).
Each device re-offers its own accepted changes the restore lost (kept in its outbox for that); the
offline one simply pushes."""

from __future__ import annotations

import contextlib
import os
import shutil

from sqlalchemy import func, select

from app.enrolment import SecretStore
from app.sync_service import client_sync
from db.engine import open_local, session_factory
from db.models import Attachment, Household
from server.store.tables import ReviewItem
from sync.capture import install_capture
from tests.client_sync_support import MemoryKeyring
from tests.server.live import PASSWORD, free_port, live_server, server_cli

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
    code, out = server_cli(database_url, "backup", str(target))
    assert code == 0, out


def _put_back(backup, db_file) -> None:
    """The restore of a SQLite trial server: the backup copied over the database, its WAL files gone."""
    shutil.copyfile(backup, db_file)
    for suffix in ("-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.remove(f"{db_file}{suffix}")


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
    _put_back(tmp_path / "nightly.db", db_file)
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


def test_files_the_restored_store_lacks_come_back_from_the_devices_that_hold_them(tmp_path):
    """The database comes back from last night's backup, the attachment store not at all (its disk
    was lost). The clerk's PC, which had opened the first photo, sends that file again although a
    grid worker took it; the worker's PC re-offers the photo taken after the backup, record and file.
    Afterwards the server holds every file a live record names, and the clerk sees both photos."""
    from server.blobs import BlobStore
    from tests.attachment_support import Desk, case_at, phone_photo

    db_file, blobs = tmp_path / "city.db", tmp_path / "blobs"
    url, port = f"sqlite:///{db_file}", free_port()
    with live_server(url, tmp_path, port=port, TD_BLOB_DIR=str(blobs)) as server:
        clerk = Desk(tmp_path / "clerk.db", server, server.add_user("township_staff", TOWNSHIP), "township_staff",
                     TOWNSHIP)
        case_id = case_at(clerk)
        clerk.sync.sync_now()
        worker = Desk(tmp_path / "grid.db", server, server.add_user("grid_worker", VILLAGE + "001"),
                      "grid_worker", VILLAGE + "001")
        worker.sync.sync_now()
        first = worker.attachments.add("case", case_id, phone_photo(tmp_path / "IMG_1.jpg", seed=1))
        worker.sync.sync_now()
        clerk.sync.sync_now()
        clerk.attachments.want_file(first.id)  # the clerk opened it: the whole file comes down
        clerk.sync.sync_now()
        assert clerk.attachments.file_path(first.id).is_file()
        _backup(url, tmp_path / "nightly.db")
        second = worker.attachments.add("case", case_id, phone_photo(tmp_path / "IMG_2.jpg", seed=2))
        worker.sync.sync_now()
        held_before = {p.name for p in BlobStore(blobs).all_blobs()}
    _put_back(tmp_path / "nightly.db", db_file)
    shutil.rmtree(blobs)  # the attachment store is gone
    (tmp_path / "after").mkdir()
    with live_server(url, tmp_path / "after", port=port, TD_BLOB_DIR=str(blobs)) as server:
        clerk.sync.sync_now()  # the worker's first photo comes back from the clerk's copy
        with server.session() as s:
            shas = dict(s.execute(select(Attachment.id, Attachment.sha256)).all())
        assert set(shas) == {first.id}  # the second photo's record was lost with the restore
        assert BlobStore(blobs).path(shas[first.id]).is_file()
        worker.sync.sync_now()  # re-offers the second photo's record, then its file
        clerk.sync.sync_now()
        with server.session() as s:
            live = {x for row in s.execute(select(Attachment.sha256, Attachment.thumb_sha256)
                                           .where(Attachment.deleted.is_(False))) for x in row if x}
        assert live <= {p.name for p in BlobStore(blobs).all_blobs()} and live <= held_before
        assert {v.id: v.state for v in clerk.attachments.list_for("case", case_id)} == {
            first.id: "full", second.id: "thumb"}
        for desk in (clerk, worker):
            assert desk.sync.pending_count() == 0
            desk.engine.dispose()


def test_records_received_after_the_backup_come_back_from_those_who_received_them(tmp_path):
    """A village cadre's PC is lost the day after the backup: its new household and its correction
    to an early one reached the server and two township PCs, and the restore lost them. The township
    PCs offer back what they received after the restored point, so the server holds the cadre's work
    again without the cadre; when the cadre's PC does come back, its own re-offered changes settle on
    the same state — no review item, nothing applied twice."""
    db_file = tmp_path / "city.db"
    url, port = f"sqlite:///{db_file}", free_port()
    with live_server(url, tmp_path, port=port) as server:
        staff = Device(tmp_path / "staff.db", server.url, server.add_user("township_staff", TOWNSHIP))
        office = Device(tmp_path / "office.db", server.url, server.add_user("township_staff", TOWNSHIP))
        cadre = Device(tmp_path / "cadre.db", server.url, server.add_user("village_cadre", VILLAGE))
        early = [staff.add(i, f"早{i}") for i in range(1, 4)]
        for device in (staff, office, cadre):
            device.sync.sync_now()
        _backup(url, tmp_path / "nightly.db")
        late = cadre.add(7, "村里备份后新增")
        cadre.edit(early[1], "村干部更正")
        cadre.sync.sync_now()
        staff.edit(early[2], "乡镇备份后修改")
        staff.sync.sync_now()
        office.sync.sync_now()  # received all of it
        expected = {early[0]: "早1", early[1]: "村干部更正", early[2]: "乡镇备份后修改", late: "村里备份后新增"}
        assert office.households() == expected
    _put_back(tmp_path / "nightly.db", db_file)
    (tmp_path / "after").mkdir()
    with live_server(url, tmp_path / "after", port=port) as server:
        offered = office.sync.sync_now()
        assert offered.pushed == 3  # the cadre's new household and correction, the staff's edit
        for _round in range(2):
            for device in (office, staff):  # the cadre's PC is away
                device.sync.sync_now()
        with server.session() as s:
            held = {h.id: h.notes for h in s.scalars(select(Household).where(Household.region_code == VILLAGE))}
        assert held == expected
        assert staff.households() == office.households() == expected
        cadre.sync.sync_now()  # back after all: its own changes are offered again and change nothing
        for device in (office, staff, cadre):
            device.sync.sync_now()
            assert device.households() == expected
        with server.session() as s:
            assert s.scalar(select(func.count()).select_from(ReviewItem)) == 0
        for device in (staff, office, cadre):
            assert device.sync.pending_count() == 0
            device.engine.dispose()
