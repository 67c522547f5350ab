"""Attachments end to end over real HTTP against a city server process: a grid worker attaches a
phone photo to a case while offline, syncs, and the township clerk sees it (preview first, the
full file after asking for it); the server checks scope on every blob read and write, refuses
oversized and unaccepted files, refuses a corrupt upload so the client sends it again, resumes a
cut upload from its offset, and collects blobs no attachment names any more."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
import requests
from PIL import Image
from sqlalchemy import select

from app.errors import UserFacingError
from db.client import BlobTransfer
from db.ids import new_id
from db.models import Attachment
from server.blobs import BlobStore, collect_garbage
from sync.attachments import BlobMover, blob_dir_for
from tests.attachment_support import TAKEN, Desk, phone_photo
from tests.attachment_support import case_at as _case
from tests.server.live import live_server

TOWNSHIP = "150422100"
VILLAGE = "150422100201"
GRID = "150422100201001"
CAP = 6 * 1024 * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("attachments-live")
    with live_server(f"sqlite:///{tmp / 'city.db'}", tmp, TD_BLOB_DIR=str(tmp / "blobs"),
                     TD_MAX_ATTACHMENT_BYTES=str(CAP)) as live:
        yield live


def test_grid_worker_photo_reaches_the_township_clerk(server, tmp_path):
    clerk = Desk(tmp_path / "clerk.db", server, server.add_user("township_staff", TOWNSHIP), "township_staff",
                 TOWNSHIP)
    case_id = _case(clerk)
    clerk.sync.sync_now()
    worker = Desk(tmp_path / "grid.db", server, server.add_user("grid_worker", GRID), "grid_worker", GRID)
    worker.sync.sync_now()
    photo = phone_photo(tmp_path / "IMG_20261126_094107.jpg")
    added = worker.attachments.add("case", case_id, photo, caption="消防通道堵塞")  # offline: no sync yet
    assert added.state == "pending" and added.mime == "image/jpeg"
    with Image.open(added.file_path) as kept:
        assert max(kept.size) == 2560  # downscaled from 4000×3000
        exif = kept.getexif()
        assert exif.get_ifd(0x8769)[0x9003] == TAKEN and not exif.get_ifd(0x8825)  # time kept, GPS gone
    assert added.taken_at == dt.datetime(2026, 11, 26, 9, 41, 7)

    worker.sync.sync_now()  # the record goes up with the push, the bytes right after
    [uploaded] = worker.attachments.list_for("case", case_id)
    assert uploaded.state == "uploaded"

    clerk.sync.sync_now()
    [seen] = clerk.attachments.list_for("case", case_id)
    assert seen.caption == "消防通道堵塞" and seen.state == "thumb" and seen.thumb_path and not seen.file_path
    with pytest.raises(UserFacingError) as missing:
        clerk.attachments.file_path(seen.id)  # not here yet: asked for, fetched by the next sync
    assert missing.value.code == "attachment_missing"
    clerk.sync.sync_now()
    path = clerk.attachments.file_path(seen.id)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == added_sha(worker, case_id)


def added_sha(desk: Desk, case_id: str) -> str:
    with desk.sessions() as s:
        return s.scalar(select(Attachment.sha256).where(Attachment.owner_id == case_id))


def _pushed_case(client, region: str, **extra) -> str:
    case_id = new_id()
    fields = {"case_no": f"SJ20261126-{case_id[-4:]}", "source": "1", "request_type": "3", "category_code": "0201",
              "title": "消防通道被杂物堵塞", "registered_at": "2026-11-26T09:00:00", "region_code": region,
              "status": 10, **extra}
    r = client.push([client.change("case", case_id, fields)])
    assert r.status_code == 200 and r.json()["results"][0]["outcome"] == "accepted", r.text
    return case_id


def _pushed_attachment(client, region: str, data: bytes, mime: str = "image/jpeg", size: int | None = None,
                       **case_extra) -> str:
    sha = hashlib.sha256(data).hexdigest()
    fields = {"owner_entity": "case", "owner_id": _pushed_case(client, region, **case_extra), "region_code": region, "grid_code": None, "sha256": sha,
              "size": len(data) if size is None else size, "mime": mime, "filename": "x.jpg", "caption": "",
              "thumb_sha256": None, "taken_at": None, "added_by": "t", "added_at": "2026-11-26T09:00:00",
              "printed_version": None}
    r = client.push([client.change("attachment", new_id(), fields)])
    assert r.status_code == 200 and r.json()["results"][0]["outcome"] == "accepted", r.text
    return sha


def _put(client, sha: str, offset: int, data: bytes, total: int) -> requests.Response:
    return requests.put(f"{client.server.api}/blobs/{sha}", params={"offset": offset, "total": total}, data=data,
                        headers={**client.headers(), "Content-Type": "application/octet-stream"}, timeout=30)


def test_scope_size_type_hash_and_resume_on_the_server(server):
    cadre = server.user_client("village_cadre", VILLAGE)
    stranger = server.user_client("village_cadre", "150422100202")
    data = bytes(range(256)) * 1000
    sha = _pushed_attachment(cadre, VILLAGE, data)
    assert _put(stranger, sha, 0, data, len(data)).status_code == 403  # another village may not write it
    half = len(data) // 2
    assert _put(cadre, sha, 0, data[:half], len(data)).json() == {"received": half, "complete": False}
    assert cadre.get(f"/blobs/{sha}/status").json()["received"] == half  # a cut upload resumes here
    wrong = _put(cadre, sha, 0, data[:10], len(data))
    assert wrong.status_code == 409 and wrong.json()["error"]["expected"] == half
    assert _put(cadre, sha, half, data[half:], len(data)).json()["complete"] is True
    assert cadre.get(f"/blobs/{sha}").content == data
    assert stranger.get(f"/blobs/{sha}").status_code == 403  # nor read it

    bad = _pushed_attachment(cadre, VILLAGE, b"real bytes" * 100)
    corrupt = _put(cadre, bad, 0, b"evil bytes" * 100, 1000)
    assert corrupt.status_code == 422 and corrupt.json()["error"]["code"] == "blob_hash_mismatch"
    assert cadre.get(f"/blobs/{bad}/status").json()["received"] == 0  # nothing half-stored

    big = _pushed_attachment(cadre, VILLAGE, b"x", size=CAP + 1)
    assert _put(cadre, big, 0, b"x", CAP + 1).json()["error"]["code"] == "attachment_too_large"
    text = _pushed_attachment(cadre, VILLAGE, b"hello", mime="text/plain")
    assert _put(cadre, text, 0, b"hello", 5).json()["error"]["code"] == "attachment_type"


def test_a_department_reads_the_files_of_cases_escalated_to_it_only(server):
    staff = server.user_client("township_staff", TOWNSHIP)
    ours, theirs = server.user_client("department", "150422", "mz"), server.user_client("department", "150422", "zz")
    data = b"escalated evidence" * 100
    sha = _pushed_attachment(staff, VILLAGE, data, escalated_to="mz")
    assert _put(staff, sha, 0, data, len(data)).json()["complete"] is True
    assert ours.get(f"/blobs/{sha}").content == data
    assert theirs.get(f"/blobs/{sha}").status_code == 403
    assert _put(ours, sha, 0, data, len(data)).status_code == 403  # departments never write files


class Flaky:
    """The live transport, but the server receives the last chunk of the photo (not its preview)
    corrupted once, so the whole does not match its hash."""

    def __init__(self, inner) -> None:
        self.inner, self.corrupted = inner, False

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def blob_put(self, sha, offset, data, total):
        if not self.corrupted and offset + len(data) == total and total > 256 * 1024:
            self.corrupted = True
            data = bytes(len(data))
        return self.inner.blob_put(sha, offset, data, total)


def test_a_corrupt_upload_is_refused_and_sent_again_then_collected_when_deleted(server, tmp_path):
    clerk = Desk(tmp_path / "clerk.db", server, server.add_user("township_staff", TOWNSHIP), "township_staff",
                 TOWNSHIP)
    case_id = _case(clerk)
    added = clerk.attachments.add("case", case_id, phone_photo(tmp_path / "p.jpg", size=(1600, 1200)))
    with clerk.sessions.begin() as s:  # records only this time: the bytes go by hand below
        s.get(BlobTransfer, added.id).state = "held"
    clerk.sync.sync_now()
    with clerk.sessions.begin() as s:
        s.get(BlobTransfer, added.id).state = "pending"
    transport = Flaky(clerk.enrolment.transport())
    stats = BlobMover(clerk.sessions, transport, blob_dir_for(clerk.engine), chunk_bytes=32 * 1024).step()
    assert transport.corrupted and stats.uploaded == 1 and stats.bytes_resent == added.size
    with clerk.sessions() as s:
        sha = s.get(Attachment, added.id).sha256
        assert s.get(BlobTransfer, added.id).state == "uploaded"
    store = BlobStore(server.settings.blob_dir)
    assert store.received(sha) == (added.size, True)

    clerk.attachments.remove(added.id)  # a tombstone: the bytes are no longer anyone's
    clerk.sync.sync_now()
    with server.session() as s:
        removed = collect_garbage(s, store)
    assert sha in removed and not store.path(sha).exists()


def test_a_usb_bundle_carries_the_photo_and_the_answer_settles_it(server, tmp_path):
    from app.bundle import BundleService

    village = Desk(tmp_path / "village.db", server, server.add_user("village_cadre", VILLAGE), "village_cadre",
                   VILLAGE)
    case_id = _case(village)
    added = village.attachments.add("case", case_id, phone_photo(tmp_path / "p.jpg", size=(1200, 900)))
    stick = tmp_path / "stick.tdbundle"  # no signal in the village: the case and the photo go on a stick
    BundleService(village.engine, village.sessions, village.enrolment).export(stick)
    office = Desk(tmp_path / "office.db", server, server.add_user("township_staff", TOWNSHIP), "township_staff",
                  TOWNSHIP)
    relayed = BundleService(office.engine, office.sessions, office.enrolment).relay(stick)
    assert relayed.accepted == 2
    BundleService(village.engine, village.sessions, village.enrolment).import_file(relayed.answer_path)
    [settled] = village.attachments.list_for("case", case_id)
    assert settled.state == "uploaded"
    office.sync.sync_now()  # its first sync: records only, as long as the records take
    [seen] = office.attachments.list_for("case", case_id)
    assert seen.state == "remote" and not seen.thumb_path and seen.size == added.size
    office.sync.sync_now()  # the next cycle brings the preview
    [seen] = office.attachments.list_for("case", case_id)
    assert seen.state == "thumb" and seen.thumb_path
    assert office.attachments.want_all("case", case_id) == 1  # 全部下载到本机: fetched by the next sync
    office.sync.sync_now()
    assert office.attachments.file_path(seen.id).read_bytes() == (tmp_path / "village" / "attachments" /
                                                                   Path(added.file_path).name).read_bytes()
