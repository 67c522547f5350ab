"""Rolling upgrades: a client one schema version behind the city server keeps syncing, both ways.

The fixture makes this code one version newer (N) the way a real release would: a household field
(`phone`: nullable, as a new column must be unless it carries a database default) and a whole
entity (`case_whistle`) are declared `since=N`. The city server (uvicorn on loopback, in this process
so it reads the same declarations) then serves two clients over HTTP: one announcing N-1 (built
before the field existed) and one announcing N. The old one gets neither the field nor the entity,
its pushes never clear them, a change of its naming the new field is refused, and once it upgrades
(same database, version N) one sync brings what it missed."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import time

import pytest
import requests
import uvicorn
from sqlalchemy import select

from app.enrolment import EnrolmentService, SecretStore
from db.client import OutboxChange
from db.engine import open_local, session_factory
from db.models import Case, CaseWhistle, Household
from server.app import create_app
from server.config import load_settings
from server.db import make_server_engine
from sync import versions
from sync.capture import install_capture
from sync.client import SyncClient
from sync.http_transport import HttpTransport
from sync.transport import UpgradeNeeded
from tests.client_sync_support import MemoryKeyring
from tests.server.live import PASSWORD, TEST_ENV, LiveServer, _prepare, free_port

TOWNSHIP, VILLAGE = "150422100", "150422100201"


@contextlib.contextmanager
def one_version_newer():
    """This code as schema version N = today's + 1, with `households.phone` and `case_whistle` new
    in it; yields N."""
    new = versions.current_version() + 1
    column = Household.__table__.c.phone
    before = column.info.get("since")
    column.info["since"] = new
    CaseWhistle.__sync_since__ = new
    versions.clear_caches()
    try:
        yield new
    finally:
        column.info.pop("since")
        if before is not None:
            column.info["since"] = before
        del CaseWhistle.__sync_since__  # back to the mixin's 1
        versions.clear_caches()


@contextlib.contextmanager
def city_server(tmp_path, **settings):
    """The city server in a thread of this process, on a fresh SQLite database."""
    url = f"sqlite:///{tmp_path / 'city.db'}"
    env = {k.lower()[3:]: v for k, v in TEST_ENV.items() if k != "TD_LOG_LEVEL"}
    config = load_settings(database_url=url, **{k: int(v) if v.isdigit() else v for k, v in env.items()},
                           log_level="WARNING", **settings)
    engine = make_server_engine(url)
    _prepare(engine)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(config), host="127.0.0.1", port=port,
                                           log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    live = LiveServer(f"http://127.0.0.1:{port}", url, config, None, tmp_path / "none.log", engine)
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield live
    finally:
        server.should_exit = True
        thread.join(10)
        engine.dispose()


class Pc:
    """One client database, enrolled as `username`, syncing in schema `version`."""

    def __init__(self, path, live: LiveServer, username: str, version: int) -> None:
        self.engine = open_local(path)
        self.sessions = session_factory(self.engine)
        self.enrolment = EnrolmentService(self.sessions, SecretStore(MemoryKeyring()),
                                          lambda url: HttpTransport(url, schema_version=version))
        install_capture(self.sessions, self.enrolment.device_id())
        self.enrolment.enrol(live.url, username, PASSWORD, device_name="测试电脑")
        self.upgrade(version)

    def upgrade(self, version: int) -> None:
        """The same database under a client build of `version` (what installing an update does)."""
        self.enrolment._transport_factory = lambda url: HttpTransport(url, schema_version=version)
        self.version = version

    def sync(self):
        transport = self.enrolment.transport()
        try:
            return SyncClient(self.engine, self.sessions, self.enrolment.device_id(), transport,
                              schema_version=self.version).sync()
        finally:
            transport.close()

    def household(self, hid: str) -> Household | None:
        with self.sessions() as s:
            return s.get(Household, hid)

    def whistles(self) -> list[str]:
        with self.sessions() as s:
            return sorted(s.scalars(select(CaseWhistle.id)))


def _server_household(live: LiveServer, hid: str) -> Household:
    with live.session() as s:
        return s.get(Household, hid)


def _raw_pull(live: LiveServer, username: str, version: int) -> list[dict]:
    client = live.login(username)
    r = requests.get(live.api + "/sync/pull", params={"cursor": 0, "limit": 2000}, timeout=30,
                     headers={**client.headers(), "X-Schema-Version": str(version)})
    assert r.status_code == 200, r.text
    return r.json()["records"]


@pytest.fixture(autouse=True)
def _server_data(tmp_path, monkeypatch):
    monkeypatch.setenv("TD_SERVER_DATA_DIR", str(tmp_path / "server-data"))


def test_an_older_client_is_served_in_its_version_and_catches_up_after_upgrading(tmp_path):
    with one_version_newer() as n, city_server(tmp_path) as live:
        assert versions.current_version() == n
        user = live.add_user("township_staff", TOWNSHIP)
        new = Pc(tmp_path / "new.db", live, user, n)
        with new.sessions.begin() as s:  # the up-to-date client writes the new field and entity
            home = Household(household_no=f"{VILLAGE}010001", region_code=VILLAGE, address="1组1号",
                             phone="13912345678")
            case = Case(case_no="C00001", source="1", request_type="3", category_code="A1", title="路灯不亮",
                        registered_at=dt.datetime(2026, 3, 1, 9), region_code=VILLAGE)
            s.add_all([home, case])
            s.flush()
            s.add(CaseWhistle(case_id=case.id, region_code=VILLAGE, department_code="mz",
                              summoned_at=case.registered_at))
            hid = home.id
        assert new.sync().pushed == 3

        # The server answers version N-1 without the field and without the entity.
        old_view = _raw_pull(live, user, n - 1)
        assert [r for r in old_view if r["entity"] == "case_whistle"] == []
        assert all("phone" not in r["fields"] for r in old_view if r["entity"] == "household")
        assert any("phone" in r["fields"] for r in _raw_pull(live, user, n) if r["entity"] == "household")

        old = Pc(tmp_path / "old.db", live, user, n - 1)
        old.sync()  # first sync: the snapshot, in version N-1
        assert old.household(hid).address == "1组1号" and old.household(hid).phone is None
        assert old.whistles() == []

        # Its edit of a field it knows goes up and clears nothing it cannot see.
        with old.sessions.begin() as s:
            s.get(Household, hid).address = "1组1号（东院）"
        assert old.sync().pushed == 1
        assert _server_household(live, hid).address == "1组1号（东院）"
        assert _server_household(live, hid).phone == "13912345678"

        # A change naming the new field cannot come from an N-1 client: refused, nothing changes.
        with old.sessions.begin() as s:
            s.get(Household, hid).phone = "13700002222"
        done = old.sync()
        assert done.rejected == 1
        with old.sessions() as s:
            row = s.scalars(select(OutboxChange).where(OutboxChange.state == "rejected")).one()
            assert row.reject_code == "unknown_field"
        assert _server_household(live, hid).phone == "13912345678"

        with new.sessions.begin() as s:  # meanwhile the field changes again on the new client
            s.get(Household, hid).phone = "13800001111"
        new.sync()
        old.sync()
        assert old.household(hid).address == "1组1号（东院）"

        # The upgrade: the same database as version N; one sync brings what N-1 was not sent.
        old.upgrade(n)
        old.sync()
        assert old.household(hid).phone == "13800001111"
        assert old.whistles() == new.whistles() != []
        with old.sessions() as s, new.sessions() as t:
            mine = {h.id: (h.address, h.phone) for h in s.scalars(select(Household))}
            theirs = {h.id: (h.address, h.phone) for h in t.scalars(select(Household))}
        assert mine == theirs


def test_a_client_of_the_previous_release_gets_no_field_or_entity_new_in_this_one(tmp_path):
    """This release is version 2: persons' life events, a case's dispatch and repeat, attachments and
    print snapshots are new in it, so a version-1 client (the build before) is served without them."""
    assert versions.current_version() >= 2
    assert not any(versions.knows_entity(e, 1) for e in ("attachment", "print_snapshot", "person_distinction"))
    assert {"moved_in_on", "died_on"} <= versions.known_fields("person", 2) - versions.known_fields("person", 1)
    assert {"dispatched_to", "repeat_of"} <= versions.known_fields("case", 2) - versions.known_fields("case", 1)
    assert versions.brings_new(1, 2) and not versions.brings_new(2, 2)


def test_upgrade_needed_only_below_the_configured_minimum(tmp_path):
    with one_version_newer() as n, city_server(tmp_path, min_schema_version=n) as live:
        user = live.add_user("township_staff", TOWNSHIP)
        old = Pc(tmp_path / "old.db", live, user, n - 1)
        with pytest.raises(UpgradeNeeded):
            old.sync()
        current = Pc(tmp_path / "current.db", live, user, n)
        assert current.sync().pulled >= 0
        client = live.login(user)
        too_new = requests.get(live.api + "/sync/pull", timeout=30,
                               headers={**client.headers(), "X-Schema-Version": str(n + 1)})
        assert too_new.status_code == 409 and too_new.json()["error"]["code"] == "server_outdated"


def test_every_field_and_entity_newer_than_version_one_says_since_when():
    """tests/sync_schema_v1.json is what the first release synced (entity -> fields). Anything synced
    today that is not in it must be declared `since` 2 or later, or older clients would be sent it;
    a field added without saying since when fails here."""
    import json
    from pathlib import Path

    from db.base import synced_columns, synced_models

    first = json.loads((Path(__file__).parent / "sync_schema_v1.json").read_text(encoding="utf-8"))
    undeclared = []
    for cls in synced_models():
        entity = cls.__sync_entity__
        if entity not in first:
            undeclared += [entity] if versions.entity_since(entity) < 2 else []
            continue
        undeclared += [f"{entity}.{name}" for name in synced_columns(cls)
                       if name not in first[entity] and versions.field_since(entity, name) < 2]
    assert undeclared == []
