"""Errors as RFC 9457 problem details (`application/problem+json`), for every route.

Known failures map to 4xx with a message that says what to change; anything unexpected
becomes a 500 problem without internals (and is logged), never an HTML page or a trace.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from markupsafe import escape
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from revlake.api.keyguard import TooManyFailuresError, VerifierBusyError
from revlake.errors import (
    Conflict,
    InputError,
    MissingTable,
    NoPublishedBuild,
    NotFound,
    RevlakeError,
)
from revlake.schemas.common import Problem
from revlake.store.keys import InvalidApiKeyError

MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("revlake.api")

PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "description": HTTPStatus(code).phrase}
    for code in (400, 401, 403, 404, 422, 429, 503)
}
"""Problems every v1 operation may answer (documented as application/problem+json)."""
BODY_PROBLEMS = (413,)
"""Problems of operations that take a request body, added to those operations."""


def problem(
    status: int,
    detail: str | None,
    request: Request,
    *,
    slug: str | None = None,
    headers: dict[str, str] | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> Response:
    if wants_html(request):
        return _html_problem(status, detail, headers)
    body = Problem(
        type=f"urn:revlake:problem:{slug}" if slug else "about:blank",
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        instance=request.url.path,
        errors=errors,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        media_type=MEDIA_TYPE,
        headers=headers,
    )


def wants_html(request: Request) -> bool:
    """Whether the request came from the dashboard (not /api or /docs)."""
    return not request.url.path.startswith(("/api/", "/docs"))


def _html_problem(status: int, detail: str | None, headers: dict[str, str] | None) -> Response:
    title = HTTPStatus(status).phrase
    body = (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width, initial-scale=1">'
        f"<title>{status} {escape(title)} · revlake</title>"
        '<link rel=stylesheet href="/static/style.css"></head><body><main class=narrow>'
        f"<h1>{status} {escape(title)}</h1><p class=problem>{escape(detail or '')}</p>"
        '<p><a href="/">Back to the overview</a> · <a href="/login">Log in</a></p>'
        "</main></body></html>"
    )
    return HTMLResponse(body, status_code=status, headers=headers)


def problem_for(exc: Exception, request: Request) -> Response:
    """The problem answer for an exception (also used by middleware outside the router)."""
    if isinstance(exc, StarletteHTTPException):
        detail = exc.detail if isinstance(exc.detail, str) else None
        headers = dict(exc.headers) if exc.headers else None
        return problem(exc.status_code, detail, request, headers=headers)
    if isinstance(exc, TooManyFailuresError):
        retry = {"Retry-After": str(exc.retry_after_s)}
        return problem(429, str(exc), request, slug="too-many-failures", headers=retry)
    if isinstance(exc, VerifierBusyError):
        retry = {"Retry-After": str(exc.retry_after_s)}
        return problem(503, str(exc), request, slug="busy", headers=retry)
    if isinstance(exc, InvalidApiKeyError):
        return problem(
            401, str(exc), request, slug="unauthorised", headers={"WWW-Authenticate": "Bearer"}
        )
    if isinstance(exc, NoPublishedBuild):
        return problem(404, str(exc), request, slug="no-snapshot")
    if isinstance(exc, MissingTable):
        return problem(404, str(exc), request, slug="missing-table")
    if isinstance(exc, NotFound):
        return problem(404, str(exc), request, slug="not-found")
    if isinstance(exc, Conflict):
        return problem(409, str(exc), request, slug="conflict")
    if isinstance(exc, InputError):
        return problem(400, str(exc), request, slug="bad-request")
    if isinstance(exc, RevlakeError):
        log.warning("request %s failed: %s", request.url.path, exc)
        return problem(503, str(exc), request, slug="unavailable")
    log.error("unexpected error on %s", request.url.path, exc_info=exc)
    return problem(500, "unexpected server error; see the server log", request)


def install(app: FastAPI) -> None:
    """Register the problem+json handlers on `app` and document them in its OpenAPI."""

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", ""))}
            for e in exc.errors()
        ]
        detail = "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors)
        return problem(422, detail, request, slug="invalid-request", errors=errors)

    async def _handle(request: Request, exc: Exception) -> Response:
        return problem_for(exc, request)

    for kind in (StarletteHTTPException, RevlakeError, Exception):
        app.add_exception_handler(kind, _handle)
    _document_problems(app)


def _document_problems(app: FastAPI) -> None:
    """Make the OpenAPI document say what errors really are: application/problem+json.

    FastAPI documents extra responses with the route's own media type; this rewrites
    every 4xx/5xx response of the document to `application/problem+json` with the Problem
    schema, and adds 413 to the operations that take a request body.
    """
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        problem_ref = {"$ref": "#/components/schemas/Problem"}
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas.setdefault("Problem", Problem.model_json_schema(ref_template="#/$defs/{model}"))
        for path, item in schema.get("paths", {}).items():
            if not path.startswith("/api/"):
                continue
            for method, operation in item.items():
                responses = operation.setdefault("responses", {})
                if method.upper() in {"POST", "PUT", "PATCH", "DELETE"}:
                    for code in BODY_PROBLEMS:
                        responses.setdefault(str(code), {"description": HTTPStatus(code).phrase})
                for code, response in responses.items():
                    if code.isdigit() and int(code) >= 400:
                        response["content"] = {MEDIA_TYPE: {"schema": problem_ref}}
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
