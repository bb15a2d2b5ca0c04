"""Response bodies of API v1 (pydantic): what the OpenAPI document at /docs describes.

Money has one representation in every area of the API (`Money`): an exact decimal string
("1234.50") in the currency the object names (`currency`, `reporting_currency` or the
row's own), read from gold DECIMAL columns and kept as `Decimal` in Python. Ratios are
plain JSON numbers as fractions (1.05 = 105%); counts are integers.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, WithJsonSchema

T = TypeVar("T")

CENT = Decimal("0.01")


def exact_amount(value: object) -> object:
    """A binary float (an amount computed in floating point, e.g. a simulated forecast or
    MRR × a probability) rounded half up to cents; exact inputs (Decimal, int, decimal
    text) are kept as they are."""
    if isinstance(value, float):
        return Decimal(repr(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    return value


def decimal_text(value: Decimal) -> str:
    """Plain positional decimal text, never exponent notation ("1000", not "1E+3")."""
    return format(value, "f")


Money = Annotated[
    Decimal,
    BeforeValidator(exact_amount),
    PlainSerializer(decimal_text, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "format": "decimal",
            "pattern": r"^-?[0-9]+(\.[0-9]+)?$",
            "description": 'An exact decimal amount as text, e.g. "1234.50"',
        },
        mode="serialization",
    ),
]
"""An amount of money: `Decimal` in Python, an exact decimal string in JSON."""


class Schema(BaseModel):
    model_config = ConfigDict(frozen=True)


class Problem(Schema):
    """An error, as RFC 9457 problem details (media type application/problem+json)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[dict[str, Any]] | None = None


class Page(Schema, Generic[T]):
    """One page of a list: `items`, the `total` matching the filters, and where it starts."""

    items: list[T]
    total: int
    limit: int
    offset: int
    next_offset: int | None = None


class Liveness(Schema):
    status: Literal["ok"] = "ok"
    version: str


class Readiness(Schema):
    """Whether the tenant can be served, and how old its published snapshot is."""

    ready: bool
    tenant: str
    snapshot: str | None
    published_at: datetime | None
    age_seconds: float | None
    detail: str | None = None


KpiValue = float | Money | None
"""A KPI's figure: `Money` (decimal text) when its unit is money, else a JSON number."""


class Kpi(Schema):
    """One KPI for a month, with the previous month and the change between them; money
    KPIs (unit `money`) are exact decimal strings like every amount."""

    key: str
    label: str
    unit: Literal["money", "ratio", "count", "months"]
    value: KpiValue
    previous: KpiValue
    change: KpiValue = Field(description="value − previous")
    change_pct: float | None = Field(description="(value − previous) ÷ |previous|")
    trend: list[KpiValue] = Field(description="the last 12 months, oldest first")


class Kpis(Schema):
    month: date
    previous_month: date | None
    currency: str
    snapshot: str
    kpis: list[Kpi]


class MonthMovements(Schema):
    """MRR movements of one month (they sum to the month's change in MRR)."""

    month: date
    mrr: Money
    new: Money
    expansion: Money
    contraction: Money
    churn: Money
    reactivation: Money
    fx_impact: Money
    net_new: Money
    new_customers: int
    churned_customers: int
    reactivated_customers: int


class FunnelRow(Schema):
    channel: str
    channel_name: str
    month: date
    leads: int
    converted_leads: int
    opportunities_created: int
    opportunities_won: int
    opportunities_lost: int
    won_amount: Money
    lead_conversion_rate: float | None
    win_rate: float | None


class FunnelStage(Schema):
    stage: str
    count: int


class FunnelPage(Page[FunnelRow]):
    """Funnel rows per channel and month, and the stage counts of all matching rows."""

    stages: list[FunnelStage]


class ChannelRow(Schema):
    channel: str
    channel_name: str
    channel_type: str
    month: date
    spend: Money
    impressions: int
    clicks: int
    leads: int
    new_customers: int
    new_mrr: Money
    cac: Money | None
    roas: float | None
    payback_months: float | None


class CohortCell(Schema):
    cohort_month: date
    age_months: int
    cohort_customers: int
    active_customers: int
    logo_retention: float
    revenue_retention: float | None


class Cohorts(Schema):
    currency: str
    cells: list[CohortCell]


class PipelineMonth(Schema):
    month: date
    opportunities_created: int
    opportunities_won: int
    opportunities_lost: int
    win_rate: float | None
    won_amount: Money
    avg_cycle_days_won: float | None
    open_opportunities: int
    open_pipeline: Money
    weighted_pipeline: Money
    pipeline_coverage: float | None


class PipelineSource(Schema):
    source_system: str
    latest: PipelineMonth
    trend: list[PipelineMonth]


class PipelineSummary(Schema):
    currency: str
    sources: list[PipelineSource]


class CustomerRow(Schema):
    customer_id: str
    name: str
    country: str | None
    segment: str | None
    industry: str | None
    mrr: Money
    is_paying: bool
    first_paid_month: date | None
    last_paid_month: date | None


class MrrPoint(Schema):
    month: date
    currency: str
    mrr: Money
    mrr_rc: Money
    is_paying: bool


class CustomerMovement(Schema):
    month: date
    movement_type: str
    amount: Money


class CustomerDetail(Schema):
    customer: CustomerRow
    created_date: date | None
    currency: str
    mrr_history: list[MrrPoint]
    movements: list[CustomerMovement]


class RunItem(Schema):
    """A pipeline run from the operational store, an ingest load, or a published build."""

    kind: str
    source: Literal["store", "ingest", "build"]
    status: str
    started_at: datetime | None
    finished_at: datetime | None
    detail: dict[str, Any]


class TestResult(Schema):
    name: str
    status: str
    failures: int | None
    message: str | None


class TestSummary(Schema):
    available: bool
    generated_at: datetime | None
    passed: int
    failed: int
    other: int
    failing: list[TestResult]


class RejectReason(Schema):
    layout: str | None
    reason: str
    rows: int
    example_file: str | None
    example_line: int | None


class RejectsSummary(Schema):
    available: bool
    detail: str | None
    total: int
    reasons: list[RejectReason]


class QuarantinedFile(Schema):
    """A landing file ingest could not load: listed until it is replaced or dismissed."""

    path: str
    reason: str
    line_number: int | None
    column_name: str | None
    first_seen_at: datetime
    last_seen_at: datetime


class CoverageLine(Schema):
    """One line of the published build's coverage report (gold.rpt_coverage).

    kind `metric`: a headline table, the sources that fed it (source → records) and, when
    it is empty or misses an input, why; `unread_table`: a bronze table no model reads;
    `superseded`: rows a later export of the same records replaced.
    """

    kind: str
    subject: str
    title: str | None
    rows: int | None
    sources: dict[str, int] | None
    message: str


class FlaggedRecords(Schema):
    """Records the models flag as invalid (kept, never dropped), per entity, source, reason."""

    entity: str
    source_system: str
    reason: str
    records: int
    example: str | None


class RunsPage(Page[RunItem]):
    """Runs newest first, the last build's data tests, rows rejected and files quarantined,
    and the published build's coverage and flagged records."""

    snapshot: Readiness
    tests: TestSummary
    rejects: RejectsSummary
    quarantined: list[QuarantinedFile] = []
    coverage: list[CoverageLine] = []
    flagged: list[FlaggedRecords] = []


Figure = float | int | Money | str | None
"""A figure behind an insight (the order matters: pydantic keeps floats, ints and Decimals)."""


class Insight(Schema):
    """A plain-language observation and the figures behind it."""

    key: str
    severity: Literal["good", "neutral", "warning"]
    title: str
    text: str
    recommendation: str = Field(description="what to do about it, in one sentence")
    data_warning: str | None = Field(
        default=None,
        description="set when a figure is implausible: the likely cause in the data, so the "
        "finding is not read as news",
    )
    figures: dict[str, Figure] = Field(
        description="the figures the text is made of: money as decimal strings, ratios and "
        "counts as numbers"
    )


class Insights(Schema):
    month: date
    currency: str
    insights: list[Insight]


class AuditVerify(Schema):
    ok: bool
    entries: int
    head_seq: int
    head_hash: str
    broken_seq: int | None
    reason: str | None
    table_problems: list[str] = Field(
        default_factory=list,
        description="tenant, key and user rows that differ from what the audit chain says",
    )


class AuditCheckpoint(Schema):
    """The chain head, signed with the workspace's audit secret, to keep somewhere else."""

    seq: int
    hash: str
    at: datetime
    signature: str


class AuditEntryOut(Schema):
    seq: int | None
    at: datetime | None
    actor: str
    action: str
    entity: str
    entity_id: str
    changes: dict[str, Any]
    problem: str | None = Field(
        None, description="set when the stored entry is malformed (what is wrong with it)"
    )


class AuditEntries(Schema):
    """Audit entries newest first; pass `next_before_seq` as `before_seq` for the next page."""

    items: list[AuditEntryOut]
    next_before_seq: int | None
