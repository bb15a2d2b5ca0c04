"""GET /api/v1/alerts and /api/v1/alerts/deliveries, and the /alerts page: the tenant's
own alert log, filtered and paged, behind the pipeline role."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from revlake.alerts import AlertLog, alert_log_path
from revlake.api import create_app
from tests.alerts.company_support import scalar_rows, served_alerts
from tests.alerts.receivers import http_receiver
from tests.api.conftest import bearer
from tests.serving_support import OTHER, TENANT, ServedWorkspace


@pytest.fixture(scope="module")
def high_risk(served: ServedWorkspace) -> set[str]:
    with http_receiver(script=[503]) as hook:
        served_alerts(served.workspace, TENANT, hook.url)
    return set(
        scalar_rows(
            served.workspace,
            TENANT,
            "select opportunity_id from gold.ml_deal_scores "
            "where risk_category in ('critical', 'high')",
        )
    )


def test_alerts_list_filters_and_pages(
    client: TestClient, served: ServedWorkspace, high_risk: set[str]
) -> None:
    headers = bearer(served.key())
    everything = client.get("/api/v1/alerts?limit=500", headers=headers).json()
    log_total = AlertLog(alert_log_path(served.workspace, TENANT)).alerts()[1]
    assert everything["total"] == log_total and everything["next_offset"] is None
    assert everything["last_evaluated_snapshot"] == served.workspace.snapshots_dir(TENANT).joinpath(
        "CURRENT"
    ).read_text().strip().removesuffix(".duckdb")
    deals = client.get("/api/v1/alerts?kind=deal_risk&limit=500", headers=headers).json()
    assert {a["subject_id"] for a in deals["items"]} == high_risk
    assert all(a["status"] == "active" and a["delivered"] == ["webhook"] for a in deals["items"])
    first = client.get("/api/v1/alerts?limit=2", headers=headers).json()
    assert [a["id"] for a in first["items"]] == [a["id"] for a in everything["items"][:2]]
    assert first["next_offset"] == 2
    assert client.get("/api/v1/alerts?status=cleared", headers=headers).json()["total"] == 0
    (mrr,) = client.get("/api/v1/alerts?kind=mrr_at_risk", headers=headers).json()["items"]
    assert mrr["subject_type"] == "tenant" and Decimal(mrr["details"]["mrr_at_risk"]) > 1000


def test_deliveries_show_attempts_and_status(
    client: TestClient, served: ServedWorkspace, high_risk: set[str]
) -> None:
    body = client.get("/api/v1/alerts/deliveries", headers=bearer(served.key())).json()
    assert body["total"] >= 1
    assert all(d["channel"] == "webhook" and d["status"] == "delivered" for d in body["items"])
    assert max(d["attempts"] for d in body["items"]) == 2  # the 503 was retried
    failed = client.get(
        "/api/v1/alerts/deliveries?status=failed", headers=bearer(served.key())
    ).json()
    assert failed["items"] == []


def test_alerts_refuse_bad_parameters_roles_and_other_tenants(
    client: TestClient, served: ServedWorkspace, high_risk: set[str]
) -> None:
    response = client.get("/api/v1/alerts?severity=high", headers=bearer(served.key()))
    assert response.status_code == 400 and "'severity'" in response.json()["detail"]
    response = client.get("/api/v1/alerts?status=open", headers=bearer(served.key()))
    assert response.status_code == 422
    response = client.get("/api/v1/alerts", headers=bearer(served.key(role="marketing")))
    assert response.status_code == 403
    other = client.get("/api/v1/alerts", headers=bearer(served.key(OTHER))).json()
    assert other["total"] == 0 and other["last_evaluated_at"] is None


def test_alerts_page_lists_the_alerts(served: ServedWorkspace, high_risk: set[str]) -> None:
    # its own app: leaving a `with TestClient` runs the app's shutdown (which closes the
    # key verifier's pool), so the session's shared app must not be used this way
    with TestClient(create_app(served.workspace), raise_server_exceptions=False) as browser:
        browser.post("/login", data={"api_key": served.key(role="sales"), "next": "/alerts"})
        page = browser.get("/alerts?status=active")
        assert page.status_code == 200
        for deal in high_risk:
            assert f"/deals/{deal}" in page.text
        assert 'data-testid="rules"' not in page.text  # the served revlake.toml has no rules
        assert browser.get("/alerts?status=open").status_code == 422
