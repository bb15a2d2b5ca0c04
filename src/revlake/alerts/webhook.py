"""The webhook channel: one signed JSON POST per message (urllib, no extra dependency).

Headers: `Content-Type: application/json`, `X-Revlake-Event: alerts`,
`X-Revlake-Delivery: <message id>` (the same on every retry: receivers deduplicate by
it), `X-Revlake-Timestamp` and `X-Revlake-Signature` (revlake.alerts.signing). A 2xx
answer is success; connection errors, timeouts, 408, 425, 429 and 5xx are retried;
any other answer (a 3xx is not followed, a 4xx means the request itself is refused) is
permanent.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from revlake import __version__
from revlake.alert_settings import WebhookSettings
from revlake.alerts.retry import SendError
from revlake.alerts.signing import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    signature,
)

RETRYABLE_STATUS = frozenset({408, 425, 429})
MAX_ERROR_BODY = 200


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the 3xx surfaces as an HTTPError: alerts go to the configured URL only


_opener = urllib.request.build_opener(_NoRedirect)


def origin(url: str) -> str:
    """scheme://host[:port] of a webhook URL: the path may hold a token (Slack-style hook
    URLs do), so errors, logs and pages name only the origin."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


def post(settings: WebhookSettings, secret: str, delivery_id: int, body: bytes) -> int:
    """One attempt: POST `body` signed now; the HTTP status, or SendError."""
    timestamp = int(time.time())
    where = origin(settings.url)
    request = urllib.request.Request(
        settings.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": f"revlake-alerts/{__version__}",
            EVENT_HEADER: "alerts",
            DELIVERY_HEADER: str(delivery_id),
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: signature(secret, timestamp, body),
        },
    )
    try:
        with _opener.open(request, timeout=settings.timeout_seconds) as response:
            status = int(response.status)
    except urllib.error.HTTPError as exc:
        detail = exc.read(MAX_ERROR_BODY).decode("utf-8", "replace").strip()
        retryable = exc.code >= 500 or exc.code in RETRYABLE_STATUS
        raise SendError(
            f"{where} answered HTTP {exc.code}" + (f": {detail}" if detail else ""),
            retryable=retryable,
            status=exc.code,
        ) from None
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise SendError(f"{where}: {reason}", retryable=True) from None
    if not 200 <= status < 300:
        raise SendError(f"{where} answered HTTP {status}", retryable=False, status=status)
    return status
