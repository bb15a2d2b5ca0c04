"""A tenant without order lines (the served synthetic SaaS company): the sales endpoints
answer 200 with `has_orders: false` and zeros, not an error, and the dashboard hides the
Sales link (the figures on a tenant with orders: tests/transform/test_sales_insights.py)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.api.conftest import bearer
from tests.serving_support import ServedWorkspace


def test_a_tenant_without_orders_gets_empty_answers(
    client: TestClient, served: ServedWorkspace
) -> None:
    headers = bearer(served.key())
    summary = client.get("/api/v1/sales/summary", headers=headers).json()
    assert summary["has_orders"] is False and summary["note"]
    assert summary["totals"]["revenue"] == "0.00" and summary["monthly"] == []
    customers = client.get("/api/v1/sales/customers", headers=headers).json()
    assert customers["has_orders"] is False and customers["customers"] == 0
    products = client.get("/api/v1/sales/products", headers=headers).json()
    assert products["items"] == [] and products["total"] == 0


def test_the_sales_link_shows_only_for_tenants_with_orders(
    app: FastAPI, served: ServedWorkspace
) -> None:
    # not `with`: leaving the block would run the shared app's shutdown under later tests
    web = TestClient(app, raise_server_exceptions=False)
    web.post("/login", data={"api_key": served.key(), "next": "/"})
    overview = web.get("/")
    assert overview.status_code == 200
    assert 'href="/sales"' not in overview.text
    assert 'href="/finance/cfo"' in overview.text  # the rest of the navigation is there
    page = web.get("/sales")
    assert page.status_code == 200 and 'data-testid="sales-empty"' in page.text
