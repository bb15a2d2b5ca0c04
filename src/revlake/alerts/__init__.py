"""Alerts: rules evaluated on each publish, new alerts delivered once by webhook and email.

- `rules`: what each rule kind finds in a published build (deal risk categories, close-date
  slips, churn probability, total MRR at risk), read through `revlake.queries`.
- `log`: the tenant's alert log (`tenants/<tenant>/alerts/alerts.sqlite`): alerts raised
  and cleared, close dates seen, delivery messages with status, attempts and errors.
- `signing`, `webhook`, `mail`, `retry`: the channels and their retry policy.
- `engine`: `evaluate_tenant` (evaluate, record, deliver) and `deliver_pending`.

docs/ALERTS.md describes the settings, the payload, signature verification and retries.
"""

from revlake.alerts.engine import (
    EvaluationSummary,
    alert_log_path,
    deliver_pending,
    evaluate_tenant,
    webhook_secret,
)
from revlake.alerts.log import AlertLog, AlertRecord, DeliveryRecord

__all__ = [
    "AlertLog",
    "AlertRecord",
    "DeliveryRecord",
    "EvaluationSummary",
    "alert_log_path",
    "deliver_pending",
    "evaluate_tenant",
    "webhook_secret",
]
