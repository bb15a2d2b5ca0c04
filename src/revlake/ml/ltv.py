"""Customer lifetime value from the sBG retention model, beside the simple formula.

Per segment, cohorts of customers by first paying month (gold `fct_mrr`) give survivor
counts n_0, n_1, … (a customer survives month t while it has paid every month since it
started: the first churn month ends its life, a later reactivation is not counted), and
`fit_sbg_pooled` (revlake.ml.retention) fits one alpha, beta per segment.

- **Per customer** (paying in the as-of month, t months after its first paying month):
  expected remaining discounted gross-margin revenue =
  MRR × gross margin × DERL(alpha, beta, monthly discount rate, renewals = t), the
  discounted expected residual lifetime of Fader & Hardie (2010): the next payment
  counts in full, each later one discounted a month more.
- **Per segment**: the sum and mean of the customer figures, the sBG LTV of a new
  customer (new ARPA × margin × DEL), and the simple LTV = ARPA × margin ÷ monthly
  revenue churn (lost MRR from churn and contraction over the last 12 months ÷ the MRR
  at risk over those months), which ignores that survivors churn less over time.
- **Per acquisition channel** (gold `fct_channel_performance`, all months): CAC = spend ÷
  new customers (none for a channel without spend: referrals, web), new ARPA = new MRR ÷
  new customers, LTV = new ARPA × margin × DEL of the company-wide fit, LTV:CAC, and
  payback months = CAC ÷ (new ARPA × margin).

The annual discount rate d becomes a monthly one: (1 + d)^(1/12) − 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import duckdb
import numpy as np

from revlake.errors import InputError
from revlake.ml.retention import PooledSbgFit, derl, discounted_expected_lifetime, fit_sbg_pooled
from revlake.reader.tables import BILLING_CUSTOMERS_CTE

DEFAULT_GROSS_MARGIN = 0.8
DEFAULT_ANNUAL_DISCOUNT_RATE = 0.10
ALL_SEGMENTS = "all"

_CUSTOMERS_SQL = f"""
with {BILLING_CUSTOMERS_CTE},
mrr as (
  select customer_id, month_start_date as m, cast(mrr_rc as double) as mrr
  from gold.fct_mrr
),
as_of as (select max(m) as as_of from mrr),
firsts as (select customer_id, min(m) as first_m from mrr where mrr > 0 group by 1),
deaths as (
  select f.customer_id, min(r.m) as death_m
  from firsts f join mrr r on r.customer_id = f.customer_id and r.m > f.first_m and r.mrr = 0
  group by 1
),
seg as (
  select customer_id, lower(coalesce(segment, 'unknown')) as segment
  from billing_customers
)
select
  f.customer_id,
  coalesce(s.segment, 'unknown') as segment,
  date_diff('month', f.first_m, a.as_of) as observed_months,
  date_diff('month', f.first_m, d.death_m) as death_age,
  coalesce(now_.mrr, 0) as current_mrr,
  first_.mrr as first_mrr
from firsts f
cross join as_of a
left join deaths d using (customer_id)
left join seg s using (customer_id)
left join mrr now_ on now_.customer_id = f.customer_id and now_.m = a.as_of
left join mrr first_ on first_.customer_id = f.customer_id and first_.m = f.first_m
order by f.customer_id
"""

_REVENUE_CHURN_SQL = f"""
with {BILLING_CUSTOMERS_CTE},
seg as (
  select customer_id, lower(coalesce(segment, 'unknown')) as segment
  from billing_customers
),
as_of as (select max(month_start_date) as as_of from gold.fct_mrr),
lost as (
  select coalesce(s.segment, 'unknown') as segment, -sum(cast(v.amount_rc as double)) as lost
  from gold.fct_mrr_movements v cross join as_of a left join seg s using (customer_id)
  where v.movement_type in ('churn', 'contraction')
    and v.month_start_date > a.as_of - interval 12 month and v.month_start_date <= a.as_of
  group by 1
),
start as (
  select coalesce(s.segment, 'unknown') as segment, sum(cast(r.mrr_rc as double)) as start
  from gold.fct_mrr r cross join as_of a left join seg s using (customer_id)
  where r.month_start_date >= a.as_of - interval 12 month
    and r.month_start_date < a.as_of and r.mrr_rc > 0
  group by 1
)
select segment, coalesce(lost, 0) as lost, start from start left join lost using (segment)
"""

_CHANNELS_SQL = """
select channel_key,
       sum(cast(spend_rc as double)) as spend,
       sum(new_customers) as new_customers,
       sum(cast(new_mrr_rc as double)) as new_mrr
from gold.fct_channel_performance
group by 1
order by 1
"""


@dataclass(frozen=True)
class LtvSettings:
    """Gross margin (share of revenue) and annual discount rate."""

    gross_margin: float = DEFAULT_GROSS_MARGIN
    annual_discount_rate: float = DEFAULT_ANNUAL_DISCOUNT_RATE

    def __post_init__(self) -> None:
        if not (0 < self.gross_margin <= 1):
            raise InputError(f"gross margin must be in (0, 1] (got {self.gross_margin})")
        if not (self.annual_discount_rate > 0 and math.isfinite(self.annual_discount_rate)):
            raise InputError(
                f"annual discount rate must be positive (got {self.annual_discount_rate})"
            )

    @property
    def monthly_discount_rate(self) -> float:
        return float((1.0 + self.annual_discount_rate) ** (1.0 / 12.0) - 1.0)


@dataclass(frozen=True)
class CustomerLtv:
    customer_id: str
    segment: str
    tenure_months: int
    mrr: float
    expected_remaining_months: float  # DERL (discounted payments, next one in full)
    ltv: float  # MRR × margin × DERL


@dataclass(frozen=True)
class SegmentLtv:
    segment: str
    customers: int  # paying in the as-of month
    alpha: float
    beta: float
    alpha_se: float
    beta_se: float
    mrr: float
    remaining_ltv: float  # Σ customer LTV
    new_customer_ltv: float  # new ARPA × margin × DEL
    arpa: float
    monthly_revenue_churn: float | None
    simple_ltv: float | None  # ARPA × margin ÷ monthly revenue churn


@dataclass(frozen=True)
class ChannelLtv:
    channel: str
    spend: float
    new_customers: int
    cac: float | None
    new_arpa: float | None
    ltv: float | None
    ltv_to_cac: float | None
    payback_months: float | None


@dataclass(frozen=True)
class LtvReport:
    settings: LtvSettings
    customers: list[CustomerLtv]
    segments: list[SegmentLtv]
    channels: list[ChannelLtv]


def survivor_cohorts(first_age_death: list[tuple[int, int | None]]) -> list[list[int]]:
    """Survivor counts per cohort from (observed months, age at death or None) per customer.

    Customers are grouped by observed months (same first month); n_t = customers with no
    death at an age ≤ t, for t = 0 … observed months.
    """
    groups: dict[int, list[int | None]] = {}
    for observed, death in first_age_death:
        if observed < 0:
            raise InputError(f"negative observed months ({observed})")
        groups.setdefault(observed, []).append(death)
    cohorts: list[list[int]] = []
    for observed in sorted(groups):
        deaths = groups[observed]
        cohorts.append([sum(1 for d in deaths if d is None or d > t) for t in range(observed + 1)])
    return cohorts


def _fit(rows: list[tuple[int, int | None]]) -> PooledSbgFit:
    return fit_sbg_pooled(survivor_cohorts(rows))


def compute_ltv(con: duckdb.DuckDBPyConnection, settings: LtvSettings | None = None) -> LtvReport:
    """Customer, segment and channel LTV from a build's gold tables."""
    settings = settings or LtvSettings()
    d = settings.monthly_discount_rate
    gm = settings.gross_margin
    try:
        rows = con.sql(_CUSTOMERS_SQL).fetchall()
        churn_rows = con.sql(_REVENUE_CHURN_SQL).fetchall()
        channel_rows = con.sql(_CHANNELS_SQL).fetchall()
    except duckdb.CatalogException as exc:
        raise InputError(f"the build lacks a table LTV needs: {exc}") from exc
    if not rows:
        raise InputError("no paying customers in gold.fct_mrr: no LTV to compute")
    by_segment: dict[str, list[tuple[str, int, int | None, float, float]]] = {}
    for cid, segment, observed, death, current, first in rows:
        by_segment.setdefault(str(segment), []).append(
            (str(cid), int(observed), None if death is None else int(death), current, first)
        )
    fits: dict[str, PooledSbgFit] = {
        ALL_SEGMENTS: _fit([(r[1], r[2]) for members in by_segment.values() for r in members])
    }
    churn = {str(s): (float(lost), float(start or 0)) for s, lost, start in churn_rows}
    customers: list[CustomerLtv] = []
    segments: list[SegmentLtv] = []
    for segment in sorted(by_segment):
        members = by_segment[segment]
        try:
            fit = _fit([(r[1], r[2]) for r in members])
        except InputError:
            fit = fits[ALL_SEGMENTS]  # too few customers of the segment: company-wide fit
        fits[segment] = fit
        paying = [r for r in members if r[3] > 0]
        seg_customers = [
            CustomerLtv(
                customer_id=cid,
                segment=segment,
                tenure_months=observed,
                mrr=current,
                expected_remaining_months=(left := derl(fit.alpha, fit.beta, d, observed)),
                ltv=current * gm * left,
            )
            for cid, observed, _death, current, _first in paying
        ]
        customers.extend(seg_customers)
        mrr = sum(c.mrr for c in seg_customers)
        arpa = mrr / len(seg_customers) if seg_customers else 0.0
        new_arpa = float(np.mean([r[4] for r in members]))
        lost, start = churn.get(segment, (0.0, 0.0))
        rate = lost / start if start > 0 else None
        segments.append(
            SegmentLtv(
                segment=segment,
                customers=len(seg_customers),
                alpha=fit.alpha,
                beta=fit.beta,
                alpha_se=fit.alpha_se,
                beta_se=fit.beta_se,
                mrr=mrr,
                remaining_ltv=sum(c.ltv for c in seg_customers),
                new_customer_ltv=new_arpa
                * gm
                * discounted_expected_lifetime(fit.alpha, fit.beta, d),
                arpa=arpa,
                monthly_revenue_churn=rate,
                simple_ltv=arpa * gm / rate if rate else None,
            )
        )
    company = fits[ALL_SEGMENTS]
    del_months = discounted_expected_lifetime(company.alpha, company.beta, d)
    channels: list[ChannelLtv] = []
    for channel, spend, new_customers, new_mrr in channel_rows:
        n = int(new_customers or 0)
        spend_f = float(spend or 0.0)
        new_arpa_c = float(new_mrr or 0.0) / n if n else None
        cac = spend_f / n if n and spend_f > 0 else None  # no spend: no paid acquisition
        ltv = new_arpa_c * gm * del_months if new_arpa_c is not None else None
        channels.append(
            ChannelLtv(
                channel=str(channel),
                spend=spend_f,
                new_customers=n,
                cac=cac,
                new_arpa=new_arpa_c,
                ltv=ltv,
                ltv_to_cac=ltv / cac if ltv is not None and cac else None,
                payback_months=cac / (new_arpa_c * gm) if cac is not None and new_arpa_c else None,
            )
        )
    return LtvReport(settings=settings, customers=customers, segments=segments, channels=channels)
