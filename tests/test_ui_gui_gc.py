"""Cyclic garbage is freed in the GUI thread only (ui.gui_gc): a collection on a task-runner thread
once freed a Qt object there and crashed the suite with a segmentation fault."""

from __future__ import annotations

import gc
import threading

from ui import gui_gc


class _Cycle:
    """An object in a reference cycle that notes the thread it was freed in."""

    freed_in: list[str] = []

    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:
        _Cycle.freed_in.append(threading.current_thread().name)


def test_cyclic_garbage_made_anywhere_is_freed_in_the_gui_thread(qapp, qtbot):
    collector = gui_gc.install(qapp)
    assert gui_gc.install(qapp) is collector  # one per application
    assert not gc.isenabled()
    gc.collect()
    _Cycle.freed_in.clear()
    _Cycle()  # garbage now, but only a collection can free it

    kept: list = []

    def busy() -> None:  # a runner thread's database read keeps far more than the collector's thresholds
        kept.extend([n] for n in range(50_000))

    worker = threading.Thread(target=busy, name="runner")
    worker.start()
    worker.join()
    assert _Cycle.freed_in == []  # with the automatic collector on, "runner" freed it here
    qtbot.waitUntil(lambda: bool(_Cycle.freed_in), timeout=3 * gui_gc.INTERVAL_MS)
    assert _Cycle.freed_in == [threading.main_thread().name]
