"""The one task runner of the desktop client: database work runs on a single worker thread (SQLite
prefers one writer and the services are not written for concurrent sessions), network work on its
own small pool, and every result comes back to the GUI thread as one `on_done(result, error)` call,
so widgets never block and never touch a worker thread's objects. Tests use `ImmediateTaskRunner`,
which runs the job at once on the calling thread and calls the handler the same way.

Results cross threads through a plain Python queue that a GUI-thread timer drains while jobs are
outstanding, not through a Qt signal emitted on the worker: PySide6 6.12 on Python 3.11 corrupts
reference counts of None/True when signals are emitted from Python threads (the interpreter aborts
after a few thousand results), and a queue keeps worker threads free of any Qt call."""

from __future__ import annotations

import queue
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, QTimer

Job = Callable[[], Any]
DoneHandler = Callable[[Any, BaseException | None], None]


class _Outcome:
    """What a finished job hands to the GUI thread."""

    __slots__ = ("error", "on_done", "result")

    def __init__(self, on_done: DoneHandler, result: Any, error: BaseException | None) -> None:
        self.on_done, self.result, self.error = on_done, result, error


class TaskRunner(QObject):
    """Runs jobs off the GUI thread and hands `(result, error)` back to it.

    A handler is called exactly once, on the thread that owns the runner (the GUI thread), with
    either the job's result and `None`, or `None` and the exception the job raised."""

    POLL_MS = 10

    def __init__(self, parent: QObject | None = None, network_workers: int = 2) -> None:
        super().__init__(parent)
        self._database = ThreadPoolExecutor(max_workers=1, thread_name_prefix="td-db")
        self._network = ThreadPoolExecutor(max_workers=network_workers, thread_name_prefix="td-net")
        self._background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="td-bg")
        self._pending = 0
        self._outcomes: queue.SimpleQueue[_Outcome] = queue.SimpleQueue()
        self._poll = QTimer(self)
        self._poll.setInterval(self.POLL_MS)
        self._poll.timeout.connect(self._drain)

    @property
    def pending(self) -> int:
        """Jobs submitted whose handler has not run yet."""
        return self._pending

    def run_db(self, job: Job, on_done: DoneHandler) -> Future:
        """Run database work on the single database worker."""
        return self._submit(self._database, job, on_done)

    def run_network(self, job: Job, on_done: DoneHandler) -> Future:
        """Run network work (sync, login) on the network pool, never queued behind a big query."""
        return self._submit(self._network, job, on_done)

    def run_background(self, job: Job, on_done: DoneHandler) -> Future:
        """Run long reading work (a scan of the whole township, seconds) on its own worker, so the
        lists and searches on the database worker are not queued behind it (SQLite in WAL mode
        reads beside it)."""
        return self._submit(self._background, job, on_done)

    def shutdown(self) -> None:
        """Finish the running jobs, drop the queued ones; handlers of dropped jobs never run."""
        self._poll.stop()
        self._database.shutdown(wait=True, cancel_futures=True)
        self._network.shutdown(wait=True, cancel_futures=True)
        self._background.shutdown(wait=True, cancel_futures=True)

    def _submit(self, pool: ThreadPoolExecutor, job: Job, on_done: DoneHandler) -> Future:
        self._pending += 1
        if not self._poll.isActive():
            self._poll.start()
        future = pool.submit(job)
        future.add_done_callback(lambda f: self._emit_outcome(f, on_done))
        return future

    def _emit_outcome(self, future: Future, on_done: DoneHandler) -> None:
        # Runs on the worker thread: pure Python only.
        if future.cancelled():
            return
        error = future.exception()
        self._outcomes.put(_Outcome(on_done, None if error else future.result(), error))

    def _drain(self) -> None:
        while True:
            try:
                outcome = self._outcomes.get_nowait()
            except queue.Empty:
                break
            self._pending -= 1
            _call_handler(outcome.on_done, outcome.result, outcome.error)
        if self._pending <= 0:
            self._poll.stop()


class ImmediateTaskRunner:
    """The synchronous runner for tests: the job runs at once, the handler right after it."""

    pending = 0

    def run_db(self, job: Job, on_done: DoneHandler) -> None:
        self._run(job, on_done)

    def run_network(self, job: Job, on_done: DoneHandler) -> None:
        self._run(job, on_done)

    def run_background(self, job: Job, on_done: DoneHandler) -> None:
        self._run(job, on_done)

    def shutdown(self) -> None:
        """Nothing runs in the background, so nothing to stop."""

    @staticmethod
    def _run(job: Job, on_done: DoneHandler) -> None:
        try:
            result = job()
        except Exception as error:  # handed to the handler exactly like the threaded runner does
            _call_handler(on_done, None, error)
            return
        _call_handler(on_done, result, None)


def _call_handler(on_done: DoneHandler, result: Any, error: BaseException | None) -> None:
    # A handler that raises is a bug: it propagates (to the test, or to the application's
    # excepthook, which logs it and shows the generic failure message).
    on_done(result, error)
