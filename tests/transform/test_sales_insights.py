"""Sales performance and customer insights of ../shared/datasets/sql-dwh-crm-erp, read
through the API (gold → query layer → JSON), equal an independent computation from the
raw CSV files (tests/transform/sales_raw.py, csv module only).

The served build is the session's `gold_build` published as tenant `erp` (`erp_served`):
its only order lines are the DWH extracts' (the synthetic company has none).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from revlake.api import create_app
from tests.transform.gold_build_support import GoldBuild, query, shared_datasets_or_none
from tests.transform.sales_raw import RawSales, age_at, age_group, load, top_decile
from tests.transform.sales_serving import ErpServed, serve_gold_build


@pytest.fixture(scope="module")
def raw() -> RawSales:
    base = shared_datasets_or_none()
    if base is None:
        pytest.skip("../shared/datasets not present")
    return load(base / "sql-dwh-crm-erp")


@pytest.fixture(scope="module")
def client(erp_served: ErpServed) -> Iterator[TestClient]:
    with TestClient(create_app(erp_served.workspace), raise_server_exceptions=False) as c:
        yield c


def _get(client: TestClient, served: ErpServed, path: str, role: str = "admin") -> Any:
    response = client.get(path, headers={"Authorization": f"Bearer {served.keys[role]}"})
    assert response.status_code == 200, response.text[:500]
    return response.json()


@pytest.fixture(scope="module")
def summary(client: TestClient, erp_served: ErpServed) -> dict[str, Any]:
    return _get(client, erp_served, "/api/v1/sales/summary")  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def customers(client: TestClient, erp_served: ErpServed) -> dict[str, Any]:
    return _get(client, erp_served, "/api/v1/sales/customers")  # type: ignore[no-any-return]


def _sum(values: Any) -> Decimal:
    return sum(values, Decimal(0))


def test_totals_equal_the_raw_files_on_both_cost_bases(
    summary: dict[str, Any], client: TestClient, erp_served: ErpServed, raw: RawSales
) -> None:
    revenue = _sum(x.sales for x in raw.lines)
    at_order = revenue - _sum(x.cost_at_order or 0 for x in raw.lines)
    current = revenue - _sum(x.cost_current or 0 for x in raw.lines)
    assert revenue == Decimal("29356250")  # the figure the star schema is known to hold
    assert at_order != current  # the two bases differ on this dataset
    totals = summary["totals"]
    assert summary["has_orders"] and summary["currency"] == "USD"
    assert summary["cost_basis"] == "order_date"
    assert "valid on the order date" in summary["cost_basis_definition"]
    assert Decimal(totals["revenue"]) == revenue
    assert Decimal(totals["profit"]) == at_order
    assert Decimal(totals["cost"]) == revenue - at_order
    assert totals["margin"] == pytest.approx(float(at_order / revenue), abs=1e-6)
    assert totals["lines"] == len(raw.lines) == 60_398
    assert summary["orders"] == 27_659
    assert summary["customers"] == len({x.customer for x in raw.lines})
    assert Decimal(summary["profit_at_order_date"]) == at_order
    assert Decimal(summary["profit_at_current_cost"]) == current
    undated = [x for x in raw.lines if x.order_date is None]
    assert summary["undated_lines"] == len(undated) == 19
    assert Decimal(summary["undated_revenue"]) == _sum(x.sales for x in undated)
    other = _get(client, erp_served, "/api/v1/sales/summary?cost_basis=current")
    assert other["cost_basis"] == "current" and "current version" in other["cost_basis_definition"]
    assert Decimal(other["totals"]["profit"]) == current
    assert other["totals"]["revenue"] == totals["revenue"]


def test_countries_and_categories_equal_the_raw_files(
    summary: dict[str, Any], raw: RawSales
) -> None:
    for field, key in (("by_country", "country"), ("by_category", "category")):
        revenue: dict[str, Decimal] = defaultdict(Decimal)
        profit: dict[str, Decimal] = defaultdict(Decimal)
        for x in raw.lines:
            name = (
                raw.customers[x.customer].country or "Unknown"
                if key == "country"
                else x.category or "Uncategorised"
            )
            revenue[name] += x.sales
            profit[name] += x.sales - (x.cost_at_order or 0)
        got = {g["name"]: g for g in summary[field]}
        assert {n: Decimal(g["revenue"]) for n, g in got.items()} == dict(revenue), field
        assert {n: Decimal(g["profit"]) for n, g in got.items()} == dict(profit), field
        assert [g["name"] for g in summary[field]] == sorted(revenue, key=lambda n: -revenue[n])
    assert [g["name"] for g in summary["by_country"][:2]] == ["United States", "Australia"]
    assert sum(g["revenue_share"] for g in summary["by_country"]) == pytest.approx(1, abs=1e-5)


def test_monthly_trend_and_products_equal_the_raw_files(
    summary: dict[str, Any], client: TestClient, erp_served: ErpServed, raw: RawSales
) -> None:
    by_month: dict[str, Decimal] = defaultdict(Decimal)
    for x in raw.lines:
        if x.order_date is not None:
            by_month[x.order_date.replace(day=1).isoformat()] += x.sales
    assert {m["month"]: Decimal(m["revenue"]) for m in summary["monthly"]} == dict(by_month)
    assert [m["month"] for m in summary["monthly"]] == sorted(by_month)
    by_product: dict[str, Decimal] = defaultdict(Decimal)
    for x in raw.lines:
        by_product[x.product] += x.sales
    best = sorted(by_product, key=lambda p: (-by_product[p], p))[:10]
    assert [p["product_number"] for p in summary["top_products"]] == best
    page = _get(client, erp_served, "/api/v1/sales/products?limit=500&sort=-revenue")
    assert page["total"] == len(by_product)
    assert {p["product_number"]: Decimal(p["revenue"]) for p in page["items"]} == dict(by_product)
    margins = [
        p["margin"]
        for p in _get(client, erp_served, "/api/v1/sales/products?sort=-margin")["items"]
    ]
    assert margins == sorted(margins, reverse=True)


def test_a_period_keeps_only_its_months(
    client: TestClient, erp_served: ErpServed, raw: RawSales
) -> None:
    got = _get(
        client, erp_served, "/api/v1/sales/summary?from=2013-01&to=2013-12&cost_basis=current"
    )
    lines = [x for x in raw.lines if x.order_date is not None and x.order_date.year == 2013]
    assert Decimal(got["totals"]["revenue"]) == _sum(x.sales for x in lines)
    assert Decimal(got["totals"]["profit"]) == _sum(x.sales - (x.cost_current or 0) for x in lines)
    assert got["undated_lines"] == 0 and len(got["monthly"]) == 12
    assert got["from_month"] == "2013-01-01" and got["to_month"] == "2013-12-01"
    bad = client.get(
        "/api/v1/sales/summary?from=2014-01&to=2013-01",
        headers={"Authorization": f"Bearer {erp_served.keys['admin']}"},
    )
    assert bad.status_code in {400, 422} and "after" in bad.text


def test_age_groups_marital_status_and_gender_equal_the_raw_files(
    customers: dict[str, Any], raw: RawSales
) -> None:
    buyers = {x.customer for x in raw.lines}
    revenue: dict[str, Decimal] = defaultdict(Decimal)
    first: dict[str, dt.date] = {}
    for x in raw.lines:
        revenue[x.customer] += x.sales
        if x.order_date is not None:
            first[x.customer] = min(first.get(x.customer, x.order_date), x.order_date)
    assert customers["customers"] == len(buyers)
    assert Decimal(customers["revenue"]) == _sum(revenue.values())

    def age_of(key: str) -> str:
        birth = raw.customers[key].birth
        return age_group(age_at(birth, first[key]) if birth and key in first else None)

    expected_ages = Counter(age_of(k) for k in buyers)
    got_ages = {g["label"]: g["customers"] for g in customers["age_groups_at_first_order"]}
    assert got_ages == dict(expected_ages)
    at_order: dict[str, Decimal] = defaultdict(Decimal)
    for x in raw.lines:
        birth = raw.customers[x.customer].birth
        at_order[age_group(age_at(birth, x.order_date) if birth and x.order_date else None)] += (
            x.sales
        )
    got_at_order = {g["label"]: Decimal(g["revenue"]) for g in customers["revenue_by_age_at_order"]}
    assert got_at_order == dict(at_order)
    for field, attr in (("marital_status", "marital"), ("gender", "gender")):
        counts = Counter(getattr(raw.customers[k], attr) or "unknown" for k in buyers)
        money: dict[str, Decimal] = defaultdict(Decimal)
        for k in buyers:
            money[getattr(raw.customers[k], attr) or "unknown"] += revenue[k]
        got = {g["label"]: g for g in customers[field]}
        assert {n: g["customers"] for n, g in got.items()} == dict(counts), field
        assert {n: Decimal(g["revenue"]) for n, g in got.items()} == dict(money), field
        for g in got.values():  # revenue per customer, to the cent
            per = (Decimal(g["revenue"]) / g["customers"]).quantize(Decimal("0.01"))
            assert Decimal(g["revenue_per_customer"]) == per


def test_missing_gender_and_other_gaps_equal_the_raw_files(
    customers: dict[str, Any], raw: RawSales
) -> None:
    buyers = {x.customer for x in raw.lines}
    revenue: dict[str, Decimal] = defaultdict(Decimal)
    for x in raw.lines:
        revenue[x.customer] += x.sales
    total = _sum(revenue.values())
    gaps = {g["field"]: g for g in customers["completeness"]}
    for field, attr in (
        ("gender", "gender"),
        ("marital_status", "marital"),
        ("birth_date", "birth"),
        ("country", "country"),
    ):
        keys = {k for k in buyers if getattr(raw.customers[k], attr) is None}
        got = gaps[field]
        assert got["customers_missing"] == len(keys), field
        assert got["customer_share"] == pytest.approx(len(keys) / len(buyers), abs=1e-6)
        assert Decimal(got["revenue_missing"]) == _sum(revenue[k] for k in keys), field
        assert got["revenue_share"] == pytest.approx(
            float(_sum(revenue[k] for k in keys) / total), abs=1e-6
        )
    assert gaps["gender"]["customers_missing"] == 15  # CRM gender, else the ERP's
    assert gaps["country"]["customers_missing"] > 300


def test_high_value_customers_are_the_top_decile_as_defined(
    customers: dict[str, Any], raw: RawSales, gold_build: GoldBuild
) -> None:
    revenue: dict[str, Decimal] = defaultdict(Decimal)
    for x in raw.lines:
        revenue[x.customer] += x.sales
    expected = top_decile(revenue)
    high = customers["high_value"]
    assert "top decile" in high["definition"] and "ties" in high["definition"]
    assert high["customers"] == len(expected)
    assert Decimal(high["revenue"]) == _sum(revenue[k] for k in expected)
    assert Decimal(high["threshold"]) == min(revenue[k] for k in expected)
    assert len(revenue) / 10 <= high["customers"] < len(revenue) / 10 + 10
    flagged = {
        str(r[0]).removeprefix("dwh:")
        for r in query(
            gold_build.database,
            "select customer_key from gold.fct_customer_sales where is_high_value",
        )
    }
    assert flagged == expected
    top = high["top"]
    assert [Decimal(t["revenue"]) for t in top] == sorted(revenue.values(), reverse=True)[:10]
    assert [t["rank"] for t in top] == list(range(1, 11))


def test_roles_and_bad_parameters(client: TestClient, erp_served: ErpServed) -> None:
    def status(path: str, role: str) -> int:
        headers = {"Authorization": f"Bearer {erp_served.keys[role]}"}
        return int(client.get(path, headers=headers).status_code)

    assert status("/api/v1/sales/summary", "marketing") == 200
    assert status("/api/v1/sales/customers", "marketing") == 403  # no customer area
    assert status("/api/v1/sales/customers", "sales") == 200
    assert status("/api/v1/sales/summary?cost_basis=list", "admin") == 422
    assert status("/api/v1/sales/products?sort=bogus", "admin") == 400


def test_sales_page_shows_the_figures_and_its_link(
    client: TestClient, erp_served: ErpServed, summary: dict[str, Any], tmp_path: Path
) -> None:
    with TestClient(create_app(erp_served.workspace), raise_server_exceptions=False) as web:
        web.post("/login", data={"api_key": erp_served.keys["sales"], "next": "/sales"})
        page = web.get("/sales")
        assert page.status_code == 200
        assert 'href="/sales"' in page.text
        assert "$29,356,250" in page.text and "cost at order date" in page.text
        assert "$12,203,060" in page.text  # profit at order-date cost
        current = web.get("/sales?cost_basis=current")
        assert "$11,685,757" in current.text and "current cost" in current.text


def test_a_tenant_with_orders_only_lands_on_the_sales_page(
    gold_build: GoldBuild, erp_served: ErpServed, tmp_path: Path
) -> None:
    """Without subscription revenue the overview and insights have nothing to show: they
    send an order-based tenant to the Sales page instead of answering 404."""
    served = serve_gold_build(gold_build.database, tmp_path / "ws", orders_only=True)
    with TestClient(create_app(served.workspace), raise_server_exceptions=False) as web:
        landed = web.post("/login", data={"api_key": served.keys["admin"], "next": ""})
        assert landed.status_code == 200 and str(landed.url).endswith("/sales")
        assert "$29,356,250" in landed.text
        for path in ("/", "/insights"):
            response = web.get(path, follow_redirects=False)
            assert response.status_code == 303 and response.headers["location"] == "/sales"
    with TestClient(create_app(erp_served.workspace), raise_server_exceptions=False) as web:
        web.post("/login", data={"api_key": erp_served.keys["admin"], "next": ""})
        assert web.get("/", follow_redirects=False).status_code == 200  # it has KPI months
