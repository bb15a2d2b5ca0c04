"""Webhook signatures: HMAC-SHA256 over `<timestamp>.<body>` with the tenant's secret.

The sender puts the Unix timestamp in `X-Revlake-Timestamp` and `v1=<hex digest>` in
`X-Revlake-Signature`; a receiver recomputes the digest over the exact bytes it received,
compares in constant time and refuses a timestamp older than its tolerance (a replayed
request). Binding the timestamp into the signed text stops it being changed on replay.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Revlake-Signature"
TIMESTAMP_HEADER = "X-Revlake-Timestamp"
DELIVERY_HEADER = "X-Revlake-Delivery"
EVENT_HEADER = "X-Revlake-Event"
SCHEME = "v1"
DEFAULT_TOLERANCE_S = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """`v1=<hex HMAC-SHA256 of "<timestamp>.<body>" keyed with the secret's UTF-8 bytes>`."""
    signed = str(timestamp).encode("ascii") + b"." + body
    digest = hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()
    return f"{SCHEME}={digest}"


def verify(
    secret: str,
    body: bytes,
    timestamp: str,
    header: str,
    *,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
    now: float | None = None,
) -> bool:
    """Whether a received request is authentic and fresh (what a receiver runs)."""
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    if abs((now if now is not None else time.time()) - sent) > tolerance_s:
        return False
    expected = signature(secret, sent, body)
    return any(hmac.compare_digest(expected, part.strip()) for part in header.split(","))
