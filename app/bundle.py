"""USB bundles on the client (docs/decisions/0003-usb-bundles.md): the offline device exports its
pending outbox to a file signed with its device key; any online PC of the same township relays the
file to the server and writes the server's signed answer next to it; the offline device imports that
answer, which settles its outbox and brings it the pull. Exporting never clears the outbox (a lost
stick loses nothing); tampered, foreign and replayed bundles are refused with clear messages, each
bundle is relayed once per PC and each answer imported once per device."""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.enrolment import EnrolmentService, NotEnrolled
from app.errors import UserFacingError
from db.ids import new_id
from sync.attachments import blob_dir_for, bundle_blobs, settle_bundled
from sync.bundle_format import KIND_ANSWER, KIND_OUTBOX, BundleError, OpenedBundle, open_bundle, seal
from sync.capture import read_state, write_state
from sync.merge import ChangeResult
from sync.pages import Page
from sync.replica import LocalReplica
from sync.transport import Offline, TransportError

RELAYED_KEY = "bundles_relayed"
IMPORTED_KEY = "bundles_imported"
SUFFIX = ".tdbundle"
_MAX_REMEMBERED = 5000  # bundle ids kept for replay detection (oldest forgotten first)


@dataclass(frozen=True)
class ExportSummary:
    path: Path
    bundle_id: str
    changes: int


@dataclass(frozen=True)
class RelaySummary:
    answer_path: Path
    accepted: int
    rejected: int


@dataclass(frozen=True)
class ImportSummary:
    settled: int
    pulled: int


def _refuse(error: BundleError) -> UserFacingError:
    return UserFacingError(error.code, detail=error.detail)


def _write_atomically(path: Path, data: bytes) -> None:
    """Write via a temporary file, fsync and rename, so a pulled-out stick never holds half a bundle."""
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _read(path: Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise UserFacingError("bundle_malformed", detail=type(exc).__name__) from exc


class BundleService:
    """Bundles for one local database, its enrolment and its sync mechanics."""

    def __init__(self, engine: Engine, sessions: sessionmaker[Session], enrolment: EnrolmentService,
                 clock=lambda: dt.datetime.now(dt.UTC)) -> None:
        self._engine = engine
        self._sessions = sessions
        self._enrolment = enrolment
        self._clock = clock

    def _client(self) -> LocalReplica:
        return LocalReplica(self._engine, self._sessions, self._enrolment.device_id())

    # --- the offline device ----------------------------------------------------------------------

    def export(self, path: str | Path) -> ExportSummary:
        """Write every pending change to a bundle at `path`, signed with the device key."""
        enrolment = self._enrolment.current()
        if enrolment is None:
            raise NotEnrolled()
        key = self._enrolment.signing_key()
        changes = self._client().push_batch(limit=1_000_000)
        if not changes:
            raise UserFacingError("bundle_empty")
        header = {
            "kind": KIND_OUTBOX, "bundle_id": new_id(), "device_id": enrolment.device_id,
            "username": enrolment.username, "township": enrolment.scope[:9],
            "created_at": self._clock().isoformat(), "cursor": self._client().cursor(),
            "first_device_seq": changes[0].device_seq, "last_device_seq": changes[-1].device_seq,
            "count": len(changes)}
        path = Path(path)
        blobs = bundle_blobs(self._sessions, blob_dir_for(self._engine))  # attachment files travel too
        _write_atomically(path, seal(header, {"changes": [c.to_json() for c in changes], "blobs": blobs}, key))
        return ExportSummary(path, header["bundle_id"], len(changes))

    def import_answer(self, data: bytes) -> ImportSummary:
        """Apply the server's answer to one of this device's bundles."""
        enrolment = self._enrolment.current()
        if enrolment is None:
            raise NotEnrolled()
        if not enrolment.server_public_key:
            raise UserFacingError("bundle_foreign", detail="no server key; log in online once")
        try:
            opened = open_bundle(data, expected_public_key=enrolment.server_public_key)
        except BundleError as exc:
            raise _refuse(exc) from exc
        header = opened.header
        if header.get("kind") != KIND_ANSWER or header.get("device_id") != enrolment.device_id:
            raise UserFacingError("bundle_foreign", detail="answer for another device")
        bundle_id = str(header.get("bundle_id"))
        self._check_new(IMPORTED_KEY, bundle_id)
        client = self._client()
        try:
            results = [ChangeResult(**r) for r in opened.body.get("results", [])]
            pages = [Page.from_json(p) for p in opened.body.get("pages", [])]
        except (TypeError, KeyError) as exc:
            raise UserFacingError("bundle_malformed", detail="bad answer body") from exc
        settled = client.apply_push_results(results)
        pulled = sum(len(p.records) for p in pages if client.apply_page(p))
        client.apply_waiting_evictions()
        settle_bundled(self._sessions, [str(b) for b in opened.body.get("blobs_stored") or []])
        self._remember_once(IMPORTED_KEY, bundle_id)  # after applying: a crash half-way may import again
        return ImportSummary(settled, pulled)

    # --- the online relay PC ---------------------------------------------------------------------

    def check_relayable(self, data: bytes) -> OpenedBundle:
        """Refuse before sending: a corrupted/edited file, another township's bundle, a bundle this
        PC has relayed before."""
        try:
            opened = open_bundle(data)
        except BundleError as exc:
            raise _refuse(exc) from exc
        if opened.header.get("kind") != KIND_OUTBOX:
            raise UserFacingError("bundle_malformed", detail="not an outbox bundle")
        township = self._enrolment.township()
        bundle_township = str(opened.header.get("township", ""))
        if township and not bundle_township.startswith(township):
            raise UserFacingError("bundle_foreign", detail="another township")
        self._check_new(RELAYED_KEY, str(opened.header.get("bundle_id")))
        return opened

    def relay(self, path: str | Path, answer_path: str | Path | None = None) -> RelaySummary:
        """Send another device's bundle to the server and write the answer bundle for it."""
        path = Path(path)
        data = _read(path)
        opened = self.check_relayable(data)
        transport = self._enrolment.transport()
        try:
            answer = transport.relay_bundle(data)
        except Offline as exc:
            raise UserFacingError("server_unreachable") from exc
        except TransportError as exc:
            if exc.code.startswith("bundle_"):
                raise UserFacingError(exc.code, detail=exc.message) from exc
            raise UserFacingError("sync_server_error", detail=exc.message or exc.code) from exc
        finally:
            transport.close()
        self._remember_once(RELAYED_KEY, str(opened.header.get("bundle_id")))
        target = Path(answer_path) if answer_path else path.with_name(path.stem + ".answer" + SUFFIX)
        _write_atomically(target, answer)
        try:
            outcomes = [r.get("outcome") for r in open_bundle(answer).body.get("results", [])]
        except BundleError as exc:
            raise UserFacingError("sync_server_error", detail=exc.code) from exc
        return RelaySummary(target, sum(o != "rejected" for o in outcomes), outcomes.count("rejected"))

    def import_file(self, path: str | Path, answer_path: str | Path | None = None):
        """`township-desk bundle import`: relay an outbox bundle, or apply an answer bundle."""
        data = _read(Path(path))
        try:
            kind = open_bundle(data).header.get("kind")
        except BundleError as exc:
            raise _refuse(exc) from exc
        return self.import_answer(data) if kind == KIND_ANSWER else self.relay(path, answer_path)

    def _check_new(self, key: str, bundle_id: str) -> None:
        with self._sessions() as session:
            if bundle_id in _remembered(session, key):
                raise UserFacingError("bundle_replayed")

    def _remember_once(self, key: str, bundle_id: str) -> None:
        with self._sessions.begin() as session:
            seen = _remembered(session, key)
            if bundle_id in seen:
                raise UserFacingError("bundle_replayed")
            seen.append(bundle_id)
            write_state(session, key, json.dumps(seen[-_MAX_REMEMBERED:]))


def _remembered(session: Session, key: str) -> list[str]:
    return json.loads(read_state(session, key) or "[]")
