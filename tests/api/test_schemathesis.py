"""Property-based requests generated from our own OpenAPI document: never a 500.

Every operation of /api/v1/openapi.json is called through ASGI with a valid admin key and
generated parameters (a bounded number of examples per operation, so the run stays around
a minute on two cores). Checks: schemathesis' `not_a_server_error`, and every error answer
is problem+json.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok

from revlake.api.routes import route_table
from tests.serving_support import ServedWorkspace

EXAMPLES_PER_OPERATION = 30


def _exercise(operation: Any, key: str) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        response = case.call(headers={"Authorization": f"Bearer {key}"})
        case.validate_response(response, checks=[not_a_server_error])
        if response.status_code >= 400:
            content_type = response.headers.get("content-type", [""])
            text = content_type[0] if isinstance(content_type, list) else content_type
            assert text.startswith("application/problem+json"), (
                operation.label,
                response.status_code,
            )

    run()


def test_no_server_error_on_any_input(app: FastAPI, served: ServedWorkspace) -> None:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), f"schema problem: {result}"
        operations.append(result.ok())
    documented = {operation.label for operation in operations}
    served_routes = {
        f"{method} {path}"
        for method, path in route_table(app.routes)
        if path.startswith("/api/v1/") and not path.endswith("openapi.json")
    }
    assert documented == served_routes
    for operation in operations:
        _exercise(operation, served.key())
