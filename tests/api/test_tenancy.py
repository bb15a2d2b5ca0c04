"""Every route, from the app's own route table: another tenant's key never gets demo's data.

A route added without an entry in REQUESTS fails `test_every_route_has_a_tenancy_case`, so
no route can ship without this check. Each request also tries to name the demo tenant
through a query parameter and a header: tenancy comes from the key only.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from revlake.api.routes import route_table
from tests.api.conftest import bearer
from tests.serving_support import OTHER, TENANT, ServedWorkspace

CUSTOMER = "{customer}"
DEAL = "{deal}"
# (method, path) → (kind, example URL). kind: "api" needs a key; "web" needs a session;
# "own" answers about the caller's own tenant (must still never show demo's data);
# "public" holds no tenant data at all.
REQUESTS: dict[tuple[str, str], tuple[str, str]] = {
    ("GET", "/api/v1/openapi.json"): ("public", "/api/v1/openapi.json"),
    ("GET", "/docs"): ("public", "/docs"),
    ("GET", "/docs/oauth2-redirect"): ("public", "/docs/oauth2-redirect"),
    ("GET", "/api/v1/health"): ("public", "/api/v1/health"),
    ("GET", "/api/v1/health/ready"): ("own", "/api/v1/health/ready"),
    ("GET", "/api/v1/kpis"): ("api", "/api/v1/kpis"),
    ("GET", "/api/v1/mrr/movements"): ("api", "/api/v1/mrr/movements"),
    ("GET", "/api/v1/cohorts"): ("api", "/api/v1/cohorts"),
    ("GET", "/api/v1/funnel"): ("api", "/api/v1/funnel"),
    ("GET", "/api/v1/channels"): ("api", "/api/v1/channels"),
    ("GET", "/api/v1/pipeline/summary"): ("api", "/api/v1/pipeline/summary"),
    ("GET", "/api/v1/customers"): ("api", "/api/v1/customers"),
    ("GET", "/api/v1/customers/{customer_id}"): ("api", f"/api/v1/customers/{CUSTOMER}"),
    ("GET", "/api/v1/runs"): ("own", "/api/v1/runs"),
    ("GET", "/api/v1/insights"): ("api", "/api/v1/insights"),
    ("GET", "/api/v1/cfo"): ("api", "/api/v1/cfo"),
    ("GET", "/api/v1/sales/summary"): ("api", "/api/v1/sales/summary"),
    ("GET", "/api/v1/sales/products"): ("api", "/api/v1/sales/products"),
    ("GET", "/api/v1/sales/customers"): ("api", "/api/v1/sales/customers"),
    ("GET", "/api/v1/audit/verify"): ("own", "/api/v1/audit/verify"),
    ("GET", "/api/v1/audit"): ("own", "/api/v1/audit"),
    ("GET", "/api/v1/audit/head"): ("own", "/api/v1/audit/head"),
    ("GET", "/api/v1/customers/at-risk"): ("api", "/api/v1/customers/at-risk"),
    ("GET", "/api/v1/customers/{customer_id}/churn"): (
        "api",
        f"/api/v1/customers/{CUSTOMER}/churn",
    ),
    ("GET", "/api/v1/customers/{customer_id}/ltv"): ("api", f"/api/v1/customers/{CUSTOMER}/ltv"),
    ("GET", "/api/v1/retention/cohorts"): ("api", "/api/v1/retention/cohorts"),
    ("GET", "/api/v1/deals"): ("api", "/api/v1/deals"),
    ("GET", "/api/v1/deals/summary"): ("api", "/api/v1/deals/summary"),
    ("GET", "/api/v1/deals/filters"): ("api", "/api/v1/deals/filters"),
    ("GET", "/api/v1/deals/{deal_id}"): ("api", f"/api/v1/deals/{DEAL}"),
    ("GET", "/api/v1/deals/{deal_id}/explanation"): ("api", f"/api/v1/deals/{DEAL}/explanation"),
    ("POST", "/api/v1/forecast"): ("api", "/api/v1/forecast"),
    ("GET", "/api/v1/tax/report"): ("api", "/api/v1/tax/report"),
    ("GET", "/api/v1/tax/rates"): ("own", "/api/v1/tax/rates"),
    ("GET", "/api/v1/tax/discrepancies"): ("api", "/api/v1/tax/discrepancies"),
    ("POST", "/api/v1/tax/vat-check"): ("own", "/api/v1/tax/vat-check"),
    ("GET", "/finance/tax"): ("web", "/finance/tax"),
    ("GET", "/api/v1/ap/aging"): ("api", "/api/v1/ap/aging"),
    ("GET", "/api/v1/ap/bills"): ("api", "/api/v1/ap/bills"),
    ("GET", "/api/v1/ap/bank/reconciliation"): ("api", "/api/v1/ap/bank/reconciliation"),
    ("GET", "/api/v1/ap/bank/resolutions"): ("own", "/api/v1/ap/bank/resolutions"),
    ("POST", "/api/v1/ap/bank/resolutions"): ("own", "/api/v1/ap/bank/resolutions"),
    ("GET", "/finance/ap"): ("web", "/finance/ap"),
    ("GET", "/finance/bank"): ("web", "/finance/bank"),
    ("GET", "/api/v1/ar/aging"): ("api", "/api/v1/ar/aging"),
    ("GET", "/api/v1/ar/invoices"): ("api", "/api/v1/ar/invoices"),
    ("GET", "/api/v1/ar/overdue"): ("api", "/api/v1/ar/overdue"),
    ("GET", "/api/v1/ar/dso"): ("api", "/api/v1/ar/dso"),
    ("GET", "/api/v1/ar/invoices/{invoice_id}/notes"): ("own", "/api/v1/ar/invoices/in_x/notes"),
    ("POST", "/api/v1/ar/invoices/{invoice_id}/notes"): ("own", "/api/v1/ar/invoices/in_x/notes"),
    ("GET", "/finance/ar"): ("web", "/finance/ar"),
    ("GET", "/finance/cfo"): ("web", "/finance/cfo"),
    ("GET", "/sales"): ("web", "/sales"),
    ("GET", "/finance/ar/overdue"): ("web", "/finance/ar/overdue"),
    ("POST", "/finance/ar/invoices/{invoice_id}/notes"): ("own", "/finance/ar/invoices/in_x/notes"),
    ("GET", "/api/v1/revrec/schedule"): ("api", "/api/v1/revrec/schedule"),
    ("GET", "/api/v1/revrec/deferred"): ("api", "/api/v1/revrec/deferred"),
    ("GET", "/api/v1/revrec/contracts"): ("own", "/api/v1/revrec/contracts"),
    ("GET", "/api/v1/revrec/contracts/{contract_id}"): ("own", "/api/v1/revrec/contracts/1"),
    ("POST", "/api/v1/revrec/contracts"): ("own", "/api/v1/revrec/contracts"),
    ("POST", "/api/v1/revrec/contracts/{contract_id}/modifications"): (
        "own",
        "/api/v1/revrec/contracts/1/modifications",
    ),
    ("POST", "/api/v1/revrec/contracts/{contract_id}/progress"): (
        "own",
        "/api/v1/revrec/contracts/1/progress",
    ),
    ("GET", "/finance/revrec"): ("web", "/finance/revrec"),
    ("GET", "/finance/revrec/contracts/{contract_id}"): ("own", "/finance/revrec/contracts/1"),
    ("GET", "/login"): ("public", "/login"),
    ("POST", "/login"): ("public", "/login"),
    ("POST", "/logout"): ("public", "/logout"),
    ("GET", "/"): ("web", "/"),
    ("GET", "/growth"): ("web", "/growth"),
    ("GET", "/retention"): ("web", "/retention"),
    ("GET", "/customers"): ("web", "/customers"),
    ("GET", "/customers/{customer_id}"): ("web", f"/customers/{CUSTOMER}"),
    ("GET", "/data-health"): ("own", "/data-health"),
    ("GET", "/insights"): ("web", "/insights"),
    ("GET", "/customers/at-risk"): ("web", "/customers/at-risk"),
    ("GET", "/customers.csv"): ("web", "/customers.csv"),
    ("GET", "/customers/at-risk.csv"): ("web", "/customers/at-risk.csv"),
    ("GET", "/finance/ap/bills.csv"): ("web", "/finance/ap/bills.csv"),
    ("GET", "/finance/ar/overdue.csv"): ("web", "/finance/ar/overdue.csv"),
    ("GET", "/finance/ar/customers.csv"): ("web", "/finance/ar/customers.csv"),
    ("GET", "/finance/bank/unmatched.csv"): ("web", "/finance/bank/unmatched.csv"),
    ("GET", "/finance/bank/ambiguous.csv"): ("web", "/finance/bank/ambiguous.csv"),
    ("GET", "/finance/bank/unmatched-payments.csv"): (
        "web",
        "/finance/bank/unmatched-payments.csv",
    ),
    ("GET", "/finance/revrec/deferred.csv"): ("web", "/finance/revrec/deferred.csv"),
    ("GET", "/finance/tax/discrepancies.csv"): ("web", "/finance/tax/discrepancies.csv"),
    ("GET", "/customers/{customer_id}/intelligence"): (
        "web",
        f"/customers/{CUSTOMER}/intelligence",
    ),
    ("GET", "/retention/projections"): ("web", "/retention/projections"),
    ("GET", "/deals"): ("web", "/deals"),
    ("GET", "/deals/{deal_id}"): ("web", f"/deals/{DEAL}"),
    ("GET", "/forecast"): ("web", "/forecast"),
    ("GET", "/models"): ("web", "/models"),
    ("GET", "/api/v1/alerts"): ("own", "/api/v1/alerts"),
    ("GET", "/api/v1/alerts/deliveries"): ("own", "/api/v1/alerts/deliveries"),
    ("GET", "/alerts"): ("own", "/alerts"),
}
TENANT_HINTS = {"X-Tenant": TENANT, "X-Revlake-Tenant": TENANT}


def test_every_route_has_a_tenancy_case(app: FastAPI) -> None:
    routes = set(route_table(app.routes))
    missing = routes - set(REQUESTS)
    assert not missing, f"routes without a tenancy case in REQUESTS: {sorted(missing)}"
    assert not set(REQUESTS) - routes, "REQUESTS names routes that no longer exist"


@pytest.fixture(scope="module")
def demo_markers(client: TestClient, served: ServedWorkspace) -> dict[str, str]:
    """Strings that only demo's data contains: snapshot name, customer ids and names."""
    headers = bearer(served.key())
    page = client.get("/api/v1/customers?limit=3&sort=-mrr", headers=headers).json()
    kpis = client.get("/api/v1/kpis", headers=headers).json()
    markers = {"snapshot": kpis["snapshot"], "tenant": f'"tenant":"{TENANT}"'}
    for i, item in enumerate(page["items"]):
        markers[f"customer{i}"] = item["customer_id"]
        markers[f"name{i}"] = item["name"]
    deal = client.get("/api/v1/deals?limit=1", headers=headers).json()["items"][0]
    markers["deal"], markers["deal_name"] = deal["id"], deal["name"]
    return markers


@pytest.fixture(scope="module")
def other_session(app: FastAPI, served: ServedWorkspace) -> Iterator[TestClient]:
    """A browser-like client logged in to the dashboard with the other tenant's key."""
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as other:
        response = other.post("/login", data={"api_key": served.key(OTHER), "next": "/"})
        assert response.status_code == 303
        yield other


def _url(template: str, markers: dict[str, str]) -> str:
    """The route with demo's ids; dashboard pages also get a `?tenant=` hint to ignore
    (the API refuses unknown query parameters outright: see the test below)."""
    filled = template.replace(CUSTOMER, markers["customer0"]).replace(DEAL, markers["deal"])
    return filled if filled.startswith("/api/") else filled + f"?tenant={TENANT}"


@pytest.mark.parametrize("path", ["/api/v1/kpis", "/api/v1/customers", "/api/v1/deals"])
def test_a_tenant_in_the_query_is_refused_not_obeyed(
    client: TestClient, served: ServedWorkspace, path: str
) -> None:
    """Tenancy comes from the key alone: `?tenant=` is an unknown parameter, named in a 400."""
    response = client.get(f"{path}?tenant={TENANT}", headers=bearer(served.key(OTHER)))
    assert response.status_code == 400, response.text
    assert "unknown query parameter 'tenant'" in response.json()["detail"]
    assert TENANT not in response.json()["detail"].replace("'tenant'", "")


@pytest.mark.parametrize("route", sorted(REQUESTS), ids=lambda r: f"{r[0]} {r[1]}")
def test_other_tenant_never_sees_demo_data(
    route: tuple[str, str],
    client: TestClient,
    other_session: TestClient,
    served: ServedWorkspace,
    demo_markers: dict[str, str],
) -> None:
    method, _ = route
    kind, template = REQUESTS[route]
    url = _url(template, demo_markers)
    if kind == "web" or (kind == "own" and not template.startswith("/api/")):
        response = other_session.request(method, url, headers=TENANT_HINTS)
    elif method == "POST" and template == "/login":
        response = client.post(
            url,
            data={"api_key": served.key(OTHER)},
            headers=TENANT_HINTS,
            follow_redirects=False,
        )
    else:
        headers = {**TENANT_HINTS, **bearer(served.key(OTHER))}
        response = client.request(method, url, headers=headers, follow_redirects=False)
    body = response.text
    if kind in {"api", "web"}:
        assert response.status_code in {403, 404}, (response.status_code, body[:300])
    if not template.startswith("/static/"):
        # an id the caller sent itself may be echoed back (problem `instance`): not a leak
        leaked = {n: m for n, m in demo_markers.items() if m in body and m not in url}
        assert not leaked, f"{method} {url} with tenant {OTHER!r}'s key showed {leaked}"


@pytest.mark.parametrize(
    "route",
    sorted(r for r, (kind, _) in REQUESTS.items() if kind in {"api", "web"}),
    ids=lambda r: f"{r[0]} {r[1]}",
)
def test_demo_key_reads_the_same_routes(
    route: tuple[str, str],
    app: FastAPI,
    served: ServedWorkspace,
    demo_markers: dict[str, str],
) -> None:
    """The control: the same requests with demo's own key do return demo's data."""
    method, _ = route
    kind, template = REQUESTS[route]
    url = _url(template, demo_markers)
    with TestClient(app, raise_server_exceptions=False) as own:
        if kind == "web":
            own.post("/login", data={"api_key": served.key(), "next": "/"})
            response = own.request(method, url)
        else:
            response = own.request(method, url, headers=bearer(served.key()))
    assert response.status_code == 200, response.text[:300]
    assert (
        response.headers.get("x-revlake-snapshot", demo_markers["snapshot"])
        == (demo_markers["snapshot"])
    )
    assert demo_markers["snapshot"] in body_or_header(response), url


def body_or_header(response: object) -> str:
    text = getattr(response, "text", "")
    headers = getattr(response, "headers", {})
    # a CSV download names its build in X-Revlake-Build (web/listing.py)
    return (
        str(text)
        + str(headers.get("x-revlake-snapshot", ""))
        + str(headers.get("x-revlake-build", ""))
    )
