"""pytest fixtures for the server suite (imported by each tests/test_server_*.py module): one live
server per module and backend, on SQLite and — when TD_TEST_PG_URL is set — on PostgreSQL."""

from __future__ import annotations

import pytest

from tests.server.databases import BACKENDS, fresh_database
from tests.server.live import live_server


@pytest.fixture(name="server", scope="module", params=BACKENDS)
def server_fixture(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"server-{request.param}")
    with fresh_database(request.param, tmp) as url, live_server(url, tmp) as live:
        yield live
