"""Sync on the client, as the desktop and the command line run it: this module schedules cycles of
the one sync loop (`sync.client.SyncClient`) and maps what happens to what the user sees. Cycles run
on demand or periodically on a background thread and never block the caller; only one runs at a
time. The loop's events (`SyncStarted`, `SyncProgress`, `SyncFinished`) go to plain callbacks,
which the UI re-emits as Qt signals (docs/ARCHITECTURE.md "Conventions"); a failure becomes a `SyncFailed` event and a
`UserFacingError` in the user's words: offline, an expired login, an upgrade needed, or a revoked
device, which the loop has locked for good. After a cycle the region tree is fetched once when the
database has none and the transport declares `REFERENCE_DATA`. Rejected changes stay visible with
the server's reason until the user fixes and resubmits them or discards them (app/outbox_review.py).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from app.client.history import follow_feed
from app.client.review_marks import marks_held, refresh_marks
from app.enrolment import EnrolmentService, SecretStore
from app.errors import UserFacingError

# Re-exported: callers written before the review service moved import it from here.
from app.outbox_review import OutboxReview, RecordSyncState, RejectedChange  # noqa: F401
from app.reference_data import refresh_people, refresh_regions
from app.services.context import beijing_now
from db.client import SyncState
from db.models import Region
from sync import client as sync_client
from sync.attachments import BlobMover, blob_dir_for
from sync.client import LOCK_KEY, SNAPSHOT_KEY, SyncClient, SyncLocked  # noqa: F401 (LOCK_KEY: app.protection)

# The loop's vocabulary, re-exported for the UI and the command line (they import app/, not sync/).
from sync.events import (  # noqa: F401
    CycleLimits,
    LinkPace,
    SyncEvent,
    SyncFailed,
    SyncFinished,
    SyncProgress,
    SyncStarted,
)
from sync.http_transport import HttpTransport
from sync.transport import (
    BLOBS,
    REFERENCE_DATA,
    AuthFailed,
    DeviceRevoked,
    ForeignServer,
    Offline,
    ServerError,
    TlsError,
    Transport,
    TransportError,
    UpgradeNeeded,
)
from sync.wire import SCHEMA_VERSION

log = logging.getLogger("app.sync")

LAST_SYNC_KEY = "last_sync_at"  # read by app.client.status for the status bar
SIDE_DATA_EVERY = 600.0  # seconds: review marks and history feed at least this often (see _side_data_due)


class DeviceLocked(UserFacingError):
    """This device was revoked: sync stays locked until an administrator re-enrols it."""

    def __init__(self) -> None:
        super().__init__("device_revoked")


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
        self._side_data_at: float | None = None  # time.monotonic() of the last marks and feed fetch

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

    def client(self, transport: Transport) -> SyncClient:
        """The sync loop on this database through `transport`, reporting to this service."""
        return SyncClient(self._engine, self._sessions, self._device_id, transport, self._limits,
                          listener=self._emit, on_wipe=self._forget_secrets,
                          clock=lambda: self._clock().isoformat())

    def _cycle(self, manual: bool) -> SyncFinished:
        if self.is_locked():  # before asking for a transport: a wiped device has no login left
            self._fail(DeviceLocked(), SyncLocked())
        try:
            transport = self._transport_provider()
            try:
                first = self._first_sync_pending()
                finished = self.client(transport).sync(manual)
                self._refresh_reference(transport)
                if REFERENCE_DATA in transport.capabilities and self._side_data_due(finished, manual):
                    # the history of what was pulled, offline, and the 冲突待审 badges that came or went
                    follow_feed(self._sessions, transport, marks=True)
                    if not marks_held(self._sessions):  # an older server: its feed carries no marks
                        refresh_marks(self._sessions, transport)
                    self._side_data_at = time.monotonic()
                self._move_blobs(transport, downloads=not first)
            finally:
                transport.close()
        except SyncLocked as exc:
            self._fail(DeviceLocked(), exc)
        except TransportError as exc:
            self._fail(self._user_error(exc), exc, offline=isinstance(exc, Offline))
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
        with self._sessions.begin() as session:
            session.merge(SyncState(key=LAST_SYNC_KEY, value=self._clock().isoformat()))
        self._emit(finished)
        return finished

    def _side_data_due(self, finished: SyncFinished, manual: bool) -> bool:
        """Whether this cycle also fetches the review marks and the history feed: when it moved
        anything (the feed then has entries, a mark may have come or gone), when the user asked for
        the sync, and otherwise every SIDE_DATA_EVERY seconds (a reviewer elsewhere may close an
        item without changing a record). An idle periodic sync — most of a city's — so stays one
        request instead of two; the feed's and the marks' cursors do not move when they are
        skipped, so nothing is missed, only fetched with the next cycle that is due. Both go up to
        the pull cursor: a due cycle whose pull has not moved past them asks nothing more."""
        moved = finished.pushed or finished.pulled or finished.evicted or finished.conflicts or finished.rejected
        last = self._side_data_at
        return bool(moved) or manual or last is None or time.monotonic() - last >= SIDE_DATA_EVERY

    def _first_sync_pending(self) -> bool:
        """Whether this cycle loads the snapshot (no cursor yet, or a first sync broken off)."""
        with self._sessions() as session:
            cursor = session.get(SyncState, "cursor")
            half = session.get(SyncState, SNAPSHOT_KEY)
        return cursor is None or half is not None

    def _move_blobs(self, transport: Transport, downloads: bool = True) -> None:
        """Attachment bytes after the records (sync/attachments.py), within that step's time budget.
        A weak link failing here fails nothing: the records are synced; the upload resumes next time.
        A first sync fetches no previews: it stays as long as the records take, and the previews
        come with the next cycle."""
        if BLOBS not in transport.capabilities:
            return  # an in-process transport (tests, bundles) carries records only
        mover = BlobMover(self._sessions, transport, blob_dir_for(self._engine))
        self.last_blob_stats = mover.stats  # what the last cycle moved (the link lab reads it)
        try:
            stats = mover.step(downloads=downloads)
        except TransportError as exc:
            log.info("attachment transfer stopped (%s); it resumes on the next sync", exc.code)
            return
        if stats.uploaded or stats.downloaded:
            log.info("attachments: %d uploaded, %d downloaded", stats.uploaded, stats.downloaded)

    def _fail(self, error: UserFacingError, cause: Exception, offline: bool = False) -> None:
        self._emit(SyncFailed(error.message(), error.code, offline=offline))
        raise error from cause

    def _refresh_reference(self, transport: Transport) -> None:
        """Fetch the region tree when this database has none yet (first sync, or an older client
        database) and the people directory when it is due, when the transport reaches the reference
        endpoints; later cycles keep the tree, so a no-op sync stays one push and one pull."""
        if REFERENCE_DATA not in transport.capabilities:
            return
        refresh_people(transport, self._sessions, time.time())
        with self._sessions() as session:
            if session.scalar(select(func.count()).select_from(Region)):
                return
        refresh_regions(transport, self._sessions)

    def _user_error(self, exc: TransportError) -> UserFacingError:
        if isinstance(exc, DeviceRevoked):
            self.stop_async()  # the loop has locked the device
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
        if isinstance(exc, ForeignServer):
            return UserFacingError("foreign_server")
        if isinstance(exc, AuthFailed):
            return UserFacingError("auth_expired")
        if exc.code == "cursor_too_old":
            return UserFacingError("cursor_too_old")
        assert isinstance(exc, ServerError | TransportError)
        return UserFacingError("sync_server_error", detail=exc.message or exc.code)

    # the revocation lock (kept by the loop in the local database)

    def wipe_local_data(self) -> None:
        sync_client.wipe_local_data(self._engine, self._sessions)
        if self._forget_secrets is not None:
            self._forget_secrets()

    def stop_async(self) -> None:
        """Stop periodic syncing without waiting (safe from the syncing thread itself)."""
        self._stop.set()

    def is_locked(self) -> bool:
        return sync_client.is_locked(self._sessions)

    def wipe_requested(self) -> bool:
        return sync_client.wipe_requested(self._sessions)

    def pending_count(self) -> int:
        return sync_client.pending_count(self._sessions)


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
