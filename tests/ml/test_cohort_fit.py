"""The sBG fit on a build's own cohorts (revlake.ml.cohort_fit), on small DuckDB tables
shaped like gold `fct_cohort_retention`, filled from cohorts simulated with known alpha and
beta. The served workspace's cohorts are fitted in tests/api/test_customer_intel_api.py."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from revlake.errors import InputError
from revlake.ml.cohort_fit import (
    fit_cohorts,
    fit_workspace_cohorts,
    monthly_rate,
    read_cohort_counts,
)
from revlake.ml.retention import derl, simulate_survivors, survival
from revlake.reader import Build

ALPHA, BETA = 0.8, 2.5
AS_OF = date(2025, 12, 1)


def _add_months(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _month_end(month: date) -> date:
    return _add_months(month, 1) - timedelta(days=1)


def cohort_table(
    cohorts: Sequence[Sequence[int]],
    *,
    as_of: date = AS_OF,
    data_through: date | None = None,
) -> duckdb.DuckDBPyConnection:
    """An in-memory build with gold.fct_cohort_retention for `cohorts` (counts n_0..n_T;
    the last count of each is at the as-of month) and gold.fct_revenue_daily reaching
    `data_through` (default: the as-of month's last day, a complete month)."""
    con = duckdb.connect()
    con.execute("create schema gold")
    con.execute(
        "create table gold.fct_cohort_retention (cohort_month date, age_months integer, "
        "month_start_date date, cohort_customers bigint, active_customers bigint, "
        "logo_retention double)"
    )
    rows = []
    for counts in cohorts:
        start = _add_months(as_of, -(len(counts) - 1))
        for age, n in enumerate(counts):
            rows.append((start, age, _add_months(start, age), counts[0], n, n / max(counts[0], 1)))
    if rows:
        con.executemany("insert into gold.fct_cohort_retention values (?, ?, ?, ?, ?, ?)", rows)
    con.execute("create table gold.fct_revenue_daily (revenue_date date)")
    con.execute(
        "insert into gold.fct_revenue_daily values (?)", [data_through or _month_end(as_of)]
    )
    return con


@pytest.fixture(scope="module")
def simulated() -> Iterator[tuple[duckdb.DuckDBPyConnection, list[list[int]]]]:
    """Twelve monthly cohorts of 2,500 customers from sBG(0.8, 2.5), ages 3 to 14."""
    cohorts = [simulate_survivors(ALPHA, BETA, 2500, age, seed=100 + age) for age in range(3, 15)]
    con = cohort_table(cohorts)
    yield con, cohorts
    con.close()


# ------------------------------------------------------------------ reading the table


def test_counts_are_read_per_cohort_oldest_first(
    simulated: tuple[duckdb.DuckDBPyConnection, list[list[int]]],
) -> None:
    con, cohorts = simulated
    counts = read_cohort_counts(Build.over(con))
    assert not counts.partial_month_excluded
    assert counts.last_complete_month == AS_OF
    assert [list(c.survivors) for c in counts.cohorts] == list(reversed(cohorts))
    assert counts.cohorts[0].cohort_month == _add_months(AS_OF, -14)
    assert counts.held_cells == 0


def test_a_partial_as_of_month_is_dropped() -> None:
    con = cohort_table([[100, 80, 70, 60], [90, 70, 60]], data_through=date(2025, 12, 15))
    counts = read_cohort_counts(Build.over(con))
    assert counts.partial_month_excluded
    assert counts.last_complete_month == date(2025, 11, 1)
    assert [list(c.survivors) for c in counts.cohorts] == [[100, 80, 70], [90, 70]]


def test_without_a_data_date_the_last_month_counts_as_partial() -> None:
    con = cohort_table([[100, 80, 70, 60]])
    con.execute("drop table gold.fct_revenue_daily")
    counts = read_cohort_counts(Build.over(con))
    assert counts.partial_month_excluded
    assert list(counts.cohorts[0].survivors) == [100, 80, 70]


def test_reactivations_are_held_or_refused() -> None:
    con = cohort_table([[10, 8, 6, 7, 5]])
    counts = read_cohort_counts(Build.over(con))
    assert list(counts.cohorts[0].survivors) == [10, 8, 6, 6, 5]
    assert list(counts.cohorts[0].active) == [10, 8, 6, 7, 5]
    assert counts.held_cells == 1
    with pytest.raises(InputError, match=r"cohort 2025-08: 7 customers paying at age 3 months"):
        read_cohort_counts(Build.over(con), reactivations="error")


def test_cohort_range_keeps_the_cohorts_acquired_in_it(
    simulated: tuple[duckdb.DuckDBPyConnection, list[list[int]]],
) -> None:
    con, _ = simulated
    counts = read_cohort_counts(Build.over(con), start=date(2025, 1, 1), end=date(2025, 3, 1))
    assert [c.cohort_month for c in counts.cohorts] == [
        date(2025, 1, 1),
        date(2025, 2, 1),
        date(2025, 3, 1),
    ]


# ------------------------------------------------------------------ the fit


def test_pooled_fit_recovers_the_known_parameters_within_their_standard_errors(
    simulated: tuple[duckdb.DuckDBPyConnection, list[list[int]]],
) -> None:
    con, _ = simulated
    report = fit_workspace_cohorts(Build.over(con), grouping="all")
    (group,) = report.groups
    fit = group.fit
    assert fit.converged and not fit.degenerate
    assert group.customers == 12 * 2500
    # seed-fixed draw: both estimates lie within one standard error of the truth
    assert abs(fit.alpha - ALPHA) < fit.alpha_se, (fit.alpha, fit.alpha_se)
    assert abs(fit.beta - BETA) < fit.beta_se, (fit.beta, fit.beta_se)
    assert fit.alpha_se < 0.1 and fit.beta_se < 0.4
    doc = (Path(__file__).resolve().parents[2] / "docs" / "RETENTION.md").read_text("utf-8")
    quoted = f"α = {fit.alpha:.3f} ± {fit.alpha_se:.3f}, β = {fit.beta:.2f} ± {fit.beta_se:.2f}"
    assert quoted in doc, quoted  # docs/RETENTION.md quotes this draw
    # the model describes the data it was fitted on
    assert group.goodness.mape_survival < 0.02
    assert group.goodness.p_value is not None and group.goodness.p_value > 0.01


def test_each_large_cohort_is_fitted_alone_and_recovers_the_parameters(
    simulated: tuple[duckdb.DuckDBPyConnection, list[list[int]]],
) -> None:
    con, _ = simulated
    report = fit_workspace_cohorts(Build.over(con), grouping="cohort")
    assert len(report.groups) == 12
    for g in report.groups:  # 12 independent fits: each within two standard errors
        assert abs(g.fit.alpha - ALPHA) < 2 * g.fit.alpha_se, (g.label, g.fit.alpha)
        assert abs(g.fit.beta - BETA) < 2 * g.fit.beta_se, (g.label, g.fit.beta)
    oldest = report.cohorts[0]
    assert oldest.group.label == oldest.cohort.label == "2024-10"


def test_projection_tracks_held_back_periods() -> None:
    full = simulate_survivors(ALPHA, BETA, 6000, 14, seed=11)
    # the build stops at age 8: ages 9..14 are held back from the fit
    con = cohort_table([full[:9]])
    report = fit_workspace_cohorts(Build.over(con), grouping="all", periods_ahead=6)
    (cohort,) = report.cohorts
    future = [p for p in cohort.points if p.age_months > 8]
    assert [p.age_months for p in future] == list(range(9, 15))
    for point in future:
        actual = full[point.age_months]
        assert point.observed_survivors is None
        assert abs(point.expected_survivors - actual) / actual < 0.03, (point, actual)
        assert point.conditional_survivors is not None
        assert abs(point.conditional_survivors - actual) / actual < 0.03
    alpha, beta = cohort.group.fit.alpha, cohort.group.fit.beta
    assert cohort.derl_months == pytest.approx(derl(alpha, beta, monthly_rate(0.10), 8))
    s = survival(alpha, beta, 14)
    assert [p.expected_survival for p in cohort.points] == pytest.approx(list(s))


def test_small_cohorts_are_pooled_by_quarter_then_year() -> None:
    big = simulate_survivors(ALPHA, BETA, 400, 11, seed=1)  # 2025-01, fitted alone
    q1 = [simulate_survivors(ALPHA, BETA, 20, age, seed=age) for age in (10, 9)]  # Feb, Mar
    tiny = [[5, 4, 4], [6, 5]]  # 2025-10 and 2025-11: too small even for their year
    con = cohort_table([big, *q1, *tiny])
    report = fit_workspace_cohorts(Build.over(con), grouping="cohort", min_customers=30)
    used = {p.cohort.label: p.group.label for p in report.cohorts}
    assert used["2025-01"] == "2025-01"
    assert used["2025-02"] == used["2025-03"] == "2025-Q1"
    assert used["2025-10"] == used["2025-11"] == "other small cohorts"
    quarter = next(g for g in report.groups if g.label == "2025-Q1")
    assert quarter.customers == 40 and len(quarter.cohorts) == 2


def test_segment_grouping_needs_segment_counts(
    simulated: tuple[duckdb.DuckDBPyConnection, list[list[int]]],
) -> None:
    con, _ = simulated
    counts = read_cohort_counts(Build.over(con))
    with pytest.raises(InputError, match="grouping 'segment' needs counts read with"):
        fit_cohorts(counts, grouping="segment")


# ------------------------------------------------------------------ bad input


def test_zero_customers_is_a_clear_error() -> None:
    con = cohort_table([])
    with pytest.raises(InputError, match=r"fct_cohort_retention has no cohorts.*zero customers"):
        read_cohort_counts(Build.over(con))
    empty_cohort = cohort_table([[0, 0, 0], [10, 8, 7, 6]])
    with pytest.raises(InputError, match="cohort 2025-10: no customers at age 0"):
        read_cohort_counts(Build.over(empty_cohort))


def test_duplicate_rows_are_named() -> None:
    con = cohort_table([[10, 8, 7], [12, 9, 8]])  # both start in 2025-10
    with pytest.raises(InputError, match="cohort 2025-10: two rows for age 0 months"):
        read_cohort_counts(Build.over(con))


def test_a_range_without_cohorts_is_a_clear_error(
    simulated: tuple[duckdb.DuckDBPyConnection, list[list[int]]],
) -> None:
    con, _ = simulated
    with pytest.raises(InputError, match="no complete cohort acquired from 2030-01"):
        read_cohort_counts(Build.over(con), start=date(2030, 1, 1))
    with pytest.raises(InputError, match="start 2025-05 is after end 2025-01"):
        read_cohort_counts(Build.over(con), start=date(2025, 5, 1), end=date(2025, 1, 1))


def test_too_few_periods_is_a_clear_error() -> None:
    con = cohort_table([[100, 80], [90]])
    with pytest.raises(InputError, match=r"2 complete month\(s\).*needs at least 3"):
        fit_workspace_cohorts(Build.over(con))


def test_no_churn_is_a_clear_error() -> None:
    con = cohort_table([[50, 50, 50, 50], [40, 40, 40]])
    with pytest.raises(
        InputError, match=r"no sBG fit is possible on 2 cohort.*no customer churned"
    ):
        fit_workspace_cohorts(Build.over(con))


def test_increasing_counts_are_refused_when_asked() -> None:
    con = cohort_table([[100, 60, 70, 50]])
    with pytest.raises(InputError, match="survivor counts must never increase"):
        fit_workspace_cohorts(Build.over(con), reactivations="error")


def test_bad_settings_are_clear_errors(
    simulated: tuple[duckdb.DuckDBPyConnection, list[list[int]]],
) -> None:
    con, _ = simulated
    rows = Build.over(con)
    with pytest.raises(InputError, match="grouping 'week' is not one of"):
        fit_workspace_cohorts(rows, grouping="week")
    with pytest.raises(InputError, match=r"periods ahead must be 0\.\.60, got 61"):
        fit_workspace_cohorts(rows, periods_ahead=61)
    with pytest.raises(InputError, match="either one cohort or a cohort range"):
        fit_workspace_cohorts(rows, cohort=date(2025, 1, 1), start=date(2025, 1, 1))
    with pytest.raises(InputError, match="discount rate must be positive"):
        fit_workspace_cohorts(rows, discount_rate=0.0)


def test_a_table_missing_from_the_build_is_named() -> None:
    con = duckdb.connect()
    con.execute("create schema gold")
    with pytest.raises(InputError, match=r"no gold.fct_cohort_retention: run `revlake build`"):
        read_cohort_counts(Build.over(con))
