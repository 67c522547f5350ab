"""Sync orchestration on the client: one cycle pushes the outbox in batches, then pulls pages until
caught up (the very first sync loads the snapshot chunk by chunk and resumes after an interruption
without fetching finished chunks again). Progress is
told through typed events (`SyncStarted`, `SyncProgress`, `SyncFinished`, `SyncFailed`) to plain
callbacks, which the UI re-emits as Qt signals (STYLE.md #4). Cycles run on demand or periodically on
a background thread and never block the caller; only one runs at a time.

The local mechanics (building a batch from the outbox, applying push answers, applying a pulled page
and its cursor in one transaction, evictions, snapshot chunks) belong to `sync.client`; this module
decides what happens when, and turns the server's answers into what the user sees: offline, an
expired login, an upgrade needed, or a revoked device, which locks sync for good (a local flag, so
every later call says so without asking the server). Rejected changes stay visible with the
server's reason until the user fixes and resubmits them or discards them (app/outbox_review.py).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from app.enrolment import EnrolmentService, SecretStore
from app.errors import UserFacingError

# Re-exported: callers written before the review service moved import it from here.
from app.outbox_review import OutboxReview, RecordSyncState, RejectedChange  # noqa: F401
from app.reference_data import refresh_people, refresh_regions
from app.services.context import beijing_now
from db.base import synced_models
from db.client import OutboxChange, RecordSeen, SyncState
from db.models import Region
from sync.capture import applying_pulled, read_state, write_state
from sync.client import SyncClient
from sync.http_transport import (
    AuthFailed,
    DeviceRevoked,
    HttpTransport,
    Offline,
    ServerError,
    TlsError,
    TransportError,
    UpgradeNeeded,
)
from sync.pages import SnapshotChunk
from sync.wire import SCHEMA_VERSION

log = logging.getLogger("app.sync")

LAST_SYNC_KEY = "last_sync_at"  # read by app.client.status for the status bar
LOCK_KEY = "device_locked"
SNAPSHOT_KEY = "snapshot_progress"  # a first sync interrupted half-way: where to resume


# --- events -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SyncStarted:
    manual: bool


@dataclass(frozen=True)
class SyncProgress:
    """`phase` is "push", "snapshot" or "pull"; `total` is 0 when not known in advance."""

    phase: str
    done: int
    total: int


@dataclass(frozen=True)
class SyncFinished:
    pushed: int
    pulled: int
    conflicts: int
    rejected: int = 0
    evicted: int = 0


@dataclass(frozen=True)
class SyncFailed:
    """`reason` is the readable (Chinese) text; `code` the machine code to branch on."""

    reason: str
    code: str
    offline: bool = False


SyncEvent = SyncStarted | SyncProgress | SyncFinished | SyncFailed


class DeviceLocked(UserFacingError):
    """This device was revoked: sync stays locked until an administrator re-enrols it."""

    def __init__(self) -> None:
        super().__init__("device_revoked")


# --- the service ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CycleLimits:
    push_batch: int = 500
    pull_page: int = 1000
    max_push_rounds: int = 10_000  # a guard against a server that never acknowledges anything


@dataclass
class LinkPace:
    """A batch size that follows the link (issue 10): a batch that took longer than `target` seconds
    (a slow or stalling mobile link, where a break loses the whole batch) makes the next one
    proportionally smaller; one that took under a quarter of it lets the size double back up to
    `ceiling`."""

    size: int
    ceiling: int
    floor: int = 25
    target: float = 8.0

    def after(self, count: int, seconds: float) -> None:
        if seconds > self.target and count > self.floor:
            self.size = min(self.ceiling, max(self.floor, int(count * self.target / seconds)))
        elif seconds < self.target / 4 and count >= self.size:
            self.size = min(self.ceiling, self.size * 2)


class SyncService:
    """Runs sync cycles for one local database and tells subscribers how they go.
    `transport_provider` returns a transport (sync.client.Transport) to the enrolled server, raising
    `NotEnrolled` when there is none; `device_id` is this database's device."""

    def __init__(self, engine: Engine, sessions: sessionmaker[Session], device_id: str,
                 transport_provider: Callable[[], Any], limits: CycleLimits = CycleLimits(),
                 clock: Callable[[], dt.datetime] = beijing_now,
                 forget_secrets: Callable[[], None] | None = None) -> None:
        self._engine = engine
        self._forget_secrets = forget_secrets
        self._sessions = sessions
        self._device_id = device_id
        self._transport_provider = transport_provider
        self._limits = limits
        self._clock = clock
        self._subscribers: list[Callable[[SyncEvent], None]] = []
        self._running = threading.Lock()
        self._stop = threading.Event()
        self._timer: threading.Thread | None = None
        self.online: bool | None = None  # None until the first cycle has tried

    # events

    def subscribe(self, callback: Callable[[SyncEvent], None]) -> Callable[[], None]:
        """Call `callback(event)` for every event (on the syncing thread); returns an unsubscriber."""
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback) if callback in self._subscribers else None

    def _emit(self, event: SyncEvent) -> None:
        for callback in list(self._subscribers):
            try:
                callback(event)
            except Exception:  # a broken listener must not break sync
                log.exception("sync event listener failed")

    # running

    def sync_now(self, manual: bool = True) -> SyncFinished:
        """One full cycle on the calling thread; raises a UserFacingError when it fails."""
        if not self._running.acquire(blocking=False):
            raise UserFacingError("sync_running")
        try:
            return self._cycle(manual)
        finally:
            self._running.release()

    def run_in_background(self, manual: bool = True) -> threading.Thread:
        """Start one cycle on a new thread and return at once; the outcome arrives as events."""
        thread = threading.Thread(target=self._quiet_cycle, args=(manual,), name="sync-cycle", daemon=True)
        thread.start()
        return thread

    def _quiet_cycle(self, manual: bool) -> None:
        try:
            self.sync_now(manual)
        except UserFacingError as exc:
            if exc.code == "sync_running":
                return
            log.info("sync cycle failed: %s", exc.code)
        except Exception:
            log.exception("sync cycle crashed")

    def start_periodic(self, interval: float, offline_interval: float | None = None) -> None:
        """Sync every `interval` seconds on a background thread until `stop()`; after a cycle found
        the server unreachable, wait `offline_interval` (default: `interval`) before the next try."""
        self.stop()
        self._stop.clear()

        def loop() -> None:
            while not self._stop.wait(interval if self.online is not False else (offline_interval or interval)):
                if self.is_locked():
                    return
                self._quiet_cycle(False)

        self._timer = threading.Thread(target=loop, name="sync-periodic", daemon=True)
        self._timer.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._timer is not None:
            self._timer.join(timeout)
            self._timer = None

    # the cycle

    def _cycle(self, manual: bool) -> SyncFinished:
        if self.is_locked():
            error = DeviceLocked()
            self._emit(SyncFailed(error.message(), error.code))
            raise error
        self._emit(SyncStarted(manual))
        try:
            transport = self._transport_provider()
            try:
                client = SyncClient(self._engine, self._sessions, self._device_id, transport)
                pushed, conflicts, rejected = self._push(client)
                pulled, evicted = self._pull(client)
                self._refresh_reference(transport)
            finally:
                close = getattr(transport, "close", None)
                if close:
                    close()
        except TransportError as exc:
            error = self._user_error(exc)
            self._emit(SyncFailed(error.message(), error.code, offline=isinstance(exc, Offline)))
            raise error from exc
        except UserFacingError as exc:
            self._emit(SyncFailed(exc.message(), exc.code))
            raise
        except Exception:
            # A bug or a broken local database: the traceback goes to the log, the user gets a
            # generic failure (and the UI its "finished" signal), local edits stay in the outbox.
            log.exception("sync cycle crashed")
            error = UserFacingError("sync_internal_error")
            self._emit(SyncFailed(error.message(), error.code))
            raise
        self.online = True
        finished = SyncFinished(pushed, pulled, conflicts, rejected, evicted)
        with self._sessions.begin() as session:
            session.merge(SyncState(key=LAST_SYNC_KEY, value=self._clock().isoformat()))
        self._emit(finished)
        return finished

    def _refresh_reference(self, transport: Any) -> None:
        """Fetch the region tree when this database has none yet (first sync, or an older client
        database); later cycles keep it, so a no-op sync stays one push and one pull."""
        if not hasattr(transport, "request"):
            return  # an in-process transport (tests) has no reference endpoints
        refresh_people(transport, self._sessions, time.time())
        with self._sessions() as session:
            if session.scalar(select(func.count()).select_from(Region)):
                return
        refresh_regions(transport, self._sessions)

    def _push(self, client: SyncClient) -> tuple[int, int, int]:
        """Push the outbox in batches until nothing is pending or the server stops taking any."""
        total = self.pending_count()
        accepted = conflicts = rejected = 0
        self._emit(SyncProgress("push", 0, total))
        pace = LinkPace(self._limits.push_batch, self._limits.push_batch)
        for _round in range(self._limits.max_push_rounds):
            batch = client.push_batch(pace.size)
            if not batch:
                break
            started = time.monotonic()
            try:
                results = client.transport.push([c.to_json() for c in batch])
            except ServerError as exc:
                if exc.status != 413 or len(batch) == 1:
                    raise
                # too big for the server's body or batch limit: halve it, and never grow past that again
                pace.size = pace.ceiling = max(1, len(batch) // 2)
                continue
            pace.after(len(batch), time.monotonic() - started)
            settled = client.apply_push_results(results)
            for result in results:
                if result.code == "device_seq_gap":
                    break
                accepted += result.outcome != "rejected"
                conflicts += result.outcome == "merged_with_conflict"
                rejected += result.outcome == "rejected"
            self._emit(SyncProgress("push", min(total, accepted + rejected), total))
            if settled == 0:
                break  # nothing moved: the same batch again would get the same answer
        return accepted, conflicts, rejected

    def _pull(self, client: SyncClient) -> tuple[int, int]:
        """Load the snapshot when there is no cursor yet (or one half-loaded), then pull pages."""
        pulled = evicted = 0
        with self._sessions() as session:
            needs_snapshot = read_state(session, "cursor") is None or read_state(session, SNAPSHOT_KEY)
        if needs_snapshot:
            pulled += self._snapshot(client)
        pace = LinkPace(self._limits.pull_page, self._limits.pull_page)
        while True:
            started = time.monotonic()
            page = client.transport.pull(client.cursor(), pace.size)
            pace.after(len(page.records), time.monotonic() - started)
            if not client.apply_page(page):
                break  # a stale page (another cycle moved the cursor): the next cycle continues
            pulled += len(page.records)
            evicted += len(page.evictions)
            self._emit(SyncProgress("pull", pulled, 0))
            if not page.has_more:
                break
        client.apply_waiting_evictions()
        return pulled, evicted

    def _snapshot(self, client: SyncClient) -> int:
        """Apply the snapshot chunk by chunk, remembering after each chunk where it got to and the
        oldest cursor seen, so an interrupted first sync resumes after the last finished chunk (when
        the transport can start from a position) and never ends on a cursor newer than data it holds."""
        with self._sessions() as session:
            raw = read_state(session, SNAPSHOT_KEY)
        progress = json.loads(raw) if raw else {"cursor": None, "after": None, "records": 0}
        resume = getattr(client.transport, "snapshot_from", None)
        chunks = resume(progress["after"]) if resume and progress["after"] else client.transport.snapshot()
        if not (resume and progress["after"]):
            progress["records"] = 0
        applied = 0  # in this cycle; progress["records"] counts since the snapshot began

        def note(session: Session, chunk: SnapshotChunk) -> None:
            """In the transaction that applied `chunk`: where the snapshot got to."""
            nonlocal applied
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
            self._emit(SyncProgress("snapshot", progress["records"], 0))

        client.load_snapshot(chunks, progress=note)
        return applied

    def _user_error(self, exc: TransportError) -> UserFacingError:
        if isinstance(exc, DeviceRevoked):
            self._lock(exc)
            return DeviceLocked()
        if isinstance(exc, TlsError):
            self.online = False
            return UserFacingError("tls_failed")
        if isinstance(exc, Offline):
            self.online = False
            return UserFacingError("server_unreachable")
        self.online = True
        if isinstance(exc, UpgradeNeeded):
            return UserFacingError("upgrade_needed")
        if isinstance(exc, AuthFailed):
            return UserFacingError("auth_expired")
        assert isinstance(exc, ServerError | TransportError)
        return UserFacingError("sync_server_error", detail=exc.message or exc.code)

    # the revocation lock

    def _lock(self, exc: DeviceRevoked) -> None:
        wipe = bool(exc.details.get("wipe"))
        value = json.dumps({"at": self._clock().isoformat(), "wipe": wipe})
        with self._sessions.begin() as session:
            session.merge(SyncState(key=LOCK_KEY, value=value))
        self.stop_async()
        if wipe:
            log.warning("device revoked with remote wipe: removing local data")
            self.wipe_local_data()

    def wipe_local_data(self) -> None:
        """Remote wipe of a lost or stolen PC: every synced record, the outbox, what was seen and the
        enrolment go, the file is compacted so freed pages keep no personal data, and the device's
        secrets leave the keyring. The lock stays, so the client keeps saying why."""
        with self._sessions.begin() as session, applying_pulled(session):  # a wipe is no change to sync
            for cls in reversed(synced_models()):
                session.execute(delete(cls))
            session.execute(delete(OutboxChange))
            session.execute(delete(RecordSeen))
            session.execute(delete(SyncState).where(SyncState.key.not_in([LOCK_KEY, "device_id"])))
        with self._engine.connect() as conn:
            conn.exec_driver_sql("VACUUM")
        if self._forget_secrets is not None:
            self._forget_secrets()

    def stop_async(self) -> None:
        """Stop periodic syncing without waiting (safe from the syncing thread itself)."""
        self._stop.set()

    def is_locked(self) -> bool:
        with self._sessions() as session:
            return session.get(SyncState, LOCK_KEY) is not None

    def wipe_requested(self) -> bool:
        with self._sessions() as session:
            row = session.get(SyncState, LOCK_KEY)
            return bool(row and json.loads(row.value).get("wipe"))

    def pending_count(self) -> int:
        with self._sessions() as session:
            return session.scalar(select(func.count()).select_from(OutboxChange)
                                  .where(OutboxChange.state == "pending")) or 0


def client_sync(engine: Engine, sessions: sessionmaker[Session], secrets: Any = None,
                ca_bundle: str | None = None) -> tuple[EnrolmentService, SyncService]:
    """The enrolment and sync services of one local database, wired to the HTTP transport and the OS
    keyring (or `secrets`, a `SecretStore`). The capture hook on `sessions` must use the same device
    id (`EnrolmentService.device_id()`)."""
    enrolment = EnrolmentService(
        sessions, secrets or SecretStore(),
        lambda url: HttpTransport(url, schema_version=SCHEMA_VERSION, ca_bundle=ca_bundle))
    service = SyncService(engine, sessions, enrolment.device_id(), enrolment.transport,
                          forget_secrets=enrolment.forget_device)
    return enrolment, service
