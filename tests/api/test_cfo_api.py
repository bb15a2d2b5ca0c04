"""GET /api/v1/cfo: the CFO's month agrees with every other answer for the same month
(KPIs, movements, aging, deferred revenue), its year-over-year change and at-risk count
are recomputed here from gold, and only finance and admin keys may read it."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import bearer
from tests.api.test_api import get, gold
from tests.serving_support import ServedWorkspace

CENT = Decimal("0.01")


@pytest.fixture(scope="module")
def cfo(client: TestClient, served: ServedWorkspace) -> dict[str, Any]:
    return get(client, served, "/api/v1/cfo", role="finance")  # type: ignore[no-any-return]


def test_revenue_equals_the_kpis_and_is_compared_with_a_year_before(
    cfo: dict[str, Any], client: TestClient, served: ServedWorkspace
) -> None:
    month = cfo["month"][:7]
    kpis = {k["key"]: k for k in get(client, served, f"/api/v1/kpis?month={month}")["kpis"]}
    revenue = cfo["revenue"]
    assert revenue["mrr"]["value"] == kpis["mrr"]["value"]
    assert revenue["arr"]["value"] == kpis["arr"]["value"]
    assert revenue["mrr"]["previous_month"] == kpis["mrr"]["previous"]
    assert revenue["nrr_12m"] == kpis["nrr"]["value"]
    assert revenue["paying_customers"] == kpis["customers"]["value"]
    ((ago_mrr, ago_customers),) = gold(
        served,
        "select mrr_rc, paying_customers from gold.kpi_revenue_monthly "
        "where month_start_date = cast(? as date) - interval 12 month",
        [cfo["month"]],
    )
    mrr = Decimal(revenue["mrr"]["value"])
    assert Decimal(revenue["mrr"]["year_ago"]) == ago_mrr
    assert revenue["mrr"]["yoy_pct"] == pytest.approx(float((mrr - ago_mrr) / ago_mrr), abs=1e-6)
    assert revenue["paying_customers_year_ago"] == ago_customers
    (movements,) = get(client, served, f"/api/v1/mrr/movements?from={month}&to={month}")["items"]
    assert revenue["movements"] == movements
    assert revenue["net_new_mrr"]["value"] == movements["net_new"]
    segments = revenue["by_segment"]
    assert sum(Decimal(s["mrr"]) for s in segments) == mrr
    assert sum(s["customers"] for s in segments) == revenue["paying_customers"]
    assert sum(s["share"] for s in segments) == pytest.approx(1.0, abs=1e-5)


def test_books_equal_the_aging_and_the_deferred_revenue(
    cfo: dict[str, Any], client: TestClient, served: ServedWorkspace
) -> None:
    ar, deferred = cfo["receivables"], cfo["deferred"]
    assert ar["available"] and deferred["available"]
    aging = get(client, served, f"/api/v1/ar/aging?as_of={ar['as_of']}", role="finance")
    assert ar["total"] == aging["total"]["total"] and ar["overdue"] == aging["total"]["overdue"]
    assert ar["buckets"] == aging["total"]["buckets"]
    books = get(client, served, f"/api/v1/revrec/deferred?as_of={deferred['as_of']}", "finance")
    assert deferred["by_currency"] == {t["currency"]: t["deferred"] for t in books["totals"]}
    # consolidated here from silver's FX rates (USD per unit, latest on or before the day)
    rates = dict(
        gold(
            served,
            "select currency, arg_max(rate_to_usd, rate_date) from silver.stg_fx__rates "
            "where rate_date <= cast(? as date) group by currency",
            [deferred["as_of"]],
        )
    )
    rates["USD"] = Decimal(1)
    rc = rates[cfo["currency"]]
    expected = sum(
        (
            (Decimal(v) * Decimal(rates[c]) / Decimal(rc)).quantize(CENT, ROUND_HALF_UP)
            for c, v in deferred["by_currency"].items()
        ),
        Decimal(0),
    )
    assert Decimal(deferred["total"]) == expected and expected > 0


def test_at_risk_customers_are_counted_from_the_churn_scores(
    cfo: dict[str, Any], served: ServedWorkspace
) -> None:
    risk = cfo["at_risk"]
    ((customers, mrr, at_risk, scored),) = gold(
        served,
        "select count(*) filter (where churn_probability >= 0.2 or risk_level = 'cancelling'), "
        "sum(mrr_rc) filter (where churn_probability >= 0.2 or risk_level = 'cancelling'), "
        "sum(mrr_at_risk_rc) filter (where churn_probability >= 0.2 or risk_level = 'cancelling'),"
        " count(*) from gold.ml_customer_churn",
    )
    assert risk["available"] and risk["threshold"] == 0.2 and "20%" in risk["definition"]
    assert (risk["customers"], risk["scored_customers"]) == (customers, scored)
    assert customers > 0
    assert float(risk["mrr"]) == pytest.approx(float(mrr), abs=0.01)
    assert float(risk["mrr_at_risk"]) == pytest.approx(float(at_risk), abs=0.01)


def test_first_month_has_no_comparison_and_a_bad_month_is_refused(
    client: TestClient, served: ServedWorkspace
) -> None:
    ((first,),) = gold(served, "select min(month_start_date) from gold.kpi_revenue_monthly")
    body = get(client, served, f"/api/v1/cfo?month={first:%Y-%m}", role="finance")
    assert body["previous_month"] is None and body["year_ago_month"] is None
    assert body["revenue"]["mrr"]["mom_pct"] is None and body["revenue"]["mrr"]["yoy_pct"] is None
    wrong = client.get("/api/v1/cfo?month=1999-01", headers=bearer(served.key(role="finance")))
    assert wrong.status_code == 400 and "1999-01" in wrong.json()["detail"]


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("finance", 200),
        ("admin", 200),
        ("sales", 403),
        ("marketing", 403),
    ],
)
def test_only_finance_and_admin_read_it(
    client: TestClient, served: ServedWorkspace, role: str, status: int
) -> None:
    response = client.get("/api/v1/cfo", headers=bearer(served.key(role=role)))
    assert response.status_code == status
