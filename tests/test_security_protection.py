"""Personal data protection without a server: the database key in the keyring, encryption required
for the roles whose laptops leave the office, in-place conversion, a missing or wrong key as a clear
message (the file untouched, no new empty database), restoring a released key, erasing the local
database, the password policy, and the server's sealed key escrow."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.enrolment import KeyringUnavailable, SecretStore
from app.errors import UserFacingError
from app.protection import (
    DatabaseKeys,
    encryption_required,
    erase_local_database,
    open_protected,
    protect,
    restore_key,
)
from db.engine import is_encrypted, open_local, session_factory
from db.models import Household, Person
from server.errors import ApiError
from server.password_policy import check_password, password_problem
from tests.client_sync_support import MemoryKeyring, PlaintextLikeKeyring

ID_NUMBER = "11010519491231002X"


def _fill(engine, count=20):
    with session_factory(engine)() as s, s.begin():
        for i in range(count):
            hh = Household(household_no=f"15042210020101{i:04d}", region_code="150422100201", address="团结路")
            s.add(hh)
            s.flush()
            s.add(Person(household_id=hh.id, region_code=hh.region_code, name="赵建国", id_number=ID_NUMBER))


def _persons(engine) -> int:
    with session_factory(engine)() as s:
        return s.scalar(select(func.count()).select_from(Person))


@pytest.fixture
def keys():
    return DatabaseKeys(SecretStore(MemoryKeyring()))


def test_village_roles_are_always_encrypted_others_by_setting():
    assert encryption_required("village_cadre") and encryption_required("grid_worker")
    assert not encryption_required("township_staff")
    assert encryption_required("township_staff", setting=True)


def test_protect_converts_a_plain_database_in_place_and_keeps_every_record(tmp_path, keys):
    path = tmp_path / "township.db"
    engine = open_local(path)
    _fill(engine)
    engine.dispose()
    copy = tmp_path / "township.db.0001.bak"  # as open_local leaves before a migration
    copy.write_bytes(path.read_bytes())
    key = protect(path, keys, engine)
    assert is_encrypted(copy) and ID_NUMBER.encode() not in copy.read_bytes()
    assert is_encrypted(path) and keys.get(path) == key
    raw = path.read_bytes()
    assert ID_NUMBER.encode() not in raw and "赵建国".encode() not in raw
    reopened = open_protected(path, keys)
    assert _persons(reopened) == 20
    reopened.dispose()
    assert protect(path, keys) == key  # already encrypted: the same key, nothing converted twice


@pytest.mark.parametrize("damage", ["forget", "replace"])
def test_missing_or_wrong_key_is_a_clear_message_and_the_file_is_untouched(tmp_path, keys, damage):
    path = tmp_path / "township.db"
    engine = open_local(path)
    _fill(engine, 3)
    protect(path, keys, engine)
    before = path.read_bytes()
    if damage == "forget":
        keys.forget(path)
    else:
        keys.store(path, "x'" + "11" * 32 + "'")
    with pytest.raises(UserFacingError) as info:
        open_protected(path, keys)
    assert info.value.code == ("database_key_missing" if damage == "forget" else "database_key_wrong")
    assert "township.db" in info.value.message() and "乡镇管理员" in info.value.message()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["township.db"]  # no new empty database beside it


def test_a_released_key_is_checked_before_it_is_stored(tmp_path, keys):
    path = tmp_path / "township.db"
    engine = open_local(path)
    _fill(engine, 2)
    key = protect(path, keys, engine)
    keys.forget(path)
    with pytest.raises(UserFacingError) as info:
        restore_key(path, "x'" + "22" * 32 + "'", keys)
    assert info.value.code == "database_key_wrong" and keys.get(path) is None
    restore_key(path, f"  {key}\n", keys)
    engine = open_protected(path, keys)
    assert _persons(engine) == 2
    engine.dispose()


def test_the_key_is_never_written_to_a_plaintext_keyring(tmp_path):
    keys = DatabaseKeys(SecretStore(PlaintextLikeKeyring()))
    path = tmp_path / "township.db"
    open_local(path).dispose()
    with pytest.raises(KeyringUnavailable):
        protect(path, keys)
    assert not is_encrypted(path)  # refused before the file was touched


def test_erase_removes_the_database_its_journal_copies_and_key(tmp_path, keys):
    path = tmp_path / "township.db"
    engine = open_local(path)
    _fill(engine, 2)
    protect(path, keys, engine)
    (tmp_path / "township.db.base.bak").write_bytes(b"old copy")
    (tmp_path / "township.db-wal").write_bytes(b"wal")
    (tmp_path / "other.txt").write_text("keep")
    removed = erase_local_database(path, keys)
    assert {p.name for p in removed} == {"township.db", "township.db-wal", "township.db.base.bak"}
    assert [p.name for p in tmp_path.iterdir()] == ["other.txt"] and keys.get(path) is None


@pytest.mark.parametrize(("username", "password", "rule"), [
    ("li_si", "short1", "short"), ("li_si", "13812345678", "digits"), ("zhangsan", "ZhangSan-2024", "username"),
    ("li_si", "清风徐来，2024年春", None), ("li_si", "correct horse 9", None)])
def test_password_policy(username, password, rule):
    assert password_problem(username, password) == rule
    if rule is None:
        check_password(username, password)
    else:
        with pytest.raises(ApiError) as info:
            check_password(username, password)
        assert info.value.status == 422 and info.value.extra["rule"] == rule


def test_escrowed_keys_are_sealed_and_bound_to_their_device(tmp_path, monkeypatch):
    import datetime as dt
    import uuid

    from cryptography.exceptions import InvalidTag

    from server import escrow
    from server.config import Settings

    monkeypatch.setenv("TD_SERVER_DATA_DIR", str(tmp_path))
    settings = Settings(secret_key="s" * 40)
    device, other = str(uuid.uuid4()), str(uuid.uuid4())
    key = "x'" + "ab" * 32 + "'"
    escrow.store_key(settings, device, key, dt.datetime(2026, 1, 1))
    sealed = (tmp_path / "escrow" / f"{device}.key").read_bytes()
    assert b"abab" not in sealed and (tmp_path / "escrow" / f"{device}.key").stat().st_mode & 0o077 == 0
    assert escrow._unseal(settings, device) == key
    with pytest.raises(InvalidTag):
        escrow._unseal(Settings(secret_key="t" * 40), device)  # another server's secret
    (tmp_path / "escrow" / f"{other}.key").write_bytes(sealed)
    with pytest.raises(InvalidTag):
        escrow._unseal(settings, other)  # a sealed key copied to another device id


def _enrol_offline(path, role: str, village: str = "150422100201") -> None:
    """Write the enrolment a login would leave (no server here: escrow stays pending)."""
    import json

    from app.enrolment import ENROLMENT_KEY, Enrolment
    from db.client import SyncState

    engine = open_local(path)
    _fill(engine, 5)
    enrolment = Enrolment(server_url="http://127.0.0.1:9", username="cadre", device_id="d" * 36, role=role,
                          scope=village)
    with session_factory(engine).begin() as s:
        s.add(SyncState(key=ENROLMENT_KEY, value=json.dumps(enrolment.__dict__)))
    engine.dispose()


def test_startup_encrypts_a_village_laptop_and_refuses_to_open_without_its_key(tmp_path):
    from app.client.startup import open_client
    from app.protection import ESCROW_STATE, escrow_if_pending
    from sync.capture import read_state

    ring = MemoryKeyring()
    path = tmp_path / "township.db"
    _enrol_offline(path, "village_cadre")
    services = open_client(path, secrets=SecretStore(ring))
    assert is_encrypted(path) and _persons(services.context.engine) == 5
    keys = DatabaseKeys(SecretStore(ring))
    offline = escrow_if_pending(path, services.context.sessions, keys, services.enrolment.transport)
    with services.context.sessions() as s:
        assert not offline and read_state(s, ESCROW_STATE) == "pending"  # retried at the next start
    services.context.close()
    with pytest.raises(UserFacingError) as info:
        open_client(path, secrets=SecretStore(MemoryKeyring()))  # another profile: no key
    assert info.value.code == "database_key_missing"
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".db") == ["township.db"]


def test_startup_leaves_an_office_pc_plain_unless_asked(tmp_path):
    from app.client.startup import open_client

    path = tmp_path / "township.db"
    _enrol_offline(path, "township_staff", "150422100")
    ring = MemoryKeyring()
    services = open_client(path, secrets=SecretStore(ring))
    assert not is_encrypted(path)
    from app.protection import request_encryption

    request_encryption(services.context.sessions)  # the office asks for it: honoured at the next start
    services.context.close()
    services = open_client(path, secrets=SecretStore(ring))
    assert is_encrypted(path) and _persons(services.context.engine) == 5
    services.context.close()


LOCKED_START = r"""
import sys
from PySide6.QtCore import QSettings
QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, sys.argv[2])
from app.enrolment import SecretStore
from app.protection import DatabaseKeys, protect
from db.engine import open_local
from tests.client_sync_support import MemoryKeyring
import ui.app

path = sys.argv[1]
protect(path, DatabaseKeys(SecretStore(MemoryKeyring())), open_local(path))  # its key is on another PC
ui.app.Dialogs.error = lambda self, parent, title, text: print("SHOWN", text.replace("\n", " "))
print("EXIT", ui.app.run(sys.argv[:1], database_path=path, secrets=SecretStore(MemoryKeyring())))
"""


def test_the_desktop_client_started_without_the_key_says_why_and_exits(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "TD_DATA_DIR": str(tmp_path), "QT_QPA_PLATFORM": "offscreen"}
    path = tmp_path / "client.db"
    done = subprocess.run([sys.executable, "-c", LOCKED_START, str(path), str(tmp_path / "settings")], env=env,
                          capture_output=True, text=True, timeout=120, cwd=Path(__file__).parent.parent)
    lines = dict(line.split(" ", 1) for line in done.stdout.splitlines() if " " in line)
    assert done.returncode == 0, done.stderr[-2000:]
    assert lines["EXIT"] == "2" and "密钥" in lines["SHOWN"] and "client.db" in lines["SHOWN"]
    assert is_encrypted(path) and sorted(p.name for p in tmp_path.glob("*.db")) == ["client.db"]
