"""pytest fixtures for the server suite (imported by each tests/test_server_*.py module): one live
server per backend for the whole run, on SQLite and — when TD_TEST_PG_URL is set — on PostgreSQL.
Tests share it, so each one makes its own users and records (fresh ids, their own villages where it
matters) and asserts only about what it made.

A fixture imported into several modules is a separate fixture in each, so the servers are kept in a
module-level cache and stopped once, when pytest shuts down (config cleanup)."""

from __future__ import annotations

import contextlib

import pytest

from tests.server.databases import BACKENDS, fresh_database
from tests.server.live import LiveServer, live_server

_RUNNING: dict[str, LiveServer] = {}


def _shared_server(backend: str, config, tmp_path_factory) -> LiveServer:
    if backend not in _RUNNING:
        stack = contextlib.ExitStack()
        tmp = tmp_path_factory.mktemp(f"server-{backend}")
        url = stack.enter_context(fresh_database(backend, tmp))
        _RUNNING[backend] = stack.enter_context(live_server(url, tmp))
        config.add_cleanup(stack.close)
        config.add_cleanup(lambda: _RUNNING.pop(backend, None))
    return _RUNNING[backend]


@pytest.fixture(name="server", scope="module", params=BACKENDS)
def server_fixture(request, tmp_path_factory):
    return _shared_server(request.param, request.config, tmp_path_factory)


@pytest.fixture(name="server", scope="module", params=BACKENDS)
def own_server_fixture(request, tmp_path_factory):
    """A live server of the module's own, on a fresh database per backend, for a module that writes
    what would change other tests' answers on the shared one (thousands of review items, say)."""
    tmp = tmp_path_factory.mktemp(f"own-server-{request.param}")
    with fresh_database(request.param, tmp) as url, live_server(url, tmp) as server:
        yield server
