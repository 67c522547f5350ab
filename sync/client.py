"""The one sync loop of a client database: `SyncClient.sync()` is the cycle the desktop runs, the
command line runs, and the simulation, the kill tests and the link lab prove.

A cycle pushes the outbox in batches, then pulls pages until caught up; a database without a cursor
(the first sync, or one whose snapshot broke off) loads the snapshot first, chunk by chunk, and
resumes after the last finished chunk when the transport can start mid-way. Batch sizes follow the
link (`LinkPace`); a batch the server finds too big (HTTP 413) is halved and never grows past that
again. Rejected changes stay in the outbox with the server's reason (`LocalReplica`). A revoked
device locks sync for good (a local flag, so every later cycle refuses without asking the server)
and, when the administrator asked for it, wipes the local data.

Progress goes to `listener` as events (`sync.events`); failures are raised: `TransportError`s from
the transport, `SyncLocked` for a locked device. Scheduling (on demand, periodic, one at a time) and
the words the user reads belong to whoever runs the client (app/sync_service.py).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable

from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from db.base import synced_models
from db.client import DuplicateCandidate, HistoryLine, OpenReview, OutboxChange, RecordSeen, SyncState
from sync import versions
from sync.attachments import request_recheck
from sync.capture import applying_pulled, read_state, write_state
from sync.events import CycleLimits, LinkPace, SyncEvent, SyncFinished, SyncProgress, SyncStarted
from sync.pages import SnapshotChunk
from sync.replica import LocalReplica
from sync.restore_offers import offer_received
from sync.transport import (
    RESUMABLE_SNAPSHOT,
    SERVER_IDENTITY,
    CursorTooOld,
    DeviceRevoked,
    ForeignServer,
    ServerError,
    ServerIdentity,
    Transport,
)
from sync.versions import FIRST_VERSION
from sync.wire import SCHEMA_VERSION

log = logging.getLogger("sync.client")

LOCK_KEY = "device_locked"  # {"at", "wipe"} once the server said this device is revoked
SNAPSHOT_KEY = "snapshot_progress"  # a first sync interrupted half-way: where to resume
VERSION_KEY = "schema_version"  # the schema version this database last finished a pull in
IDENTITY_KEY = "server_identity"  # the installation and epoch of the city server last heard from
RESTORED_KEY = "server_restored_to"  # the base of the last restore seen (history feed: start again there)


class SyncLocked(Exception):
    """This device was revoked: sync stays locked until an administrator enrols it again."""


class SyncClient(LocalReplica):
    """Runs sync cycles for the database of device `device_id` through `transport`. `listener`
    receives the events; `on_wipe` runs after a remote wipe emptied the database (to forget the
    device's secrets); `clock` stamps the lock."""

    def __init__(self, engine: Engine, factory: sessionmaker, device_id: str, transport: Transport,
                 limits: CycleLimits = CycleLimits(), listener: Callable[[SyncEvent], None] | None = None,
                 on_wipe: Callable[[], None] | None = None,
                 clock: Callable[[], str] = lambda: time.strftime("%Y-%m-%dT%H:%M:%S"),
                 schema_version: int = SCHEMA_VERSION) -> None:
        super().__init__(engine, factory, device_id)
        self.transport = transport
        self.schema_version = schema_version  # the one the transport announces to the server
        self.limits = limits
        self.listener = listener or (lambda _event: None)
        self.on_wipe = on_wipe
        self.clock = clock
        self._pushed_in_pull: tuple[int, int, int] = (0, 0, 0)

    # -- the cycle ----------------------------------------------------------------------------
    def sync(self, manual: bool = False) -> SyncFinished:
        """One cycle: push first, then pull (after the snapshot when there is no cursor yet), then
        the evictions that were waiting. Raises `SyncLocked` on a revoked device."""
        if self.is_locked():
            raise SyncLocked()
        self._name_known_server()
        self.listener(SyncStarted(manual))
        self._pushed_in_pull = (0, 0, 0)
        try:
            pushed, conflicts, rejected = self.push()
            pulled, evicted = self.pull()
            # a restore noticed while pulling pushes again: those changes count as pushed too
            pushed, conflicts, rejected = (a + b for a, b in zip((pushed, conflicts, rejected),
                                                                 self._pushed_in_pull, strict=True))
        except DeviceRevoked as exc:
            self.lock(wipe=bool(exc.details.get("wipe")))
            raise
        return SyncFinished(pushed, pulled, conflicts, rejected, evicted)

    def push(self) -> tuple[int, int, int]:
        """Push the outbox in batches until nothing is pending or the server stops taking any;
        returns (accepted, merged with a conflict, rejected)."""
        total = self.pending_count()
        accepted = conflicts = rejected = 0
        self.listener(SyncProgress("push", 0, total))
        pace = LinkPace(self.limits.push_batch, self.limits.push_batch)
        for _round in range(self.limits.max_push_rounds):
            batch = self.push_batch(pace.size)
            if not batch:
                break
            started = time.monotonic()
            try:
                results = self.transport.push([c.to_json() for c in batch])
            except ServerError as exc:
                if exc.status != 413 or len(batch) == 1:
                    raise
                # too big for the server's body or batch limit: halve it, and never grow past that again
                pace.size = pace.ceiling = max(1, len(batch) // 2)
                continue
            pace.after(len(batch), time.monotonic() - started)
            settled = self.apply_push_results(results)
            for result in results:
                if result.code == "device_seq_gap":
                    break
                accepted += result.outcome != "rejected"
                conflicts += result.outcome == "merged_with_conflict"
                rejected += result.outcome == "rejected"
            self.listener(SyncProgress("push", min(total, accepted + rejected), total))
            if self.server_restored():
                continue  # what the restored server lost is pending again: push it, oldest first
            if settled == 0:
                break  # nothing moved: the same batch again would get the same answer
        return accepted, conflicts, rejected

    def pull(self) -> tuple[int, int]:
        """Load the snapshot when there is no cursor yet (or one half-loaded, or this database was
        last synced in an older schema version that lacked entities or fields: `catch_up`), then
        pull pages until the server has no more; returns (records applied, evictions received)."""
        pulled = evicted = 0
        with self.factory() as session:
            cursor, half = read_state(session, "cursor"), read_state(session, SNAPSHOT_KEY)
            synced = int(read_state(session, VERSION_KEY) or FIRST_VERSION)
        if cursor is not None and not half and versions.brings_new(synced, self.schema_version):
            self.catch_up(int(cursor))
            cursor, half = None, True
        if cursor is None or half:
            pulled += self.load_snapshot()
        pace = LinkPace(self.limits.pull_page, self.limits.pull_page)
        while True:
            started = time.monotonic()
            try:
                page = self.transport.pull(self.cursor(), pace.size)
            except CursorTooOld:
                pulled += self.start_over()
                continue
            if self.server_restored():  # offer again what the restored server lost, then pull from its restored point
                self._pushed_in_pull = tuple(a + b for a, b in zip(self._pushed_in_pull, self.push(), strict=True))
                continue
            pace.after(len(page.records), time.monotonic() - started)
            if not self.apply_page(page):
                break  # a stale page (another cycle moved the cursor): the next cycle continues
            pulled += len(page.records)
            evicted += len(page.evictions)
            self.listener(SyncProgress("pull", pulled, 0))
            if not page.has_more:
                break
        self.apply_waiting_evictions()
        with self.factory.begin() as session:
            write_state(session, VERSION_KEY, str(self.schema_version))
        return pulled, evicted

    def start_over(self) -> int:
        """The server answered "cursor too old": it collected deletions this device never received.
        With nothing left to push, every synced record here goes and a fresh snapshot comes in
        (the outbox's kept changes, the history and the local settings stay); with changes still
        pending the cycle stops, so they are pushed first next time. Returns the records loaded."""
        if self.pending_count():
            raise ServerError("cursor_too_old", "changes still waiting to be pushed", status=410)
        with self.factory.begin() as session, applying_pulled(session):
            _delete_synced_records(session)
            session.execute(delete(SyncState).where(SyncState.key == "cursor"))
            write_state(session, SNAPSHOT_KEY, json.dumps({"cursor": None, "after": None, "records": 0}))
        log.warning("the server no longer holds this device's pull position: loading a fresh snapshot")
        return self.load_snapshot()

    def catch_up(self, cursor: int) -> None:
        """After an upgrade: the server left out of this database what its old version did not know
        (entities, fields), so the next snapshot is loaded over the records it holds (pending local
        edits kept), noted as a resumable snapshot that keeps the current `cursor`: pages after it
        are pulled again, so nothing that happened meanwhile (an eviction) is skipped."""
        progress = {"cursor": cursor, "after": None, "records": 0}
        with self.factory.begin() as session:
            write_state(session, SNAPSHOT_KEY, json.dumps(progress))

    def load_snapshot(self) -> int:
        """Apply the snapshot chunk by chunk, remembering after each chunk (in the transaction that
        applied it) where it got to and the oldest cursor seen, so an interrupted first sync resumes
        after the last finished chunk (when the transport declares `RESUMABLE_SNAPSHOT`) and never
        ends on a cursor newer than data it holds. Returns the records applied in this call."""
        with self.factory() as session:
            raw = read_state(session, SNAPSHOT_KEY)
        progress = json.loads(raw) if raw else {"cursor": None, "after": None, "records": 0}
        resume = RESUMABLE_SNAPSHOT in self.transport.capabilities and progress["after"]
        chunks = self.transport.snapshot(tuple(progress["after"]) if resume else None)
        if not resume:
            progress["records"] = 0
        applied = 0

        def note(session: Session, chunk: SnapshotChunk) -> None:
            nonlocal applied
            if chunk.total:  # the server's estimate, on the first chunk: kept for a resumed first sync
                progress["total"] = chunk.total
            progress["cursor"] = chunk.cursor if progress["cursor"] is None else min(progress["cursor"], chunk.cursor)
            progress["records"] += chunk.size
            applied += chunk.size
            if chunk.position:
                progress["after"] = list(chunk.position)
            if chunk.last:
                write_state(session, "cursor", str(progress["cursor"]))
                session.execute(delete(SyncState).where(SyncState.key == SNAPSHOT_KEY))
            else:
                write_state(session, SNAPSHOT_KEY, json.dumps(progress))
            total = progress.get("total", 0)  # 0: no estimate (an older server)
            self.listener(SyncProgress("snapshot", progress["records"], max(total, progress["records"]) if total else 0))

        self.apply_snapshot(chunks, progress=note)
        return applied

    # -- a server restored from a backup -------------------------------------------------------
    def _name_known_server(self) -> None:
        """Let the transport name the installation and epoch this device knows on its first request."""
        if SERVER_IDENTITY not in self.transport.capabilities:
            return
        with self.factory() as session:
            raw = read_state(session, IDENTITY_KEY)
        if raw:
            known = ServerIdentity(**json.loads(raw))
            self.transport.expected_installation, self.transport.known_epoch = known.installation, known.epoch

    def server_restored(self) -> bool:
        """Compare the identity the server just announced with the one this device knows. Another
        installation raises `ForeignServer`; a new epoch (the server was restored from a backup) makes
        every accepted change it may have lost — above the epoch's base, still kept in the outbox —
        and every rejected one pending again, offers back the records received above the base
        (sync/restore_offers.py), asks for the attachment files to be checked, moves the cursor back
        to the base, and returns True."""
        if SERVER_IDENTITY not in self.transport.capabilities or self.transport.identity is None:
            return False
        announced: ServerIdentity = self.transport.identity
        with self.factory() as session:
            raw = read_state(session, IDENTITY_KEY)
        known = ServerIdentity(**json.loads(raw)) if raw else None
        if known is not None and announced.installation != known.installation:
            raise ForeignServer("foreign_installation", status=409)
        self.transport.expected_installation = announced.installation
        if known == announced or (known is not None and known.epoch == announced.epoch):
            self.transport.known_epoch = announced.epoch
            return False
        with self.factory.begin() as session:
            write_state(session, IDENTITY_KEY, json.dumps(announced.__dict__))
            if known is None:
                self.transport.known_epoch = announced.epoch
                return False  # the first answer this device has seen: nothing to compare with
            lost = session.execute(update(OutboxChange).where(
                (OutboxChange.state == "rejected")
                | ((OutboxChange.state == "accepted") & (OutboxChange.server_seq > announced.base)))
                .values(state="pending", reject_code=None, reject_message=None)).rowcount
            if int(read_state(session, "cursor") or 0) > announced.base:
                write_state(session, "cursor", str(announced.base))
            # for followers of other feeds; a restore not yet followed keeps the lower point (the
            # history feed is not fetched on every cycle: app.sync_service._side_data_due)
            pending = read_state(session, RESTORED_KEY)
            write_state(session, RESTORED_KEY, str(announced.base if pending is None
                                                   else min(int(pending), announced.base)))
            offered = offer_received(session, self.device_id, announced.base)
            request_recheck(session)  # attachment files the restored store may lack
        self.transport.known_epoch = announced.epoch
        log.warning("city server restored (epoch %s, base %d): %d changes and %d received records offered again",
                    announced.epoch, announced.base, lost, offered)
        return True

    # -- the revocation lock ------------------------------------------------------------------
    def lock(self, wipe: bool) -> None:
        """Lock sync on this device (the server revoked it); with `wipe`, empty the database too."""
        with self.factory.begin() as session:
            session.merge(SyncState(key=LOCK_KEY, value=json.dumps({"at": self.clock(), "wipe": wipe})))
        if wipe:
            log.warning("device revoked with remote wipe: removing local data")
            self.wipe_local_data()

    def wipe_local_data(self) -> None:
        wipe_local_data(self.engine, self.factory)
        if self.on_wipe is not None:
            self.on_wipe()

    def is_locked(self) -> bool:
        return is_locked(self.factory)

    def pending_count(self) -> int:
        return pending_count(self.factory)


def wipe_local_data(engine: Engine, factory: sessionmaker) -> None:
    """Remote wipe of a lost or stolen PC: every synced record, the outbox, what was seen and the
    sync state go, and the file is compacted so freed pages keep no personal data. The lock stays,
    so the client says why."""
    with factory.begin() as session, applying_pulled(session):  # a wipe is no change to sync
        _delete_synced_records(session)
        session.execute(delete(OutboxChange))
        session.execute(delete(HistoryLine))  # old → new values are personal data too
        session.execute(delete(OpenReview))
        session.execute(delete(DuplicateCandidate))
        session.execute(delete(SyncState).where(SyncState.key.not_in([LOCK_KEY, "device_id"])))
    with engine.connect() as conn:
        conn.exec_driver_sql("VACUUM")


def _delete_synced_records(session: Session) -> None:
    """Every synced record and what was seen of them (children first), in the caller's transaction."""
    for cls in reversed(synced_models()):
        session.execute(delete(cls))
    session.execute(delete(RecordSeen))


def is_locked(factory: sessionmaker) -> bool:
    with factory() as session:
        return session.get(SyncState, LOCK_KEY) is not None


def wipe_requested(factory: sessionmaker) -> bool:
    with factory() as session:
        row = session.get(SyncState, LOCK_KEY)
        return bool(row and json.loads(row.value).get("wipe"))


def pending_count(factory: sessionmaker) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(OutboxChange)
                              .where(OutboxChange.state == "pending")) or 0
