"""Request bodies: read only for an authenticated caller, and never more than the limit.

FastAPI reads and parses a request body before it runs the route's dependencies, so an
unauthenticated client could make the server buffer any amount of data. This ASGI
middleware sits in front: for a request that may carry a body (POST, PUT, PATCH, DELETE)
under /api/ it first checks the API key (the same `ServerContext.authenticate` the routes
use; its principal is handed on in `scope["state"]`, so the route does not check again),
answering 401/429/503 without reading a byte of the body. Then it refuses a declared
`Content-Length` above the limit (413), and counts the bytes while the app reads them,
stopping with 413 as soon as the count passes the limit (a chunked body declares no
length). Dashboard form posts (the login) get the same byte limit; their key is in the
body itself.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from revlake.api import problems
from revlake.api.context import ServerContext
from revlake.api.keyguard import presented_key
from revlake.errors import RevlakeError
from revlake.store.keys import InvalidApiKeyError

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PRINCIPAL_STATE = "revlake_principal"


def too_large(limit: int) -> HTTPException:
    return HTTPException(
        status_code=413,
        detail=f"request body larger than {limit} bytes (setting api_max_body_bytes)",
    )


def client_address(scope: Scope) -> str:
    """The peer address the failure limits count against ("unknown" without one)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


class BodyGuard:
    """ASGI middleware: authenticate before the body, then enforce the byte limit."""

    def __init__(self, app: ASGIApp, context: ServerContext, prefix: str = "/api/") -> None:
        self.app = app
        self.context = context
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        limit = self.context.max_body_bytes
        request = Request(scope)
        if scope["path"].startswith(self.prefix):
            try:
                key = presented_key(scope["headers"])
                if not key:
                    raise InvalidApiKeyError(
                        "missing API key: send `Authorization: Bearer <key>` or `X-API-Key: <key>`"
                    )
                principal = await self.context.authenticate(key, client_address(scope))
            except RevlakeError as exc:
                await problems.problem_for(exc, request)(scope, receive, send)
                return
            scope.setdefault("state", {})[PRINCIPAL_STATE] = principal
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await problems.problem_for(too_large(limit), request)(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise too_large(limit)
            return message

        await self.app(scope, limited_receive, send)
