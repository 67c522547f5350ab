"""Personal data protection end to end against a real city server process (one per module): a village
cadre's database encrypted at enrolment with its key escrowed and released to the township admin,
audit entries reaching the city through ordinary sync and queried by the city admin, sensitive tags
never sent to roles that may not see them (pull and snapshot), the password policy, token renewal
and login throttling over HTTP, revocation keeping the data encrypted, remote wipe, and last a scan
of every log the client and server wrote for the names, ID numbers and phones used here."""

from __future__ import annotations

import datetime as dt
import logging
import os
import subprocess
import sys
import uuid

import pytest
import requests
from sqlalchemy import select

from app.client.startup import open_client
from app.enrolment import SecretStore
from app.errors import UserFacingError
from app.protection import DatabaseKeys, open_protected, restore_key, secure_after_enrolment
from app.sync_service import DeviceLocked, client_sync
from db.engine import is_encrypted, open_local, session_factory
from db.ids import new_id, tag_assignment_id
from db.models import AuditEntry, Household, Person, TagAssignment
from sync.capture import install_capture
from tests.client_sync_support import MemoryKeyring
from tests.server.live import PASSWORD, ROOT, TEST_ENV, live_server
from tests.server.numbers import household_no

TOWNSHIP, OTHER_TOWNSHIP = "150422100", "150422101"
VILLAGE = "150422100201"
# Known personal data: none of it may appear in any log file (test_no_personal_data_in_any_log).
PEOPLE = [("欧阳秀英", "11010519491231002X", "13812345678"), ("司马建国", "110105194912310038", "13987654321")]
BAD_ID = "110105194912310039"  # wrong check character: refused by the server, and still not logged


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("security-live")
    log_path = tmp / "client-logs" / "client.log"
    log_path.parent.mkdir()
    handler = logging.FileHandler(log_path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)  # everything the client code logs, at any level, goes to the file
    with live_server(f"sqlite:///{tmp / 'city.db'}", tmp, TD_LOG_LEVEL="DEBUG") as live:
        live.client_log = log_path
        live.data_dir = tmp / "data"
        yield live
    root.removeHandler(handler)
    root.setLevel(level)
    handler.close()


class Pc:
    """One laptop: its database file, its keyring, enrolled as `username`."""

    def __init__(self, path, server, username: str, encrypt: bool = False) -> None:
        self.path, self.ring = path, MemoryKeyring()
        self.keys = DatabaseKeys(SecretStore(self.ring))
        self._open(open_local(path))
        self.enrolment.enrol(server.url, username, PASSWORD, device_name="村委会笔记本")
        if encrypt:
            role = self.enrolment.current().role
            self._open(secure_after_enrolment(path, role, self.keys, self.enrolment.transport(), self.engine))

    def _open(self, engine) -> None:
        self.engine = engine
        self.sessions = session_factory(engine)
        self.enrolment, self.sync = client_sync(engine, self.sessions, SecretStore(self.ring))
        install_capture(self.sessions, self.enrolment.device_id())

    def add_person(self, village: str, seq: int, who: tuple[str, str, str], tags: tuple[str, ...] = ()) -> str:
        name, id_number, phone = who
        with self.sessions.begin() as s:
            hh = Household(household_no=f"{village}02{seq:04d}", region_code=village, address="幸福路")
            s.add(hh)
            s.flush()
            person = Person(household_id=hh.id, region_code=village, name=name, id_number=id_number, phone=phone)
            s.add(person)
            s.flush()
            for tag in tags:
                s.add(TagAssignment(subject_type="person", subject_id=person.id, tag_code=tag, region_code=village))
            return person.id

    def tags(self) -> set[str]:
        with self.sessions() as s:
            return set(s.scalars(select(TagAssignment.tag_code)))

    def close(self) -> None:
        self.engine.dispose()


def test_cadre_database_is_encrypted_and_its_key_released_only_to_its_township(server, tmp_path):
    cadre = Pc(tmp_path / "cadre.db", server, server.add_user("village_cadre", VILLAGE), encrypt=True)
    cadre.add_person(VILLAGE, 1, PEOPLE[0])
    assert cadre.sync.sync_now().pushed >= 2
    device = cadre.enrolment.device_id()
    cadre.close()
    raw = (tmp_path / "cadre.db").read_bytes()
    assert is_encrypted(tmp_path / "cadre.db") and PEOPLE[0][1].encode() not in raw
    cadre.keys.forget(tmp_path / "cadre.db")  # the laptop's profile was lost
    with pytest.raises(UserFacingError) as info:
        open_protected(tmp_path / "cadre.db", cadre.keys)
    assert info.value.code == "database_key_missing"

    stranger = server.user_client("township_admin", OTHER_TOWNSHIP)
    refused = stranger.post(f"/escrow/{device}/release", json={"reason": "设备维修"})
    assert refused.status_code == 404
    staff = server.user_client("township_staff", TOWNSHIP)
    assert staff.post(f"/escrow/{device}/release", json={"reason": "设备维修"}).status_code == 403
    admin = server.user_client("township_admin", TOWNSHIP)
    assert admin.post(f"/escrow/{device}/release", json={"reason": " "}).status_code == 422
    released = admin.post(f"/escrow/{device}/release", json={"reason": "重装系统后恢复数据"})
    assert released.status_code == 200, released.text
    restore_key(tmp_path / "cadre.db", released.json()["key"], cadre.keys)
    engine = open_protected(tmp_path / "cadre.db", cadre.keys)
    with session_factory(engine)() as s:
        assert s.scalar(select(Person.name)) == PEOPLE[0][0]
    engine.dispose()
    city = server.user_client("city_admin")
    rows = city.get("/audit", params={"action": "key_release", "record_id": device}).json()
    assert [(r["reason"], r["region_code"]) for r in rows] == [("重装系统后恢复数据", VILLAGE)]


def _server_cli(server, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **TEST_ENV, "DATABASE_URL": server.database_url, "TD_SERVER_DATA_DIR": str(server.data_dir)}
    return subprocess.run([sys.executable, "-m", "server.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def test_release_key_and_audit_from_the_command_line(server, tmp_path):
    cadre = Pc(tmp_path / "cli.db", server, server.add_user("grid_worker", VILLAGE + "002"), encrypt=True)
    device, key = cadre.enrolment.device_id(), cadre.keys.get(tmp_path / "cli.db")
    cadre.close()
    outsider = server.add_user("township_admin", OTHER_TOWNSHIP)
    refused = _server_cli(server, "release-key", device, "--by", outsider, "--reason", "试试看")
    assert refused.returncode == 2 and key not in refused.stdout + refused.stderr
    admin = server.add_user("township_admin", TOWNSHIP)
    done = _server_cli(server, "release-key", device, "--by", admin, "--reason", "硬盘更换")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == key
    listed = _server_cli(server, "audit", "--action", "key_release", "--user", admin)
    assert listed.returncode == 0 and device in listed.stdout and "硬盘更换" in listed.stdout
    assert len(listed.stdout.strip().splitlines()) == 1


def test_a_cadre_enrolled_with_a_plain_database_is_encrypted_and_escrowed_at_the_next_start(server, tmp_path):
    import time

    from app.protection import ESCROW_STATE
    from sync.capture import read_state

    name = server.add_user("village_cadre", VILLAGE)
    pc = Pc(tmp_path / "later.db", server, name)  # logged in from the settings page: still plain
    pc.add_person(VILLAGE, 9, PEOPLE[1])
    device = pc.enrolment.device_id()
    pc.close()
    services = open_client(tmp_path / "later.db", secrets=SecretStore(pc.ring))
    assert is_encrypted(tmp_path / "later.db")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # the escrow runs on its own thread
        with services.context.sessions() as s:
            if read_state(s, ESCROW_STATE) == "done":
                break
        time.sleep(0.1)
    else:
        pytest.fail("the key was not escrowed")
    services.context.close()
    admin = server.user_client("township_admin", TOWNSHIP)
    released = admin.post(f"/escrow/{device}/release", json={"reason": "例行抽查"}).json()
    assert released["key"] == pc.keys.get(tmp_path / "later.db")


def test_audit_entries_reach_the_city_and_only_the_city_admin_queries_them(server, tmp_path):
    name = server.add_user("township_staff", TOWNSHIP)
    pc = Pc(tmp_path / "staff.db", server, name)
    pid = pc.add_person(VILLAGE, 2, PEOPLE[1])
    at = dt.datetime(2026, 11, 20, 9, 30)
    with pc.sessions.begin() as s:
        for action, reason in (("reveal", "核实低保申请"), ("print", ""), ("export", "")):
            s.add(AuditEntry(at=at, username=name, device_id=pc.enrolment.device_id(), action=action,
                             entity="person", record_ids=[pid], reason=reason, region_code=VILLAGE))
    pc.sync.sync_now()
    city = server.user_client("city_admin")
    rows = city.get("/audit", params={"username": name}).json()
    assert sorted(r["action"] for r in rows) == ["export", "print", "reveal"]
    reveal = city.get("/audit", params={"username": name, "action": "reveal", "region": TOWNSHIP}).json()
    assert reveal[0]["reason"] == "核实低保申请" and reveal[0]["record_ids"] == [pid]
    assert reveal[0]["at"].startswith("2026-11-20T09:30:00+08:00")
    assert city.get("/audit", params={"username": name, "since": "2026-11-21T00:00:00+08:00"}).json() == []
    assert city.get("/audit", params={"username": name, "region": OTHER_TOWNSHIP}).json() == []
    for role, scope in (("township_admin", TOWNSHIP), ("township_staff", TOWNSHIP), ("village_cadre", VILLAGE)):
        assert server.user_client(role, scope).get("/audit").status_code == 403
    pc.close()


def test_sensitive_tags_reach_only_the_roles_that_need_them(server, tmp_path):
    admin = Pc(tmp_path / "admin.db", server, server.add_user("township_admin", TOWNSHIP))
    admin.add_person(VILLAGE, 3, PEOPLE[0], tags=("sqjz", "nclb"))
    admin.sync.sync_now()
    cadre = Pc(tmp_path / "cadre2.db", server, server.add_user("village_cadre", VILLAGE))
    cadre.sync.sync_now()  # first sync: the snapshot
    assert "nclb" in cadre.tags() and not cadre.tags() & {"sqjz", "zdry"}
    admin.add_person(VILLAGE, 4, PEOPLE[1], tags=("xd", "xfry"))
    admin.sync.sync_now()
    cadre.sync.sync_now()  # incremental: pull pages
    assert not cadre.tags() & {"sqjz", "xd", "xfry"}
    grid = server.user_client("grid_worker", VILLAGE + "001")
    pulled = {r["fields"].get("tag_code") for r in grid.pull(0, 2000).json()["records"]
              if r["entity"] == "tag_assignment"}
    assert "nclb" in pulled and not pulled & {"sqjz", "xd", "xfry"}
    second_admin = Pc(tmp_path / "admin2.db", server, server.add_user("township_admin", TOWNSHIP))
    second_admin.sync.sync_now()
    assert {"sqjz", "xd", "xfry"} <= second_admin.tags()
    for pc in (admin, cadre, second_admin):
        pc.close()


@pytest.mark.parametrize(("role", "scope"), [("village_cadre", VILLAGE), ("grid_worker", VILLAGE + "001"),
                                             ("township_staff", TOWNSHIP)])
def test_a_forged_client_cannot_set_a_sensitive_tag(server, role, scope):
    forger = server.user_client(role, scope)
    subject, household = new_id(), new_id()
    city = server.user_client("city_admin")
    made = city.push([city.change("household", household, {"household_no": household_no(VILLAGE), "region_code": VILLAGE}),
                      city.change("person", subject, {"household_id": household, "region_code": VILLAGE,
                                                      "name": "对象", "id_type": "01"})]).json()["results"]
    assert {r["outcome"] for r in made} == {"accepted"}, made
    tags = {code: forger.change("tag_assignment", tag_assignment_id(subject, code), {
        "subject_type": "person", "subject_id": subject, "tag_code": code, "region_code": VILLAGE})
        for code in ("xd", "nclb")}
    results = forger.push(list(tags.values())).json()["results"]
    assert [(r["outcome"], r.get("code")) for r in results] == [("rejected", "forbidden"), ("accepted", None)]
    with server.session() as s:
        assert s.get(TagAssignment, tags["xd"]["record_id"]) is None


def test_password_policy_renewal_and_throttling_over_http(server):
    admin = server.user_client("township_admin", TOWNSHIP)
    for password, rule in (("short-123", "short"), ("1381234567890", "digits"), ("wang_wu-2026!", "username")):
        r = admin.post("/users", json={"username": "wang_wu", "password": password, "role": "village_cadre",
                                       "scope_prefix": VILLAGE})
        assert r.status_code == 422 and r.json()["error"]["code"] == "weak_password", r.text
        assert r.json()["error"]["rule"] == rule
    r = admin.post("/users", json={"username": "wang_wu", "password": "村里的老槐树-1987",
                                   "role": "village_cadre", "scope_prefix": VILLAGE})
    assert r.status_code in (200, 201), r.text
    client = server.login("wang_wu", "村里的老槐树-1987")
    renewed = client.post("/renew")
    assert renewed.status_code == 200 and renewed.json()["token"] != client.token
    assert client.get("/me").status_code == 401  # the old token stopped working at once
    client.token = renewed.json()["token"]
    assert client.get("/me").json()["username"] == "wang_wu"
    name = server.add_user("grid_worker", VILLAGE + "001")
    codes = [requests.post(server.api + "/login", json={"username": name, "password": "wrong-password-1",
                                                        "device_id": str(uuid.uuid4())}).status_code
             for _ in range(server.settings.login_max_failures_user + 1)]
    assert codes[:-1] == [401] * server.settings.login_max_failures_user and codes[-1] == 429
    locked_out = requests.post(server.api + "/login", json={"username": name, "password": PASSWORD,
                                                            "device_id": str(uuid.uuid4())})
    assert locked_out.status_code == 429  # even the right password waits out the window


def test_revoked_device_locks_and_keeps_its_data_encrypted_then_wipe_erases_it(server, tmp_path):
    cadre = Pc(tmp_path / "lost.db", server, server.add_user("grid_worker", VILLAGE + "001"), encrypt=True)
    cadre.add_person(VILLAGE, 5, PEOPLE[1])
    cadre.sync.sync_now()
    admin = server.user_client("township_admin", TOWNSHIP)
    device = cadre.enrolment.device_id()
    assert admin.post(f"/devices/{device}/revoke", json={"wipe": False}).status_code == 200
    with pytest.raises(DeviceLocked) as info:
        cadre.sync.sync_now()
    assert "停用" in info.value.message() and cadre.sync.is_locked()
    with cadre.sessions() as s:
        assert s.scalar(select(Person.name)) == PEOPLE[1][0]  # kept, and still only in encrypted form
    cadre.close()
    assert is_encrypted(tmp_path / "lost.db") and PEOPLE[1][1].encode() not in (tmp_path / "lost.db").read_bytes()

    thief = Pc(tmp_path / "stolen.db", server, server.add_user("village_cadre", VILLAGE), encrypt=True)
    thief.add_person(VILLAGE, 6, PEOPLE[0])
    thief.sync.sync_now()
    assert admin.post(f"/devices/{thief.enrolment.device_id()}/revoke", json={"wipe": True}).status_code == 200
    with pytest.raises(DeviceLocked):
        thief.sync.sync_now()
    assert thief.sync.wipe_requested()
    with thief.sessions() as s:
        assert s.scalar(select(Person.id)) is None and s.scalar(select(Household.id)) is None
    assert not any(key[1].startswith(("token:", "signing-key:")) for key in thief.ring.secrets)
    thief.close()
    with pytest.raises(UserFacingError) as erased:  # the next start deletes the file and key and says so
        open_client(tmp_path / "stolen.db", secrets=SecretStore(thief.ring))
    assert erased.value.code == "local_data_erased" and "已删除" in erased.value.message()
    assert not (tmp_path / "stolen.db").exists() and thief.keys.get(tmp_path / "stolen.db") is None
    assert open_client(tmp_path / "stolen.db", secrets=SecretStore(thief.ring)).enrolled is None  # a new PC


def test_no_personal_data_in_any_log(server, tmp_path):
    """Runs last: on top of everything above, a reveal, a printed card and an exported roster with
    full values (their audit entries must reach the city) and a bad ID number the server refuses;
    then every log is searched."""
    from app.exchange.service import ExchangeService
    from app.reports.service import ReportService
    from app.services.context import Actor
    from app.services.persons import PersonService

    name = server.add_user("township_staff", TOWNSHIP)
    pc = Pc(tmp_path / "flows.db", server, name)
    pid = pc.add_person(VILLAGE, 8, PEOPLE[0])
    with pc.sessions() as s:
        hid = s.get(Person, pid).household_id
    actor = Actor(name, "township_staff", TOWNSHIP, pc.enrolment.device_id())
    assert PersonService(pc.sessions, actor).reveal(pid, "核对联系方式").id_number == PEOPLE[0][1]
    ReportService(pc.sessions, actor).print_household_card(hid, tmp_path / "card.pdf", "入户核查", reveal=True)
    ExchangeService(pc.sessions, actor).export_roster(VILLAGE, tmp_path / "roster.xlsx", "低保复核", reveal=True)
    pc.add_person(VILLAGE, 7, ("上官婉儿", BAD_ID, "13700001111"))
    pc.sync.sync_now()  # the server refuses the person (invalid ID): the refusal must not carry it either
    pc.close()
    city = server.user_client("city_admin")
    actions = {row["action"] for row in city.get("/audit", params={"username": name}).json()}
    assert {"reveal", "print", "export"} <= actions
    logs = {"server": server.log_text(), "client": server.client_log.read_text(encoding="utf-8")}
    assert logs["server"].strip() and logs["client"].strip()  # both actually logged something
    secrets = [value for person in PEOPLE for value in person] + ["上官婉儿", BAD_ID, "13700001111"]
    for source, text in logs.items():
        leaked = [value for value in secrets if value in text]
        assert not leaked, f"{source} log holds personal data: {leaked}"


def test_command_line_encrypt_sync_and_restore_a_released_key(server, tmp_path, monkeypatch, capsys):
    import io

    import keyring

    from app.cli import main

    previous = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    try:
        db = str(tmp_path / "office.db")
        monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
        assert main(["login", "--server", server.url, "--user", server.add_user("township_staff", TOWNSHIP),
                     "--password-stdin", "--database", db]) == 0
        assert main(["encrypt", "--database", db]) == 0 and is_encrypted(db)
        assert main(["sync", "--database", db]) == 0  # the CLI opens the encrypted file with its key
        key = DatabaseKeys().get(db)
        DatabaseKeys().forget(db)
        capsys.readouterr()
        assert main(["sync", "--database", db]) == 2
        assert "密钥" in capsys.readouterr().err
        monkeypatch.setattr(sys, "stdin", io.StringIO("x'" + "33" * 32 + "'\n"))
        assert main(["restore-key", "--database", db]) == 2 and DatabaseKeys().get(db) is None
        monkeypatch.setattr(sys, "stdin", io.StringIO(key + "\n"))
        assert main(["restore-key", "--database", db]) == 0
        assert main(["sync", "--database", db]) == 0
    finally:
        keyring.set_keyring(previous)


def test_a_cadre_logging_in_from_the_command_line_is_encrypted_before_the_first_sync(server, tmp_path, monkeypatch):
    """`township-desk login` as a village cadre encrypts the database at once and escrows its key, so the
    first `township-desk sync` writes the village's register into an encrypted file only."""
    import io

    import keyring

    from app.cli import main

    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    try:
        db = tmp_path / "village.db"
        escrowed = server.log_path.parent / "data" / "escrow"
        before = set(escrowed.glob("*.key")) if escrowed.exists() else set()
        monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
        cadre = server.add_user("village_cadre", VILLAGE)
        assert main(["login", "--server", server.url, "--user", cadre, "--password-stdin", "--database", str(db)]) == 0
        assert is_encrypted(db), "encrypted at login, not at some later start"
        assert main(["sync", "--database", str(db)]) == 0 and is_encrypted(db)
        assert len(set(escrowed.glob("*.key")) - before) == 1, "the key was escrowed at login"
    finally:
        keyring.set_keyring(previous)
