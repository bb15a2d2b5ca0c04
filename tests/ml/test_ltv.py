"""Lifetime value: survivor counts, sBG-based customer LTV, simple formula, channels, inputs."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from revlake.errors import InputError
from revlake.ml.ltv import LtvSettings, compute_ltv, survivor_cohorts
from revlake.ml.retention import derl, discounted_expected_lifetime
from tests.ml.churn_data import build_company


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ltv") / "company.duckdb"
    build_company(path, customers=500, seed=11)
    return path


def test_survivor_cohorts_count_customers_alive_at_each_age() -> None:
    # two customers observed 3 months (one dies at age 2), one observed 1 month
    assert survivor_cohorts([(3, None), (3, 2), (1, None)]) == [[1, 1], [2, 2, 1, 1]]
    with pytest.raises(InputError, match="negative"):
        survivor_cohorts([(-1, None)])


def test_customer_ltv_is_mrr_times_margin_times_derl(company: Path) -> None:
    settings = LtvSettings(gross_margin=0.7, annual_discount_rate=0.12)
    con = duckdb.connect(str(company), read_only=True)
    try:
        report = compute_ltv(con, settings)
    finally:
        con.close()
    d = (1.12) ** (1 / 12) - 1
    assert settings.monthly_discount_rate == pytest.approx(d)
    segments = {s.segment: s for s in report.segments}
    assert set(segments) == {"smb", "enterprise"}
    for c in report.customers[:20]:
        fit = segments[c.segment]
        assert c.mrr > 0
        expected = c.mrr * 0.7 * derl(fit.alpha, fit.beta, d, c.tenure_months)
        assert c.ltv == pytest.approx(expected)
    for s in segments.values():
        members = [c for c in report.customers if c.segment == s.segment]
        assert s.customers == len(members)
        assert s.remaining_ltv == pytest.approx(sum(c.ltv for c in members))
        assert s.monthly_revenue_churn is not None and 0 < s.monthly_revenue_churn < 1
        assert s.simple_ltv == pytest.approx(s.arpa * 0.7 / s.monthly_revenue_churn)
    # SMB churns faster in the synthetic company: its fitted mean churn is higher
    smb, ent = segments["smb"], segments["enterprise"]
    assert smb.alpha / (smb.alpha + smb.beta) > ent.alpha / (ent.alpha + ent.beta)


def test_channel_cac_ltv_and_payback(company: Path) -> None:
    con = duckdb.connect(str(company), read_only=True)
    try:
        report = compute_ltv(con)
    finally:
        con.close()
    channels = {c.channel: c for c in report.channels}
    google, web = channels["google_ads"], channels["web"]
    assert google.cac == pytest.approx(250.0)  # 1,000 spend ÷ 4 new customers a month
    assert google.new_arpa == pytest.approx(200.0)
    assert google.payback_months == pytest.approx(250.0 / (200.0 * 0.8))
    assert google.ltv is not None and google.ltv_to_cac == pytest.approx(google.ltv / 250.0)
    assert web.cac is None and web.ltv_to_cac is None and web.payback_months is None
    assert web.ltv is not None and google.ltv / web.ltv == pytest.approx(2.0)


def test_discounting_lowers_ltv() -> None:
    assert discounted_expected_lifetime(1.0, 10.0, 0.05) < discounted_expected_lifetime(
        1.0, 10.0, 0.001
    )


def test_bad_settings_and_inputs(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="gross margin"):
        LtvSettings(gross_margin=0.0)
    with pytest.raises(InputError, match="gross margin"):
        LtvSettings(gross_margin=1.5)
    with pytest.raises(InputError, match="discount rate"):
        LtvSettings(annual_discount_rate=-0.1)
    empty = tmp_path / "empty.duckdb"
    con = duckdb.connect(str(empty))
    try:
        with pytest.raises(InputError, match="lacks a table"):
            compute_ltv(con)
        con.execute("create schema gold; create schema silver")
        build = tmp_path / "zero.duckdb"
        build_company(build, customers=1)
        con.execute(f"attach '{build}' as z (read_only)")
        for table in ("gold.fct_mrr", "gold.fct_mrr_movements", "gold.dim_customer"):
            con.execute(f"create table {table} as select * from z.{table} limit 0")
        con.execute(
            "create table gold.fct_channel_performance as "
            "select * from z.gold.fct_channel_performance"
        )
        with pytest.raises(InputError, match="no paying customers"):
            compute_ltv(con)
    finally:
        con.close()
