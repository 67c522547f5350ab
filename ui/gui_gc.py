"""Python's cyclic garbage collector runs in whichever thread happens to allocate when its thresholds
are reached. The task runner's threads allocate plenty (every database read), so a collection could
run there and free a Qt object caught in a reference cycle — a page, a model or a filter whose
callbacks close over it — and its C++ destructor then ran off the GUI thread: a segmentation fault.
The test suite met one: a collection during a code-table read on a runner thread while the register
page's viewport filter was handling an event in the GUI thread.

So the automatic collector is turned off and the GUI thread collects instead, on a timer, by the same
thresholds (the way pyqtgraph's GarbageCollector does). Reference counting still frees everything not
in a cycle at once; only cyclic garbage waits up to a second. `paused_gc` (a bulk step) finds the
collector off and leaves it off."""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 1000


class GuiThreadCollector(QObject):
    """Collects cyclic garbage in the thread that made it (the GUI thread), every INTERVAL_MS when the
    collector's own thresholds are passed. Made once per application (`install`)."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self._threshold = gc.get_threshold()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.check)
        self._timer.start(INTERVAL_MS)

    def check(self) -> None:
        """One round of what the automatic collector would have done by now."""
        young, middle, old = gc.get_count()
        if young > self._threshold[0]:
            gc.collect(0)
            if middle > self._threshold[1]:
                gc.collect(1)
                if old > self._threshold[2]:
                    gc.collect(2)


def install(app: QObject) -> GuiThreadCollector:
    """The application's collector (made on the first call, from the GUI thread)."""
    found = app.findChild(GuiThreadCollector)
    return found if found is not None else GuiThreadCollector(app)
