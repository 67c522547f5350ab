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
