"""Dashboard sessions: a signed cookie naming the API key the user logged in with.

The cookie holds `<key_id>.<expiry>.<hmac>` (HMAC-SHA256 with the workspace's session
secret), never the key itself. Each request re-reads the key row, so revoking the key
ends its sessions at once.
"""

from __future__ import annotations

import hashlib
import hmac
import time

COOKIE_NAME = "revlake_session"
SESSION_TTL_S = 12 * 3600


def _signature(secret: bytes, key_id: str, expires: int) -> str:
    message = f"{key_id}.{expires}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def make_token(secret: bytes, key_id: str, *, now: float | None = None) -> str:
    expires = int((now if now is not None else time.time()) + SESSION_TTL_S)
    return f"{key_id}.{expires}.{_signature(secret, key_id, expires)}"


def read_token(secret: bytes, token: str, *, now: float | None = None) -> str | None:
    """The key id of a valid, unexpired token; None otherwise."""
    parts = token.split(".")
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    key_id, expires_text, signature = parts
    expires = int(expires_text)
    if expires < (now if now is not None else time.time()):
        return None
    if not hmac.compare_digest(signature, _signature(secret, key_id, expires)):
        return None
    return key_id
