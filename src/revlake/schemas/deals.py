"""Response and request bodies of the deal and forecast endpoints (pipeline intelligence).

Amounts are in the tenant's reporting currency (named in `currency`); probabilities are
fractions (0.42 = 42 %); risk scores run 0–100 (docs/MODELS.md gives the formula).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import ConfigDict, Field

from revlake.schemas.common import Money, Page, Schema

RiskCategory = Literal["critical", "high", "medium", "low"]
RISK_CATEGORIES: tuple[RiskCategory, ...] = ("critical", "high", "medium", "low")
"""Risk categories, most urgent first (revlake.ml.risk.CATEGORIES)."""


class DealRow(Schema):
    """One open deal with its score, risk and close-date range."""

    id: str = Field(description="CRM opportunity id")
    name: str | None
    source_system: str
    account_id: str | None
    account: str | None = Field(description="account (customer) name")
    rep_id: str | None
    rep: str | None = Field(description="sales rep's name")
    product: str | None = Field(description="product, or the plan when no product is linked")
    stage: str | None
    amount: Money | None
    win_probability: float
    risk_score: float = Field(ge=0, le=100)
    risk_category: RiskCategory
    at_risk_amount: Money | None = Field(description="amount × (1 − win probability)")
    expected_close_date: date | None = Field(description="the close date the CRM records")
    close_p10: date | None = Field(description="close date if won: 10th percentile")
    close_p50: date | None = Field(description="close date if won: median")
    close_p90: date | None = Field(description="close date if won: 90th percentile")
    days_in_stage: float | None
    top_driver: str | None = Field(description="the strongest driver, as a sentence")
    age_imputed: bool = Field(
        default=False,
        description="the deal has no created date: scored as created on the as-of date "
        "(age 0, 0 days in stage)",
    )
    outside_experience: list[str] = Field(
        default_factory=list,
        description="features (age_days, days_in_stage, amount) beyond the range the model "
        "learned from: capped to that range for scoring; empty when none",
    )
    risk_percentile: float | None = Field(
        default=None,
        description="share (%) of the open deals whose risk is not higher (100 = riskiest)",
    )


class DealPage(Page[DealRow]):
    """Open deals matching the filters, with the scoring run they come from."""

    currency: str
    as_of_date: date | None
    model_version: str | None


class DealDetail(DealRow):
    """One open deal with everything its score is made of."""

    currency: str
    loss_probability: float
    created_date: date | None
    age_days: float | None = Field(
        default=None, description="days since created (0 when imputed: see age_imputed)"
    )
    experience_note: str | None = Field(
        default=None,
        description="what is outside the model's experience and the value it was scored at",
    )
    typical_days_in_stage_won: float | None = Field(
        description="median days won deals spent in this stage (gold stage history)"
    )
    stagnation: float | None = Field(description="0 up to the usual time in stage, 1 at 3×")
    suggested_action: str
    as_of_date: date
    model_kind: str
    model_version: str


class Driver(Schema):
    """One reason for the deal's win probability."""

    rank: int
    feature: str
    value: str | None
    points: float = Field(description="probability points this driver adds (+) or takes (−)")
    sentence: str


class DealExplanation(Schema):
    """The deal's ranked drivers and what they start from."""

    id: str
    win_probability: float
    base_rate: float | None = Field(
        description="the company's win rate per deal in the model's training data"
    )
    baseline_probability: float | None = Field(
        description="the model's probability before any feature (TreeSHAP expected value); "
        "all features' points add up to 100 × (win_probability − this)"
    )
    other_points: float | None = Field(
        description="points of the features not among the drivers shown"
    )
    drivers: list[Driver]
    suggested_action: str
    risk_category: RiskCategory
    age_imputed: bool = False
    outside_experience: list[str] = Field(
        default_factory=list, description="as on the deal: capped for scoring"
    )
    experience_note: str | None = None
    model_kind: str
    model_version: str
    as_of_date: date


class CategoryTotal(Schema):
    category: RiskCategory
    deals: int
    amount: Money
    at_risk_amount: Money


class DealSummary(Schema):
    """The open pipeline as scored: value, risk and expected value."""

    currency: str
    as_of_date: date
    open_deals: int
    open_pipeline: Money = Field(description="Σ amount of the open deals")
    at_risk_amount: Money = Field(description="Σ amount × (1 − win probability)")
    expected_value: Money = Field(description="Σ amount × win probability")
    average_win_probability: float | None = Field(
        description="Mean win probability of the open deals (None without deals)"
    )
    high_risk_deals: int = Field(description="Open deals in the high and critical categories")
    at_risk_definition: str = Field(
        description="What at-risk revenue means: Σ amount × (1 − win probability)"
    )
    categories: list[CategoryTotal]
    model_kind: str
    model_version: str


class FilterOption(Schema):
    id: str
    name: str


class DealFilters(Schema):
    """The values the deal list can be filtered by (for pickers)."""

    accounts: list[FilterOption]
    reps: list[FilterOption]
    products: list[str]
    stages: list[str]
    risk_categories: list[RiskCategory]


class ForecastRequest(Schema):
    """What to forecast: how many periods ahead, of weeks or calendar months."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    horizon: int = Field(default=13, ge=4, le=26, description="number of periods (4–26)")
    period: Literal["week", "month"] = "week"


class ForecastPeriodOut(Schema):
    """Won revenue in one period: simulated P10/P50/P90 and the stage-weighted baseline."""

    index: int
    start: date
    end: date
    p10: Money
    p50: Money
    p90: Money
    mean: Money
    cumulative_p10: Money
    cumulative_p50: Money
    cumulative_p90: Money
    open_pipeline_mean: Money = Field(description="mean from deals open today")
    new_pipeline_mean: Money = Field(description="mean from deals not yet created")
    baseline: Money = Field(description="stage-weighted pipeline closing in the period")


class ForecastOut(Schema):
    """A Monte Carlo revenue forecast of the snapshot's pipeline."""

    currency: str
    as_of_date: date
    period: Literal["week", "month"]
    horizon: int
    simulations: int
    open_deals: int
    model_kind: str
    model_version: str
    total_p10: Money
    total_p50: Money
    total_p90: Money
    total_baseline: Money
    periods: list[ForecastPeriodOut]
