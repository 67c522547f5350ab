"""Shared fixtures: a fresh migrated local database per test, one-line where possible."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# "ci": fixed seed (derandomize) so a CI run is reproducible; "dev": hypothesis defaults.
settings.register_profile(
    "ci", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.register_profile("dev", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture
def engine(tmp_path):
    from db.engine import open_local

    eng = open_local(tmp_path / "local.db")
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine):
    from db.engine import session_factory

    with session_factory(engine)() as s:
        yield s


@pytest.fixture(scope="session")
def qapp(qapp):
    """pytest-qt's application, with cyclic garbage freed in the GUI thread only (ui.gui_gc): a
    collection on a task-runner thread freed a Qt object there and crashed the suite."""
    from ui import gui_gc

    gui_gc.install(qapp)
    return qapp


@pytest.fixture(autouse=True)
def _collect_in_the_gui_thread():
    """After each test, what the GUI thread's timer would collect (a test may not spin the event loop
    long enough for it)."""
    yield
    import sys

    if "ui.gui_gc" in sys.modules:
        from PySide6.QtWidgets import QApplication

        app = QApplication.instance()
        collector = app.findChild(sys.modules["ui.gui_gc"].GuiThreadCollector) if app is not None else None
        if collector is not None:
            collector.check()
