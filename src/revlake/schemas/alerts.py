"""Response bodies of the alert endpoints: alerts raised by the tenant's rules and the
delivery log of their webhook and email messages (docs/ALERTS.md)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from revlake.schemas.common import Page, Schema

AlertStatus = Literal["active", "cleared", "event"]
AlertKind = Literal["deal_risk", "close_date_slip", "churn_risk", "mrr_at_risk"]
DeliveryStatus = Literal["pending", "sending", "delivered", "failed", "expired"]
DeliveryChannel = Literal["webhook", "email"]


class AlertOut(Schema):
    id: int
    rule_id: str = Field(description="The rule's id in revlake.toml")
    kind: AlertKind
    status: AlertStatus = Field(
        description="active: the state still holds; cleared: a later publish no longer "
        "shows it; event: a one-off event (close-date slip)"
    )
    subject_type: Literal["deal", "customer", "tenant"]
    subject_id: str
    subject_name: str
    condition: str = Field(description="With the subject and rule, what makes the alert unique")
    occurrence: int = Field(description="1, then 2… when the state returns after clearing")
    message: str
    details: dict[str, Any] = Field(description="The figures the message is made of")
    snapshot: str = Field(description="The published build that raised it")
    raised_at: str
    cleared_at: str | None
    delivered: list[DeliveryChannel] = Field(description="Channels that delivered it")


class AlertPage(Page[AlertOut]):
    """Alerts newest first, with the tenant's last evaluation."""

    last_evaluated_at: str | None
    last_evaluated_snapshot: str | None
    skipped_rules: dict[str, str] = Field(
        description="Rules the last evaluation could not run, and why"
    )


class DeliveryOut(Schema):
    id: int = Field(description="Also the X-Revlake-Delivery header of the webhook")
    channel: DeliveryChannel
    status: DeliveryStatus
    attempts: int = Field(description="Attempts so far, over every round")
    last_error: str | None
    response_status: int | None = Field(description="Last HTTP status or SMTP reply code")
    created_at: str
    updated_at: str
    delivered_at: str | None
    alert_ids: list[int]


class DeliveryPage(Page[DeliveryOut]):
    """Delivery messages newest first."""
