"""Evaluate a tenant's alert rules on its published build and deliver what is new.

`evaluate_tenant` is what every publish runs (`revlake run`, and `revlake alerts
evaluate` for builds published by hand): evaluate each enabled rule, record new and
cleared alerts with the messages to send in the alert log (one transaction), then
deliver every message not yet delivered (`deliver_pending`), a round of retries with
backoff each. A channel whose message failed a whole round is not tried again in that
round: its other messages stay pending for the next one, so a dead receiver costs one
round of backoff, not one per message.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from revlake.alert_settings import AlertSettings, CloseDateSlipRule, WebhookSettings
from revlake.alerts import mail, webhook
from revlake.alerts.log import AlertLog, AlertRecord, DeliveryRecord
from revlake.alerts.retry import Outcome, SendError, with_retries
from revlake.alerts.rules import evaluate_rule
from revlake.errors import ConfigError
from revlake.reader import open_published
from revlake.workspace import Workspace, private_secret

ALERTS_DIR = "alerts"
LOG_FILE = "alerts.sqlite"
SECRET_FILE = "webhook-secret"


def alert_log_path(workspace: Workspace, tenant: str) -> Path:
    """`tenants/<tenant>/alerts/alerts.sqlite`."""
    return workspace.tenant_dir(tenant) / ALERTS_DIR / LOG_FILE


def webhook_secret(workspace: Workspace, tenant: str, settings: WebhookSettings) -> str:
    """The signing secret: the variable `secret_env` names, else the tenant's generated
    one (64 hex characters in tenants/<tenant>/alerts/webhook-secret, mode 0600)."""
    if settings.secret_env is not None:
        value = os.environ.get(settings.secret_env)
        if not value:
            raise ConfigError(
                f"environment variable {settings.secret_env} (alerts.webhook.secret_env of "
                f"tenant {tenant!r}) is not set"
            )
        return value
    folder = workspace.tenant_dir(tenant) / ALERTS_DIR
    folder.mkdir(parents=True, mode=0o700, exist_ok=True)
    return private_secret(folder / SECRET_FILE).hex()


@dataclass
class EvaluationSummary:
    """What one evaluation raised, cleared, skipped and delivered."""

    tenant: str
    snapshot: str | None
    rules: int
    raised: int = 0
    cleared: int = 0
    skipped: dict[str, str] = field(default_factory=dict)
    deliveries: list[DeliveryRecord] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """The run-history summary (JSON-able)."""
        return {
            "snapshot": self.snapshot,
            "rules": self.rules,
            "raised": self.raised,
            "cleared": self.cleared,
            "skipped": self.skipped,
            "deliveries": {
                status: sum(1 for d in self.deliveries if d.status == status)
                for status in sorted({d.status for d in self.deliveries})
            },
        }


def evaluate_tenant(
    workspace: Workspace,
    tenant: str,
    *,
    settings: AlertSettings | None = None,
    deliver: bool = True,
    sleep: Callable[[float], None] = time.sleep,
) -> EvaluationSummary:
    """Evaluate the tenant's enabled rules on its published build, record, deliver."""
    tenant = workspace.tenant(tenant).id
    config = settings if settings is not None else workspace.tenant(tenant).alerts
    rules = [rule for rule in config.rules if rule.enabled]
    if not rules:
        return EvaluationSummary(tenant=tenant, snapshot=None, rules=0)
    log = AlertLog(alert_log_path(workspace, tenant))
    with open_published(workspace, tenant) as snapshot:
        results = [
            evaluate_rule(
                snapshot,
                rule,
                tenant,
                log.observations(rule.id) if isinstance(rule, CloseDateSlipRule) else {},
            )
            for rule in rules
        ]
        name = snapshot.name
    recorded = log.record(
        name,
        results,
        {rule.id: config.channels_of(rule) for rule in rules},
        config.max_alerts_per_message,
    )
    summary = EvaluationSummary(
        tenant=tenant,
        snapshot=name,
        rules=len(rules),
        raised=len(recorded.raised),
        cleared=recorded.cleared,
        skipped={r.rule.id: r.skipped for r in results if r.skipped is not None},
    )
    if deliver:
        summary.deliveries = deliver_pending(workspace, tenant, settings=config, sleep=sleep)
    return summary


def payload(tenant: str, delivery_id: int, alerts: Sequence[AlertRecord]) -> bytes:
    """The webhook body: the same bytes on every attempt of a message."""
    document = {
        "event": "alerts",
        "tenant": tenant,
        "delivery_id": delivery_id,
        "alerts": [
            {
                "id": a.id,
                "rule_id": a.rule_id,
                "kind": a.kind,
                "subject_type": a.subject_type,
                "subject_id": a.subject_id,
                "subject_name": a.subject_name,
                "condition": a.condition,
                "occurrence": a.occurrence,
                "message": a.message,
                "details": a.details,
                "snapshot": a.snapshot,
                "raised_at": a.raised_at,
            }
            for a in alerts
        ],
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode("utf-8")


def deliver_pending(
    workspace: Workspace,
    tenant: str,
    *,
    settings: AlertSettings | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> list[DeliveryRecord]:
    """Send every message not yet delivered; returns the messages tried, as now logged."""
    tenant = workspace.tenant(tenant).id
    config = settings if settings is not None else workspace.tenant(tenant).alerts
    path = alert_log_path(workspace, tenant)
    if not path.exists():
        return []
    log = AlertLog(path)
    down: set[str] = set()
    tried: list[DeliveryRecord] = []
    for delivery_id in log.undelivered():
        record = log.delivery(delivery_id)
        channel = config.webhook if record.channel == "webhook" else config.email
        if channel is None or record.channel in down:
            if record.status != "sending":
                reason = (
                    f"alerts.{record.channel} is not configured"
                    if channel is None
                    else "not tried: an earlier message to this channel failed this round"
                )
                log.finish(
                    delivery_id,
                    delivered=False,
                    attempts=0,
                    error=reason,
                    response_status=None,
                    deferred=record.status == "pending",
                )
            continue
        if not log.claim(delivery_id, timedelta(hours=channel.give_up_after_hours)):
            continue
        alerts, _ = log.alerts(ids=record.alert_ids, limit=max(len(record.alert_ids), 1))
        alerts.sort(key=lambda a: a.id)
        outcome = _send(workspace, tenant, config, record.channel, delivery_id, alerts, sleep)
        log.finish(
            delivery_id,
            delivered=outcome.delivered,
            attempts=outcome.attempts,
            error=outcome.error,
            response_status=outcome.status,
        )
        if not outcome.delivered:
            down.add(record.channel)
        tried.append(log.delivery(delivery_id))
    return tried


def _send(
    workspace: Workspace,
    tenant: str,
    config: AlertSettings,
    channel: str,
    delivery_id: int,
    alerts: Sequence[AlertRecord],
    sleep: Callable[[float], None],
) -> Outcome:
    if channel == "webhook":
        hook = config.webhook
        assert hook is not None
        body = payload(tenant, delivery_id, alerts)

        def post() -> int | None:
            try:
                secret = webhook_secret(workspace, tenant, hook)
            except ConfigError as exc:
                raise SendError(str(exc), retryable=False) from None
            return webhook.post(hook, secret, delivery_id, body)

        return with_retries(post, hook, sleep)
    email = config.email
    assert email is not None
    message = mail.compose(email, tenant, delivery_id, alerts)

    def send() -> int | None:
        mail.send(email, message)
        return None

    return with_retries(send, email, sleep)
