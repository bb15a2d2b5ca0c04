"""Response bodies of the customer-intelligence endpoints: churn risk, at-risk customers,
customer lifetime value and the sBG retention projection of the build's cohorts.

Amounts are in the reporting currency (`currency`), rounded to cents; probabilities and
survival are fractions (0.25 = 25%).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from revlake.schemas.common import Money, Schema

RiskLevel = Literal["low", "medium", "high", "critical", "cancelling"]


class ChurnDriver(Schema):
    rank: int = Field(description="1 = the feature that moved the score most")
    sentence: str = Field(description="The driver in plain words (TreeSHAP contribution)")
    points: float | None = Field(
        None, description="Contribution to the log-odds of churning (positive = riskier)"
    )


class CustomerChurn(Schema):
    customer_id: str
    name: str
    segment: str | None
    currency: str
    scoring_month: date = Field(description="As-of month of the features")
    horizon_months: int = Field(description="Churn within this many months of the as-of month")
    churn_probability: float
    risk_level: RiskLevel
    intervention: str = Field(description="Suggested action for the risk level")
    mrr: Money
    mrr_at_risk: Money = Field(description="MRR × churn probability")
    model_version: str
    drivers: list[ChurnDriver]


class AtRiskRow(Schema):
    customer_id: str
    name: str
    segment: str | None
    churn_probability: float
    risk_level: RiskLevel
    intervention: str
    mrr: Money
    mrr_at_risk: Money
    top_driver: str | None


class AtRiskPage(Schema):
    """Paying customers by MRR at risk (MRR × churn probability), highest first."""

    currency: str
    scoring_month: date | None
    horizon_months: int | None
    items: list[AtRiskRow]
    total: int
    limit: int
    offset: int
    next_offset: int | None = None


class LtvSettingsOut(Schema):
    gross_margin: float = Field(description="Share of revenue kept as gross margin")
    annual_discount_rate: float


class CustomerLtvOut(Schema):
    customer_id: str
    name: str
    segment: str = Field(description="Segment whose retention fit values the customer")
    currency: str
    tenure_months: int = Field(description="Months since the first paying month")
    mrr: Money
    expected_remaining_months: float = Field(
        description="DERL: discounted expected further payments (the next one in full)"
    )
    ltv: Money = Field(
        description="Expected remaining discounted gross-margin revenue: MRR × margin × DERL"
    )
    simple_ltv: Money | None = Field(
        description="MRR × margin ÷ the segment's monthly revenue churn (no heterogeneity)"
    )
    segment_simple_ltv: Money | None = Field(
        description="The segment's ARPA × margin ÷ monthly revenue churn"
    )
    monthly_revenue_churn: float | None
    segment_alpha: float
    segment_beta: float
    settings: LtvSettingsOut


class SbgFitQuality(Schema):
    chi_square: float
    degrees_of_freedom: int
    p_value: float | None
    rmse_survivors: float | None
    mape_survival: float | None


class SbgGroup(Schema):
    """One maximum-likelihood fit shared by a group of cohorts."""

    label: str
    cohorts: list[str] = Field(description="Cohorts (YYYY-MM, with segment) the fit used")
    customers: int
    alpha: float
    beta: float
    alpha_se: float | None = Field(
        description="Standard error; null when not identified (degenerate fit)"
    )
    beta_se: float | None
    mean_churn_probability: float = Field(description="E[theta] = alpha / (alpha + beta)")
    log_likelihood: float
    converged: bool
    degenerate: bool
    message: str
    fit: SbgFitQuality


class SurvivalPoint(Schema):
    age_months: int
    observed_survivors: int | None
    observed_survival: float | None
    expected_survival: float
    expected_survivors: float
    conditional_survivors: float | None = Field(
        description="Projected survivors given the last observed count (future ages only)"
    )


class CohortRetentionProjection(Schema):
    cohort_month: date
    segment: str | None
    customers: int
    last_age_months: int = Field(description="Last complete age observed")
    survivors: int = Field(description="Survivors at the last complete age")
    reactivation_cells_held: int
    group: str = Field(description="Label of the fit this cohort uses")
    alpha: float
    beta: float
    alpha_se: float | None
    beta_se: float | None
    derl_months: float = Field(
        description="Discounted expected residual lifetime of a current survivor (months)"
    )
    del_months: float = Field(description="Discounted expected lifetime at acquisition")
    expected_remaining_months: float | None = Field(
        description="Undiscounted expected remaining lifetime; null when infinite (alpha ≤ 1)"
    )
    points: list[SurvivalPoint]


class RetentionCohorts(Schema):
    grouping: str
    min_customers: int = Field(description="Cohorts smaller than this are pooled")
    periods_ahead: int
    data_complete_through: date
    partial_month_excluded: bool
    reactivation_cells_held: int
    monthly_discount_rate: float
    groups: list[SbgGroup]
    cohorts: list[CohortRetentionProjection]
