"""Delivery to a local HTTP receiver and a local SMTP server: signed, retried with
backoff, logged, and once only (no build needed: findings are recorded directly)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from revlake.alert_settings import AlertSettings, DealRiskRule
from revlake.alerts import AlertLog, alert_log_path, deliver_pending, webhook_secret
from revlake.alerts.rules import Finding, RuleResult
from revlake.alerts.signing import verify
from revlake.workspace import Workspace, init_workspace
from tests.alerts.receivers import http_receiver, smtp_receiver

FAST = {"backoff_seconds": 0.01, "backoff_max_seconds": 0.05, "timeout_seconds": 5}


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return init_workspace(tmp_path / "ws", tenants=("acme",))


def _settings(**channels: Any) -> AlertSettings:
    rule = {"id": "risky", "kind": "deal_risk"}
    return AlertSettings.model_validate({"rules": [rule], **channels})


def _finding(deal: str) -> Finding:
    return Finding(
        rule_id="risky",
        kind="deal_risk",
        subject_type="deal",
        subject_id=deal,
        subject_name=f"Deal {deal}",
        condition="risk category critical or high",
        message=f"Deal {deal} is high risk",
        details={"deal_id": deal, "amount": 1000.0},
    )


def _record(
    workspace: Workspace, settings: AlertSettings, deals: list[str], snapshot: str = "b1"
) -> list[int]:
    rule = settings.rules[0]
    assert isinstance(rule, DealRiskRule)
    log = AlertLog(alert_log_path(workspace, "acme"))
    recorded = log.record(
        snapshot,
        [RuleResult(rule, findings=[_finding(d) for d in deals])],
        {rule.id: settings.channels_of(rule)},
        settings.max_alerts_per_message,
    )
    return recorded.raised


def test_webhook_failures_are_retried_then_delivered_once_and_signed(
    workspace: Workspace,
) -> None:
    with http_receiver(script=[503, 500]) as receiver:
        settings = _settings(webhook={"url": receiver.url, **FAST})
        assert len(_record(workspace, settings, ["D1", "D2"])) == 2
        slept: list[float] = []
        tried = deliver_pending(workspace, "acme", settings=settings, sleep=slept.append)
        assert [(d.channel, d.status, d.attempts) for d in tried] == [("webhook", "delivered", 3)]
        assert tried[0].response_status == 200 and tried[0].last_error is None
        assert slept == [0.01, 0.02]  # exponential backoff between the three attempts
        assert len(receiver.requests) == 3
        secret = webhook_secret(workspace, "acme", settings.webhook)  # type: ignore[arg-type]
        for request in receiver.requests:
            assert request.headers["X-Revlake-Delivery"] == str(tried[0].id)
            assert request.headers["X-Revlake-Event"] == "alerts"
            assert verify(
                secret,
                request.body,
                request.headers["X-Revlake-Timestamp"],
                request.headers["X-Revlake-Signature"],
            )
        assert receiver.requests[0].body == receiver.requests[2].body  # same bytes each retry
        body = json.loads(receiver.requests[-1].body)
        assert body["tenant"] == "acme" and body["delivery_id"] == tried[0].id
        assert [a["subject_id"] for a in body["alerts"]] == ["D1", "D2"]

        # the same findings on the next publish: nothing new, nothing sent again
        assert _record(workspace, settings, ["D1", "D2"], snapshot="b2") == []
        assert deliver_pending(workspace, "acme", settings=settings) == []
        assert len(receiver.requests) == 3
        # a new deal is a new alert: one more message, carrying only it
        assert len(_record(workspace, settings, ["D1", "D2", "D3"], snapshot="b3")) == 1
        (again,) = deliver_pending(workspace, "acme", settings=settings)
        assert again.status == "delivered"
        assert [a["subject_id"] for a in json.loads(receiver.requests[-1].body)["alerts"]] == ["D3"]

    log = AlertLog(alert_log_path(workspace, "acme"))
    alerts, total = log.alerts()
    assert total == 3 and all(a.delivered == ("webhook",) for a in alerts)
    assert log.path.stat().st_mode & 0o777 == 0o600  # a tenant's data, private
    assert log.path.parent.stat().st_mode & 0o777 == 0o700


def test_a_receiver_that_stays_down_leaves_the_message_failed_for_the_next_round(
    workspace: Workspace,
) -> None:
    with http_receiver(script=[503] * 3) as receiver:
        settings = _settings(webhook={"url": receiver.url, **FAST, "max_attempts": 3})
        settings = settings.model_copy(update={"max_alerts_per_message": 1})
        _record(workspace, settings, ["D1", "D2"])  # two messages (one alert each)
        tried = deliver_pending(workspace, "acme", settings=settings, sleep=lambda _s: None)
        # the first message failed its round; the second is not tried against a dead receiver
        assert [(d.status, d.attempts) for d in tried] == [("failed", 3)]
        assert "answered HTTP 503" in (tried[0].last_error or "")
        assert "/hook" not in (tried[0].last_error or "")  # the URL's path may hold a token
        log = AlertLog(alert_log_path(workspace, "acme"))
        statuses = {d.id: (d.status, d.attempts, d.last_error) for d in log.deliveries()[0]}
        assert sorted(s for s, _, _ in statuses.values()) == ["failed", "pending"]
        assert any("not tried" in (e or "") for _, _, e in statuses.values())
        # next round (next publish or `revlake alerts deliver`): the receiver is back
        tried = deliver_pending(workspace, "acme", settings=settings, sleep=lambda _s: None)
        assert [(d.status, d.attempts) for d in tried] == [("delivered", 4), ("delivered", 1)]


def test_a_refused_request_is_not_retried(workspace: Workspace) -> None:
    with http_receiver(script=[400]) as receiver:
        settings = _settings(webhook={"url": receiver.url, **FAST})
        _record(workspace, settings, ["D1"])
        (tried,) = deliver_pending(workspace, "acme", settings=settings)
        assert (tried.status, tried.attempts, tried.response_status) == ("failed", 1, 400)
        assert len(receiver.requests) == 1


def test_a_missing_secret_variable_is_a_clear_delivery_error(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ACME_HOOK_SECRET", raising=False)
    with http_receiver() as receiver:
        settings = _settings(
            webhook={"url": receiver.url, **FAST, "secret_env": "ACME_HOOK_SECRET"}
        )
        _record(workspace, settings, ["D1"])
        (tried,) = deliver_pending(workspace, "acme", settings=settings)
        assert tried.status == "failed" and tried.attempts == 1
        assert "environment variable ACME_HOOK_SECRET" in (tried.last_error or "")
        assert receiver.requests == []
        monkeypatch.setenv("ACME_HOOK_SECRET", "from-the-environment")
        (tried,) = deliver_pending(workspace, "acme", settings=settings)
        assert tried.status == "delivered"
        request = receiver.requests[-1]
        assert verify(
            "from-the-environment",
            request.body,
            request.headers["X-Revlake-Timestamp"],
            request.headers["X-Revlake-Signature"],
        )


def test_email_is_sent_through_smtp_with_login(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACME_SMTP_PASSWORD", "pw")
    with smtp_receiver(password="pw") as server:
        settings = _settings(
            email={
                "host": "127.0.0.1",
                "port": server.port,
                "from": "revlake@example.com",
                "to": ["cfo@example.com", "vp-sales@example.com"],
                "starttls": False,  # the test server speaks plain SMTP
                "username": "alerts",
                "password_env": "ACME_SMTP_PASSWORD",
                **FAST,
            }
        )
        _record(workspace, settings, ["D1", "D2"])
        (tried,) = deliver_pending(workspace, "acme", settings=settings)
        assert (tried.channel, tried.status, tried.attempts) == ("email", "delivered", 1)
        (message,) = server.messages
        assert message["Subject"] == "[revlake] 2 new alerts for acme"
        assert message["X-Revlake-Delivery"] == str(tried.id)
        text = message.get_payload(decode=True).decode()  # type: ignore[union-attr]
        assert "Deal D1 is high risk" in text and "Deal D2 is high risk" in text
        assert server.envelopes == [
            ("revlake@example.com", ["cfo@example.com", "vp-sales@example.com"])
        ]
        assert server.logins == ["alerts"]
        assert deliver_pending(workspace, "acme", settings=settings) == []  # once


def test_email_failures_name_the_cause(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACME_SMTP_PASSWORD", "wrong")
    with smtp_receiver(password="pw") as server:
        base = {
            "host": "127.0.0.1",
            "port": server.port,
            "from": "r@example.com",
            "to": ["cfo@example.com"],
            **FAST,
        }
        # STARTTLS demanded (the default) from a server that does not offer it: permanent
        settings = _settings(email=base)
        _record(workspace, settings, ["D1"])
        (tried,) = deliver_pending(workspace, "acme", settings=settings)
        assert (tried.status, tried.attempts) == ("failed", 1)
        assert "does not offer STARTTLS" in (tried.last_error or "")
        # a refused login (SMTP 535) is permanent too
        settings = _settings(
            email={
                **base,
                "starttls": False,
                "username": "alerts",
                "password_env": "ACME_SMTP_PASSWORD",
            }
        )
        (tried,) = deliver_pending(workspace, "acme", settings=settings)
        assert tried.status == "failed" and tried.attempts == 2  # one more attempt this round
        assert tried.response_status == 535
        assert server.messages == []
    # nothing listens any more: connection refused is retried, then the round ends
    settings = _settings(email={**base, "starttls": False, "max_attempts": 2})
    (tried,) = deliver_pending(workspace, "acme", settings=settings, sleep=lambda _s: None)
    assert tried.status == "failed" and tried.attempts == 4
    assert "Connection refused" in (tried.last_error or "") or "refused" in (tried.last_error or "")


def test_a_crash_before_or_while_sending_loses_nothing(workspace: Workspace) -> None:
    """Recorded but never sent (the process died after the commit): the next round sends
    it. Claimed by a process that died mid-send: taken over once the claim is stale."""
    from datetime import UTC, datetime, timedelta

    from revlake.alerts.log import STALE_CLAIM_S

    with http_receiver() as receiver:
        settings = _settings(webhook={"url": receiver.url, **FAST})
        _record(workspace, settings, ["D1"])
        log = AlertLog(alert_log_path(workspace, "acme"))
        (delivery,) = log.undelivered()
        # another process holds the claim and is sending right now: not sent twice
        assert log.claim(delivery, timedelta(hours=24))
        assert deliver_pending(workspace, "acme", settings=settings) == []
        assert receiver.requests == []
        # that process died: its claim goes stale and the message is taken over
        old = (datetime.now(UTC) - timedelta(seconds=STALE_CLAIM_S + 60)).isoformat()
        with log.connect(write=True) as con:
            con.execute("update deliveries set claimed_at = ? where id = ?", [old, delivery])
        (tried,) = deliver_pending(workspace, "acme", settings=settings)
        assert tried.status == "delivered" and len(receiver.requests) == 1


def test_a_message_older_than_the_give_up_time_expires(workspace: Workspace) -> None:
    with http_receiver() as receiver:
        settings = _settings(webhook={"url": receiver.url, **FAST, "give_up_after_hours": 1})
        _record(workspace, settings, ["D1"])
        log = AlertLog(alert_log_path(workspace, "acme"))
        with log.connect(write=True) as con:
            con.execute("update deliveries set created_at = '2020-01-01T00:00:00+00:00'")
        assert deliver_pending(workspace, "acme", settings=settings) == []
        assert [d.status for d in log.deliveries()[0]] == ["expired"]
        assert receiver.requests == []
