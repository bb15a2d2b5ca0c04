"""What one running server holds: the workspace, the operational store, the key cache,
the open snapshots and the session secret. Built by `create_app`, never at import time."""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from revlake.api.keyguard import FailureLimiter, KeyVerifier
from revlake.config import DEFAULT_API_MAX_BODY_BYTES
from revlake.errors import RevlakeError
from revlake.ml.registry import LatestCache
from revlake.queries.health import FileCache
from revlake.reader import BuildRegistry, tenant_snapshots_dir
from revlake.store.db import Store
from revlake.store.keys import (
    InvalidApiKeyError,
    KeyCache,
    Principal,
    lookup_key,
    parse_key_id,
)
from revlake.store.models import ApiKey
from revlake.store.roles import Role
from revlake.workspace import Workspace, private_secret

SESSION_SECRET_FILE = ".revlake-session-secret"
DEFAULT_PRINCIPAL_TTL_S = 1.0
MAX_CACHED_PRINCIPALS = 10_000


def load_session_secret(root: Path) -> bytes:
    """The workspace's secret that signs dashboard session cookies (created on first use).

    Kept in a file (mode 0600) so that several server processes, and a restarted one,
    accept the same sessions.
    """
    return private_secret(root / SESSION_SECRET_FILE)


@dataclass
class ServerContext:
    """Shared state of one server process (stored in `app.state.revlake`)."""

    workspace: Workspace
    store: Store
    session_secret: bytes
    keys: KeyCache = field(default_factory=KeyCache)
    files: FileCache = field(default_factory=FileCache)
    principal_ttl_s: float = DEFAULT_PRINCIPAL_TTL_S
    max_body_bytes: int = DEFAULT_API_MAX_BODY_BYTES
    limiter: FailureLimiter = field(default_factory=FailureLimiter)
    verifier: KeyVerifier = field(default_factory=KeyVerifier)
    latest: LatestCache = field(default_factory=LatestCache)
    """The model registries' LATEST pointers, read again only when one changes."""
    snapshots: BuildRegistry = field(init=False)
    _principals: dict[str, tuple[float, Principal]] = field(default_factory=dict)
    _principals_lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.snapshots = BuildRegistry(self.snapshots_dir)

    def snapshots_dir(self, tenant_id: str) -> Path:
        return tenant_snapshots_dir(self.workspace, tenant_id)

    def cached_principal(self, key: str) -> Principal | None:
        """The principal of a key verified less than `principal_ttl_s` ago, else None."""
        hit = self._principals.get(hashlib.sha256(key.encode("utf-8")).hexdigest())
        return hit[1] if hit is not None and hit[0] > time.monotonic() else None

    async def authenticate(self, key: str, client: str) -> Principal:
        """The principal of an API key (InvalidApiKeyError when it is not valid).

        A verified key is remembered for `principal_ttl_s` seconds (default 1 s), so a
        busy client costs one store read per second instead of one per request; a revoked
        key or a changed role therefore takes effect within that time. Failures are never
        remembered. `principal_ttl_s = 0` reads the store on every request.

        A key that already matched its stored hash costs one primary-key read. Any other
        well-formed key (wrong secret, unknown or revoked id: the same work for each)
        needs one scrypt, which runs in the bounded `verifier` pool, and only while
        `limiter` lets this client and key id try (TooManyFailuresError otherwise).
        """
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
        now = time.monotonic()
        hit = self._principals.get(digest)
        if hit is not None and hit[0] > now:
            return hit[1]
        if not self.keys.known(key.strip()):
            # refused while backing off, before any store read or hashing: a flood of
            # wrong secrets costs a dictionary lookup per request
            self.limiter.check(client, parse_key_id(key))
        try:
            with self.store.read() as session:
                found = lookup_key(session, key, cache=self.keys)
        except SQLAlchemyError as exc:
            raise RevlakeError("the operational store cannot be read") from exc
        if not (found.cached and found.principal is not None):
            self.limiter.check(client, found.key_id)
            matched = found.key_id is not None and await self.verifier.matches(
                key.strip(), found.stored_hash
            )
            if not matched or found.principal is None:
                self.limiter.failed(client, found.key_id)
                raise InvalidApiKeyError("invalid or revoked API key")
            self.keys.remember(key.strip(), found.stored_hash)
        principal = found.principal
        if self.principal_ttl_s > 0:
            with self._principals_lock:
                if len(self._principals) >= MAX_CACHED_PRINCIPALS:
                    self._principals.clear()
                self._principals[digest] = (now + self.principal_ttl_s, principal)
        return principal

    def principal_of_key_id(self, key_id: str) -> Principal:
        """The principal of a key known by id (a signed session names it); must be live."""
        try:
            with self.store.read() as session:
                row = session.get(ApiKey, key_id, populate_existing=True)
                if row is None or row.revoked_at is not None:
                    raise InvalidApiKeyError("the session's API key was revoked")
                return Principal(row.tenant_id, Role(row.role), row.id)
        except SQLAlchemyError as exc:
            raise RevlakeError("the operational store cannot be read") from exc

    def close(self) -> None:
        self.verifier.close()
        self.snapshots.close()
        self.store.dispose()
