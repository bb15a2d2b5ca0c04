"""Key checks that cannot stall the server: bounded scrypt off the event loop, failure limits.

A wrong secret costs one scrypt (~60–120 ms of CPU). Run on the event loop, a handful of
clients sending wrong secrets stalls every other request. So:

- `KeyVerifier` runs the scrypt step in its own small thread pool (`workers`, default 1:
  hashlib.scrypt releases the GIL, so the event loop keeps serving meanwhile) and lets at
  most `max_pending` checks wait for it; beyond that a check is refused at once
  (`VerifierBusyError`, 503 with Retry-After) instead of queueing without bound.
- `FailureLimiter` counts failed checks per client address and per key id (unknown ids
  too). After `threshold` failures within `window_s`, further unverified attempts are
  refused without any hashing (`TooManyFailuresError`, 429 with Retry-After) for a
  backoff that doubles with each further failure, up to `max_backoff_s`.

A key the server has already verified (the short-lived principal table and the
`KeyCache` of keys that matched their stored hash) never reaches either: legitimate
clients keep being served while the limiter refuses an attacker on the same address.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from revlake.errors import RevlakeError
from revlake.store.keys import key_matches

DEFAULT_WORKERS = 1
DEFAULT_MAX_PENDING = 16


class TooManyFailuresError(RevlakeError):
    """Too many failed key checks from this client or for this key id (API: 429)."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class VerifierBusyError(RevlakeError):
    """Every key-check slot is taken (API: 503 with Retry-After: 1)."""

    retry_after_s = 1


@dataclass
class _Record:
    failures: int = 0
    last_failure: float = 0.0
    blocked_until: float = 0.0


@dataclass
class FailureLimiter:
    """Failed key checks per client and per key id, with exponential backoff (thread-safe)."""

    client_threshold: int = 10
    key_threshold: int = 5
    window_s: float = 600.0
    base_backoff_s: float = 1.0
    max_backoff_s: float = 300.0
    max_entries: int = 50_000
    _clients: OrderedDict[str, _Record] = field(default_factory=OrderedDict)
    _keys: OrderedDict[str, _Record] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def check(self, client: str, key_id: str | None, now: float | None = None) -> None:
        """Raise TooManyFailuresError while the client or the key id is backing off."""
        now = time.monotonic() if now is None else now
        with self._lock:
            for table, name, what in (
                (self._clients, client, f"client {client}"),
                (self._keys, key_id, f"key id {key_id}"),
            ):
                record = table.get(name) if name is not None else None
                if record is not None and record.blocked_until > now:
                    wait = max(1, math.ceil(record.blocked_until - now))
                    raise TooManyFailuresError(
                        f"too many failed API key checks for {what}; retry after {wait} s",
                        wait,
                    )

    def failed(self, client: str, key_id: str | None, now: float | None = None) -> None:
        """Count one failed check against the client and the key id."""
        now = time.monotonic() if now is None else now
        with self._lock:
            self._count(self._clients, client, self.client_threshold, now)
            if key_id is not None:
                self._count(self._keys, key_id, self.key_threshold, now)

    def _count(
        self, table: OrderedDict[str, _Record], name: str, threshold: int, now: float
    ) -> None:
        record = table.pop(name, None) or _Record()
        if now - record.last_failure > self.window_s:
            record.failures = 0
        record.failures += 1
        record.last_failure = now
        excess = record.failures - threshold
        if excess >= 0:
            backoff = min(self.max_backoff_s, self.base_backoff_s * 2 ** min(excess, 30))
            record.blocked_until = now + backoff
        table[name] = record  # most recent last
        while len(table) > self.max_entries:
            table.popitem(last=False)


class KeyVerifier:
    """Runs scrypt checks in a bounded pool of threads; refuses when too many wait."""

    def __init__(
        self, workers: int = DEFAULT_WORKERS, max_pending: int = DEFAULT_MAX_PENDING
    ) -> None:
        self._workers = workers
        self._pool: ThreadPoolExecutor | None = None
        self._max_pending = max_pending
        self._pending = 0
        self._lock = threading.Lock()

    @property
    def pending(self) -> int:
        return self._pending

    async def matches(self, key: str, stored_hash: str) -> bool:
        """Whether `key` matches `stored_hash`, computed off the event loop."""
        with self._lock:
            if self._pending >= self._max_pending:
                raise VerifierBusyError("too many API key checks in progress; retry in a second")
            self._pending += 1
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._open_pool(), key_matches, key, stored_hash)
        finally:
            with self._lock:
                self._pending -= 1

    def _open_pool(self) -> ThreadPoolExecutor:
        """The pool, started on first use and again after `close` (an app's lifespan may
        run several times, e.g. one TestClient after another on one app)."""
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    max_workers=self._workers, thread_name_prefix="revlake-keys"
                )
            return self._pool

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


def presented_key(headers: list[tuple[bytes, bytes]]) -> str | None:
    """The API key a request presents (`Authorization: Bearer` or `X-API-Key`), or None.

    The one place that reads the key from a request: the app's dependencies and the
    response cache both call it, so they can never pick different keys. Several headers
    naming different keys are refused (InvalidApiKeyError) rather than choosing one.
    """
    from revlake.store.keys import InvalidApiKeyError

    found: set[str] = set()
    for name, value in headers:
        raw = bytes(value)
        if name == b"authorization":
            scheme, _, token = raw.decode("latin-1").strip().partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                found.add(token.strip())
        elif name == b"x-api-key" and raw.strip():
            found.add(raw.decode("latin-1").strip())
    if len(found) > 1:
        raise InvalidApiKeyError(
            "the request names more than one API key (Authorization and X-API-Key differ); send one"
        )
    return next(iter(found), None)
