"""Shared fixtures: a fresh migrated local database per test, one-line where possible."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


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
