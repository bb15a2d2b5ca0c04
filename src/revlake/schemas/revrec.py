"""Request and response bodies of the revenue recognition endpoints (/api/v1/revrec).

Amounts are exact decimal strings ("1234.50", as in the tax and payables endpoints) in the
currency the object names (`currency`), read from exact DECIMAL / NUMERIC columns and
Decimal arithmetic. In requests give amounts as strings ("1000.00") or numbers; they are
read as exact decimals.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import ConfigDict, Field

from revlake.schemas.common import Money, Page, Schema

Pattern = Literal["ratable", "point_in_time", "milestones", "progress"]
Amount = Decimal | str
Text = str


class RevrecMonth(Schema):
    """One month of billing-driven recognition and deferred revenue (one currency)."""

    month: str = Field(description="YYYY-MM")
    currency: str
    opening: Money
    billed: Money
    recognised: Money
    contra: Money = Field(description="Revenue part of credit notes issued in the month")
    closing: Money = Field(description="Deferred revenue at the month end")
    contracts_recognised: Money = Field(
        Decimal(0), description="Revenue of contracts entered by finance recognised in the month"
    )


class RevrecSchedule(Schema):
    """Monthly recognised revenue and deferred balance, total or of one customer."""

    snapshot: str = Field(description="The published build the billing part was read from")
    start: str
    end: str
    customer_id: str | None = None
    months: list[RevrecMonth]


class DeferredCustomer(Schema):
    customer_id: str
    currency: str
    billed: Money
    credited: Money
    recognised: Money
    deferred: Money


class DeferredTotal(Schema):
    currency: str
    deferred: Money


class RevrecDeferred(Schema):
    """Deferred revenue at a month end: per currency, per customer, and the roll-forward."""

    as_of: date
    totals: list[DeferredTotal]
    customers: Page[DeferredCustomer]
    rollforward: list[RevrecMonth] = Field(description="The 12 months up to as_of, all customers")


class RequestSchema(Schema):
    """A request body: unknown fields are refused (422), so a typo is never lost."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class MilestoneIn(RequestSchema):
    name: Text | None = Field(None, max_length=200)
    on: date = Field(alias="date", description="YYYY-MM-DD, within the contract period")
    percent: Amount = Field(description="Share of the obligation, 0-100; all add up to 100")


class ProgressIn(RequestSchema):
    on: date = Field(alias="date", description="YYYY-MM-DD, within the contract period")
    percent: Amount = Field(description="Cumulative percent complete, 0-100")


class ObligationIn(RequestSchema):
    name: Text = Field(min_length=1, max_length=200)
    ssp: Amount
    pattern: Pattern
    currency: str | None = Field(None, max_length=3)
    start: date | None = None
    end: date | None = None
    satisfied_on: date | None = None
    milestones: list[MilestoneIn] = Field(default_factory=list, max_length=500)
    progress: list[ProgressIn] = Field(default_factory=list, max_length=2000)


class ScenarioIn(RequestSchema):
    amount: Amount
    probability: Amount


class VariableIn(RequestSchema):
    method: Literal["expected_value", "most_likely"]
    scenarios: list[ScenarioIn] = Field(min_length=1, max_length=100)
    constraint: Amount | None = None


class ContractIn(RequestSchema):
    """A contract as finance enters it (the same fields as a contract file)."""

    reference: Text = Field(min_length=1, max_length=100)
    customer_id: Text | None = Field(None, max_length=100)
    customer_name: Text | None = Field(None, max_length=200)
    currency: str = Field(min_length=1, max_length=10)
    start: date
    end: date = Field(description="Exclusive")
    price: Amount
    discount: Amount = "0"
    variable: VariableIn | None = None
    discount_to: list[Text] = Field(default_factory=list, max_length=100)
    obligations: list[ObligationIn] = Field(max_length=200)
    description: Text | None = Field(None, max_length=10_000)


class ModificationIn(RequestSchema):
    """A modification, accounted for prospectively from `effective`."""

    effective: date
    added_consideration: Amount = "0"
    add_obligations: list[ObligationIn] = Field(default_factory=list, max_length=200)
    extend: dict[str, date] = Field(default_factory=dict, max_length=200)
    description: Text | None = Field(None, max_length=10_000)


class ProgressMeasureIn(RequestSchema):
    """A progress measurement of a `progress` obligation, entered as work proceeds."""

    obligation: Text = Field(min_length=1, max_length=200)
    on: date = Field(alias="date", description="YYYY-MM-DD; after the last one, not future")
    percent: Amount = Field(description="Cumulative percent complete, 0-100")


class AllocationLineOut(Schema):
    obligation: str
    ssp: Money
    allocated: Money


class SegmentOut(Schema):
    """The allocation from inception or from a modification's effective date."""

    start: date
    end: date | None
    consideration: Money
    allocation: list[AllocationLineOut]


class ScheduleRowOut(Schema):
    obligation: str
    month: str
    amount: Money


class ContractSummary(Schema):
    id: int
    reference: str
    customer_id: str | None
    customer_name: str | None
    currency: str
    start: date
    end: date
    transaction_price: Money
    total_consideration: Money
    recognised_to_date: Money
    modifications: int
    created_at: datetime
    created_by: str


class ContractDetail(ContractSummary):
    segments: list[SegmentOut]
    schedule: list[ScheduleRowOut]


class ContractList(Schema):
    items: list[ContractSummary]
