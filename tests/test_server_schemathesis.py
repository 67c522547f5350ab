"""schemathesis against the server's own OpenAPI schema, on the live server (SQLite and, with
TD_TEST_PG_URL, PostgreSQL): generated requests for every operation, authenticated as a township
user and with a real channel key, must never get a 5xx and every answer must match the schema.
The number of examples per operation is bounded (TD_SCHEMATHESIS_EXAMPLES, default 10)."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from server.app import create_app
from server.config import load_settings
from server.intake_keys import create_channel_key
from sync.wire import SCHEMA_VERSION
from tests.server.fixtures import server_fixture  # noqa: F401

EXAMPLES = int(os.environ.get("TD_SCHEMATHESIS_EXAMPLES", "10"))
# The schema comes from the application object itself (building it touches no database).
schema = schemathesis.openapi.from_dict(
    create_app(load_settings(database_url="sqlite:///:memory:", secret_key="schema-only")).openapi())
# Calls that end the caller's own session are exercised too, and answered by logging in again.
SESSION_ENDING = ("/api/v1/logout", "/api/v1/renew", "/api/v1/devices/{device_id}/revoke")


@pytest.fixture(scope="module")
def identity(server):
    state = {"client": server.user_client("township_admin", "150422100")}
    with server.session() as s:
        state["key"] = create_channel_key(s, server.settings, "12345", "12345热线平台")
        s.commit()
    return state


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
def test_no_server_errors_and_answers_match_the_schema(case, server, identity):
    client = identity["client"]
    headers = {"Authorization": f"Bearer {client.token}", "X-Schema-Version": str(SCHEMA_VERSION)}
    if case.headers and "X-Api-Key" in case.headers and case.headers["X-Api-Key"].startswith("tdk"):
        headers["X-Api-Key"] = identity["key"]
    case.call_and_validate(base_url=server.url, headers=headers,
                           checks=[not_a_server_error, response_schema_conformance])
    if case.operation.path in SESSION_ENDING:
        identity["client"] = server.user_client("township_admin", "150422100")
