"""The sBG retention model fitted to a build's own cohorts (gold `fct_cohort_retention`).

`read_cohort_counts` turns the cohort table into survivor counts, one series per cohort
(first paying month), ages 0, 1, … in whole months:

- **Logo retention, full months only.** n_t is `active_customers` at age t. The as-of
  month (the latest month of the table) is kept only when the data reach its last day
  (`max(revenue_date)` of gold `fct_revenue_daily`); otherwise it is a partial month
  whose missing invoices would look like churn, and it is dropped (with every cohort
  that starts in it).
- **Reactivations.** A cohort's paying count can rise when a churned customer comes
  back; the sBG model counts first churn only, so such a rise is held at the previous
  count (running minimum) and the number of held cells is reported (`held_cells`).
  `reactivations="error"` refuses them instead, naming the cohort and age.
- **By segment** the same counts are computed from gold `fct_mrr` and `dim_customer`
  (segment of the customer, else of its CRM account) with the same definition, so the
  segments of a cohort add up to the cohort table's counts.

`fit_cohorts` fits alpha, beta by maximum likelihood (`fit_sbg_pooled`: several cohorts
share one alpha, beta, each censored at its own age). The grouping rule, because most
monthly cohorts of a small company have a handful of customers:

- `cohort`: a cohort with at least `min_customers` (default 30) customers whose own fit
  succeeds is fitted alone; the others are pooled with the other small cohorts of their
  acquisition quarter, then (when that pool is still smaller than `min_customers` or
  cannot be fitted: no churn, too few periods) of their acquisition year, then all
  remaining small cohorts together.
- `quarter` / `year`: one pooled fit per acquisition quarter / year, falling back to the
  company-wide fit when a group cannot be fitted.
- `segment`: one pooled fit per segment (customers' cohorts within the segment),
  falling back to the company-wide fit when a segment cannot be fitted.
- `all`: one pooled fit over every cohort.

Each cohort gets the fit of its group: observed vs model survival per age, the projection
`periods_ahead` months past its last complete age, alpha/beta with standard errors, the
group's goodness of fit, and DERL (discounted expected residual lifetime, months) of a
customer still active at its last age.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any, Literal

import numpy as np
from scipy import stats

from revlake.errors import InputError
from revlake.ml.retention import (
    MIN_COUNTS,
    GoodnessOfFit,
    PooledSbgFit,
    churn_probabilities,
    derl,
    discounted_expected_lifetime,
    expected_remaining_lifetime,
    fit_sbg_pooled,
    survival,
)
from revlake.reader import Rows
from revlake.reader.tables import BILLING_CUSTOMERS_CTE

Grouping = Literal["cohort", "quarter", "year", "segment", "all"]
GROUPINGS: tuple[str, ...] = ("cohort", "quarter", "year", "segment", "all")
Reactivations = Literal["hold", "error"]
MIN_COHORT_CUSTOMERS = 30
"""A cohort smaller than this is pooled with others (see the module docstring)."""
MAX_PERIODS_AHEAD = 60
DEFAULT_ANNUAL_DISCOUNT_RATE = 0.10
ALL_COHORTS = "all"


_COHORT_SQL = """
select cohort_month, age_months, cohort_customers, active_customers
from gold.fct_cohort_retention
order by cohort_month, age_months
"""

_SEGMENT_SQL = f"""
with {BILLING_CUSTOMERS_CTE},
mrr as (
  select customer_id, month_start_date, is_paying from gold.fct_mrr
),
first_paid as (
  select customer_id, min(month_start_date) as cohort_month
  from mrr where is_paying group by customer_id
),
seg as (
  select customer_id, lower(coalesce(segment, 'unknown')) as segment
  from billing_customers
),
members as (
  select f.customer_id, f.cohort_month, coalesce(s.segment, 'unknown') as segment
  from first_paid f left join seg s using (customer_id)
),
sizes as (
  select cohort_month, segment, count(*) as cohort_customers
  from members group by cohort_month, segment
),
months as (select distinct month_start_date from mrr),
active as (
  select m.cohort_month, m.segment, r.month_start_date, count(*) as active_customers
  from members m join mrr r on r.customer_id = m.customer_id and r.is_paying
  group by m.cohort_month, m.segment, r.month_start_date
)
select z.cohort_month, z.segment,
  date_diff('month', z.cohort_month, mo.month_start_date) as age_months,
  z.cohort_customers, coalesce(a.active_customers, 0) as active_customers
from sizes z
join months mo on mo.month_start_date >= z.cohort_month
left join active a
  on a.cohort_month = z.cohort_month and a.segment = z.segment
  and a.month_start_date = mo.month_start_date
order by z.segment, z.cohort_month, age_months
"""


def monthly_rate(annual: float) -> float:
    """The monthly discount rate equivalent to `annual`: (1 + d)^(1/12) − 1."""
    if not (annual > 0 and math.isfinite(annual)):
        raise InputError(f"annual discount rate must be positive, got {annual}")
    return float((1.0 + annual) ** (1.0 / 12.0) - 1.0)


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class CohortSeries:
    """Survivor counts of one cohort (and segment, when split by segment).

    `survivors` are n_0..n_T over complete months (reactivation rises held);
    `active` the paying counts as the table has them; `held_cells` how many ages were
    held down to the previous count.
    """

    cohort_month: date
    segment: str | None
    survivors: tuple[int, ...]
    active: tuple[int, ...]
    held_cells: int

    @property
    def customers(self) -> int:
        return self.survivors[0]

    @property
    def last_age(self) -> int:
        return len(self.survivors) - 1

    @property
    def label(self) -> str:
        month = f"{self.cohort_month:%Y-%m}"
        return month if self.segment is None else f"{self.segment} {month}"


@dataclass(frozen=True)
class CohortCounts:
    """Every cohort's survivor counts, and which month the data are complete through."""

    cohorts: list[CohortSeries]
    as_of_month: date
    last_complete_month: date
    partial_month_excluded: bool
    by_segment: bool

    @property
    def held_cells(self) -> int:
        return sum(c.held_cells for c in self.cohorts)


def _month_end(month: date) -> date:
    following = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return following - timedelta(days=1)


def _months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def _data_through(build: Rows) -> date | None:
    if not build.has_table("fct_revenue_daily"):
        return None
    found = build.rows("select max(revenue_date) as d from gold.fct_revenue_daily", [])
    value = found[0]["d"] if found else None
    return value if isinstance(value, date) else None


def read_cohort_counts(
    build: Rows,
    *,
    by_segment: bool = False,
    start: date | None = None,
    end: date | None = None,
    reactivations: Reactivations = "hold",
) -> CohortCounts:
    """Survivor counts per cohort (first paying month) from a build's gold tables.

    `start`/`end` (first days of months) keep the cohorts acquired in that range. Raises
    InputError when the build lacks the table, has no cohort in range, or (with
    `reactivations="error"`) a cohort's count rises.
    """
    if start is not None and end is not None and start > end:
        raise InputError(f"cohort range: start {start:%Y-%m} is after end {end:%Y-%m}")
    table = "fct_mrr" if by_segment else "fct_cohort_retention"
    if not build.has_table(table):
        raise InputError(f"the build has no gold.{table}: run `revlake build` first")
    raw = build.rows(_SEGMENT_SQL if by_segment else _COHORT_SQL, [])
    if not raw:
        raise InputError(f"gold.{table} has no cohorts: the cohort fit has zero customers")
    as_of = max(_age_month(r) for r in raw)
    through = _data_through(build)
    partial = through is None or through < _month_end(as_of)
    last_complete = _add_months(as_of, -1) if partial else as_of

    grouped: dict[tuple[str | None, date], list[tuple[int, int, int]]] = {}
    for r in raw:
        segment = str(r["segment"]) if by_segment else None
        grouped.setdefault((segment, r["cohort_month"]), []).append(
            (int(r["age_months"]), int(r["cohort_customers"]), int(r["active_customers"]))
        )
    cohorts: list[CohortSeries] = []
    for (segment, month), cells in sorted(grouped.items(), key=_series_order):
        if (start is not None and month < start) or (end is not None and month > end):
            continue
        last_age = _months_between(month, last_complete)
        if last_age < 0:
            continue  # acquired in the partial month: nothing complete yet
        where = f"cohort {month:%Y-%m}" + (f" segment {segment!r}" if segment else "")
        by_age: dict[int, tuple[int, int]] = {}
        for age, size, active_count in cells:
            if age in by_age:
                raise InputError(f"{where}: two rows for age {age} months in gold.{table}")
            by_age[age] = (size, active_count)
        if 0 not in by_age or by_age[0][0] <= 0:
            raise InputError(f"{where}: no customers at age 0 (cohort size missing or zero)")
        size = by_age[0][0]
        active = []
        for age in range(last_age + 1):
            if age not in by_age:
                raise InputError(f"{where}: no row for age {age} months in gold.{table}")
            active.append(by_age[age][1])
        active[0] = size
        survivors = [size]
        held = 0
        for age in range(1, len(active)):
            if active[age] > survivors[-1]:
                if reactivations == "error":
                    raise InputError(
                        f"{where}: {active[age]} customers paying at age {age} months but "
                        f"{survivors[-1]} at age {age - 1}: survivor counts must never "
                        "increase (reactivations); use reactivations='hold' to hold them"
                    )
                held += 1
            survivors.append(min(active[age], survivors[-1]))
        cohorts.append(CohortSeries(month, segment, tuple(survivors), tuple(active), held))
    if not cohorts:
        span = f"{start:%Y-%m}" if start else "the start"
        span += f" to {end:%Y-%m}" if end else " on"
        raise InputError(
            f"no complete cohort acquired from {span} (data complete through "
            f"{last_complete:%Y-%m}): the cohort fit has zero customers"
        )
    return CohortCounts(cohorts, as_of, last_complete, partial, by_segment)


def _series_order(item: tuple[tuple[str | None, date], Any]) -> tuple[str, date]:
    return (item[0][0] or "", item[0][1])


def _age_month(row: dict[str, Any]) -> date:
    return _add_months(row["cohort_month"], int(row["age_months"]))


def _add_months(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


# --------------------------------------------------------------------------- fitting


@dataclass(frozen=True)
class ProjectionPoint:
    """One age of a cohort: observed (complete months) and model survival."""

    age_months: int
    observed_survivors: int | None
    observed_survival: float | None
    expected_survival: float
    expected_survivors: float
    conditional_survivors: float | None
    """Projected survivors given the last observed count: n_T · S(t) / S(T), t > T."""


@dataclass(frozen=True)
class GroupFit:
    """One pooled fit: which cohorts it used, the estimate and its goodness of fit."""

    label: str
    cohorts: tuple[CohortSeries, ...]
    fit: PooledSbgFit
    goodness: GoodnessOfFit

    @property
    def customers(self) -> int:
        return sum(c.customers for c in self.cohorts)


@dataclass(frozen=True)
class CohortProjection:
    """A cohort seen through its group's fit."""

    cohort: CohortSeries
    group: GroupFit
    points: list[ProjectionPoint]
    derl_months: float
    del_months: float
    expected_remaining_months: float | None
    """Undiscounted expected remaining lifetime of a current survivor; None if infinite
    (alpha <= 1)."""


@dataclass(frozen=True)
class CohortFitReport:
    counts: CohortCounts
    grouping: str
    min_customers: int
    periods_ahead: int
    discount_rate: float
    groups: list[GroupFit]
    cohorts: list[CohortProjection] = field(default_factory=list)


def pooled_goodness(alpha: float, beta: float, cohorts: Sequence[Sequence[int]]) -> GoodnessOfFit:
    """Goodness of fit of one alpha, beta over several cohorts.

    chi-square: Pearson's statistic over every cohort's churn cells and survivor cell
    (degrees of freedom = cells − cohorts − 2; with small cohorts the expected cells are
    small and the p-value is only indicative). RMSE of survivors over every (cohort, age
    ≥ 1); MAPE of the pooled survival curve (Σ n_t ÷ Σ n_0 over the cohorts observed at
    age t) against S(t).
    """
    chi = 0.0
    cells = 0
    errors: list[float] = []
    used = [list(c) for c in cohorts if len(c) >= 2]
    horizon = max((len(c) - 1 for c in used), default=0)
    curve = survival(alpha, beta, horizon)
    for counts in used:
        n = np.asarray(counts, dtype=np.float64)
        periods = len(n) - 1
        observed = np.concatenate((n[:-1] - n[1:], [n[-1]]))
        expected = n[0] * np.concatenate(
            (churn_probabilities(alpha, beta, periods), [curve[periods]])
        )
        chi += float(np.sum((observed - expected) ** 2 / expected))
        cells += len(observed)
        errors.extend((n[0] * curve[1 : periods + 1] - n[1:]).tolist())
    dof = cells - len(used) - 2
    p_value = float(stats.chi2.sf(chi, dof)) if dof > 0 else None
    rmse = float(np.sqrt(np.mean(np.square(errors)))) if errors else math.nan
    ape: list[float] = []
    for age in range(1, horizon + 1):
        seen = [c for c in used if len(c) > age]
        alive = sum(c[age] for c in seen)
        if alive > 0:
            pooled = alive / sum(c[0] for c in seen)
            ape.append(abs(float(curve[age]) - pooled) / pooled)
    mape = float(np.mean(ape)) if ape else math.nan
    return GoodnessOfFit(chi, dof, p_value, rmse, mape)


def _try_fit(label: str, members: Sequence[CohortSeries]) -> GroupFit | None:
    """The pooled fit of `members`, or None when they cannot be fitted (no churn…)."""
    series = [list(m.survivors) for m in members]
    try:
        fit = fit_sbg_pooled(series)
    except InputError:
        return None
    return GroupFit(label, tuple(members), fit, pooled_goodness(fit.alpha, fit.beta, series))


def _quarter(month: date) -> str:
    return f"{month.year}-Q{(month.month - 1) // 3 + 1}"


FALLBACK = f"{ALL_COHORTS} (fallback)"
"""Label of the company-wide fit used by groups that cannot be fitted on their own."""


def _group(
    counts: CohortCounts, grouping: str, min_customers: int
) -> list[tuple[GroupFit, list[CohortSeries]]]:
    """(fit, cohorts that use it) per group, by the grouping rule of the module docstring.

    Groups that fall back to the company-wide fit share one `GroupFit` object.
    """
    cohorts = counts.cohorts
    fallback: list[GroupFit | None] = []

    def company() -> GroupFit | None:
        if not fallback:
            fallback.append(_try_fit(FALLBACK, cohorts))
        return fallback[0]

    if grouping == "all":
        whole = _try_fit(ALL_COHORTS, cohorts)
        return [] if whole is None else [(whole, list(cohorts))]
    out: list[tuple[GroupFit, list[CohortSeries]]] = []
    pending: list[CohortSeries] = []
    if grouping in ("quarter", "year", "segment"):
        keyer: Callable[[CohortSeries], str] = {
            "quarter": lambda c: _quarter(c.cohort_month),
            "year": lambda c: f"{c.cohort_month.year}",
            "segment": lambda c: str(c.segment),
        }[grouping]
        buckets: dict[str, list[CohortSeries]] = {}
        for c in cohorts:
            buckets.setdefault(keyer(c), []).append(c)
        for key, members in buckets.items():
            fitted = _try_fit(key, members)
            if fitted is None:
                pending.extend(members)
            else:
                out.append((fitted, members))
    else:  # "cohort": big cohorts alone, small ones pooled by quarter, then year, then rest
        for c in cohorts:
            alone = (
                _try_fit(f"{c.cohort_month:%Y-%m}", [c]) if c.customers >= min_customers else None
            )
            if alone is None:
                pending.append(c)
            else:
                out.append((alone, [c]))
        for keyer in (lambda c: _quarter(c.cohort_month), lambda c: f"{c.cohort_month.year}"):
            buckets = {}
            for c in pending:
                buckets.setdefault(keyer(c), []).append(c)
            pending = []
            for key, members in buckets.items():
                size = sum(m.customers for m in members)
                fitted = _try_fit(key, members) if size >= min_customers else None
                if fitted is None:
                    pending.extend(members)
                else:
                    out.append((fitted, members))
        if pending:
            rest = _try_fit("other small cohorts" if out else ALL_COHORTS, pending)
            if rest is not None:
                out.append((rest, pending))
                pending = []
    if pending:
        shared = company()
        if shared is not None:
            out.append((shared, pending))
    return out


@dataclass(frozen=True)
class CohortGroups:
    """The fits of a grouping (the expensive part), before any projection."""

    counts: CohortCounts
    grouping: str
    min_customers: int
    pairs: tuple[tuple[GroupFit, tuple[CohortSeries, ...]], ...]
    """(fit, the cohorts that use it); groups on the company-wide fallback share a fit."""


def fit_groups(
    counts: CohortCounts, *, grouping: str = "cohort", min_customers: int = MIN_COHORT_CUSTOMERS
) -> CohortGroups:
    """Fit the sBG model to the cohorts by the grouping rule (see the module docstring).

    Raises InputError for a bad setting or when no group can be fitted (no churn anywhere,
    or no cohort with two complete months after its first).
    """
    if grouping not in GROUPINGS:
        raise InputError(f"grouping {grouping!r} is not one of: {', '.join(GROUPINGS)}")
    if grouping == "segment" and not counts.by_segment:
        raise InputError("grouping 'segment' needs counts read with by_segment=True")
    if min_customers < 1:
        raise InputError(f"min customers must be 1 or more, got {min_customers}")
    longest = max(c.last_age for c in counts.cohorts)
    if longest + 1 < MIN_COUNTS:
        raise InputError(
            f"the longest cohort has {longest + 1} complete month(s) of counts (through "
            f"{counts.last_complete_month:%Y-%m}): a fit needs at least {MIN_COUNTS}"
        )
    grouped = _group(counts, grouping, min_customers)
    if not grouped:
        raise InputError(
            f"no sBG fit is possible on {len(counts.cohorts)} cohort(s) with "
            f"{sum(c.customers for c in counts.cohorts)} customers: no customer churned "
            "in the complete months, or everyone churned in the first month"
        )
    return CohortGroups(counts, grouping, min_customers, tuple((g, tuple(m)) for g, m in grouped))


def project_groups(
    fitted: CohortGroups, *, periods_ahead: int = 12, discount_rate: float | None = None
) -> CohortFitReport:
    """Each cohort through its group's fit, `periods_ahead` months past its last age.

    `discount_rate` is per month (default: 10% a year as a monthly rate). Cheap next to
    `fit_groups`, so callers memoise the fits and project per request.
    """
    if not 0 <= periods_ahead <= MAX_PERIODS_AHEAD:
        raise InputError(f"periods ahead must be 0..{MAX_PERIODS_AHEAD}, got {periods_ahead}")
    rate = monthly_rate(DEFAULT_ANNUAL_DISCOUNT_RATE) if discount_rate is None else discount_rate
    if not (rate > 0 and math.isfinite(rate)):
        raise InputError(f"discount rate must be positive (per month), got {rate}")
    projections: list[CohortProjection] = []
    groups: list[GroupFit] = []
    for group, members in fitted.pairs:
        if all(g is not group for g in groups):
            groups.append(group)
        alpha, beta = group.fit.alpha, group.fit.beta
        for c in members:
            projections.append(_project(c, group, alpha, beta, periods_ahead, rate))
    projections.sort(key=lambda p: (p.cohort.segment or "", p.cohort.cohort_month))
    return CohortFitReport(
        counts=fitted.counts,
        grouping=fitted.grouping,
        min_customers=fitted.min_customers,
        periods_ahead=periods_ahead,
        discount_rate=rate,
        groups=groups,
        cohorts=projections,
    )


def fit_cohorts(
    counts: CohortCounts,
    *,
    grouping: str = "cohort",
    min_customers: int = MIN_COHORT_CUSTOMERS,
    periods_ahead: int = 12,
    discount_rate: float | None = None,
) -> CohortFitReport:
    """`fit_groups` then `project_groups`: fit by the grouping rule, project each cohort."""
    if not 0 <= periods_ahead <= MAX_PERIODS_AHEAD:
        raise InputError(f"periods ahead must be 0..{MAX_PERIODS_AHEAD}, got {periods_ahead}")
    fitted = fit_groups(counts, grouping=grouping, min_customers=min_customers)
    return project_groups(fitted, periods_ahead=periods_ahead, discount_rate=discount_rate)


def select_cohorts(
    report: CohortFitReport, *, start: date | None = None, end: date | None = None
) -> CohortFitReport:
    """The report with only the cohorts acquired from `start` to `end` (months, inclusive)
    and the groups they use; InputError when none is in the range."""
    if start is not None and end is not None and start > end:
        raise InputError(f"cohort range: start {start:%Y-%m} is after end {end:%Y-%m}")
    if start is None and end is None:
        return report
    shown = [
        p
        for p in report.cohorts
        if (start is None or p.cohort.cohort_month >= start)
        and (end is None or p.cohort.cohort_month <= end)
    ]
    if not shown:
        span = f"{start:%Y-%m}" if start else "the start"
        span += f" to {end:%Y-%m}" if end else " on"
        counts = report.counts
        first = min(c.cohort_month for c in counts.cohorts)
        raise InputError(
            f"no complete cohort acquired from {span}: cohorts run from {first:%Y-%m} to "
            f"{counts.last_complete_month:%Y-%m}"
        )
    groups = [g for g in report.groups if any(p.group is g for p in shown)]
    return replace(report, cohorts=shown, groups=groups)


def _project(
    c: CohortSeries, group: GroupFit, alpha: float, beta: float, ahead: int, rate: float
) -> CohortProjection:
    horizon = c.last_age + ahead
    curve = survival(alpha, beta, horizon)
    last = c.survivors[-1]
    points = [
        ProjectionPoint(
            age_months=t,
            observed_survivors=c.survivors[t] if t <= c.last_age else None,
            observed_survival=c.survivors[t] / c.customers if t <= c.last_age else None,
            expected_survival=float(curve[t]),
            expected_survivors=c.customers * float(curve[t]),
            conditional_survivors=(
                last * float(curve[t] / curve[c.last_age]) if t > c.last_age else None
            ),
        )
        for t in range(horizon + 1)
    ]
    remaining = expected_remaining_lifetime(alpha, beta, c.last_age)
    return CohortProjection(
        cohort=c,
        group=group,
        points=points,
        derl_months=derl(alpha, beta, rate, c.last_age),
        del_months=discounted_expected_lifetime(alpha, beta, rate),
        expected_remaining_months=None if math.isinf(remaining) else remaining,
    )


def fit_workspace_cohorts(
    build: Rows,
    *,
    grouping: str = "cohort",
    cohort: date | None = None,
    start: date | None = None,
    end: date | None = None,
    periods_ahead: int = 12,
    discount_rate: float | None = None,
    min_customers: int = MIN_COHORT_CUSTOMERS,
    reactivations: Reactivations = "hold",
) -> CohortFitReport:
    """Read the cohorts of a build, fit them and keep the cohorts asked for (the CLI's and
    the API's one call).

    The fit always uses every complete cohort by the grouping rule, so a cohort's
    projection does not depend on which others are shown; `cohort` (one month) or
    `start`/`end` (a range of acquisition months) only select the cohorts reported, with
    the groups they use.
    """
    if grouping not in GROUPINGS:
        raise InputError(f"grouping {grouping!r} is not one of: {', '.join(GROUPINGS)}")
    if cohort is not None:
        if start is not None or end is not None:
            raise InputError("give either one cohort or a cohort range, not both")
        start = end = cohort
    if start is not None and end is not None and start > end:
        raise InputError(f"cohort range: start {start:%Y-%m} is after end {end:%Y-%m}")
    counts = read_cohort_counts(
        build, by_segment=grouping == "segment", reactivations=reactivations
    )
    report = fit_cohorts(
        counts,
        grouping=grouping,
        min_customers=min_customers,
        periods_ahead=periods_ahead,
        discount_rate=discount_rate,
    )
    return select_cohorts(report, start=start, end=end)
