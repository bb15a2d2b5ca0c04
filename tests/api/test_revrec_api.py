"""/api/v1/revrec: schedule, deferred revenue, contracts (finance and admin keys only).

Runs on the shared served workspace (tests/serving_support.py). Contracts are written to
its operational store through the API; each write is checked in the audit log.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from revlake.store.keys import create_key
from revlake.store.models import AuditEntry
from revlake.store.workspace_store import open_store
from tests.api.conftest import bearer
from tests.serving_support import OTHER, TENANT, ServedWorkspace

GETS = (
    "/api/v1/revrec/schedule",
    "/api/v1/revrec/deferred",
    "/api/v1/revrec/contracts",
    "/api/v1/revrec/contracts/1",
)

CLEANING: dict[str, Any] = {
    "reference": "API-IE7",
    "customer_id": "cus_api_cleaning",
    "customer_name": "Cleaning client",
    "currency": "USD",
    "start": "2098-01-01",
    "end": "2101-01-01",
    "price": "300000",
    "obligations": [{"name": "cleaning", "ssp": "300000", "pattern": "ratable"}],
}


def _key(served: ServedWorkspace, role: str, tenant: str = TENANT) -> str:
    store = open_store(served.workspace)
    try:
        with store.write() as session:
            return create_key(session, tenant_id=tenant, role=role, actor="tests").key
    finally:
        store.dispose()


def _audit(served: ServedWorkspace, action: str) -> list[AuditEntry]:
    store = open_store(served.workspace)
    try:
        with store.read() as session:
            return list(
                session.execute(
                    select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
                ).scalars()
            )
    finally:
        store.dispose()


@pytest.mark.parametrize("role", ["executive", "sales", "marketing", "revops"])
def test_only_finance_and_admin_may_use_revrec(
    client: TestClient, served: ServedWorkspace, role: str
) -> None:
    headers = bearer(_key(served, role))
    for path in GETS:
        response = client.get(path, headers=headers)
        assert response.status_code == 403, (path, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    response = client.post("/api/v1/revrec/contracts", json=CLEANING, headers=headers)
    assert response.status_code == 403


def test_deferred_revenue_rolls_forward(client: TestClient, served: ServedWorkspace) -> None:
    headers = bearer(served.key(role="finance"))
    body = client.get("/api/v1/revrec/deferred?limit=500", headers=headers).json()
    assert body["as_of"].endswith(("-28", "-29", "-30", "-31"))
    months = body["rollforward"]
    assert len({m["month"] for m in months}) == 12
    for m in months:
        left = Decimal(str(m["opening"])) + Decimal(str(m["billed"]))
        right = (
            Decimal(str(m["recognised"])) + Decimal(str(m["contra"])) + Decimal(str(m["closing"]))
        )
        assert left == right, m
    last = {
        m["currency"]: Decimal(str(m["closing"]))
        for m in months
        if m["month"] == months[-1]["month"]
    }
    totals = {t["currency"]: Decimal(str(t["deferred"])) for t in body["totals"]}
    assert {c: v for c, v in totals.items() if v} == {c: v for c, v in last.items() if v}
    per_customer: dict[str, Decimal] = {}
    for item in body["customers"]["items"]:
        per_customer[item["currency"]] = per_customer.get(item["currency"], Decimal(0)) + Decimal(
            str(item["deferred"])
        )
    assert body["customers"]["total"] == len(body["customers"]["items"]) > 0
    assert per_customer == {c: v for c, v in totals.items() if v}

    bad = client.get("/api/v1/revrec/deferred?as_of=2025-03-15", headers=headers)
    assert bad.status_code == 400
    assert "give a month end such as 2025-03-31" in bad.json()["detail"]


def test_schedule_by_month_and_customer(client: TestClient, served: ServedWorkspace) -> None:
    headers = bearer(served.key(role="finance"))
    deferred = client.get("/api/v1/revrec/deferred?limit=1", headers=headers).json()
    customer = deferred["customers"]["items"][0]["customer_id"]
    month = deferred["as_of"][:7]
    body = client.get(
        f"/api/v1/revrec/schedule?from={month}&to={month}&customer={customer}", headers=headers
    ).json()
    assert body["customer_id"] == customer
    assert [m["month"] for m in body["months"]] == [month]
    assert body["months"][0]["closing"] == deferred["customers"]["items"][0]["deferred"]
    whole = client.get("/api/v1/revrec/schedule", headers=headers)
    assert whole.status_code == 200 and whole.json()["snapshot"]
    # contracts live in the store: the snapshot response cache must never replay this
    assert "x-revlake-snapshot" not in whole.headers
    assert len({m["month"] for m in whole.json()["months"]}) >= 6
    bad = client.get("/api/v1/revrec/schedule?from=2025-13", headers=headers)
    assert bad.status_code == 400 and "from = '2025-13'" in bad.json()["detail"]


def test_contracts_are_written_audited_and_tenant_scoped(
    client: TestClient, served: ServedWorkspace
) -> None:
    headers = bearer(served.key(role="finance"))
    created = client.post("/api/v1/revrec/contracts", json=CLEANING, headers=headers)
    assert created.status_code == 201, created.text
    contract = created.json()
    contract_id = contract["id"]
    assert contract["segments"][0]["allocation"] == [
        {"obligation": "cleaning", "ssp": "300000.00", "allocated": "300000.00"}
    ]
    entries = [
        e for e in _audit(served, "revrec_contract.created") if e.entity_id == str(contract_id)
    ]
    assert len(entries) == 1
    assert entries[0].tenant_id == TENANT and entries[0].actor.startswith("api-key:")

    modified = client.post(
        f"/api/v1/revrec/contracts/{contract_id}/modifications",
        json={
            "effective": "2100-01-01",
            "added_consideration": "180000",
            "extend": {"cleaning": "2104-01-01"},
        },
        headers=headers,
    )
    assert modified.status_code == 201, modified.text
    detail = modified.json()
    assert detail["total_consideration"] == "480000.00"
    assert detail["segments"][1]["consideration"] == "280000.00"
    years: dict[str, Decimal] = {}
    for row in detail["schedule"]:
        year = row["month"][:4]
        years[year] = years.get(year, Decimal(0)) + Decimal(str(row["amount"]))
    assert years == {
        "2098": Decimal("100000.00"),
        "2099": Decimal("100000.00"),
        "2100": Decimal("70000.00"),
        "2101": Decimal("70000.00"),
        "2102": Decimal("70000.00"),
        "2103": Decimal("70000.00"),
    }
    assert [e.entity_id for e in _audit(served, "revrec_contract.modified")][-1] == str(contract_id)

    listed = client.get("/api/v1/revrec/contracts", headers=headers).json()["items"]
    assert contract_id in [c["id"] for c in listed]
    assert client.get(f"/api/v1/revrec/contracts/{contract_id}", headers=headers).json() == detail

    other = bearer(served.key(OTHER))
    assert client.get(f"/api/v1/revrec/contracts/{contract_id}", headers=other).status_code == 404
    assert contract_id not in [
        c["id"] for c in client.get("/api/v1/revrec/contracts", headers=other).json()["items"]
    ]
    response = client.post(
        f"/api/v1/revrec/contracts/{contract_id}/modifications",
        json={"effective": "2100-06-01", "added_consideration": "10"},
        headers=other,
    )
    assert response.status_code == 404
    schedule = client.get(
        "/api/v1/revrec/schedule?from=2100-01&to=2100-12&customer=cus_api_cleaning",
        headers=headers,
    ).json()
    assert sum(Decimal(str(m["contracts_recognised"])) for m in schedule["months"]) == Decimal(
        "70000.00"
    )


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        (
            {"obligations": [{"name": "x", "ssp": "0", "pattern": "ratable"}]},
            400,
            "obligations[0].ssp = 0",
        ),
        ({"obligations": []}, 400, "a contract needs at least one performance obligation"),
        ({"currency": "EUX"}, 400, "unknown currency 'EUX'"),
        ({"end": "2097-01-01"}, 400, "end = 2097-01-01 is not after start = 2098-01-01"),
        (
            {"obligations": [{"name": "x", "ssp": "10", "pattern": "ratable", "currency": "EUR"}]},
            400,
            "mixed currencies",
        ),
        ({"obligations": [{"name": "x", "ssp": "10", "pattern": "weekly"}]}, 422, "pattern"),
        ({"start": "not a date"}, 422, "start"),
        ({"discont": "100"}, 422, "discont"),
    ],
)
def test_bad_contracts_are_problems_naming_the_field_and_write_nothing(
    client: TestClient, served: ServedWorkspace, change: dict[str, Any], status: int, message: str
) -> None:
    headers = bearer(served.key())
    before = len(client.get("/api/v1/revrec/contracts", headers=headers).json()["items"])
    audited = len(_audit(served, "revrec_contract.created"))
    response = client.post(
        "/api/v1/revrec/contracts", json={**CLEANING, "reference": "BAD", **change}, headers=headers
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert message in response.text
    assert len(client.get("/api/v1/revrec/contracts", headers=headers).json()["items"]) == before
    assert len(_audit(served, "revrec_contract.created")) == audited


def test_progress_measurement_through_the_api(client: TestClient, served: ServedWorkspace) -> None:
    headers = bearer(served.key(role="finance"))
    contract = {
        "reference": "API-POC",
        "currency": "USD",
        "start": "2025-01-01",
        "end": "2025-12-31",
        "price": "1000",
        "obligations": [{"name": "build", "ssp": "1000", "pattern": "progress"}],
    }
    created = client.post("/api/v1/revrec/contracts", json=contract, headers=headers).json()
    path = f"/api/v1/revrec/contracts/{created['id']}/progress"
    response = client.post(
        path, json={"obligation": "build", "date": "2025-04-30", "percent": 40}, headers=headers
    )
    assert response.status_code == 201, response.text
    assert response.json()["schedule"] == [
        {"obligation": "build", "month": "2025-04", "amount": "400.00"}
    ]
    late = client.post(
        path, json={"obligation": "build", "date": "2025-03-31", "percent": 50}, headers=headers
    )
    assert late.status_code == 400 and "not after the last measurement" in late.json()["detail"]
    other = client.post(
        path,
        json={"obligation": "build", "date": "2025-05-31", "percent": 50},
        headers=bearer(served.key(OTHER)),
    )
    assert other.status_code == 404
    entries = [e for e in _audit(served, "revrec_contract.progress")]
    assert entries and entries[-1].entity_id == str(created["id"])


def test_schedule_shows_a_contract_added_after_it_was_read(
    client: TestClient, served: ServedWorkspace
) -> None:
    headers = bearer(served.key(role="finance"))
    window = "/api/v1/revrec/schedule?from=2097-01&to=2097-12&customer=cus_api_fresh"
    before = [client.get(window, headers=headers).json() for _ in range(2)]  # a cacheable repeat
    assert (
        all(m["recognised"] in ("0", "0.00") for m in before[1]["months"])
        or not before[1]["months"]
    )
    fresh = {**CLEANING, "reference": "API-FRESH", "customer_id": "cus_api_fresh"}
    fresh.update(start="2097-01-01", end="2098-01-01", price="36500")
    created = client.post("/api/v1/revrec/contracts", json=fresh, headers=headers)
    assert created.status_code == 201, created.text
    after = client.get(window, headers=headers).json()
    assert after != before[1]
    # 365 days of 100.00, one year of a ratable contract: all of it in the window
    assert sum(Decimal(m["contracts_recognised"]) for m in after["months"]) == Decimal("36500")
