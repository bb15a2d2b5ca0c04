"""Response body of the CFO summary (/api/v1/cfo): revenue, receivables, churn risk and
deferred revenue of one month in the reporting currency, each beside the month before and
the same month a year before. Money is `Money` (exact decimal text in JSON)."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from revlake.schemas.ar import ArBuckets
from revlake.schemas.common import Money, MonthMovements, Schema


class Compared(Schema):
    """An amount this month, the month before and the same month a year before."""

    value: Money
    previous_month: Money | None = Field(description="null when the data starts this month")
    year_ago: Money | None = Field(description="null when the data has no month a year before")
    mom_pct: float | None = Field(description="(value − previous month) ÷ |previous month|")
    yoy_pct: float | None = Field(description="(value − year ago) ÷ |year ago|")


class SegmentMrr(Schema):
    """MRR of one account segment in the month (the revenue breakdown)."""

    segment: str = Field(description="the CRM account's segment; 'unknown' when not linked")
    mrr: Money
    share: float = Field(description="share of the month's MRR (fraction)")
    customers: int


class CfoRevenue(Schema):
    mrr: Compared
    arr: Compared = Field(description="12 × MRR")
    net_new_mrr: Compared
    paying_customers: int
    paying_customers_year_ago: int | None
    nrr_12m: float | None = Field(description="net revenue retention over 12 months (fraction)")
    grr_12m: float | None = Field(description="gross revenue retention over 12 months")
    movements: MonthMovements
    by_segment: list[SegmentMrr]


class CfoReceivables(Schema):
    """Open receivables on `as_of` in the reporting currency (the AR aging total)."""

    available: bool
    note: str | None = Field(default=None, description="why the figures are missing or partial")
    as_of: date | None = None
    total: Money | None = None
    overdue: Money | None = None
    overdue_invoices: int | None = None
    buckets: ArBuckets | None = None
    missing_rates: list[str] = Field(default_factory=list)


class CfoAtRisk(Schema):
    """Paying customers at risk of churning, by the churn model's latest scores."""

    available: bool
    note: str | None = None
    definition: str = Field(description="which customers count as at risk")
    threshold: float = Field(description="the churn probability from which a customer counts")
    customers: int = 0
    scored_customers: int = 0
    mrr: Money = Field(description="MRR of the customers at risk")
    mrr_at_risk: Money = Field(description="Σ MRR × churn probability of those customers")
    scoring_month: date | None = None
    horizon_months: int | None = None


class CfoDeferred(Schema):
    """Deferred revenue (billed, not yet recognised) at a month end."""

    available: bool
    note: str | None = None
    as_of: date | None = None
    total: Money | None = Field(default=None, description="all currencies at the as-of rate")
    by_currency: dict[str, Money] = Field(default_factory=dict)
    missing_rates: list[str] = Field(default_factory=list)


class CfoSummary(Schema):
    month: date
    previous_month: date | None
    year_ago_month: date | None
    currency: str = Field(description="the reporting currency of every amount")
    snapshot: str
    revenue: CfoRevenue
    receivables: CfoReceivables
    at_risk: CfoAtRisk
    deferred: CfoDeferred
