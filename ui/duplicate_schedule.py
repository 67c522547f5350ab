"""The daily likely-duplicate scan of the jurisdiction, scheduled by the main window: it needs no
page open and runs off the GUI thread and off the database worker, so nobody waits for it; its
findings appear on the review page's 疑似重复人员 tab (ui/review/duplicates.py)."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer

log = logging.getLogger(__name__)


class DuplicateSchedule(QObject):
    """The daily scan: a minute after the window opens and then every half hour it runs
    `scan_if_due` (app.client.duplicates.DuplicateDesk.scan_if_due: a scan when a day has passed
    since the last one) on the runner's background worker; `on_found` (the review tab's reload) is
    called when it scanned."""

    FIRST_CHECK_MS = 60_000
    CHECK_EVERY_MS = 30 * 60_000

    def __init__(self, scan_if_due, runner, on_found=None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._scan_if_due, self._runner, self._on_found = scan_if_due, runner, on_found
        self.running = False
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(self.FIRST_CHECK_MS)

    def check(self) -> None:
        self.timer.setInterval(self.CHECK_EVERY_MS)
        if not self.running:
            self.running = True
            self._runner.run_background(self._scan_if_due, self._finished)

    def _finished(self, found, error) -> None:
        self.running = False
        if error is not None:  # nobody asked for it: no dialog; the next check tries again
            log.warning("daily duplicate scan failed: %s", type(error).__name__)
        elif found is not None and self._on_found is not None:
            self._on_found()
