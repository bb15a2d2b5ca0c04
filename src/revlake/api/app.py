"""The ASGI application: API v1 under /api/v1 and the dashboard at /, for one workspace.

`create_app(workspace)` builds everything from the workspace (settings, operational
store, snapshots) when called; nothing happens at import time. Tests pass their own
`Store` to share one with the test code.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from revlake import __version__
from revlake.api import problems
from revlake.api.bodyguard import BodyGuard
from revlake.api.context import DEFAULT_PRINCIPAL_TTL_S, ServerContext, load_session_secret
from revlake.api.fastpath import SnapshotResponseCache
from revlake.api.keyguard import FailureLimiter
from revlake.api.routes import api_router
from revlake.api.routes.deals import CACHED_POSTS
from revlake.api.warmer import BuildWarmer
from revlake.store.db import Store
from revlake.store.workspace_store import open_store
from revlake.workspace import Workspace

DESCRIPTION = """
Revenue metrics of one tenant, read from its latest published gold snapshot.

Authenticate with an API key (`revlake keys create --tenant T --role R`) sent as
`Authorization: Bearer <key>` or `X-API-Key: <key>`. The key decides the tenant and what
its role may read. Errors are RFC 9457 problem details (`application/problem+json`).
"""


def create_app(
    workspace: Workspace | Path | str,
    *,
    store: Store | None = None,
    principal_ttl_s: float = DEFAULT_PRINCIPAL_TTL_S,
    max_body_bytes: int | None = None,
    limiter: FailureLimiter | None = None,
) -> FastAPI:
    """The application serving `workspace` (opened, with its store migrated, if needed).

    `principal_ttl_s`: how long a verified API key is trusted before the store is read
    again (revocation takes effect within this time; 0 = every request).
    `max_body_bytes`: the largest request body accepted (default: the workspace setting
    `api_max_body_bytes`, 1 MiB). `limiter`: the failed-key-check limits (default ones).
    """
    opened = workspace if isinstance(workspace, Workspace) else Workspace.open(workspace)
    context = ServerContext(
        workspace=opened,
        store=store if store is not None else open_store(opened),
        session_secret=load_session_secret(opened.root),
        principal_ttl_s=principal_ttl_s,
        max_body_bytes=(
            max_body_bytes
            if max_body_bytes is not None
            else opened.settings.workspace.api_max_body_bytes
        ),
        limiter=limiter if limiter is not None else FailureLimiter(),
    )

    warmer = BuildWarmer(context.snapshots, [t.id for t in opened.settings.tenants])

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        warmer.start()
        yield
        warmer.stop()
        context.verifier.close()
        context.snapshots.close()
        if store is None:
            context.store.dispose()

    app = FastAPI(
        title="revlake API",
        version=__version__,
        description=DESCRIPTION,
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
        lifespan=lifespan,
    )
    app.state.revlake = context
    app.add_middleware(SnapshotResponseCache, context=context, posts=CACHED_POSTS)
    app.add_middleware(BodyGuard, context=context)
    problems.install(app)
    app.include_router(api_router())

    from revlake.web import install as install_web

    install_web(app)
    return app
