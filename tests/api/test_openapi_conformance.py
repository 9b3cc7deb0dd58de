"""Schemathesis against the app's own OpenAPI schema: no 5xx, and every response as documented.

Each generated request is sent as an admin and as the shepherd (a 403 is a
documented answer too); the fake gateway stands in for Temporal. Schemathesis's
pytest plugin (``from_fixture``) does not run on pytest 9 (it sets
``Function._nodeid``), so the cases come from ``APIOperation.as_strategy`` and
plain Hypothesis.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import bearer

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
OPERATIONS = [
    ("POST", "/v1/cycles"),
    ("GET", "/v1/cycles/{year}"),
    ("POST", "/v1/cycles/{year}/steps/{step}/approve"),
    ("POST", "/v1/cycles/{year}/steps/{step}/extend"),
    ("POST", "/v1/cycles/{year}/steps/{step}/waive"),
    ("POST", "/v1/cycles/{year}/exceptions"),
    ("POST", "/v1/cycles/{year}/nominations"),
    ("POST", "/v1/cycles/{year}/nil-returns"),
    ("GET", "/v1/cycles/{year}/nominations"),
    ("GET", "/v1/cycles/{year}/calendar.ics"),
    ("GET", "/v1/cycles/{year}/calendar/{member_state}.ics"),
    ("GET", "/v1/events"),
    ("POST", "/v1/verify"),
    ("POST", "/v1/users"),
    ("POST", "/v1/users/{name}/tokens"),
    ("GET", "/v1/users"),
    ("POST", "/v1/users/{name}/disable"),
    ("POST", "/v1/users/{name}/enable"),
    ("POST", "/v1/tokens/{token_id}/revoke"),
    ("POST", "/v1/tokens/{token_id}/rotate"),
]
EXAMPLES = 25


def test_the_operations_are_the_schemas(app: FastAPI) -> None:
    paths = app.openapi()["paths"]
    documented = {(method.upper(), path) for path, ops in paths.items() for method in ops}
    assert documented == set(OPERATIONS)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_every_response_is_documented(
    app: FastAPI, tokens: dict[str, str], method: str, path: str, mode: GenerationMode
) -> None:
    operation = schemathesis.openapi.from_asgi("/openapi.json", app)[path][method]
    callers = [bearer(tokens["admin"]), bearer(tokens["shepherd"])]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def conforms(case: Any) -> None:
        for headers in callers:
            case.call_and_validate(headers=headers, checks=CHECKS)

    conforms()


def test_every_error_is_documented_as_problem_json(app: FastAPI) -> None:
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            errors = {code: r for code, r in operation["responses"].items() if code >= "400"}
            assert {"401", "403"} <= errors.keys(), (method, path)
            for response in errors.values():
                assert list(response["content"]) == ["application/problem+json"]
            assert "WWW-Authenticate" in errors["401"]["headers"]
