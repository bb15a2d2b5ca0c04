"""An ERP-only tenant (order lines, no subscription billing) has its customers on the
Sales page: `/customers` sends a user there (its customers section) instead of a list of
customers without MRR, as `/` and `/insights` do; a tenant with both keeps its list. The
Sales page's month pickers update in place."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from revlake.api import create_app
from revlake.web.common import PARTIAL_HEADER
from tests.transform.gold_build_support import GoldBuild
from tests.transform.sales_serving import ErpServed, serve_gold_build


@pytest.fixture(scope="module")
def erp_client(erp_served: ErpServed) -> Iterator[TestClient]:
    with TestClient(create_app(erp_served.workspace), follow_redirects=False) as client:
        yield client


def log_in(client: TestClient, key: str) -> None:
    client.cookies.clear()
    assert client.post("/login", data={"api_key": key, "next": "/"}).status_code == 303


def test_customers_of_an_erp_tenant_go_to_the_sales_customers(
    gold_build: GoldBuild, tmp_path: Path
) -> None:
    served = serve_gold_build(gold_build.database, tmp_path / "ws", orders_only=True)
    with TestClient(create_app(served.workspace), follow_redirects=False) as client:
        log_in(client, served.keys["admin"])
        assert client.get("/").headers["location"] == "/sales"  # orders only
        response = client.get("/customers")
        assert response.status_code == 303
        assert response.headers["location"] == "/sales#customers"
        sales = client.get("/sales")
        assert sales.status_code == 200
        assert 'id="customers"' in sales.text  # the section the redirect names
        assert 'data-testid="sales-customers"' in sales.text


def test_a_tenant_with_subscriptions_and_orders_keeps_its_customer_list(
    erp_client: TestClient, erp_served: ErpServed
) -> None:
    log_in(erp_client, erp_served.keys["admin"])
    response = erp_client.get("/customers")
    assert response.status_code == 200
    total = erp_client.get(
        "/api/v1/customers?limit=1",
        headers={"Authorization": f"Bearer {erp_served.keys['admin']}"},
    ).json()["total"]
    assert total > 0
    assert re.search(rf"Rows 1–50 of {total:,}<", response.text)


def test_sales_month_pickers_update_in_place(erp_client: TestClient, erp_served: ErpServed) -> None:
    log_in(erp_client, erp_served.keys["admin"])
    full = erp_client.get("/sales")
    assert "/static/inplace.js" in full.text
    assert 'action="/sales"' in full.text and "data-inplace" in full.text
    part = erp_client.get("/sales?cost_basis=current", headers={PARTIAL_HEADER: "1"})
    assert part.status_code == 200 and part.headers[PARTIAL_HEADER] == "1"
    assert "<main" not in part.text and 'data-testid="sales-basis"' in part.text
