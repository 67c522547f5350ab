"""The PySide6 desktop client of Township Desk. Widgets live in feature packages (register, review,
reports, …); they reach data only through app/ (see docs/decisions/0006-desktop-client-structure.md).

Importing ui applies one workaround, checked rather than assumed. PySide6 6.12.0 on Python 3.11
returns None from every void method (setText, processEvents, …) and the bool of `Signal.emit()`
without the reference its caller later drops, so each call costs None or True one reference; after
some thousands of calls (a clerk's morning) the interpreter aborts with "deallocating None". Python
3.12 made these singletons immortal, which is why the bindings get away with it there. Here, when a
probe sees the loss, None, True and False get a reference-count headroom of 2**48 — immortal in
practice, as on 3.12 — and nothing else changes. A fixed PySide6 or Python 3.12+ shows no loss and
is left alone."""

from __future__ import annotations

import ctypes
import sys

_HEADROOM = 1 << 48


def _bindings_lose_references() -> bool:
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(4):
        probe.setObjectName("probe")
        probe.ping.emit()
    after = sys.getrefcount(None), sys.getrefcount(True)
    return after[0] < before[0] or after[1] < before[1]


def _make_singletons_immortal() -> bool:
    if sys.version_info >= (3, 12) or not _bindings_lose_references():
        return False
    for singleton in (None, True, False):
        # ob_refcnt is the first field of every CPython object (a Py_ssize_t).
        ctypes.c_ssize_t.from_address(id(singleton)).value += _HEADROOM
    return True


SINGLETONS_IMMORTALISED = _make_singletons_immortal()
