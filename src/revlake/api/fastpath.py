"""A response cache in front of the app for answers that depend only on a snapshot.

Snapshots never change once published, so a 200 answer carrying `X-Revlake-Snapshot`
(every gold-derived route) is the same for every request with the same tenant, role,
path and query on the same snapshot. This ASGI middleware keeps those answers and replays
them without running the framework's routing and dependencies, which is most of the cost
of a request once the answer itself is memoised.

POST routes named in `posts` (`POST /forecast`) are cached the same way, under the
request's content type and a canonical form of its JSON body (`canonical_json`: the
parsed value written back with sorted keys, so bodies FastAPI parses alike share one
entry) and a *variant*: what the answer depends on besides the snapshot (the forecast's
registered model version). `posts[path](context, tenant)` says what the variant is now;
the route says which one it computed with (`declare_variant`), and its answer is kept
under that one only. A body that is not JSON, larger than `MAX_CACHED_BODY` or streamed
without an end, goes to the app untouched (it answers its own 400/413/422). The POST
itself is authenticated by `BodyGuard` (outside this middleware) before its body is
read; the cache uses the principal it verified, exactly as the route would.

It never widens access: a request is answered from the cache only when its API key (read
by `keyguard.presented_key`, exactly as the app reads it; a request naming two different
keys is left to the app, which refuses it) is in
the server's short-lived table of already verified keys (`ServerContext.cached_principal`,
same expiry as normal requests; for a POST, `BodyGuard`'s verification of this request),
the entry was produced for that same tenant and role by the normal path, and the entry's
snapshot (and variant) is still the tenant's current one. Anything else (no key, unknown
or expired key, other snapshot, other method) goes through the app.

Concurrent misses of one entry (50 clients right after a publish) are coalesced when
the same request was kept on an earlier snapshot (an answer known to be cacheable): the
first goes through the app, the others wait for its answer (at most `COALESCE_WAIT_S`)
and replay it, or go through the app themselves when it did not give a cacheable one.
A request never kept (`/health`, a refusal, an answer read from the store) never waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable, Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from revlake.api.bodyguard import PRINCIPAL_STATE
from revlake.api.context import ServerContext
from revlake.api.keyguard import presented_key
from revlake.errors import RevlakeError
from revlake.store.keys import InvalidApiKeyError, Principal

SNAPSHOT_HEADER = b"x-revlake-snapshot"
CONTENT_TYPE = b"content-type"
MAX_ENTRIES = 4096
MAX_CACHED_BODY = 4096
"""Largest POST body the cache reads to look up (a forecast request is ~30 bytes)."""
COALESCE_WAIT_S = 1.0
VARIANT_STATE = "revlake_fastpath_variant"

Variant = Callable[[ServerContext, str], Hashable | None]
"""What a cached POST answer depends on besides the snapshot, now (None: not cacheable)."""
Key = tuple[Hashable, ...]
"""(tenant, role, method, path, query, request part, variant, snapshot)."""
Entry = tuple[list[tuple[bytes, bytes]], bytes]


def declare_variant(scope: Scope, variant: Hashable) -> None:
    """Called by a cached POST route: its answer was computed with `variant`."""
    scope.setdefault("state", {})[VARIANT_STATE] = variant


def canonical_json(body: bytes) -> bytes | None:
    """One spelling per parsed JSON value (keys sorted, no spaces), b"" for no body, None
    when the body is not JSON. FastAPI parses a body with `json.loads` too, so two bodies
    with one canonical form are the same request to the route."""
    if not body:
        return b""
    try:
        return json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, RecursionError):
        return None


async def buffered(receive: Receive, limit: int) -> tuple[bytes | None, Receive]:
    """The request body (None when it is larger than `limit`, incomplete or failed) and a
    `receive` that hands the app the same messages (and the same error) in order."""
    messages: deque[Message] = deque()
    failure: list[Exception] = []
    size, complete = 0, False
    try:
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if not message.get("more_body", False):
                complete = True
                break
            if size > limit:
                break
    except Exception as exc:  # BodyGuard's 413: the app's own read raises it instead
        failure.append(exc)

    async def replay() -> Message:
        if messages:
            return messages.popleft()
        if failure:
            raise failure.pop()
        return await receive()

    if not complete or failure or size > limit:
        return None, replay
    return b"".join(m.get("body", b"") for m in messages), replay


class SnapshotResponseCache:
    """ASGI middleware replaying snapshot-derived 200 answers (see module docstring)."""

    def __init__(
        self,
        app: ASGIApp,
        context: ServerContext,
        prefix: str = "/api/",
        posts: Mapping[str, Variant] | None = None,
    ) -> None:
        self.app = app
        self.context = context
        self.prefix = prefix
        self.posts = dict(posts or {})
        self._entries: OrderedDict[Key, Entry] = OrderedDict()
        self._lock = threading.Lock()
        self._inflight: dict[Key, tuple[asyncio.AbstractEventLoop, asyncio.Event]] = {}
        self._cacheable: set[Key] = set()
        """Requests (the key without its snapshot) kept at least once: those coalesce."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        variant: Hashable = None
        part: Hashable = b""
        if method == "GET":
            principal = self._verified(scope)
        elif method == "POST" and scope["path"] in self.posts:
            principal = scope.get("state", {}).get(PRINCIPAL_STATE)
            if not isinstance(principal, Principal):
                await self.app(scope, receive, send)
                return
            variant = self._variant(scope["path"], principal.tenant_id)
            if variant is not None:
                body, receive = await buffered(receive, MAX_CACHED_BODY)
                canonical = canonical_json(body) if body is not None else None
                part = (content_types(scope), canonical)
                if canonical is None:
                    variant = None
        else:
            principal = None
        if principal is None or (method == "POST" and variant is None):
            await self.app(scope, receive, send)
            return
        base: tuple[Hashable, ...] = (principal.tenant_id, principal.role.value, method)
        base += (scope["path"], scope["query_string"], part)
        current = self.context.snapshots.current_name(principal.tenant_id)
        if current is None:
            await self._call_and_keep(scope, receive, send, base)
            return
        key = (*base, variant, current)
        if await self._replay(key, send):
            return
        if key[:-1] not in self._cacheable:
            await self._call_and_keep(scope, receive, send, base)
            return
        running = self._inflight.get(key)
        loop = asyncio.get_running_loop()
        if running is not None and running[0] is loop:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(running[1].wait(), COALESCE_WAIT_S)
            if await self._replay(key, send):
                return
            await self._call_and_keep(scope, receive, send, base)
            return
        done = asyncio.Event()
        self._inflight[key] = (loop, done)
        try:
            await self._call_and_keep(scope, receive, send, base, done.set)
        finally:
            done.set()
            if self._inflight.get(key, (None, None))[1] is done:
                del self._inflight[key]

    def _verified(self, scope: Scope) -> Principal | None:
        try:
            key = presented_key(scope["headers"])
        except InvalidApiKeyError:
            return None  # the app refuses it with its own answer
        return self.context.cached_principal(key) if key else None

    def _variant(self, path: str, tenant: str) -> Hashable:
        try:
            return self.posts[path](self.context, tenant)
        except RevlakeError:
            return None  # the route answers the same error

    async def _replay(self, key: Key, send: Send) -> bool:
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None:
                self._entries.move_to_end(key)
        if hit is None:
            return False
        headers, body = hit
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        return True

    async def _call_and_keep(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        base: tuple[Hashable, ...],
        kept: Callable[[], None] | None = None,
    ) -> None:
        start: Message | None = None
        chunks: list[bytes] = []
        state = scope.setdefault("state", {})

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body" and start is not None:
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    variant = None if scope["method"] == "GET" else state.get(VARIANT_STATE)
                    if scope["method"] == "GET" or variant is not None:
                        self._keep(start, b"".join(chunks), (*base, variant))
                    if kept is not None:
                        kept()  # waiters replay it now, not after this client read it
            await send(message)

        await self.app(scope, receive, capture)

    def _keep(self, start: Message, body: bytes, base: tuple[Hashable, ...]) -> None:
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
            if len(self._cacheable) >= 4 * MAX_ENTRIES:
                self._cacheable.clear()
            self._cacheable.add(base)


def content_types(scope: Scope) -> tuple[bytes, ...]:
    """Every Content-Type header of the request, as sent (FastAPI parses JSON by it)."""
    return tuple(bytes(v) for k, v in scope["headers"] if k == CONTENT_TYPE)
