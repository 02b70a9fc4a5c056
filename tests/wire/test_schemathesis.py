"""Property-based requests from the OpenAPI schema (schemathesis) against a real server: no
answer is a 500 or a hang, and every answer matches the schema. Bounded examples per operation
so the module stays under a minute. Operations that would stall or wipe the test's world are
left out: the long poll (its own tests), setting faults (latency, offline) and reset-demo."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from desktop.remote.client import HttpApi
from tests.wire.support import QA_TOKEN, ServerProcess

# The coverage phase's requests with unexpected methods (405s) are many and say little here.
CONFIG = SchemathesisConfig.from_dict({"phases": {"coverage": {"unexpected-methods": []}}})
SCHEMA = schemathesis.openapi.from_path(
    Path(__file__).parents[2] / "docs" / "openapi.json", config=CONFIG
)
LEFT_OUT = {
    ("GET", "/v1/changes"),
    ("PATCH", "/v1/qa/faults"),
    ("DELETE", "/v1/qa/faults"),
    ("POST", "/v1/qa/reset-demo"),
}


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """A server of this module's own, and headers with a live session and the QA token."""
    folder = tmp_path_factory.mktemp("fuzz") / "data"
    folder.mkdir()
    with ServerProcess(folder) as server:
        api = HttpApi(server.url)
        token = api.sign_in("pilot@example.com", "demo", "fuzz").token.split(" ", 1)[1]
        api.close()
        yield server.url, {"Authorization": f"Bearer {token}", "X-QA-Token": QA_TOKEN}


@SCHEMA.include(
    lambda ctx: (ctx.operation.method.upper(), ctx.operation.path) not in LEFT_OUT
).parametrize()
@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_request_gets_a_500_or_a_hang(
    case: schemathesis.Case, fuzzed: tuple[str, dict[str, str]]
) -> None:
    url, headers = fuzzed
    case.call_and_validate(
        base_url=url,
        headers={**headers, **(case.headers or {})} if case.headers else headers,
        timeout=10,
        checks=[not_a_server_error, status_code_conformance, response_schema_conformance],
    )
