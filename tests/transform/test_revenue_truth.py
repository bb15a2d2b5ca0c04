"""fct_mrr and fct_mrr_movements equal the generator's ground truth, every customer and month.

The synthetic company (300 customers, seed 1) is generated, ingested and built once
(conftest.py); truth/customer_mrr_monthly.csv is what the generator knows. The build's own
dbt tests (unit tests for the MRR edge cases, reconciliations) must all have passed too.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from revlake.transform import snapshots
from tests.transform.conftest import TENANT, SyntheticBuild

GOLD_REVENUE = (
    "fct_mrr",
    "fct_mrr_movements",
    "fct_revenue_daily",
    "kpi_revenue_monthly",
    "fct_cohort_retention",
)


def _published(build: SyntheticBuild) -> Path:
    current = snapshots.current_snapshot(build.company.workspace.snapshots_dir(TENANT))
    assert current is not None
    return current


@pytest.fixture(scope="module")
def gold(synthetic_build: SyntheticBuild) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(_published(synthetic_build)), read_only=True)
    truth = synthetic_build.company.generated / "truth" / "customer_mrr_monthly.csv"
    con.execute(
        "create temp table truth as select * from read_csv(?, all_varchar = true, header = true)",
        [str(truth)],
    )
    return con


def test_build_is_green_and_published(synthetic_build: SyntheticBuild) -> None:
    summary = synthetic_build.summary
    failures = [(n.name, n.status, n.message) for n in summary.failures]
    assert failures == []
    assert summary.published
    assert _published(synthetic_build) == summary.snapshot
    for table in GOLD_REVENUE:
        assert summary.gold_rows[table] > 0, table


def test_mrr_edge_case_unit_tests_ran_and_passed(synthetic_build: SyntheticBuild) -> None:
    unit = {n.name: n.status for n in synthetic_build.summary.invocation.of_type("unit_test")}
    for name in (
        "line_mrr_edge_cases",
        "line_mrr_with_trials_and_metered_included",
        "churn_timing_cancellation_stops_at_ended_at",
        "months_covered_by_last_day_rule",
        "fct_mrr_churn_month_and_fx",
        "fct_mrr_cross_rate_reporting_currency",
        "movements_every_type",
        "kpis_fiscal_calendar_and_ratios",
    ):
        assert unit.get(name) == "pass", name


def test_reconciliation_tests_ran_and_passed(synthetic_build: SyntheticBuild) -> None:
    tests = {n.name: n.status for n in synthetic_build.summary.invocation.of_type("test")}
    for name in (
        "assert_mrr_movements_sum_to_mrr_change",
        "assert_billed_revenue_equals_invoice_totals",
        "assert_kpi_mrr_equals_fct_mrr",
    ):
        assert tests.get(name) == "pass", name


def test_fct_mrr_equals_truth(gold: duckdb.DuckDBPyConnection) -> None:
    differences = gold.execute(
        """
        with t as (
          select customer_id, cast(month as date) as month_start_date, currency,
                 cast(mrr as decimal(18, 2)) as mrr, cast(mrr_usd as decimal(18, 2)) as mrr_rc
          from truth
        )
        select coalesce(f.customer_id, t.customer_id), coalesce(f.month_start_date,
               t.month_start_date), f.currency, t.currency, f.mrr, t.mrr, f.mrr_rc, t.mrr_rc
        from gold.fct_mrr as f
        full outer join t using (customer_id, month_start_date)
        where f.customer_id is null or t.customer_id is null
           or f.currency <> t.currency or f.mrr <> t.mrr or f.mrr_rc <> t.mrr_rc
        limit 20
        """
    ).fetchall()
    assert differences == []
    rows = gold.execute("select count(*) from gold.fct_mrr").fetchone()
    truth_rows = gold.execute("select count(*) from truth").fetchone()
    assert rows == truth_rows and rows is not None and rows[0] > 1000


def test_fct_mrr_movements_equal_truth(gold: duckdb.DuckDBPyConnection) -> None:
    # truth has one row per customer-month: the movement (if any) and the FX impact
    differences = gold.execute(
        """
        with mine as (
          select customer_id, month_start_date,
                 coalesce(max(case when movement_type <> 'fx_impact' then movement_type end),
                          '') as movement_type,
                 coalesce(sum(case when movement_type <> 'fx_impact' then amount_rc end), 0)
                   as movement_rc,
                 coalesce(sum(case when movement_type = 'fx_impact' then amount_rc end), 0)
                   as fx_impact_rc,
                 count(case when movement_type <> 'fx_impact' then 1 end) as movements
          from gold.fct_mrr_movements
          group by customer_id, month_start_date
        ),
        t as (
          select customer_id, cast(month as date) as month_start_date,
                 coalesce(movement_type, '') as movement_type,
                 cast(movement_usd as decimal(18, 2)) as movement_rc,
                 cast(fx_impact_usd as decimal(18, 2)) as fx_impact_rc
          from truth
          where coalesce(movement_type, '') <> '' or cast(fx_impact_usd as decimal(18, 2)) <> 0
        )
        select coalesce(m.customer_id, t.customer_id), coalesce(m.month_start_date,
               t.month_start_date), m.movement_type, t.movement_type, m.movement_rc,
               t.movement_rc, m.fx_impact_rc, t.fx_impact_rc, m.movements
        from mine as m
        full outer join t using (customer_id, month_start_date)
        where m.customer_id is null or t.customer_id is null
           or m.movement_type <> t.movement_type or m.movement_rc <> t.movement_rc
           or m.fx_impact_rc <> t.fx_impact_rc or m.movements > 1
        limit 20
        """
    ).fetchall()
    assert differences == []
    kinds = {
        str(row[0])
        for row in gold.execute(
            "select distinct movement_type from gold.fct_mrr_movements"
        ).fetchall()
    }
    assert kinds == {"new", "expansion", "contraction", "churn", "reactivation", "fx_impact"}


def test_movements_sum_to_mrr_change_every_month(gold: duckdb.DuckDBPyConnection) -> None:
    rows = gold.execute(
        """
        select m.month_start_date, m.mrr_rc, coalesce(v.moved, 0)
        from (select month_start_date, sum(mrr_rc) as mrr_rc
              from gold.fct_mrr group by month_start_date) as m
        left join (select month_start_date, sum(amount_rc) as moved
                   from gold.fct_mrr_movements group by month_start_date) as v
          using (month_start_date)
        order by m.month_start_date
        """
    ).fetchall()
    previous = Decimal(0)
    assert len(rows) > 24
    for month, total, moved in rows:
        assert total - previous == moved, month
        previous = total


def test_kpis_restate_mrr(gold: duckdb.DuckDBPyConnection) -> None:
    bad = gold.execute(
        """
        select k.month_start_date
        from gold.kpi_revenue_monthly as k
        where k.arr_rc <> 12 * k.mrr_rc
           or (k.paying_customers > 0 and abs(k.arpa_rc - k.mrr_rc / k.paying_customers) > 1e-9)
           or k.grr_12m > 1 or k.grr_1m > 1 or k.nrr_12m < k.grr_12m
           or k.logo_churn_rate < 0 or k.logo_churn_rate > 1
        """
    ).fetchall()
    assert bad == []
    cohorts = gold.execute(
        "select min(logo_retention), max(logo_retention) from gold.fct_cohort_retention "
        "where age_months = 0"
    ).fetchone()
    assert cohorts == (1.0, 1.0)


def test_billed_revenue_equals_invoice_totals(
    gold: duckdb.DuckDBPyConnection, synthetic_build: SyntheticBuild
) -> None:
    invoices = synthetic_build.company.generated / "exports" / "billing" / "invoices.csv"
    expected = dict(
        gold.execute(
            'select upper(trim("Currency")), sum(cast("Total" as decimal(18, 2))) '
            "from read_csv(?, all_varchar = true, header = true) "
            "where \"Status\" not in ('void', 'draft') group by 1",
            [str(invoices)],
        ).fetchall()
    )
    billed = dict(
        gold.execute(
            "select currency, sum(billed) from gold.fct_revenue_daily group by currency"
        ).fetchall()
    )
    assert billed == expected


def test_product_usage_reaches_silver_row_for_row(
    gold: duckdb.DuckDBPyConnection, synthetic_build: SyntheticBuild
) -> None:
    usage = synthetic_build.company.generated / "exports" / "product" / "product_usage_monthly.csv"
    expected = gold.execute(
        "select customer_id, cast(month as date), cast(seats as bigint), "
        "cast(active_users as bigint), cast(sessions as bigint) "
        "from read_csv(?, all_varchar = true, header = true) order by 1, 2",
        [str(usage)],
    ).fetchall()
    built = gold.execute(
        "select customer_id, month_start_date, seats, active_users, sessions "
        "from silver.int_product_usage where is_valid order by 1, 2"
    ).fetchall()
    assert built == expected and len(built) > 100
