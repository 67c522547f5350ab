"""The "sqlite" snapshot format (database images, docs/decisions/0008) against the per-field records
format, through a real server on SQLite and PostgreSQL: a client loaded from images holds exactly
what a client loaded from records holds — every column of every synced table, the RecordSeen rows —
for a township role and a village role (sensitive tags and sibling villages filtered alike). Also:
an encrypted (SQLCipher) client, which cannot attach images, reads them out instead; a snapshot
applied again over held records keeps a pending local edit; the server keeps a person's search keys
when a pushed change renames them (the snapshot sends them as they are)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text

from app.enrolment import SecretStore
from app.sync_service import client_sync
from db.base import synced_models
from db.engine import open_local, session_factory
from db.models import Household, Person
from demo.seed import seed_demo
from server.config import load_settings
from sync.capture import install_capture
from sync.client import SyncClient
from sync.pages import SnapshotChunk
from sync.replica import LocalReplica
from tests.client_sync_support import MemoryKeyring
from tests.server.databases import BACKENDS, fresh_database
from tests.server.live import PASSWORD, _patched_environ, live_server

TABLES = [cls.__tablename__ for cls in synced_models()] + ["record_seen"]


@pytest.fixture(scope="module", params=BACKENDS)
def server(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"images-{request.param}")
    with fresh_database(request.param, tmp) as url, live_server(url, tmp) as live:
        with _patched_environ({"DATABASE_URL": url, "TD_SECRET_KEY": "test-secret-key-for-the-suite",
                               "TD_ARGON2_TIME_COST": "1", "TD_ARGON2_MEMORY_KIB": "1024"}):
            seed_demo(load_settings(), households=40, password=PASSWORD)
        yield live


def _enrolled(path, server, username, key=None):
    engine = open_local(path, key)
    sessions = session_factory(engine)
    enrolment, _sync = client_sync(engine, sessions, SecretStore(MemoryKeyring()))
    install_capture(sessions, enrolment.device_id())
    enrolment.enrol(server.url, username, PASSWORD, device_name="测试电脑")
    return engine, sessions, enrolment


def _from_images(path, server, username, key=None):
    engine, sessions, enrolment = _enrolled(path, server, username, key)
    client = SyncClient(engine, sessions, enrolment.device_id(), enrolment.transport())
    assert client.load_snapshot() > 0
    return engine, sessions, client


def _from_records(path, server, username):
    engine = open_local(path)
    live = server.login(username)
    r = live.get("/sync/snapshot")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson")
    chunks = [SnapshotChunk.from_json(json.loads(line)) for line in r.content.splitlines()]
    LocalReplica(engine, session_factory(engine), "records-device").apply_snapshot(chunks)
    return engine


def _contents(engine) -> dict[str, list[tuple]]:
    with engine.connect() as conn:
        return {t: [tuple(r) for r in conn.execute(text(f'SELECT * FROM "{t}" ORDER BY 1, 2'))] for t in TABLES}


@pytest.mark.parametrize("username", ["demo_staff", "demo_cadre"])
def test_images_load_exactly_what_records_load(server, tmp_path, username, monkeypatch):
    import sync.replica

    applied = {"rows": 0, "images": 0}  # the first chunks come as JSON rows, the rest as images
    for name, kind in (("apply_rows", "rows"), ("apply_image", "images")):
        def counted(*args, _real=getattr(sync.replica, name), _kind=kind):
            applied[_kind] += 1
            return _real(*args)
        monkeypatch.setattr(sync.replica, name, counted)
    images, _, _ = _from_images(tmp_path / "images.db", server, username)
    assert applied["rows"] and applied["images"], applied
    records = _from_records(tmp_path / "records.db", server, username)
    got, want = _contents(images), _contents(records)
    assert sum(len(rows) for rows in want.values()) > 300
    for table in TABLES:
        assert got[table] == want[table], table
    with images.connect() as conn:  # the indexes dropped for the load are all back
        indexes = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'index'"))}
    assert {i.name for cls in synced_models() for i in cls.__table__.indexes} <= indexes


def test_an_encrypted_client_reads_the_images_out(server, tmp_path):
    plain, _, _ = _from_images(tmp_path / "plain.db", server, "demo_cadre")
    secret, _, _ = _from_images(tmp_path / "secret.db", server, "demo_cadre", key="x'" + "ab" * 32 + "'")
    assert _contents(secret) == _contents(plain)
    assert b"SQLite format 3" not in (tmp_path / "secret.db").read_bytes()[:16]


def test_a_snapshot_over_held_records_keeps_pending_edits(server, tmp_path):
    engine, sessions, client = _from_images(tmp_path / "pc.db", server, "demo_staff")
    before = _contents(engine)
    with sessions.begin() as s:
        household = s.scalars(select(Household).order_by(Household.id).limit(1)).one()
        household.notes = "本机尚未上传的修改"
        hid = household.id
    client.load_snapshot()  # every record is held now: the update path
    with sessions() as s:
        assert s.get(Household, hid).notes == "本机尚未上传的修改"
    after = _contents(engine)
    for table in TABLES:
        if table != "households":
            assert after[table] == before[table], table
    assert len(after["households"]) == len(before["households"])


def test_the_server_keeps_search_keys_of_a_renamed_person(server, tmp_path):
    live = server.login("demo_staff")
    with server.session() as s:
        person = s.scalars(select(Person).where(Person.region_code.startswith("150422100")).limit(1)).one()
        pid, old = person.id, person.search_initials
    r = live.push([live.change("person", pid, {"name": "欧阳修"})])
    assert r.json()["results"][0]["outcome"] != "rejected", r.text
    with server.session() as s:
        assert s.get(Person, pid).search_initials == "oyx" != old
    engine, _, _ = _from_images(tmp_path / "pc.db", server, "demo_staff")
    with session_factory(engine)() as s:
        assert s.get(Person, pid).search_initials == "oyx"


def test_the_upgrade_fills_in_search_keys_written_before_the_server_kept_them(tmp_path):
    """Persons written by a server before it kept search keys carry empty ones; `upgrade` (revision
    0002) computes them, so a snapshot never hands a client a person its searches cannot find."""
    from alembic import command

    from server.db import alembic_config, make_server_engine, upgrade
    from server.db import session_factory as server_sessions

    engine = make_server_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine)
    with server_sessions(engine)() as s:
        household = Household(household_no="150422100201010001", region_code="150422100201")
        s.add(household)
        s.flush()
        person = Person(household_id=household.id, region_code="150422100201", name="欧阳修",
                        id_number="11010519491231002X", phone="13800138000")
        s.add(person)
        s.commit()
        s.execute(text("UPDATE persons SET search_initials = '', search_id_rev = '', search_phone_rev = ''"))
        s.commit()
        pid = person.id
    command.downgrade(alembic_config(engine), "0001")
    upgrade(engine)
    with server_sessions(engine)() as s:
        keys = s.execute(text("SELECT search_initials, search_id_rev, search_phone_rev FROM persons WHERE id = :i"),
                         {"i": pid}).one()
    assert tuple(keys) == ("oyx", "11010519491231002X"[::-1], "13800138000"[::-1])
    engine.dispose()
