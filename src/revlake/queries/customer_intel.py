"""Customer intelligence from gold: churn scores (`ml_customer_churn`), LTV
(`ml_customer_ltv`, `ml_segment_ltv`) and the sBG fit of `fct_cohort_retention`.

The ml_* tables are written by `revlake churn score`; a snapshot without them answers
404 problems that say so. Names and segments come from `dim_customer` the way the
customers endpoints read them.
"""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal
from typing import Any

from revlake.errors import NotFound
from revlake.ml.churn_service import CHURN_TABLE, CUSTOMER_LTV_TABLE, SEGMENT_LTV_TABLE
from revlake.ml.cohort_fit import (
    CohortFitReport,
    CohortGroups,
    fit_groups,
    project_groups,
    read_cohort_counts,
    select_cohorts,
)
from revlake.queries.convert import money
from revlake.queries.params import PageParams, page_of, where
from revlake.queries.revenue import reporting_currency
from revlake.reader import Build
from revlake.reader.tables import BILLING_CUSTOMERS_CTE
from revlake.schemas.customer_intel import (
    AtRiskPage,
    AtRiskRow,
    ChurnDriver,
    CohortRetentionProjection,
    CustomerChurn,
    CustomerLtvOut,
    LtvSettingsOut,
    RetentionCohorts,
    SbgFitQuality,
    SbgGroup,
    SurvivalPoint,
)

DRIVERS = 3

# Billing customers with name and CRM account segment (reader.tables.BILLING_CUSTOMERS_CTE).
_NAMES = f"""
with {BILLING_CUSTOMERS_CTE},
names as (
  select b.customer_id, coalesce(nullif(c.customer_name, ''), b.customer_id) as name,
    b.account_segment as segment
  from billing_customers b
  join gold.dim_customer c on c.customer_key = b.customer_key
)
"""


def _cents(value: Any) -> Decimal:
    """An amount (DECIMAL or DOUBLE; null as 0) as exact Decimal cents."""
    return money(float(value or 0.0))


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _require_table(snapshot: Build, table: str, what: str) -> None:
    snapshot.require(
        table, hint=f"no {what}: run `revlake churn train` and `revlake churn score` for the tenant"
    )


def _known_customer(snapshot: Build, customer_id: str) -> dict[str, Any]:
    found = snapshot.rows(f"{_NAMES} select * from names where customer_id = ?", [customer_id])
    if not found:
        raise NotFound(f"no customer {customer_id!r}")
    return found[0]


def customer_churn(snapshot: Build, customer_id: str) -> CustomerChurn:
    """The churn score of one customer; 404 naming why when unknown or not scored."""

    def compute() -> CustomerChurn:
        _require_table(snapshot, CHURN_TABLE, "churn scores")
        who = _known_customer(snapshot, customer_id)
        rows = snapshot.rows(
            f"select * from gold.{CHURN_TABLE} where customer_id = ?", [customer_id]
        )
        if not rows:
            raise NotFound(
                f"customer {customer_id!r} is not scored: only customers paying in the "
                "scoring month have a churn score"
            )
        r = rows[0]
        drivers = [
            ChurnDriver(
                rank=k, sentence=str(r[f"driver_{k}"]), points=_finite(r[f"driver_{k}_points"])
            )
            for k in range(1, DRIVERS + 1)
            if r.get(f"driver_{k}")
        ]
        return CustomerChurn(
            customer_id=customer_id,
            name=str(who["name"]),
            segment=who["segment"],
            currency=reporting_currency(snapshot),
            scoring_month=date.fromisoformat(str(r["scoring_month"])[:10]),
            horizon_months=int(r["horizon_months"]),
            churn_probability=float(r["churn_probability"]),
            risk_level=r["risk_level"],
            intervention=str(r["intervention"]),
            mrr=_cents(r["mrr_rc"]),
            mrr_at_risk=_cents(r["mrr_at_risk_rc"]),
            model_version=str(r["model_version"]),
            drivers=drivers,
        )

    return snapshot.memo(("customer-churn", customer_id), compute)


def at_risk(
    snapshot: Build,
    levels: tuple[str, ...],
    segment: str | None,
    min_probability: float | None,
    page: PageParams,
) -> AtRiskPage:
    """Scored customers sorted by MRR at risk (descending), filtered by level/segment/p."""

    def compute() -> AtRiskPage:
        _require_table(snapshot, CHURN_TABLE, "churn scores")
        conditions: list[str] = []
        params: list[Any] = []
        if levels:
            conditions.append(f"c.risk_level in ({', '.join('?' for _ in levels)})")
            params += list(levels)
        if segment is not None:
            conditions.append("n.segment = ?")
            params.append(segment)
        if min_probability is not None:
            conditions.append("c.churn_probability >= ?")
            params.append(min_probability)
        base = (
            f"{_NAMES} select c.*, coalesce(n.name, c.customer_id) as name, n.segment, "
            f"count(*) over () as total_rows from gold.{CHURN_TABLE} c "
            f"left join names n using (customer_id) {where(conditions)}"
        )
        rows = snapshot.rows(
            f"{base} order by c.mrr_at_risk_rc desc, c.customer_id limit ? offset ?",
            [*params, page.limit, page.offset],
        )
        if rows:
            total = int(rows[0]["total_rows"])
        else:
            total = int(snapshot.rows(f"select count(*) as n from ({base})", params)[0]["n"])
        meta = snapshot.rows(
            f"select max(scoring_month) as m, max(horizon_months) as h from gold.{CHURN_TABLE}"
        )[0]
        return AtRiskPage(
            currency=reporting_currency(snapshot),
            scoring_month=date.fromisoformat(str(meta["m"])[:10]) if meta["m"] else None,
            horizon_months=int(meta["h"]) if meta["h"] is not None else None,
            items=[
                AtRiskRow(
                    customer_id=str(r["customer_id"]),
                    name=str(r["name"]),
                    segment=r["segment"],
                    churn_probability=float(r["churn_probability"]),
                    risk_level=r["risk_level"],
                    intervention=str(r["intervention"]),
                    mrr=_cents(r["mrr_rc"]),
                    mrr_at_risk=_cents(r["mrr_at_risk_rc"]),
                    top_driver=r["driver_1"],
                )
                for r in rows
            ],
            **page_of(rows, total, page),
        )

    return snapshot.memo(("at-risk", levels, segment, min_probability, page), compute)


def customer_ltv(snapshot: Build, customer_id: str) -> CustomerLtvOut:
    """One customer's LTV beside the simple formula; 404 naming why when absent."""

    def compute() -> CustomerLtvOut:
        _require_table(snapshot, CUSTOMER_LTV_TABLE, "lifetime values")
        who = _known_customer(snapshot, customer_id)
        rows = snapshot.rows(
            f"select c.*, s.alpha, s.beta, s.arpa, s.monthly_revenue_churn, "
            f"s.simple_ltv as segment_simple_ltv from gold.{CUSTOMER_LTV_TABLE} c "
            f"left join gold.{SEGMENT_LTV_TABLE} s using (segment) where c.customer_id = ?",
            [customer_id],
        )
        if not rows:
            raise NotFound(
                f"customer {customer_id!r} has no lifetime value: only customers paying "
                "in the as-of month are valued"
            )
        r = rows[0]
        margin = float(r["gross_margin"])
        churn = _finite(r["monthly_revenue_churn"])
        mrr = float(r["mrr"])
        return CustomerLtvOut(
            customer_id=customer_id,
            name=str(who["name"]),
            segment=str(r["segment"]),
            currency=reporting_currency(snapshot),
            tenure_months=int(r["tenure_months"]),
            mrr=_cents(mrr),
            expected_remaining_months=float(r["expected_remaining_months"]),
            ltv=_cents(r["ltv"]),
            simple_ltv=_cents(mrr * margin / churn) if churn else None,
            segment_simple_ltv=(
                _cents(r["segment_simple_ltv"]) if _finite(r["segment_simple_ltv"]) else None
            ),
            monthly_revenue_churn=churn,
            segment_alpha=float(r["alpha"]),
            segment_beta=float(r["beta"]),
            settings=LtvSettingsOut(
                gross_margin=margin, annual_discount_rate=float(r["annual_discount_rate"])
            ),
        )

    return snapshot.memo(("customer-ltv", customer_id), compute)


def retention_cohorts(
    snapshot: Build,
    start: date | None,
    end: date | None,
    periods_ahead: int,
    grouping: str,
) -> RetentionCohorts:
    """The sBG fit of the snapshot's cohorts (revlake.ml.cohort_fit), as a response body.

    The fits (the slow part: maximum likelihood per group) are memoised per snapshot and
    grouping; the projection and the cohort range are applied per request.
    """

    def fits() -> CohortGroups:
        counts = read_cohort_counts(snapshot, by_segment=grouping == "segment")
        return fit_groups(counts, grouping=grouping)

    def compute() -> RetentionCohorts:
        fitted = snapshot.memo(("cohort-fits", grouping), fits)
        report = project_groups(fitted, periods_ahead=periods_ahead)
        return to_schema(select_cohorts(report, start=start, end=end))

    return snapshot.memo(("retention-cohorts", start, end, periods_ahead, grouping), compute)


def to_schema(report: CohortFitReport) -> RetentionCohorts:
    """A `CohortFitReport` as the API's response body."""
    groups = [
        SbgGroup(
            label=g.label,
            cohorts=[c.label for c in g.cohorts],
            customers=g.customers,
            alpha=g.fit.alpha,
            beta=g.fit.beta,
            alpha_se=None if g.fit.degenerate else _finite(g.fit.alpha_se),
            beta_se=None if g.fit.degenerate else _finite(g.fit.beta_se),
            mean_churn_probability=g.fit.alpha / (g.fit.alpha + g.fit.beta),
            log_likelihood=g.fit.log_likelihood,
            converged=g.fit.converged,
            degenerate=g.fit.degenerate,
            message=g.fit.message,
            fit=SbgFitQuality(
                chi_square=g.goodness.chi_square,
                degrees_of_freedom=g.goodness.degrees_of_freedom,
                p_value=g.goodness.p_value,
                rmse_survivors=_finite(g.goodness.rmse_survivors),
                mape_survival=_finite(g.goodness.mape_survival),
            ),
        )
        for g in report.groups
    ]
    cohorts = [
        CohortRetentionProjection(
            cohort_month=p.cohort.cohort_month,
            segment=p.cohort.segment,
            customers=p.cohort.customers,
            last_age_months=p.cohort.last_age,
            survivors=p.cohort.survivors[-1],
            reactivation_cells_held=p.cohort.held_cells,
            group=p.group.label,
            alpha=p.group.fit.alpha,
            beta=p.group.fit.beta,
            alpha_se=None if p.group.fit.degenerate else _finite(p.group.fit.alpha_se),
            beta_se=None if p.group.fit.degenerate else _finite(p.group.fit.beta_se),
            derl_months=p.derl_months,
            del_months=p.del_months,
            expected_remaining_months=p.expected_remaining_months,
            points=[
                SurvivalPoint(
                    age_months=pt.age_months,
                    observed_survivors=pt.observed_survivors,
                    observed_survival=pt.observed_survival,
                    expected_survival=pt.expected_survival,
                    expected_survivors=pt.expected_survivors,
                    conditional_survivors=pt.conditional_survivors,
                )
                for pt in p.points
            ],
        )
        for p in report.cohorts
    ]
    counts = report.counts
    return RetentionCohorts(
        grouping=report.grouping,
        min_customers=report.min_customers,
        periods_ahead=report.periods_ahead,
        data_complete_through=counts.last_complete_month,
        partial_month_excluded=counts.partial_month_excluded,
        reactivation_cells_held=counts.held_cells,
        monthly_discount_rate=report.discount_rate,
        groups=groups,
        cohorts=cohorts,
    )
