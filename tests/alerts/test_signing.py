"""Webhook signatures and the retry policy."""

from __future__ import annotations

import hashlib
import hmac

from revlake.alert_settings import WebhookSettings
from revlake.alerts.retry import SendError, backoff_delays, with_retries
from revlake.alerts.signing import signature, verify

SECRET = "s3cret"
BODY = b'{"alerts":[]}'


def test_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET.encode(), b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert signature(SECRET, 1700000000, BODY) == f"v1={expected}"


def test_verify_accepts_the_genuine_request_only() -> None:
    header = signature(SECRET, 1700000000, BODY)
    assert verify(SECRET, BODY, "1700000000", header, now=1700000010)
    assert not verify("other", BODY, "1700000000", header, now=1700000010)
    assert not verify(SECRET, BODY + b" ", "1700000000", header, now=1700000010)
    assert not verify(SECRET, BODY, "1700000001", header, now=1700000010)  # timestamp changed
    assert not verify(SECRET, BODY, "1700000000", header, now=1700000000 + 301)  # replayed late
    assert not verify(SECRET, BODY, "yesterday", header, now=1700000010)


def _policy(**kwargs: float) -> WebhookSettings:
    return WebhookSettings(url="http://127.0.0.1/x", **kwargs)  # type: ignore[arg-type]


def test_backoff_doubles_up_to_the_cap() -> None:
    policy = _policy(max_attempts=6, backoff_seconds=1.0, backoff_max_seconds=10.0)
    assert backoff_delays(policy) == [1.0, 2.0, 4.0, 8.0, 10.0]


def test_retries_until_success_and_stops_on_a_permanent_error() -> None:
    slept: list[float] = []
    answers: list[SendError | int] = [
        SendError("503", retryable=True, status=503),
        SendError("timeout", retryable=True),
        202,
    ]

    def send() -> int:
        answer = answers.pop(0)
        if isinstance(answer, SendError):
            raise answer
        return answer

    outcome = with_retries(send, _policy(backoff_seconds=0.5), slept.append)
    assert (outcome.delivered, outcome.attempts, outcome.status) == (True, 3, 202)
    assert slept == [0.5, 1.0]

    def refused() -> int:
        raise SendError("HTTP 400: bad", retryable=False, status=400)

    slept.clear()
    outcome = with_retries(refused, _policy(), slept.append)
    assert (outcome.delivered, outcome.attempts, outcome.error) == (False, 1, "HTTP 400: bad")
    assert slept == []

    def down() -> int:
        raise SendError("connection refused", retryable=True)

    outcome = with_retries(down, _policy(max_attempts=3), slept.append)
    assert (outcome.delivered, outcome.attempts) == (False, 3)
    assert len(slept) == 2
