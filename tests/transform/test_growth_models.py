"""Growth gold models (funnel, channel performance, unit economics) on the synthetic company.

Expected values are recomputed in Python from the exports (ad reports, leads, FX rates)
and from the generator's ground truth (truth/customer_mrr_monthly.csv), not from the SQL.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from tests.transform.gold_build_support import (
    GoldBuild,
    query,
)

CENT = Decimal("0.01")
AD_REPORTS = {
    # platform: (file, date column, campaign id column, currency column, spend column)
    "google_ads": ("google_ads_campaign_report.csv", "Day", "Campaign ID", "Currency code", "Cost"),
    "meta_ads": (
        "meta_ads_campaign_report.csv",
        "Reporting starts",
        "Campaign ID",
        "Currency",
        "Amount spent (USD)",
    ),
    "linkedin_ads": (
        "linkedin_ads_campaign_report.csv",
        "Start Date (in UTC)",
        "Campaign ID",
        "Currency",
        "Total Spent",
    ),
    "microsoft_ads": (
        "microsoft_ads_campaign_report.csv",
        "TimePeriod",
        "CampaignId",
        "CurrencyCode",
        "Spend",
    ),
}


@pytest.fixture(scope="module")
def gold(gold_build: GoldBuild) -> GoldBuild:
    build = gold_build
    assert [n.name for n in build.invocation.nodes if n.failed] == []
    return build


@pytest.fixture(scope="module")
def db(gold: GoldBuild) -> Path:
    return gold.database


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _month(day: str) -> str:
    return day[:7] + "-01"


def _expected_spend_usd(exports: Path) -> dict[tuple[str, str], Decimal]:
    rates = {
        (r["date"], r["currency"]): Decimal(r["rate_to_usd"])
        for r in _csv(exports / "fx" / "fx_rates.csv")
    }
    spend: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for platform, (name, day_col, _, cur_col, spend_col) in AD_REPORTS.items():
        for row in _csv(exports / "marketing" / name):
            amount = Decimal(row[spend_col])
            currency = row[cur_col].upper()
            rate = Decimal(1) if currency == "USD" else rates[(row[day_col], currency)]
            usd = (amount * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            spend[(platform, _month(row[day_col]))] += usd
    return spend


def test_channel_spend_equals_the_ad_reports(gold: GoldBuild, db: Path) -> None:
    expected = _expected_spend_usd(gold.synthetic_dir / "exports")
    actual = {
        (channel, str(month)): spend
        for channel, month, spend in query(
            db,
            "select channel_key, month_start_date, spend_rc from gold.fct_channel_performance "
            "where spend_rc <> 0 or channel_key in "
            "('google_ads', 'meta_ads', 'linkedin_ads', 'microsoft_ads')",
        )
    }
    assert {k: v for k, v in actual.items() if v} == {k: v for k, v in expected.items() if v}


def test_funnel_leads_follow_the_attribution_rule(gold: GoldBuild, db: Path) -> None:
    exports = gold.synthetic_dir / "exports"
    campaign_platform: dict[str, str] = {}
    for platform, (name, _, id_col, _, _) in sorted(AD_REPORTS.items()):
        for row in _csv(exports / "marketing" / name):
            campaign_platform.setdefault(row[id_col].strip(), platform)
    expected: dict[tuple[str, str], int] = defaultdict(int)
    for lead in _csv(exports / "crm" / "Lead.csv"):
        channel = campaign_platform.get(lead["Campaign_ID__c"].strip()) or (
            lead["LeadSource"].strip().lower().replace(" ", "_") or "unknown"
        )
        expected[(channel, _month(lead["CreatedDate"]))] += 1
    actual = {
        (c, str(m)): n
        for c, m, n in query(
            db, "select channel_key, month_start_date, leads from gold.fct_funnel where leads > 0"
        )
    }
    assert actual == dict(expected)
    paid = {c for c, _ in expected if c in AD_REPORTS}
    assert paid == set(AD_REPORTS), "every ad platform brings leads in the synthetic company"


def _truth(gold: GoldBuild) -> list[dict[str, str]]:
    return _csv(gold.synthetic_dir / "truth" / "customer_mrr_monthly.csv")


def test_new_mrr_by_channel_adds_up_to_the_truth(gold: GoldBuild, db: Path) -> None:
    new_customers: dict[str, int] = defaultdict(int)
    new_mrr: dict[str, Decimal] = defaultdict(Decimal)
    for row in _truth(gold):
        if row["movement_type"] == "new":
            new_customers[row["month"]] += 1
            new_mrr[row["month"]] += Decimal(row["movement_usd"])
    rows = query(
        db,
        "select cast(month_start_date as varchar), sum(new_customers), "
        "sum(new_mrr_rc) from gold.fct_channel_performance group by 1 "
        "having sum(new_customers) > 0",
    )
    assert {m: (n, s) for m, n, s in rows} == {
        m: (new_customers[m], new_mrr[m]) for m in new_customers
    }
    unknown = query(
        db,
        "select count(*) from silver.int_customers_attributed "
        "where channel_id = 'unknown' and customer_key like 'stripe:%'",
    )
    assert unknown == [(0,)], "every synthetic customer can be traced to its channel"


def test_unit_economics_follow_their_definitions(gold: GoldBuild, db: Path) -> None:
    mrr: dict[str, Decimal] = defaultdict(Decimal)
    paying: dict[str, int] = defaultdict(int)
    lost: dict[str, Decimal] = defaultdict(Decimal)
    new: dict[str, int] = defaultdict(int)
    for row in _truth(gold):
        month = row["month"]
        mrr[month] += Decimal(row["mrr_usd"])
        paying[month] += Decimal(row["mrr"]) > 0
        if row["movement_type"] in {"churn", "contraction"}:
            lost[month] -= Decimal(row["movement_usd"])
        new[month] += row["movement_type"] == "new"
    spend: dict[str, Decimal] = defaultdict(Decimal)
    for (_, month), amount in _expected_spend_usd(gold.synthetic_dir / "exports").items():
        spend[month] += amount
    months = sorted(mrr)
    rows = {
        str(r[0]): r[1:]
        for r in query(
            db,
            "select month_start_date, mrr_rc, paying_customers, arpa_rc, "
            "revenue_churn_rate, ltv_rc, cac_rc from gold.kpi_unit_economics",
        )
    }
    assert sorted(rows) == months
    checked_ltv = 0
    for i, month in enumerate(months):
        total, customers, arpa, churn_rate, ltv, cac = rows[month]
        assert (total, customers) == (mrr[month], paying[month])
        exact_arpa = mrr[month] / paying[month] if paying[month] else None
        if exact_arpa is None:
            assert arpa is None
        else:
            assert arpa == exact_arpa.quantize(CENT, rounding=ROUND_HALF_UP)
        window = months[max(0, i - 2) : i + 1]
        start = sum(
            (mrr[months[months.index(m) - 1]] for m in window if months.index(m) > 0), Decimal(0)
        )
        expected_rate = float(sum(lost[m] for m in window) / start) if start else None
        if expected_rate is None:
            assert churn_rate is None
        else:
            assert float(churn_rate) == pytest.approx(expected_rate, abs=5e-7)
        if expected_rate and exact_arpa is not None:
            assert float(ltv) == pytest.approx(float(exact_arpa) / expected_rate, rel=1e-4)
            checked_ltv += 1
        if new[month]:
            assert cac == (spend[month] / new[month]).quantize(CENT, rounding=ROUND_HALF_UP)
        else:
            assert cac is None
    assert checked_ltv > 12
