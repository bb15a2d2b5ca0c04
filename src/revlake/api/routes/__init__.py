"""API v1 routes, one module per area; `api_router()` assembles them under /api/v1."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Hashable
from typing import Any

from fastapi import APIRouter, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from revlake.api.problems import PROBLEM_RESPONSES
from revlake.queries.precompute import json_body
from revlake.reader import Build
from revlake.reader.answers import stored_answer

API_PREFIX = "/api/v1"


async def json_from_snapshot(
    snapshot: Build, key: tuple[Hashable, ...], compute: Callable[[], BaseModel]
) -> Response:
    """The JSON body of `compute()`, serialised once per snapshot and key.

    A repeat request is a dictionary lookup on the event loop; the first one reads the
    body the publish precomputed under `key` (`revlake.queries.precompute`), else runs the
    queries, in the thread pool so that the loop keeps serving others meanwhile. The
    snapshot's name goes into `X-Revlake-Snapshot` and the ETag, so a client can tell
    which build answered.
    """
    memo_key = ("json", *key)
    body = snapshot.cached(memo_key)
    if body is None:

        def load() -> bytes:
            stored = stored_answer(snapshot, key)
            return stored if stored is not None else json_body(compute())

        body = await run_in_threadpool(snapshot.memo, memo_key, load)
    assert isinstance(body, bytes)
    return Response(
        content=body,
        media_type="application/json",
        headers={"X-Revlake-Snapshot": snapshot.name, "ETag": f'W/"{snapshot.name}"'},
    )


ROUTE_MODULES: tuple[str, ...] = (
    "health",
    "revenue",
    "growth",
    "pipeline",
    "customers",  # /customers/at-risk is declared before /customers/{customer_id}
    "retention",
    "runs",
    "insights",
    "cfo",
    "sales",
    "audit",
    "tax",
    "ap",
    "ar",
    "deals",
    "revrec",
    "alerts",
)
"""Route modules under `revlake.api.routes`, one per area, in the order the docs list them."""


def api_router() -> APIRouter:
    """Every v1 route (imported here so that importing the package stays cheap)."""
    router = APIRouter(prefix=API_PREFIX, responses=PROBLEM_RESPONSES)
    for name in ROUTE_MODULES:
        module = importlib.import_module(f"revlake.api.routes.{name}")
        router.include_router(module.router)
    return router


def route_table(routes: list[Any]) -> list[tuple[str, str]]:
    """(method, path) of every HTTP route, including those of included routers."""
    table: list[tuple[str, str]] = []
    for route in routes:
        nested = getattr(route, "effective_route_contexts", None)
        if nested is not None:  # FastAPI ≥ 0.160 includes routers lazily
            flat = [_Flat(c.path, getattr(c.original_route, "methods", None)) for c in nested()]
            table += route_table(flat)
            continue
        path, methods = getattr(route, "path", None), getattr(route, "methods", None)
        if path is None or not methods:
            continue
        table += [(m, path) for m in sorted(methods) if m != "HEAD"]
    return table


class _Flat:
    """A route reduced to what `route_table` reads."""

    def __init__(self, path: str, methods: set[str] | None) -> None:
        self.path = path
        self.methods = methods
