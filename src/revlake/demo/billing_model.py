"""The billing simulation's records: subscription, invoice, charge, line and customer state."""

from __future__ import annotations

from dataclasses import dataclass, field

from revlake.demo.crm import Deal

FAR = 10**8  # "never" / "long ago" in day arithmetic


@dataclass(slots=True)
class Sub:
    """A subscription (one item) and its state."""

    id: str
    item_id: str
    opp_id: str
    created_day: int
    created_sec: int
    tier: int
    annual: bool
    seats: int
    coupon: int
    coupon_until: int  # periods starting before this day get the coupon
    trial_end: int  # -1 without a trial
    anchor: int
    n: int = -1
    period_start: int = 0
    period_end: int = 0
    pct: int = 0
    cancel_pending: bool = False
    canceled_day: int = -1
    canceled_sec: int = 0
    ended_day: int = -1
    pending_tier: int = -1
    pending_seats: int = -1
    last_contraction: int = -FAR
    changed_in_period: bool = False
    period_invoice: int = -1


@dataclass(slots=True)
class Invoice:
    """An invoice and its running payment state."""

    id: str
    number: str
    sub: int
    reason: str
    day: int
    sec: int
    due_day: int
    period_start: int
    period_end: int
    subtotal: int
    discount: int
    tax: int
    total: int
    amount_due: int
    paid: int = 0
    credited: int = 0
    attempts: int = 0
    status: str = "open"
    charge: int = -1  # index of the single charge that paid it, -1 if none / several
    n_charges: int = 0
    balance: int = 0


@dataclass(slots=True)
class Charge:
    """A charge (payment attempt)."""

    id: str
    day: int
    sec: int
    amount: int
    invoice: int
    status: str
    method: str
    failure: int  # index into FAILURE_CODES, -1 when it succeeded
    refunded: int = 0


@dataclass(slots=True)
class LineSpec:
    """What an invoice line says before ids, discounts and tax are attached."""

    tier: int
    annual: bool
    unit: int
    qty: int
    amount: int
    pct: int
    proration: bool
    start: int
    end: int
    description: str


@dataclass(slots=True)
class CustomerState:
    """Customer-level facts and accumulated history."""

    id: str
    number_prefix: str
    currency: str
    country: str
    tax_rate: int
    reverse_charge: bool
    vat_id: str
    card: bool
    fail_p: float
    health: float
    first_paid_day: int = -1
    balance: int = 0
    failures: list[int] = field(default_factory=list)
    intervals: list[tuple[int, int, int]] = field(default_factory=list)
    value: int = 0
    value_since: int = 0
    last_hazard_month: int = -1
    last_usage_month: int = -1
    ended_day: int = -1
    involuntary: bool = False
    react_deadline: int = -1
    pending_deals: list[tuple[Deal, str]] = field(default_factory=list)
