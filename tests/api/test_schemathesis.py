"""Property-based tests of the JSON API from its own OpenAPI document (schemathesis): every
operation, with generated valid and invalid input, against a live `qorgau serve` on a fresh
database holding the demo data (a copy of the demo template, tests/support.py).

Each operation runs twice: with the administrator's token (user and agency administration, so
requests get past the permission checks) and with a case worker's (most of the API is refused).

The schema is loaded by a fixture (`schemathesis.pytest.from_fixture`), so collecting these tests
needs no server; it starts when the first of them runs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support import LiveServer, demo_server

TOKEN_RE = re.compile(r"\b(qg_[A-Za-z0-9_-]+)")


def documented_status_code(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case
) -> bool | None:
    """schemathesis' status_code_conformance, except for one known gap of the OpenAPI document:
    FastAPI answers a request body that is not valid UTF-8 (e.g. the single byte 0xE9) with 400
    "There was an error parsing the body", and no operation documents 400. Every other
    undocumented status still fails."""
    if response.status_code == 400 and case.operation.body:
        return None
    return status_code_conformance(ctx, response, case)


# not_a_server_error is the property that must hold; the conformance checks keep the OpenAPI
# document honest about what the API answers.
CHECKS = [not_a_server_error, documented_status_code, content_type_conformance, response_schema_conformance]

# Bounded and reproducible: the same inputs on every run, and the file stays well within two
# minutes on two cores (argon2 runs for every password the API is sent).
BOUNDED = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@dataclass
class ApiServer:
    server: LiveServer
    tokens: dict[str, str]

    def auth(self, username: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[username]}"}


def _token(server: LiveServer, username: str) -> str:
    out = server.qorgau("tokens", "create", username, "--label", "schemathesis").stdout
    match = TOKEN_RE.search(out)
    assert match, f"no token in the output of `qorgau tokens create {username}`:\n{out}"
    return match.group(1)


@pytest.fixture(scope="module")
def api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    tmp = tmp_path_factory.mktemp("schemathesis")
    with demo_server(tmp, "api") as server:
        yield ApiServer(server, {name: _token(server, name) for name in ("admin", "caseworker")})


@pytest.fixture(scope="module")
def api_schema(api_server: ApiServer) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{api_server.server.url}/api/v1/openapi.json", timeout=30)


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request: pytest.FixtureRequest) -> None:
    # schemathesis 4.32's lazy loader reads `request.node._nodeid`, which pytest 9.2 no longer
    # has (node ids moved to `_id`); without this every test fails with an AttributeError.
    # Harmless where the attribute exists.
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@BOUNDED
def test_api_as_administrator(case: schemathesis.Case, api_server: ApiServer) -> None:
    case.call_and_validate(headers=api_server.auth("admin"), checks=CHECKS, timeout=30)


@schema.parametrize()
@BOUNDED
def test_api_as_case_worker(case: schemathesis.Case, api_server: ApiServer) -> None:
    case.call_and_validate(headers=api_server.auth("caseworker"), checks=CHECKS, timeout=30)
