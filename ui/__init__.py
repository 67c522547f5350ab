"""The PySide6 desktop client of Township Desk. Widgets live in feature packages (register, review,
reports, …); they reach data only through app/ (see docs/decisions/0006-desktop-client-structure.md).

Importing ui applies one workaround, checked rather than assumed: PySide6 6.12.0 on Python 3.11
returns the bool of `SignalInstance.emit()` without the reference its caller later drops, so every
emit from Python costs `True` one reference until, after a few thousand emits (a clerk's morning),
the interpreter aborts with "deallocating True or False". Bools are immortal from Python 3.12, and a
fixed PySide6 loses nothing; in both cases the probe below finds no loss and patches nothing."""

from __future__ import annotations

import ctypes
import sys


def _restore_emit_result_reference() -> bool:
    from PySide6.QtCore import QObject, Signal, SignalInstance

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    before = sys.getrefcount(True)
    probe.ping.emit()
    probe.ping.emit()
    lost = before - sys.getrefcount(True)
    if lost <= 0:
        return False
    incref = ctypes.pythonapi.Py_IncRef
    incref.argtypes = [ctypes.py_object]
    incref.restype = None
    for _ in range(lost):
        incref(True)
    original = SignalInstance.emit

    def emit(self, *args):
        result = original(self, *args)
        incref(result)  # the reference emit() should have given its caller
        return result

    SignalInstance.emit = emit
    return True


EMIT_PATCHED = _restore_emit_result_reference()
