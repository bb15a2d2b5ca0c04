"""A response cache in front of the app for answers that depend only on a snapshot.

Snapshots never change once published, so a 200 answer carrying `X-Revlake-Snapshot`
(every gold-derived route) is the same for every request with the same tenant, role,
path and query on the same snapshot. This ASGI middleware keeps those answers and replays
them without running the framework's routing and dependencies, which is most of the cost
of a request once the answer itself is memoised.

It never widens access: a request is answered from the cache only when its API key (read
by `keyguard.presented_key`, exactly as the app reads it; a request naming two different
keys is left to the app, which refuses it) is in
the server's short-lived table of already verified keys (`ServerContext.cached_principal`,
same expiry as normal requests), the entry was produced for that same tenant and role by
the normal path, and the entry's snapshot is still the tenant's current one. Anything
else (no key, unknown or expired key, other snapshot, other method) goes through the app.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from revlake.api.context import ServerContext
from revlake.api.keyguard import presented_key
from revlake.store.keys import InvalidApiKeyError

SNAPSHOT_HEADER = b"x-revlake-snapshot"
MAX_ENTRIES = 4096
Key = tuple[str, str, str, bytes, str]


class SnapshotResponseCache:
    """ASGI middleware replaying snapshot-derived 200 answers (see module docstring)."""

    def __init__(self, app: ASGIApp, context: ServerContext, prefix: str = "/api/") -> None:
        self.app = app
        self.context = context
        self.prefix = prefix
        self._entries: OrderedDict[Key, tuple[list[tuple[bytes, bytes]], bytes]] = OrderedDict()
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or not scope["path"].startswith(self.prefix)
        ):
            await self.app(scope, receive, send)
            return
        try:
            key = presented_key(scope["headers"])
        except InvalidApiKeyError:
            key = None  # the app refuses it with its own answer
        principal = self.context.cached_principal(key) if key else None
        if principal is None:
            await self.app(scope, receive, send)
            return
        current = self.context.snapshots.current_name(principal.tenant_id)
        base = (principal.tenant_id, principal.role.value, scope["path"], scope["query_string"])
        if current is not None:
            with self._lock:
                hit = self._entries.get((*base, current))
                if hit is not None:
                    self._entries.move_to_end((*base, current))
            if hit is not None:
                headers, body = hit
                await send({"type": "http.response.start", "status": 200, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
        await self._call_and_keep(scope, receive, send, base)

    async def _call_and_keep(
        self, scope: Scope, receive: Receive, send: Send, base: tuple[str, str, str, bytes]
    ) -> None:
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body" and start is not None:
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    self._keep(start, b"".join(chunks), base)
            await send(message)

        await self.app(scope, receive, capture)

    def _keep(self, start: Message, body: bytes, base: tuple[str, str, str, bytes]) -> None:
        if start["status"] != 200:
            return
        headers = [(bytes(k), bytes(v)) for k, v in start.get("headers", [])]
        snapshot = next((v.decode() for k, v in headers if k == SNAPSHOT_HEADER), None)
        if snapshot is None:
            return
        with self._lock:
            self._entries[(*base, snapshot)] = (headers, body)
            while len(self._entries) > MAX_ENTRIES:
                self._entries.popitem(last=False)
