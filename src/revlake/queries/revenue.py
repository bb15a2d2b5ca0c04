"""KPIs, MRR movements and cohorts from gold (kpi_revenue_monthly, kpi_unit_economics,
fct_cohort_retention)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from revlake.errors import InputError
from revlake.queries.convert import amount, money, num
from revlake.queries.params import PageParams, month_range_sql, order_by, page_of, where
from revlake.reader import Build, NoPublishedBuild
from revlake.schemas.common import Cohorts, Kpi, Kpis, MonthMovements, Page

TREND_MONTHS = 12

# key, label, unit, table alias column
KPI_COLUMNS: tuple[tuple[str, str, str, str], ...] = (
    ("mrr", "MRR", "money", "r.mrr_rc"),
    ("arr", "ARR", "money", "r.arr_rc"),
    ("net_new_mrr", "Net new MRR", "money", "r.net_new_mrr_rc"),
    ("nrr", "NRR (12 months)", "ratio", "r.nrr_12m"),
    ("grr", "GRR (12 months)", "ratio", "r.grr_12m"),
    ("customers", "Paying customers", "count", "r.paying_customers"),
    ("arpa", "ARPA", "money", "r.arpa_rc"),
    ("cac", "CAC (blended)", "money", "u.cac_rc"),
    ("ltv", "LTV", "money", "u.ltv_rc"),
    ("payback", "CAC payback", "months", "u.payback_months"),
    ("quick_ratio", "Quick ratio", "ratio", "r.quick_ratio"),
)


def reporting_currency(snapshot: Build) -> str:
    def compute() -> str:
        rows = snapshot.rows("select reporting_currency from gold.kpi_revenue_monthly limit 1")
        return str(rows[0]["reporting_currency"]) if rows else "USD"

    return snapshot.memo(("currency",), compute)


def kpi_months(snapshot: Build) -> list[dict[str, Any]]:
    """Every month's KPI columns (plus ARR for the trend chart), oldest first."""
    columns = ", ".join(f"{expr} as {key}" for key, _, _, expr in KPI_COLUMNS)
    return snapshot.memo(
        ("kpi_months",),
        lambda: snapshot.rows(
            f"select r.month_start_date as month, {columns} "
            "from gold.kpi_revenue_monthly r "
            "left join gold.kpi_unit_economics u on u.month_start_date = r.month_start_date "
            "order by r.month_start_date"
        ),
    )


def latest_month(snapshot: Build) -> date:
    months = kpi_months(snapshot)
    if not months:
        raise NoPublishedBuild("the published snapshot has no revenue months yet")
    value = months[-1]["month"]
    assert isinstance(value, date)
    return value


def _difference(
    value: Decimal | float | None, before: Decimal | float | None
) -> Decimal | float | None:
    """value − previous: exact for money (Decimal), to 6 decimals for ratios and counts."""
    if value is None or before is None:
        return None
    if isinstance(value, Decimal) and isinstance(before, Decimal):
        return value - before
    return round(float(value) - float(before), 6)


def kpis(snapshot: Build, month: date | None = None) -> Kpis:
    """The KPI cards of `month` (default: the latest), each with its previous month."""

    def compute() -> Kpis:
        months = kpi_months(snapshot)
        if not months:
            raise NoPublishedBuild("the published snapshot has no revenue months yet")
        index = len(months) - 1
        if month is not None:
            found = [i for i, row in enumerate(months) if row["month"] == month]
            if not found:
                first, last = months[0]["month"], months[-1]["month"]
                raise InputError(
                    f"query parameter 'month': no KPIs for {month:%Y-%m}; months from "
                    f"{first:%Y-%m} to {last:%Y-%m}"
                )
            index = found[0]
        row = months[index]
        prev = months[index - 1] if index > 0 else None
        window = months[max(0, index - TREND_MONTHS + 1) : index + 1]
        cards = []
        for key, label, unit, _ in KPI_COLUMNS:
            figure = amount if unit == "money" else num
            value = figure(row[key])
            before = figure(prev[key]) if prev is not None else None
            change = _difference(value, before)
            change_pct = (
                round(float(change) / abs(float(before)), 6)
                if change is not None and before
                else None
            )
            cards.append(
                Kpi(
                    key=key,
                    label=label,
                    unit=unit,  # type: ignore[arg-type]
                    value=value,
                    previous=before,
                    change=change,
                    change_pct=change_pct,
                    trend=[figure(r[key]) for r in window],
                )
            )
        return Kpis(
            month=row["month"],
            previous_month=prev["month"] if prev is not None else None,
            currency=reporting_currency(snapshot),
            snapshot=snapshot.name,
            kpis=cards,
        )

    return snapshot.memo(("kpis", month), compute)


MOVEMENT_SORT = {
    "month": "month_start_date",
    "mrr": "mrr_rc",
    "net_new": "net_new_mrr_rc",
    "new": "new_mrr_rc",
    "expansion": "expansion_mrr_rc",
    "contraction": "contraction_mrr_rc",
    "churn": "churn_mrr_rc",
}


def movements(
    snapshot: Build,
    start: date | None,
    end: date | None,
    sort: str | None,
    page: PageParams,
) -> Page[MonthMovements]:
    """MRR movements by month (kpi_revenue_monthly), filtered, sorted and paged."""
    ordering = order_by(sort, MOVEMENT_SORT, "month", ["month_start_date"])
    conditions, params = month_range_sql("month_start_date", start, end)

    def compute() -> Page[MonthMovements]:
        rows = snapshot.rows(
            "select *, count(*) over () as total_rows from gold.kpi_revenue_monthly "
            f"{where(conditions)} order by {ordering} limit ? offset ?",
            [*params, page.limit, page.offset],
        )
        total = int(rows[0]["total_rows"]) if rows else _count(snapshot, conditions, params)
        items = [
            MonthMovements(
                month=r["month_start_date"],
                mrr=money(r["mrr_rc"]),
                new=money(r["new_mrr_rc"]),
                expansion=money(r["expansion_mrr_rc"]),
                contraction=money(r["contraction_mrr_rc"]),
                churn=money(r["churn_mrr_rc"]),
                reactivation=money(r["reactivation_mrr_rc"]),
                fx_impact=money(r["fx_impact_mrr_rc"]),
                net_new=money(r["net_new_mrr_rc"]),
                new_customers=int(r["new_customers"]),
                churned_customers=int(r["churned_customers"]),
                reactivated_customers=int(r["reactivated_customers"]),
            )
            for r in rows
        ]
        return Page[MonthMovements](items=items, **page_of(rows, total, page))

    return snapshot.memo(("movements", start, end, ordering, page), compute)


def _count(snapshot: Build, conditions: list[str], params: list[Any]) -> int:
    rows = snapshot.rows(
        f"select count(*) as n from gold.kpi_revenue_monthly {where(conditions)}", params
    )
    return int(rows[0]["n"])


def cohorts(snapshot: Build, start: date | None, end: date | None, max_age: int) -> Cohorts:
    """Cohort retention cells (fct_cohort_retention) for cohorts in [start, end]."""
    conditions, params = month_range_sql("cohort_month", start, end)
    conditions.append("age_months <= ?")
    params.append(max_age)

    def compute() -> Cohorts:
        rows = snapshot.rows(
            "select cohort_month, age_months, cohort_customers, active_customers, "
            "logo_retention, revenue_retention from gold.fct_cohort_retention "
            f"{where(conditions)} order by cohort_month, age_months",
            params,
        )
        return Cohorts.model_validate({"currency": reporting_currency(snapshot), "cells": rows})

    return snapshot.memo(("cohorts", start, end, max_age), compute)
