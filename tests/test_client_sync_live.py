"""Client sync over real HTTP against a real city server process (uvicorn on loopback): enrolment
with the keyring, two offline clients converging (the second one's first sync through the gzip
NDJSON snapshot), device revocation locking the client, and "upgrade needed"."""

from __future__ import annotations

import pytest
import requests

from app.enrolment import SecretStore
from app.errors import UserFacingError
from app.sync_service import DeviceLocked, client_sync
from db.engine import open_local, session_factory
from db.models import Household
from sync.capture import install_capture
from sync.http_transport import HttpTransport
from sync.transport import UpgradeNeeded
from tests.client_sync_support import MemoryKeyring, count_requests
from tests.server.live import PASSWORD, live_server
from tests.server.numbers import household_no

TOWNSHIP = "150422100"
VILLAGE_A, VILLAGE_B = "150422100201", "150422100202"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("client-sync-live")
    # small snapshot chunks so a first sync spans many of them (the resume test breaks one off)
    with live_server(f"sqlite:///{tmp / 'city.db'}", tmp, TD_SNAPSHOT_CHUNK="7") as live:
        yield live


class Client:
    """One PC: its own database file, its own keyring, enrolled with the server."""

    def __init__(self, path, server, username: str) -> None:
        self.engine = open_local(path)
        self.sessions = session_factory(self.engine)
        self.enrolment, self.sync = client_sync(self.engine, self.sessions, SecretStore(MemoryKeyring()))
        install_capture(self.sessions, self.enrolment.device_id())
        self.enrolment.enrol(server.url, username, PASSWORD, device_name="测试电脑")

    def add_household(self, village: str, _seq: int, notes: str) -> str:
        with self.sessions.begin() as s:  # a number of its own: a shared one is a review (decision 0041)
            h = Household(household_no=household_no(village), region_code=village, notes=notes)
            s.add(h)
            s.flush()
            return h.id

    def notes(self, hid: str):
        with self.sessions() as s:
            h = s.get(Household, hid)
            return None if h is None else h.notes


def test_two_clients_converge_over_http(server, tmp_path):
    user = server.add_user("township_staff", TOWNSHIP)
    a = Client(tmp_path / "a.db", server, user)
    assert a.enrolment.current().scope == TOWNSHIP
    early = [a.add_household(VILLAGE_A, i, f"甲{i}") for i in range(1, 30)]
    assert a.sync.sync_now().pushed == 29
    b = Client(tmp_path / "b.db", server, user)  # first sync: snapshot
    hb = b.add_household(VILLAGE_B, 1, "乙𠮷")
    done = b.sync.sync_now()
    assert done.pushed == 1 and done.pulled >= 29
    with a.sessions.begin() as s:  # an edit after b's snapshot arrives by pull
        s.get(Household, early[0]).notes = "改过"
    a.sync.sync_now()
    b.sync.sync_now()
    assert a.notes(hb) == "乙𠮷" and b.notes(early[0]) == "改过"
    assert all(b.notes(h) == a.notes(h) for h in early)


def test_revoked_device_locks(server, tmp_path):
    user = server.add_user("township_staff", TOWNSHIP)
    a = Client(tmp_path / "a.db", server, user)
    a.sync.sync_now()
    admin = server.user_client("city_admin")
    r = admin.post(f"/devices/{a.enrolment.device_id()}/revoke", json={"wipe": False})
    assert r.status_code == 200, r.text
    with pytest.raises(DeviceLocked) as info:
        a.sync.sync_now()
    assert "停用" in info.value.message()
    assert a.sync.is_locked()


def test_old_client_is_told_to_upgrade(server, tmp_path):
    user = server.add_user("township_staff", TOWNSHIP)
    a = Client(tmp_path / "a.db", server, user)
    transport = HttpTransport(server.url, schema_version=0, token=a.enrolment.token())  # below the minimum
    with pytest.raises(UpgradeNeeded):
        transport.pull(0, 10)


def test_wrong_password_is_refused(server, tmp_path):
    user = server.add_user("township_staff", TOWNSHIP)
    engine = open_local(tmp_path / "c.db")
    enrolment, _ = client_sync(engine, session_factory(engine), SecretStore(MemoryKeyring()))
    with pytest.raises(UserFacingError) as info:
        enrolment.enrol(server.url, user, "wrong password")
    assert info.value.code == "login_failed"
    assert requests.get(server.url + "/api/v1/health", timeout=5).status_code == 200


@pytest.fixture
def ring():
    import keyring

    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    yield
    keyring.set_keyring(previous)


def test_cli_login_sync_with_progress_bar(server, tmp_path, ring, monkeypatch, capsys):
    import io

    from app.cli import main

    user = server.add_user("township_staff", TOWNSHIP)
    db = str(tmp_path / "cli.db")
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["login", "--server", server.url, "--user", user, "--password-stdin", "--database", db]) == 0
    assert "已登录" in capsys.readouterr().out
    engine = open_local(db)
    sessions = session_factory(engine)
    enrolment, _ = client_sync(engine, sessions)
    install_capture(sessions, enrolment.device_id())
    with sessions.begin() as s:
        for i in range(3):
            s.add(Household(household_no=f"{VILLAGE_A}02{i:04d}", region_code=VILLAGE_A))
    engine.dispose()
    assert main(["sync", "--database", db]) == 0
    err = capsys.readouterr().err
    assert "上传" in err and "同步完成：上传 3 条" in err


def test_cli_refuses_a_plaintext_keyring(server, tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    proc = subprocess.run(
        [sys.executable, "-m", "app.cli", "login", "--server", server.url, "--user", "x", "--password-stdin",
         "--database", str(tmp_path / "k.db")], input="pw\n", capture_output=True, text=True, env=env,
        timeout=120)
    assert proc.returncode == 2
    assert "密钥存储" in proc.stderr


def test_usb_bundle_relayed_through_the_real_server_applies_once(server, tmp_path):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from sqlalchemy import func, select

    from app.bundle import BundleService
    from server.store.tables import ChangeLogEntry
    from sync.bundle_format import open_bundle, seal

    village = Client(tmp_path / "v.db", server, server.add_user("village_cadre", VILLAGE_A))
    village.sync.sync_now()
    hids = [village.add_household(VILLAGE_A, 500 + i, f"离线{i}") for i in range(3)]
    stick = tmp_path / "stick.tdbundle"
    BundleService(village.engine, village.sessions, village.enrolment).export(stick)

    office = Client(tmp_path / "o.db", server, server.add_user("township_staff", TOWNSHIP))
    relayed = BundleService(office.engine, office.sessions, office.enrolment).relay(stick)
    assert relayed.accepted == 3
    imported = BundleService(village.engine, village.sessions, village.enrolment).import_file(relayed.answer_path)
    assert imported.settled == 3 and village.sync.pending_count() == 0

    second = Client(tmp_path / "o2.db", server, server.add_user("township_staff", TOWNSHIP))
    assert BundleService(second.engine, second.sessions, second.enrolment).relay(
        stick, tmp_path / "again.tdbundle").accepted == 3  # same answers ...
    with server.session() as s:  # ... and applied once
        for hid in hids:
            assert s.scalar(select(func.count()).select_from(ChangeLogEntry)
                            .where(ChangeLogEntry.record_id == hid)) == 1

    opened = open_bundle(stick.read_bytes())
    forged = tmp_path / "forged.tdbundle"
    forged.write_bytes(seal({**opened.header, "bundle_id": "x"}, opened.body, Ed25519PrivateKey.generate()))
    with pytest.raises(UserFacingError) as info:
        BundleService(office.engine, office.sessions, office.enrolment).relay(forged)
    assert info.value.code == "bundle_bad_signature"


def test_cli_bundle_export_relay_and_import(server, tmp_path, ring, monkeypatch, capsys):
    import io

    from app.cli import main

    def login(db, user):
        monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
        assert main(["login", "--server", server.url, "--user", user, "--password-stdin", "--database", db]) == 0

    village_db, office_db = str(tmp_path / "village.db"), str(tmp_path / "office.db")
    login(village_db, server.add_user("village_cadre", VILLAGE_A))
    login(office_db, server.add_user("township_staff", TOWNSHIP))
    from app.protection import DatabaseKeys, open_protected

    engine = open_protected(village_db, DatabaseKeys())  # a village laptop is encrypted from its login on
    sessions = session_factory(engine)
    enrolment, _ = client_sync(engine, sessions)
    install_capture(sessions, enrolment.device_id())
    with sessions.begin() as s:
        s.add(Household(household_no=f"{VILLAGE_A}070001", region_code=VILLAGE_A, notes="U盘带来的"))
    engine.dispose()
    stick = tmp_path / "村委会.tdbundle"
    capsys.readouterr()
    assert main(["bundle", "export", str(stick), "--database", village_db]) == 0
    assert "已导出 1 条" in capsys.readouterr().out
    assert main(["bundle", "import", str(stick), "--database", office_db]) == 0
    out = capsys.readouterr().out
    assert "接受 1 条" in out
    answer = tmp_path / "村委会.answer.tdbundle"
    assert main(["bundle", "import", str(answer), "--database", village_db]) == 0
    assert "确认 1 条" in capsys.readouterr().out
    assert main(["bundle", "import", str(stick), "--database", office_db]) == 2  # not twice
    assert "已导入过" in capsys.readouterr().err


class BreakingTransport:
    """The real HTTP transport, but the snapshot stream breaks off after `break_after` chunks;
    counts the records that came over the wire and those handed on to be applied."""

    def __init__(self, inner, break_after=None) -> None:
        self.inner = inner
        self.break_after = break_after
        self.wire_records = 0
        self.handed_on = 0
        self.positions = []
        original = inner._snapshot_stream

        def counting(after, chunk_size):
            for chunk, rate in original(after, chunk_size):
                self.wire_records += chunk.size
                yield chunk, rate

        inner._snapshot_stream = counting

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def snapshot(self, after=None):
        from sync.transport import Offline

        self.positions.append(after)
        for i, chunk in enumerate(self.inner.snapshot(after)):
            if self.break_after is not None and i == self.break_after:
                raise Offline("offline")
            self.handed_on += chunk.size
            yield chunk


def test_interrupted_first_sync_resumes_without_downloading_finished_chunks(server, tmp_path):
    from sqlalchemy import select

    from app.sync_service import SyncService

    user = server.add_user("township_staff", TOWNSHIP)
    a = Client(tmp_path / "a.db", server, user)
    for i in range(1, 40):
        a.add_household(VILLAGE_A, 600 + i, f"户{i}")
    a.sync.sync_now()
    b = Client(tmp_path / "b.db", server, user)
    runs = []

    def provider():
        runs.append(BreakingTransport(b.enrolment.transport(), break_after=3 if not runs else None))
        return runs[-1]

    service = SyncService(b.engine, b.sessions, b.enrolment.device_id(), provider)
    with pytest.raises(UserFacingError):
        service.sync_now()
    finished = runs[0].handed_on
    assert finished >= 3 and runs[0].wire_records > finished  # three chunks applied, the fourth lost
    done = service.sync_now()
    assert runs[1].positions[0] is not None  # the second run asked to start after the last record
    full = sum(chunk.size for chunk in b.enrolment.transport().snapshot())
    assert runs[1].wire_records == full - finished  # the finished chunks were not sent again
    assert done.pulled == full - finished
    with a.sessions() as sa, b.sessions() as sb:
        assert sorted(sa.scalars(select(Household.id))) == sorted(sb.scalars(select(Household.id)))


def test_pushes_are_gzipped_once_the_server_says_it_takes_gzip(server, tmp_path, monkeypatch):
    sent = []
    original = HttpTransport._call

    def spy(self, method, path, body, headers, params):
        response = original(self, method, path, body, headers, params)
        sent.append((path, headers.get("Content-Encoding"), response.status_code))
        return response

    monkeypatch.setattr(HttpTransport, "_call", spy)
    a = Client(tmp_path / "a.db", server, server.add_user("township_staff", TOWNSHIP))
    for i in range(1, 30):
        a.add_household(VILLAGE_B, 800 + i, "走访记录" * 20)
    assert a.sync.sync_now().pushed == 29
    assert ("/sync/push", "gzip", 200) in sent


def test_first_sync_progress_counts_towards_the_servers_estimate(server, tmp_path):
    """The first sync's progress shows a total from the start (the server's count of the scope, on
    the snapshot's first chunk), so the bar fills instead of spinning."""
    from app.sync_service import SyncProgress

    user = server.add_user("township_staff", TOWNSHIP)
    writer = Client(tmp_path / "w.db", server, user)
    for i in range(1, 41):
        writer.add_household(VILLAGE_A, 100 + i, f"丙{i}")
    writer.sync.sync_now()
    reader = Client(tmp_path / "r.db", server, user)
    seen: list[SyncProgress] = []
    reader.sync.subscribe(lambda e: seen.append(e) if isinstance(e, SyncProgress) and e.phase == "snapshot" else None)
    done = reader.sync.sync_now()
    assert len(seen) > 3  # chunks of 7: many steps
    assert all(e.total > 0 for e in seen)
    assert [e.done for e in seen] == sorted(e.done for e in seen)
    assert seen[-1].done == done.pulled >= 40 and seen[-1].total >= seen[-1].done
    assert seen[0].total <= seen[-1].done * 1.1 + 5  # an estimate, but a close one


def test_an_idle_periodic_sync_is_one_request(server, tmp_path, monkeypatch):
    """A city's PCs mostly sync with nothing new: such a periodic cycle asks only for the pull.
    The history feed, which carries the review marks (decision 0038), comes with a cycle that moved
    something, a sync the user asked for, and at least every SIDE_DATA_EVERY seconds — and then
    only when the pull cursor has moved past the feed's or the marks' (both go no further)."""
    import app.sync_service as sync_service

    user = server.add_user("township_staff", TOWNSHIP)
    a = Client(tmp_path / "a.db", server, user)
    hid = a.add_household(VILLAGE_A, 1, "初")
    a.sync.sync_now(manual=False)  # the first cycle: everything
    asked = count_requests(monkeypatch)
    side = {"GET /review/marks", "GET /history/feed"}

    a.sync.sync_now(manual=False)
    assert asked == ["GET /sync/pull"], asked
    asked.clear()
    with a.sessions.begin() as s:  # something to push: the feed and its marks follow, in one request
        s.get(Household, hid).notes = "改"
    a.sync.sync_now(manual=False)
    assert "POST /sync/push" in asked and asked.count("GET /history/feed") == 1 and "GET /review/marks" not in asked
    asked.clear()
    a.sync.sync_now(manual=True)  # the user pressed 同步: the pull brought nothing new, so nothing more
    assert not side & set(asked), asked
    other = Client(tmp_path / "b.db", server, user)  # a change elsewhere moves the pull cursor
    other.add_household(VILLAGE_B, 2, "别处")
    other.sync.sync_now(manual=False)
    asked.clear()
    a.sync.sync_now(manual=False)  # moved (pulled), so due
    assert asked.count("GET /history/feed") == 1 and "GET /review/marks" not in asked, asked
    monkeypatch.setattr(sync_service, "SIDE_DATA_EVERY", 0.0)  # time is up, but nothing has moved past
    asked.clear()
    a.sync.sync_now(manual=False)
    assert asked == ["GET /sync/pull"], asked
