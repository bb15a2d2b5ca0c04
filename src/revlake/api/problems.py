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

from revlake.api.schemas import Problem
from revlake.api.snapshots import NoSnapshotError
from revlake.errors import InputError, RevlakeError
from revlake.store.keys import InvalidApiKeyError

MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("revlake.api")

PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "description": HTTPStatus(code).phrase}
    for code in (400, 401, 403, 404, 422)
}


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


def install(app: FastAPI) -> None:
    """Register the problem+json handlers on `app`."""

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else None
        return problem(
            exc.status_code, detail, request, headers=dict(exc.headers) if exc.headers else None
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", ""))}
            for e in exc.errors()
        ]
        detail = "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors)
        return problem(422, detail, request, slug="invalid-request", errors=errors)

    @app.exception_handler(InvalidApiKeyError)
    async def _unauthorised(request: Request, exc: InvalidApiKeyError) -> Response:
        return problem(
            401, str(exc), request, slug="unauthorised", headers={"WWW-Authenticate": "Bearer"}
        )

    @app.exception_handler(NoSnapshotError)
    async def _no_snapshot(request: Request, exc: NoSnapshotError) -> Response:
        return problem(404, str(exc), request, slug="no-snapshot")

    @app.exception_handler(InputError)
    async def _input(request: Request, exc: InputError) -> Response:
        return problem(400, str(exc), request, slug="bad-request")

    @app.exception_handler(RevlakeError)
    async def _failure(request: Request, exc: RevlakeError) -> Response:
        log.warning("request %s failed: %s", request.url.path, exc)
        return problem(503, str(exc), request, slug="unavailable")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s", request.url.path)
        return problem(500, "unexpected server error; see the server log", request)
