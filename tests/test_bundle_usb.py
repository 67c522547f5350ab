"""USB bundles (app/bundle.py, sync/bundle_format.py): an offline device's outbox travels on a file,
an online PC of the same township relays it, the answer comes back and applies once and only once.
The server side here is a reference implementation of the contract in
docs/decisions/0003-usb-bundles.md over the real server store (server.store.inprocess)."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from app.bundle import BundleService
from app.enrolment import EnrolmentService, SecretStore
from app.errors import UserFacingError
from db.client import OutboxChange
from db.engine import open_local, session_factory
from db.ids import new_id
from db.models import Household
from server.store.inprocess import StoreTransport
from server.store.tables import ChangeLogEntry
from sync.bundle_format import KIND_ANSWER, BundleError, open_bundle, public_key_b64, seal
from sync.capture import install_capture
from sync.transport import ServerError
from tests.client_sync_support import MemoryKeyring
from tests.sim.world import TOWNSHIP, VILLAGES, server_engine

OTHER_TOWNSHIP = "320508020"


class ReferenceCity:
    """The city server's side of login and bundle relay, as the decision note specifies it."""

    def __init__(self, server_factory: sessionmaker) -> None:
        self.factory = server_factory
        self.key = Ed25519PrivateKey.generate()
        self.devices: dict[str, tuple[str, str]] = {}  # device id -> (public key, scope)
        self.scopes = {"cadre": VILLAGES[0], "staff": TOWNSHIP, "other": OTHER_TOWNSHIP}

    def transport(self, _url: str):
        return CityTransport(self)

    def answer(self, data: bytes, relay_scope: str) -> bytes:
        try:
            device_id = json.loads(base64.b64decode(json.loads(data)["payload"]))["header"]["device_id"]
        except (KeyError, ValueError) as exc:
            raise ServerError("bundle_malformed", "", 400) from exc
        if device_id not in self.devices:
            raise ServerError("bundle_foreign", "", 403)
        public_key, scope = self.devices[device_id]
        try:
            opened = open_bundle(data, expected_public_key=public_key)
        except BundleError as exc:
            raise ServerError(exc.code, "", 400) from exc
        if not scope.startswith(relay_scope[:9]):
            raise ServerError("bundle_foreign", "", 403)
        store = StoreTransport(self.factory, device_id, "cadre", scope)
        results = store.push(opened.body["changes"])
        page = store.pull(opened.header["cursor"], 1000)
        header = {"kind": KIND_ANSWER, "bundle_id": new_id(), "in_reply_to": opened.header["bundle_id"],
                  "device_id": device_id, "township": scope[:9], "cursor": opened.header["cursor"]}
        return seal(header, {"results": [r.to_json() for r in results], "pages": [page.to_json()]}, self.key)


class CityTransport:
    def __init__(self, city: ReferenceCity) -> None:
        self.city = city
        self.token = None
        self.scope = ""

    def login(self, username, password, *, device_id, device_name, public_key):
        self.city.devices[device_id] = (public_key, self.city.scopes[username])
        return {"token": f"token-{device_id}", "server_public_key": public_key_b64(self.city.key),
                "user": {"username": username, "role": "village_cadre", "scope_prefix": self.city.scopes[username]}}

    def relay_bundle(self, data: bytes) -> bytes:
        relay_device = self.token.removeprefix("token-")
        return self.city.answer(data, self.city.devices[relay_device][1])

    def close(self):
        pass


class Pc:
    def __init__(self, path, city: ReferenceCity, username: str) -> None:
        self.engine = open_local(path)
        self.sessions = session_factory(self.engine)
        self.enrolment = EnrolmentService(self.sessions, SecretStore(MemoryKeyring()), city.transport)
        install_capture(self.sessions, self.enrolment.device_id())
        self.enrolment.enrol("https://city", username, "pw")
        self.bundles = BundleService(self.engine, self.sessions, self.enrolment)

    def add_household(self, village=VILLAGES[0], seq=1) -> str:
        with self.sessions.begin() as s:
            h = Household(household_no=f"{village}01{seq:04d}", region_code=village, notes="村里录入")
            s.add(h)
            s.flush()
            return h.id

    def outbox(self) -> int:
        with self.sessions() as s:
            return s.scalar(select(func.count()).select_from(OutboxChange).where(OutboxChange.state != "accepted"))


@pytest.fixture
def city(tmp_path):
    engine = server_engine(tmp_path / "server.db")
    yield ReferenceCity(sessionmaker(engine))
    engine.dispose()


@pytest.fixture
def village(tmp_path, city):
    return Pc(tmp_path / "village.db", city, "cadre")


@pytest.fixture
def office(tmp_path, city):
    return Pc(tmp_path / "office.db", city, "staff")


def _log_count(city, record_id) -> int:
    with city.factory() as s:
        return s.scalar(select(func.count()).select_from(ChangeLogEntry).where(ChangeLogEntry.record_id == record_id))


def test_round_trip_applies_once_and_settles_the_outbox(tmp_path, city, village, office):
    hids = [village.add_household(seq=i) for i in (1, 2, 3)]
    summary = village.bundles.export(tmp_path / "stick.tdbundle")
    assert summary.changes == 3 and village.outbox() == 3  # exporting clears nothing
    relayed = office.bundles.import_file(tmp_path / "stick.tdbundle")
    assert relayed.accepted == 3 and relayed.answer_path.exists()
    assert all(_log_count(city, h) == 1 for h in hids)
    imported = village.bundles.import_file(relayed.answer_path)
    assert imported.settled == 3 and village.outbox() == 0
    with pytest.raises(UserFacingError) as info:  # the same answer again
        village.bundles.import_file(relayed.answer_path)
    assert info.value.code == "bundle_replayed"


def test_a_bundle_is_relayed_once_per_pc_and_applied_once_by_the_server(tmp_path, city, village, office):
    hid = village.add_household()
    village.bundles.export(tmp_path / "b.tdbundle")
    office.bundles.relay(tmp_path / "b.tdbundle")
    with pytest.raises(UserFacingError) as info:
        office.bundles.relay(tmp_path / "b.tdbundle")
    assert info.value.code == "bundle_replayed" and "已导入过" in info.value.message()
    second_office = Pc(tmp_path / "office2.db", city, "staff")
    again = second_office.bundles.relay(tmp_path / "b.tdbundle", tmp_path / "again.tdbundle")
    assert again.accepted == 1  # the server answers the same change id the same way ...
    assert _log_count(city, hid) == 1  # ... and applies it only once


def test_tampered_bundle_is_refused_by_the_relay(tmp_path, village, office):
    village.add_household()
    path = tmp_path / "b.tdbundle"
    village.bundles.export(path)
    envelope = json.loads(path.read_bytes())
    payload = json.loads(base64.b64decode(envelope["payload"]))
    payload["body"]["changes"][0]["fields"]["notes"] = "篡改"
    envelope["payload"] = base64.b64encode(json.dumps(payload).encode()).decode()
    path.write_text(json.dumps(envelope))
    with pytest.raises(UserFacingError) as info:
        office.bundles.import_file(path)
    assert info.value.code == "bundle_bad_signature" and "篡改" in info.value.message()


def test_forged_bundle_signed_by_another_key_is_refused_by_the_server(tmp_path, village, office):
    village.add_household()
    path = tmp_path / "b.tdbundle"
    village.bundles.export(path)
    opened = open_bundle(path.read_bytes())
    path.write_bytes(seal(opened.header, opened.body, Ed25519PrivateKey.generate()))
    with pytest.raises(UserFacingError) as info:
        office.bundles.relay(path)
    assert info.value.code == "bundle_bad_signature"


def test_bundle_from_another_township_is_refused(tmp_path, city, village):
    village.add_household()
    village.bundles.export(tmp_path / "b.tdbundle")
    elsewhere = Pc(tmp_path / "elsewhere.db", city, "other")
    with pytest.raises(UserFacingError) as info:
        elsewhere.bundles.relay(tmp_path / "b.tdbundle")
    assert info.value.code == "bundle_foreign"


def test_answer_for_another_device_is_refused(tmp_path, city, village, office):
    village.add_household()
    village.bundles.export(tmp_path / "b.tdbundle")
    answer = office.bundles.relay(tmp_path / "b.tdbundle").answer_path
    other_village = Pc(tmp_path / "v2.db", city, "cadre")
    with pytest.raises(UserFacingError) as info:
        other_village.bundles.import_file(answer)
    assert info.value.code == "bundle_foreign"


def test_answer_not_signed_by_the_server_is_refused(tmp_path, village):
    header = {"kind": KIND_ANSWER, "bundle_id": new_id(), "device_id": village.enrolment.device_id()}
    path = tmp_path / "fake.tdbundle"
    path.write_bytes(seal(header, {"results": [], "pages": []}, Ed25519PrivateKey.generate()))
    with pytest.raises(UserFacingError) as info:
        village.bundles.import_file(path)
    assert info.value.code == "bundle_bad_signature"


def test_nothing_to_export_and_garbage_files(tmp_path, village):
    with pytest.raises(UserFacingError) as info:
        village.bundles.export(tmp_path / "b.tdbundle")
    assert info.value.code == "bundle_empty"
    (tmp_path / "junk.tdbundle").write_text("这不是同步包")
    with pytest.raises(UserFacingError) as info:
        village.bundles.import_file(tmp_path / "junk.tdbundle")
    assert info.value.code == "bundle_malformed"


def test_reverse_bundle_carries_the_pull(tmp_path, city, village, office):
    hid = office.add_household(VILLAGES[0], seq=9)
    office_transport = StoreTransport(city.factory, office.enrolment.device_id(), "staff", TOWNSHIP)
    office_transport.push([c for c in _pending(office)])
    village.add_household()
    village.bundles.export(tmp_path / "b.tdbundle")
    answer = office.bundles.relay(tmp_path / "b.tdbundle").answer_path
    assert village.bundles.import_file(answer).pulled >= 1
    with village.sessions() as s:
        assert s.get(Household, hid) is not None


def _pending(pc: Pc) -> list[dict]:
    from sync.replica import LocalReplica

    return [c.to_json() for c in LocalReplica(pc.engine, pc.sessions, pc.enrolment.device_id()).push_batch()]
