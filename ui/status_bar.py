"""The status bar of the main window: online/offline, time of the last sync, pending and rejected
local changes, a sync button and a progress bar. The counts come from one source, the outbox: they
are re-read after every commit that changed it, whichever page or import wrote (`outbox_listener`,
hooked on the context by the window), and after every sync. Sync runs on the network pool of the task runner;
the sync engine speaks in typed events (started, progress, finished, failed) on its own thread,
which `SyncEventBridge` re-emits as Qt signals so only the GUI thread touches widgets."""

from __future__ import annotations

import datetime as dt
import queue
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QStatusBar

from app.sync_service import SyncFailed, SyncFinished, SyncProgress, SyncStarted

OUTBOX_CHANGED = object()  # the bridge's event for "a commit changed the outbox"


class SyncEventBridge(QObject):
    """Turns sync events raised on the sync thread into Qt signals on the GUI thread. The sync
    thread only puts events in a Python queue (no Qt call off the GUI thread: see ui/tasks.py);
    a GUI-thread timer drains it and emits the signals."""

    progressed = Signal(int, int)  # done, total
    started = Signal()
    finished = Signal(object)  # SyncFinished
    failed = Signal(object)  # SyncFailed
    outbox_changed = Signal()
    POLL_MS = 50

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._events: queue.SimpleQueue = queue.SimpleQueue()
        self._poll = QTimer(self)
        self._poll.setInterval(self.POLL_MS)
        self._poll.timeout.connect(self.drain)
        self._poll.start()

    def __call__(self, event: Any) -> None:
        self._events.put(event)  # any thread

    def drain(self) -> None:
        while True:
            try:
                event = self._events.get_nowait()
            except queue.Empty:
                return
            self._dispatch(event)

    def _dispatch(self, event: Any) -> None:
        if event is OUTBOX_CHANGED:
            self.outbox_changed.emit()
        elif isinstance(event, SyncStarted):
            self.started.emit()
        elif isinstance(event, SyncProgress):
            self.progressed.emit(int(event.done), int(event.total))
        elif isinstance(event, SyncFinished):
            self.finished.emit(event)
        elif isinstance(event, SyncFailed):
            self.failed.emit(event)


class SyncStatusBar(QStatusBar):
    """Shows local sync state and starts a sync on request (button or F5)."""

    sync_finished = Signal(object)  # the sync result, after counts are refreshed
    background_synced = Signal(object)  # a sync the user did not start (at start, periodic) finished

    def __init__(self, status, runner, sync_service=None, on_error=None) -> None:
        super().__init__()
        self._status = status
        self._runner = runner
        self._sync = sync_service
        self._on_error = on_error
        self._syncing = False
        self._online: bool | None = None
        self.connection_label = QLabel()
        self.last_sync_label = QLabel()
        self.pending_label = QLabel()
        self.rejected_label = QLabel()
        self.notice = QLabel()
        self.notice.setStyleSheet("color: #555;")
        self._notice_timer = QTimer(self)
        self._notice_timer.setSingleShot(True)
        self._notice_timer.timeout.connect(self.notice.clear)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(160)
        self.progress.setVisible(False)
        self.sync_button = QPushButton(self.tr("立即同步 (F5)"))
        self.sync_button.clicked.connect(self.request_sync)
        for widget in (self.connection_label, self.last_sync_label, self.pending_label, self.rejected_label):
            self.addWidget(widget)
        # Notices go in a label of their own: QStatusBar.showMessage would hide the counts meanwhile.
        self.addWidget(self.notice, 1)
        self.addPermanentWidget(self.progress)
        self.addPermanentWidget(self.sync_button)
        self._bridge = SyncEventBridge(self)
        self._bridge.progressed.connect(self._show_progress)
        self._bridge.started.connect(lambda: self._show_progress(0, 0))
        # Periodic syncs run on the sync service's own thread; their outcome updates the bar too.
        self._bridge.finished.connect(self._background_finished)
        self._bridge.failed.connect(self._background_failure)
        if sync_service is not None:
            sync_service.subscribe(self._bridge)
        # Many commits in a row (an import, a batch of visits) cost one re-read of the counts.
        self._recount = QTimer(self)
        self._recount.setSingleShot(True)
        self._recount.setInterval(150)
        self._recount.timeout.connect(self.refresh)
        self._bridge.outbox_changed.connect(self._recount.start)
        self._last_sync_at: dt.datetime | None = None
        self._first_sync_pending = False
        self._show_connection()
        self.refresh()

    def sync_at_start(self) -> None:
        """Sync as the window opens, once the counts say how: a device that has never synced (just
        enrolled) fetches its scope with a notice while the window shows; one that synced before
        brings what changed since (overnight tasks, 12345 cases) in the background, quietly when offline
        — not 15 minutes later at the first periodic sync."""
        self._first_sync_pending = True
        self.refresh()

    def outbox_listener(self) -> None:
        """Tell the bar the outbox changed; safe to call from any thread (the database thread)."""
        self._bridge(OUTBOX_CHANGED)

    def show_notice(self, text: str, milliseconds: int = 8000) -> None:
        self.notice.setText(text)
        self._notice_timer.start(milliseconds)

    @property
    def syncing(self) -> bool:
        return self._syncing

    def refresh(self) -> None:
        """Re-read the outbox counts and the last sync time."""
        self._runner.run_db(self._status.outbox_counts, self._show_counts)

    def request_sync(self) -> None:
        if self._syncing:
            return
        if self._sync is None:
            self._online = False
            self._show_connection()
            self.show_notice(self.tr("尚未配置同步服务器，请在“设置”中填写服务器地址并登录。"), 8000)
            return
        self._syncing = True
        self.sync_button.setEnabled(False)
        self._show_progress(0, 0)
        self._runner.run_network(self._sync.sync_now, self._sync_done)

    def _sync_done(self, result: Any, error: BaseException | None) -> None:
        self._bridge.drain()  # progress events still queued belong to this sync, not to a later one
        self._syncing = False
        self.sync_button.setEnabled(True)
        self.progress.setVisible(False)
        if getattr(error, "code", None) == "sync_running":  # F5 during a sync the user did not start
            self.show_notice(self.tr("正在后台同步，完成后自动更新"), 8000)
            self.refresh()
            return
        self._online = error is None
        self._show_connection()
        if error is not None:
            self.show_notice(self.tr("同步失败，修改已保存在本机，稍后会重试。"), 8000)
            if self._on_error is not None:
                self._on_error(error)
        else:
            self.show_notice(self.tr("同步完成"), 5000)
        self.refresh()
        self.sync_finished.emit(result)

    def _background_failure(self, event: Any) -> None:
        if not self._syncing:
            self.show_notice(event.reason)  # the sync service's readable reason (offline, login expired…)
        self._background_outcome(False)

    def _background_finished(self, event: Any) -> None:
        if self._syncing:
            return  # a manual sync reports through _sync_done
        self._background_outcome(True)
        self.background_synced.emit(event)  # the pages show what it brought, as far as they can undisturbed

    def _background_outcome(self, online: bool) -> None:
        if self._syncing:
            return  # a manual sync reports through _sync_done
        self.progress.setVisible(False)
        self._online = online
        self._show_connection()
        self.refresh()

    def _show_progress(self, done: int, total: int) -> None:
        self.progress.setVisible(True)
        self.progress.setRange(0, max(total, 0))  # total 0 = busy indicator
        self.progress.setValue(done)

    def _show_connection(self) -> None:
        if self._sync is None:
            text = self.tr("● 未连接服务器")
        elif self._online is False:
            text = self.tr("● 离线")
        elif self._last_sync_at is not None:
            text = self.tr("● 已同步 %1").replace("%1", self._last_sync_at.strftime("%H:%M"))
        elif self._online:
            text = self.tr("● 在线")
        else:
            text = self.tr("● 未同步")
        self.connection_label.setText(text)
        color = "#2e7d32" if self._online else "#9e9e9e" if self._online is None else "#c62828"
        self.connection_label.setStyleSheet(f"color: {color};")

    def _show_counts(self, counts: Any, error: BaseException | None) -> None:
        if error is not None:
            if self._on_error is not None:
                self._on_error(error)
            return
        self.pending_label.setText(self.tr("待上传 %n 条", "", counts.pending))
        self.rejected_label.setText(self.tr("被退回 %n 条", "", counts.rejected))
        self.rejected_label.setStyleSheet("color: #c62828;" if counts.rejected else "")
        self.last_sync_label.setText(self.tr("上次同步：%1").replace("%1", _when(counts.last_sync_at, self.tr("从未"))))
        self._last_sync_at = counts.last_sync_at  # naive Beijing time, as every business time
        self._show_connection()
        if self._first_sync_pending:
            self._first_sync_pending = False
            if counts.last_sync_at is None:
                self.show_notice(self.tr("首次同步：正在从城市服务器下载本辖区数据…"), 60_000)
                self.request_sync()
            elif self._sync is not None and not self._syncing:
                self._sync.run_in_background(manual=False)


def _when(moment: dt.datetime | None, never: str) -> str:
    return moment.strftime("%m-%d %H:%M") if moment else never
