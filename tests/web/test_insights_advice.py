"""Every insight ends with what to do; implausible unit economics are a data warning with
the likely cause, not good news (issue 15: LTV 745× CAC and a 0.4-month payback were shown
as healthy)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from revlake.queries.insights import CAC_UNDERSTATED, insights
from revlake.reader.build import open_build


def _build(path: Path, *, ltv_to_cac: float, payback_months: float) -> Path:
    con = duckdb.connect(str(path))
    con.execute("create schema gold")
    con.execute(
        "create table gold.kpi_revenue_monthly as select date '2025-12-01' as month_start_date, "
        "'USD' as reporting_currency, 1.05 as nrr_12m, 0.9 as grr_12m, "
        "0.02 as logo_churn_rate, 3 as churned_customers"
    )
    con.execute(
        "create table gold.kpi_unit_economics as select date '2025-12-01' as month_start_date, "
        f"{ltv_to_cac} as ltv_to_cac, {payback_months} as payback_months, "
        "cast(1000 as decimal(18, 2)) as cac_rc, "
        f"cast({1000 * ltv_to_cac} as decimal(18, 2)) as ltv_rc"
    )
    con.execute(
        "create table gold.dim_channel (channel_key varchar, channel_name varchar, "
        "channel_type varchar)"
    )
    con.execute(
        "create table gold.fct_channel_performance (month_start_date date, channel_key "
        "varchar, roas double, cac_rc decimal(18, 2), spend_rc decimal(18, 2), "
        "new_customers integer)"
    )
    con.close()
    return path


@pytest.mark.parametrize(
    ("ltv_to_cac", "payback", "severity", "warned"),
    [
        (745.0, 0.4, "warning", True),
        (25.0, 6.0, "warning", True),
        (4.0, 12.0, "good", False),
        (2.0, 30.0, "warning", False),
    ],
)
def test_unit_economics_are_flagged_when_implausible(
    tmp_path: Path, ltv_to_cac: float, payback: float, severity: str, warned: bool
) -> None:
    path = _build(tmp_path / "b.duckdb", ltv_to_cac=ltv_to_cac, payback_months=payback)
    with open_build(path) as build:
        found = {i.key: i for i in insights(build).insights}
    unit = found["unit_economics"]
    assert unit.severity == severity
    assert (unit.data_warning == CAC_UNDERSTATED) is warned
    assert ("implausible" in unit.title) is warned
    assert set(found) == {"retention", "unit_economics"}
    for insight in found.values():  # every finding says what to do
        assert len(insight.recommendation) > 20 and insight.recommendation.endswith(".")
