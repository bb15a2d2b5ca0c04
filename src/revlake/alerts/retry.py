"""Exponential backoff shared by the channels: attempt, wait, attempt again.

Attempt n (from 1) that fails with a retryable error waits
`min(backoff_seconds × 2^(n−1), backoff_max_seconds)` before attempt n+1, up to
`max_attempts` attempts in one round; a permanent error (e.g. HTTP 400, a refused SMTP
login) stops the round at once. A round that ends without success leaves the message
`failed`; the next evaluation (the next publish, or `revlake alerts deliver`) starts a new
round, until the message is older than `give_up_after_hours` (`expired`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from revlake.alert_settings import Delivery


class SendError(Exception):
    """A failed attempt: what went wrong, whether trying again can help, the HTTP status."""

    def __init__(self, message: str, *, retryable: bool, status: int | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.status = status


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    attempts: int
    error: str | None
    status: int | None


def backoff_delays(policy: Delivery) -> list[float]:
    """The waits between the attempts of one round (max_attempts − 1 of them)."""
    return [
        min(policy.backoff_seconds * 2**n, policy.backoff_max_seconds)
        for n in range(policy.max_attempts - 1)
    ]


def with_retries(
    send: Callable[[], int | None],
    policy: Delivery,
    sleep: Callable[[float], None] = time.sleep,
) -> Outcome:
    """Call `send` until it succeeds, fails permanently or the attempts run out."""
    delays = backoff_delays(policy)
    last: SendError | None = None
    for attempt in range(1, policy.max_attempts + 1):
        try:
            status = send()
        except SendError as exc:
            last = exc
            if not exc.retryable or attempt == policy.max_attempts:
                return Outcome(False, attempt, str(exc), exc.status)
            sleep(delays[attempt - 1])
            continue
        return Outcome(True, attempt, None, status)
    assert last is not None  # unreachable: the loop returns
    return Outcome(False, policy.max_attempts, str(last), last.status)
