"""The alert log as the API's and the dashboard's response bodies (one definition)."""

from __future__ import annotations

from dataclasses import asdict

from revlake.alert_settings import AnyRule, ChurnRiskRule, CloseDateSlipRule, DealRiskRule
from revlake.alerts.log import AlertLog
from revlake.schemas.alerts import AlertOut, AlertPage, DeliveryOut, DeliveryPage


def alert_page(
    log: AlertLog, status: str | None, kind: str | None, limit: int, offset: int
) -> AlertPage:
    """One page of alerts with the last evaluation (the API's and the page's body)."""
    alerts, total = log.alerts(status=status, kind=kind, limit=limit, offset=offset)
    last = log.last_evaluation()
    end = offset + len(alerts)
    return AlertPage(
        items=[
            AlertOut(**{**asdict(a), "status": a.status, "delivered": list(a.delivered)})
            for a in alerts
        ],
        total=total,
        limit=limit,
        offset=offset,
        next_offset=end if end < total else None,
        last_evaluated_at=last["evaluated_at"] if last else None,
        last_evaluated_snapshot=last["snapshot"] if last else None,
        skipped_rules=last["skipped"] if last else {},
    )


def delivery_page(
    log: AlertLog, status: str | None, channel: str | None, limit: int, offset: int
) -> DeliveryPage:
    deliveries, total = log.deliveries(status=status, channel=channel, limit=limit, offset=offset)
    end = offset + len(deliveries)
    return DeliveryPage(
        items=[DeliveryOut(**{**asdict(d), "alert_ids": list(d.alert_ids)}) for d in deliveries],
        total=total,
        limit=limit,
        offset=offset,
        next_offset=end if end < total else None,
    )


def rule_text(rule: AnyRule, currency: str) -> str:
    """The rule in words (the alerts page lists them); amounts are in `currency`, the
    workspace's reporting currency the rules are written in."""
    if isinstance(rule, DealRiskRule):
        text = f"a deal enters {' or '.join(rule.categories)} risk"
        return text + (f" (amount ≥ {currency} {rule.min_amount:,.0f})" if rule.min_amount else "")
    if isinstance(rule, CloseDateSlipRule):
        days = f"{rule.min_days} day{'s' if rule.min_days != 1 else ''}"
        text = f"an open deal's close date moves {days} or more later"
        return text + (f" (amount ≥ {currency} {rule.min_amount:,.0f})" if rule.min_amount else "")
    if isinstance(rule, ChurnRiskRule):
        text = f"a customer's churn probability reaches {rule.threshold:.0%}"
        return text + (f" (MRR ≥ {currency} {rule.min_mrr:,.0f})" if rule.min_mrr else "")
    return f"total MRR at risk grows past {currency} {rule.amount:,.0f}"
