"""/api/v1/ap: AP aging, bills and the bank reconciliation on the served workspace.

Finance and admin keys read them; executive, sales and marketing keys get 403; another
tenant's key never sees demo's numbers (tests/api/test_tenancy.py covers every route).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from revlake.store.keys import create_key
from revlake.store.workspace_store import open_store
from tests.api.conftest import bearer
from tests.serving_support import OTHER, TENANT, ServedWorkspace

URLS = ["/api/v1/ap/aging", "/api/v1/ap/bills", "/api/v1/ap/bank/reconciliation"]


@pytest.fixture(scope="module")
def executive_key(served: ServedWorkspace) -> str:
    store = open_store(served.workspace)
    try:
        with store.write() as session:
            return create_key(session, tenant_id=TENANT, role="executive", actor="tests").key
    finally:
        store.dispose()


@pytest.fixture(scope="module")
def finance(served: ServedWorkspace) -> dict[str, str]:
    return bearer(served.key(role="finance"))


def test_aging_buckets_add_up(client: TestClient, finance: dict[str, str]) -> None:
    response = client.get("/api/v1/ap/aging", headers=finance)
    assert response.status_code == 200, response.text
    body = response.json()
    assert response.headers["x-revlake-snapshot"]
    assert [b["bucket"] for b in body["buckets"]] == [
        "current",
        "1-30",
        "31-60",
        "61-90",
        "91-120",
        "120+",
    ]
    assert isinstance(body["total_open"], str)  # exact decimal text
    total = sum(Decimal(b["amount"]) for b in body["buckets"])
    assert total == Decimal(body["total_open"])
    assert sum(Decimal(v["total"]) for v in body["vendors"]) == total
    past = client.get("/api/v1/ap/aging?as_of=2023-06-30", headers=finance).json()
    assert past["as_of"] == "2023-06-30"
    before = client.get("/api/v1/ap/aging?as_of=2019-01-01", headers=finance).json()
    assert before["total_open"] in ("0", "0.00") and before["open_bills"] == 0


def test_bills_filters_and_bad_input(client: TestClient, finance: dict[str, str]) -> None:
    open_bills = client.get("/api/v1/ap/bills?limit=500", headers=finance).json()
    assert all(Decimal(b["open_balance"]) != 0 for b in open_bills["items"])
    paid = client.get("/api/v1/ap/bills?status=paid&limit=3", headers=finance).json()
    assert paid["total"] > 3 and len(paid["items"]) == 3 and paid["next_offset"] == 3
    assert all(b["status"] == "paid" and b["aging_bucket"] is None for b in paid["items"])
    google = client.get("/api/v1/ap/bills?status=all&vendor=google&limit=5", headers=finance)
    assert google.status_code == 200
    assert all(b["vendor_name"] == "Google Ireland Ltd" for b in google.json()["items"])
    for bad in ("status=late", "as_of=2023-13-01", "limit=0"):
        response = client.get(f"/api/v1/ap/bills?{bad}", headers=finance)
        assert response.status_code == 422, (bad, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")


def test_reconciliation_counts_and_lists(client: TestClient, finance: dict[str, str]) -> None:
    response = client.get(
        "/api/v1/ap/bank/reconciliation?from=2025-01-01&to=2025-06-30&window_days=3&limit=5",
        headers=finance,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["snapshot"] and "x-revlake-snapshot" not in response.headers  # store-dependent
    assert body["window_days"] == 3 and body["limit"] == 5
    assert body["counts"]["matched"] > 5 and len(body["matched"]) == 5
    assert body["counts"]["unmatched_bank_lines"] >= 6 * 5  # monthly fees of five accounts
    first = body["matched"][0]
    assert first["bank_line"]["amount"] == first["payment"]["amount"]
    assert first["rule"] in ("reference", "reference_fuzzy", "amount_date")
    assert sum(body["rules"].values()) == body["counts"]["matched"]
    bad = client.get("/api/v1/ap/bank/reconciliation?window_days=99", headers=finance)
    assert bad.status_code == 422
    reversed_range = client.get(
        "/api/v1/ap/bank/reconciliation?from=2025-02-01&to=2025-01-01", headers=finance
    )
    assert reversed_range.status_code in (400, 422), reversed_range.text
    assert "before" in reversed_range.json()["detail"]


@pytest.mark.parametrize("url", URLS)
def test_only_finance_and_admin(
    client: TestClient, served: ServedWorkspace, executive_key: str, url: str
) -> None:
    assert client.get(url, headers=bearer(served.key(role="admin"))).status_code == 200
    assert client.get(url, headers=bearer(served.key(role="finance"))).status_code == 200
    for key in (executive_key, served.key(role="sales"), served.key(role="marketing")):
        response = client.get(url, headers=bearer(key))
        assert response.status_code == 403, (url, response.text)


@pytest.mark.parametrize("url", URLS)
def test_other_tenant_gets_nothing(client: TestClient, served: ServedWorkspace, url: str) -> None:
    response = client.get(url, headers=bearer(served.key(OTHER)))
    assert response.status_code == 404
    assert "Amazon" not in response.text and "Google Ireland" not in response.text


def test_resolutions_are_applied_and_audited(
    client: TestClient, served: ServedWorkspace, finance: dict[str, str]
) -> None:
    base = "/api/v1/ap/bank/reconciliation?from=2024-01-01&to=2024-12-31&limit=1000"
    before = client.get(base, headers=finance).json()
    fee = next(
        ln for ln in before["unmatched_bank_lines"] if ln["description"] == "Monthly account fee"
    )
    pair = before["matched"][0]
    # dismiss the fee line; re-match a line by hand to the payment it already had
    dismissed = client.post(
        "/api/v1/ap/bank/resolutions",
        json={"transaction_id": fee["transaction_id"], "action": "dismiss", "note": "bank fee"},
        headers=finance,
    )
    assert dismissed.status_code == 201, dismissed.text
    manual = client.post(
        "/api/v1/ap/bank/resolutions",
        json={
            "transaction_id": pair["bank_line"]["transaction_id"],
            "action": "match",
            "payment_kind": pair["payment"]["payment_kind"],
            "payment_id": pair["payment"]["payment_id"],
        },
        headers=finance,
    )
    assert manual.status_code == 201, manual.text
    assert manual.json()["author"].startswith("api-key:")
    after = client.get(base, headers=finance).json()
    assert after["counts"]["dismissed"] == before["counts"]["dismissed"] + 1
    assert after["counts"]["unmatched_bank_lines"] == before["counts"]["unmatched_bank_lines"] - 1
    assert after["counts"]["matched"] == before["counts"]["matched"]
    assert after["rules"].get("manual") == 1
    listed = client.get("/api/v1/ap/bank/resolutions", headers=finance).json()["items"]
    assert [r["action"] for r in listed[-2:]] == ["dismiss", "match"]
    audit = client.get("/api/v1/audit?limit=5", headers=bearer(served.key())).json()
    actions = [e["action"] for e in audit["items"]]
    assert actions.count("bank_match.resolved") >= 2


@pytest.mark.parametrize(
    ("body", "status", "text"),
    [
        ({"transaction_id": "no-such-line", "action": "dismiss", "note": "x"}, 404, "no-such"),
        ({"transaction_id": "x", "action": "dismiss"}, 400, "note"),
        ({"transaction_id": "x", "action": "match", "payment_kind": "charge"}, 400, "payment_id"),
        ({"transaction_id": "x", "action": "keep"}, 422, "action"),
    ],
)
def test_bad_resolutions_write_nothing(
    client: TestClient, finance: dict[str, str], body: dict[str, str], status: int, text: str
) -> None:
    count = len(client.get("/api/v1/ap/bank/resolutions", headers=finance).json()["items"])
    response = client.post("/api/v1/ap/bank/resolutions", json=body, headers=finance)
    assert response.status_code == status, response.text
    assert text in response.text
    again = client.get("/api/v1/ap/bank/resolutions", headers=finance).json()["items"]
    assert len(again) == count


def test_resolutions_need_finance(
    client: TestClient, served: ServedWorkspace, executive_key: str
) -> None:
    body = {"transaction_id": "x", "action": "dismiss", "note": "n"}
    for key in (executive_key, served.key(role="sales")):
        assert client.get("/api/v1/ap/bank/resolutions", headers=bearer(key)).status_code == 403
        response = client.post("/api/v1/ap/bank/resolutions", json=body, headers=bearer(key))
        assert response.status_code == 403
