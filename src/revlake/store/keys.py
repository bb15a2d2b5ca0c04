"""API keys: create (shown once), list, revoke, change role, and verify.

A key reads `rvl_<key_id>_<secret>`: `key_id` (12 hex digits) is the row's primary key
and is safe to show; `secret` (32 random bytes, URL-safe base64) is never stored. The
store keeps `scrypt` of the whole key with a per-key random salt, in the self-describing
form `scrypt$<n>$<r>$<p>$<salt>$<hash>`, so the cost can be raised later without
invalidating old keys.

Why hashlib.scrypt: it is memory-hard, standard (RFC 7914), and ships with CPython's
OpenSSL binding, so it adds no dependency that could fail to install offline. The keys
carry 256 bits of randomness, so the hash's job is to make a leaked table useless, not to
slow down guessing of weak secrets; `KeyCache` lets a long-running server skip the
~60 ms scrypt on repeat requests while still reading the row (revocation and role changes
take effect on the very next request).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from revlake.errors import InputError, RevlakeError
from revlake.store.audit import append_audit, field_changes
from revlake.store.audit_tables import FINGERPRINT_FIELD, secret_fingerprint
from revlake.store.models import ApiKey
from revlake.store.roles import Role, parse_role
from revlake.store.tenants import get_tenant
from revlake.store.types import utc_now

KEY_PREFIX = "rvl"
KEY_ID_BYTES = 6  # 12 hex digits
SECRET_BYTES = 32
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1  # 16 MiB, RFC 7914's interactive setting
SCRYPT_DKLEN = 32


class InvalidApiKeyError(RevlakeError):
    """The key is malformed, unknown, revoked or wrong (the API answers 401)."""


@dataclass(frozen=True)
class Principal:
    """Who a verified key acts as: the API scopes every request to this tenant and role."""

    tenant_id: str
    role: Role
    key_id: str


@dataclass(frozen=True)
class CreatedKey:
    """A new key; `key` is the only time the full secret is available."""

    key_id: str
    key: str
    tenant_id: str
    role: Role
    name: str
    created_at: datetime


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_key(key: str, *, salt: bytes | None = None) -> str:
    """The stored form of `key`: `scrypt$n$r$p$salt$hash`."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    derived = hashlib.scrypt(
        key.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=SCRYPT_DKLEN
    )
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(derived)}"


def key_matches(key: str, stored: str) -> bool:
    """Whether `key` hashes to `stored` (constant-time comparison)."""
    try:
        scheme, n, r, p, salt, expected = stored.split("$")
        if scheme != "scrypt":
            return False
        derived = hashlib.scrypt(
            key.encode("utf-8"),
            salt=_unb64(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(_unb64(expected)),
            maxmem=2**26,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(derived, _unb64(expected))


def parse_key_id(key: str) -> str | None:
    """The key id inside a well-formed key, or None."""
    parts = key.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        return None
    key_id, secret = parts[1], parts[2]
    if len(key_id) != 2 * KEY_ID_BYTES or not all(c in "0123456789abcdef" for c in key_id):
        return None
    return key_id if secret else None


def _new_key() -> tuple[str, str]:
    key_id = secrets.token_hex(KEY_ID_BYTES)
    return key_id, f"{KEY_PREFIX}_{key_id}_{secrets.token_urlsafe(SECRET_BYTES)}"


def create_key(
    session: Session, *, tenant_id: str, role: str, actor: str, name: str = ""
) -> CreatedKey:
    """Create a key for a tenant and role (audited as `api_key.created`, never the secret)."""
    parsed_role = parse_role(role)
    get_tenant(session, tenant_id)
    key_id, key = _new_key()
    while session.get(ApiKey, key_id) is not None:  # 48 random bits: practically never
        key_id, key = _new_key()
    row = ApiKey(
        id=key_id,
        tenant_id=tenant_id,
        role=parsed_role.value,
        name=name,
        secret_hash=hash_key(key),
        created_at=utc_now(),
        created_by=actor,
        revoked_at=None,
    )
    session.add(row)
    session.flush()
    append_audit(
        session,
        actor=actor,
        action="api_key.created",
        entity="api_key",
        entity_id=key_id,
        tenant_id=tenant_id,
        changes=field_changes(
            None,
            {
                "tenant_id": tenant_id,
                "role": parsed_role.value,
                "name": name,
                # lets `audit verify` notice a stored hash swapped behind revlake's back
                FINGERPRINT_FIELD: secret_fingerprint(row.secret_hash),
            },
        ),
    )
    return CreatedKey(key_id, key, tenant_id, parsed_role, name, row.created_at)


def get_key(session: Session, key_id: str) -> ApiKey:
    """The key row with this id, or an InputError."""
    row = session.get(ApiKey, key_id.strip())
    if row is None:
        raise InputError(f"no API key with id {key_id!r} (see `revlake keys list`)")
    return row


def list_keys(
    session: Session, *, tenant_id: str | None = None, include_revoked: bool = True
) -> list[ApiKey]:
    """Keys by tenant and creation time."""
    statement = select(ApiKey).order_by(ApiKey.tenant_id, ApiKey.created_at, ApiKey.id)
    if tenant_id is not None:
        statement = statement.where(ApiKey.tenant_id == tenant_id)
    if not include_revoked:
        statement = statement.where(ApiKey.revoked_at.is_(None))
    return list(session.execute(statement).scalars())


def revoke_key(session: Session, key_id: str, *, actor: str) -> ApiKey:
    """Revoke a key from now on (audited as `api_key.revoked`); revoking twice is an error."""
    row = get_key(session, key_id)
    if row.revoked_at is not None:
        raise InputError(f"API key {row.id} was already revoked at {row.revoked_at.isoformat()}")
    row.revoked_at = utc_now()
    session.flush()
    append_audit(
        session,
        actor=actor,
        action="api_key.revoked",
        entity="api_key",
        entity_id=row.id,
        tenant_id=row.tenant_id,
        changes=field_changes({"revoked_at": None}, {"revoked_at": row.revoked_at}),
    )
    return row


def set_key_role(session: Session, key_id: str, role: str, *, actor: str) -> ApiKey:
    """Change a key's role (audited as `api_key.role_changed`)."""
    row = get_key(session, key_id)
    if row.revoked_at is not None:
        raise InputError(f"API key {row.id} is revoked; create a new key instead")
    new_role = parse_role(role).value
    changes = field_changes({"role": row.role}, {"role": new_role})
    if changes:
        row.role = new_role
        session.flush()
        append_audit(
            session,
            actor=actor,
            action="api_key.role_changed",
            entity="api_key",
            entity_id=row.id,
            tenant_id=row.tenant_id,
            changes=changes,
        )
    return row


class KeyCache:
    """Remembers keys already checked against their scrypt hash (bounded, thread-safe).

    It maps SHA-256 of the presented key to the stored hash it matched; a hit is used only
    while the row still holds that same stored hash, and the row itself is read on every
    request, so revocation and role changes apply immediately.
    """

    def __init__(self, max_entries: int = 4096) -> None:
        self._max = max_entries
        self._entries: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _digest(key: str) -> str:
        return hashlib.sha256(key.encode("utf-8")).hexdigest()

    def matches(self, key: str, stored: str) -> bool:
        digest = self._digest(key)
        with self._lock:
            cached = self._entries.get(digest)
            if cached is not None:
                self._entries.move_to_end(digest)
        return cached is not None and hmac.compare_digest(cached, stored)

    def known(self, key: str) -> bool:
        """Whether this exact key matched its stored hash before (the row is not read)."""
        with self._lock:
            return self._digest(key) in self._entries

    def remember(self, key: str, stored: str) -> None:
        digest = self._digest(key)
        with self._lock:
            self._entries[digest] = stored
            self._entries.move_to_end(digest)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)


_DUMMY_KEY = f"{KEY_PREFIX}_{'0' * 2 * KEY_ID_BYTES}_not-a-key"
_dummy_stored: str | None = None


def dummy_hash() -> str:
    """A stored hash no key matches, with the same cost parameters as real ones.

    Unknown and revoked key ids are checked against it, so that every well-formed key
    costs one scrypt: the time of an answer does not tell which key ids exist.
    """
    global _dummy_stored
    if _dummy_stored is None:
        _dummy_stored = hash_key(_DUMMY_KEY, salt=bytes(16))
    return _dummy_stored


@dataclass(frozen=True)
class KeyLookup:
    """What the store says about a presented key, before its secret is checked.

    `principal` is None for a malformed, unknown or revoked key; `stored_hash` is the
    row's hash, or `dummy_hash()` when there is no live row (equal work either way);
    `cached` is True when this exact key already matched this exact stored hash.
    """

    key_id: str | None
    principal: Principal | None
    stored_hash: str
    cached: bool


def lookup_key(session: Session, key: str, *, cache: KeyCache | None = None) -> KeyLookup:
    """Read the presented key's row (one primary-key read; no scrypt)."""
    key = key.strip()
    key_id = parse_key_id(key)
    if key_id is None:
        return KeyLookup(None, None, dummy_hash(), False)
    row = session.get(ApiKey, key_id, populate_existing=True)
    if row is None or row.revoked_at is not None:
        return KeyLookup(key_id, None, dummy_hash(), False)
    principal = Principal(row.tenant_id, Role(row.role), row.id)
    cached = cache is not None and cache.matches(key, row.secret_hash)
    return KeyLookup(key_id, principal, row.secret_hash, cached)


def verify_api_key(session: Session, key: str, *, cache: KeyCache | None = None) -> Principal:
    """The tenant and role a presented key acts as; InvalidApiKeyError if it is not valid.

    The error says only "invalid or revoked": a caller learns nothing about which part
    was wrong, and an unknown or revoked key id costs the same scrypt as a known one.
    (The API runs the scrypt step off its event loop: see revlake.api.keyguard.)
    """
    found = lookup_key(session, key, cache=cache)
    if found.key_id is None:
        raise InvalidApiKeyError("invalid or revoked API key")
    if found.cached and found.principal is not None:
        return found.principal
    matched = key_matches(key.strip(), found.stored_hash)
    if not matched or found.principal is None:
        raise InvalidApiKeyError("invalid or revoked API key")
    if cache is not None:
        cache.remember(key.strip(), found.stored_hash)
    return found.principal
