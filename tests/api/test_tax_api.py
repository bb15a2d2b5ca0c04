"""/api/v1/tax: report, rates, discrepancies and VAT checks on the served workspace.

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


def test_report_reconciles_with_the_invoices_tax(
    client: TestClient, finance: dict[str, str], served: ServedWorkspace
) -> None:
    import duckdb

    from revlake.transform.snapshots import current_snapshot

    response = client.get("/api/v1/tax/report", headers=finance)
    assert response.status_code == 200, response.text
    body = response.json()
    assert response.headers["x-revlake-snapshot"]
    assert body["rows"], "the demo company bills tax"
    by_currency: dict[str, Decimal] = {}
    for row in body["rows"]:
        assert isinstance(row["tax_charged"], str)  # exact decimal text, not a float
        by_currency[row["currency"]] = by_currency.get(row["currency"], Decimal(0)) + Decimal(
            row["tax_charged"]
        )
    path = current_snapshot(served.workspace.snapshots_dir(TENANT))
    assert path is not None
    with duckdb.connect(str(path), read_only=True) as con:
        silver = con.execute(
            "select currency, sum(tax_amount) from silver.stg_stripe__invoices "
            "where is_countable and invoice_date is not null group by currency"
        ).fetchall()
    assert {c: Decimal(v) for c, v in silver if v} == {c: v for c, v in by_currency.items() if v}
    totals = {t["currency"]: Decimal(t["tax_charged"]) for t in body["totals"]}
    assert totals == by_currency
    assert Decimal(body["tax_charged_rc"]) == sum(
        Decimal(r["tax_charged_rc"]) for r in body["rows"]
    )


def test_report_filters_and_bad_input(client: TestClient, finance: dict[str, str]) -> None:
    body = client.get(
        "/api/v1/tax/report?from=2024-01&to=2024-06&jurisdiction=gb", headers=finance
    ).json()
    assert body["jurisdiction"] == "GB"
    assert {r["jurisdiction"] for r in body["rows"]} <= {"GB"}
    assert all("2024-01-01" <= r["period"] <= "2024-06-01" for r in body["rows"])
    bad = client.get("/api/v1/tax/report?from=2024-13", headers=finance)
    assert bad.status_code == 422
    reversed_range = client.get("/api/v1/tax/report?from=2024-06&to=2024-01", headers=finance)
    assert reversed_range.status_code == 400
    assert "after" in reversed_range.json()["detail"]
    bad_code = client.get("/api/v1/tax/report?jurisdiction=Germany", headers=finance)
    assert bad_code.status_code == 400
    assert "Germany" in bad_code.json()["detail"]


def test_rates(client: TestClient, finance: dict[str, str]) -> None:
    body = client.get("/api/v1/tax/rates?jurisdiction=DE&date=2020-08-01", headers=finance).json()
    assert [(r["jurisdiction"], r["rate"]) for r in body["items"]] == [("DE", "16")]
    every = client.get("/api/v1/tax/rates?jurisdiction=de", headers=finance).json()["items"]
    assert [r["rate"] for r in every] == ["19", "16", "19"]
    in_force = client.get("/api/v1/tax/rates?date=2026-01-01", headers=finance).json()["items"]
    assert len({r["jurisdiction"] for r in in_force}) == len(in_force) >= 27 + 3
    unknown = client.get("/api/v1/tax/rates?jurisdiction=XX&date=2024-01-01", headers=finance)
    assert unknown.status_code == 400
    assert "unknown tax jurisdiction 'XX'" in unknown.json()["detail"]
    early = client.get("/api/v1/tax/rates?jurisdiction=DE&date=2001-01-01", headers=finance)
    assert early.status_code == 400
    assert "starts 2015-01-01" in early.json()["detail"]


def test_discrepancies(client: TestClient, finance: dict[str, str]) -> None:
    response = client.get("/api/v1/tax/discrepancies?limit=5", headers=finance)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["lines_checked"] > 100
    assert body["snapshot"] and "x-revlake-snapshot" not in response.headers
    # the demo company invoices from 2021; only Ireland's 21 % (to 2021-02-28) can differ
    for item in body["items"]:
        assert item["jurisdiction"] == "IE" and item["invoice_date"] < "2021-03-01"
    assert len(body["items"]) == min(5, body["total"])


def test_vat_check_writes_nothing(client: TestClient, finance: dict[str, str]) -> None:
    ok = client.post("/api/v1/tax/vat-check", json={"number": "DE136695976"}, headers=finance)
    assert ok.status_code == 200
    assert ok.json() | {"reason": ""} == {
        "number": "DE136695976",
        "compact": "DE136695976",
        "country": "DE",
        "valid": True,
        "reason": "",
        "vies_checked": False,
    }
    bad = client.post(
        "/api/v1/tax/vat-check", json={"number": "DE123456789"}, headers=finance
    ).json()
    assert (bad["valid"], bad["reason"]) == (False, "the check digit is wrong")
    mismatch = client.post(
        "/api/v1/tax/vat-check", json={"number": "DE136695976", "country": "FR"}, headers=finance
    ).json()
    assert not mismatch["valid"] and "FR" in mismatch["reason"]
    assert client.post("/api/v1/tax/vat-check", json={}, headers=finance).status_code == 422


def test_vat_check_leaves_no_audit_entry(client: TestClient, served: ServedWorkspace) -> None:
    admin = bearer(served.key(role="admin"))
    before = client.get("/api/v1/audit?limit=1", headers=admin)
    assert before.status_code == 200, before.text
    client.post("/api/v1/tax/vat-check", json={"number": "FR40303265045"}, headers=admin)
    after = client.get("/api/v1/audit?limit=1", headers=admin)
    assert after.json()["items"] == before.json()["items"]


@pytest.mark.parametrize(
    "url",
    ["/api/v1/tax/report", "/api/v1/tax/rates", "/api/v1/tax/discrepancies"],
)
def test_only_finance_and_admin(
    client: TestClient, served: ServedWorkspace, executive_key: str, url: str
) -> None:
    assert client.get(url, headers=bearer(served.key(role="admin"))).status_code == 200
    for key in (executive_key, served.key(role="sales"), served.key(role="marketing")):
        response = client.get(url, headers=bearer(key))
        assert response.status_code == 403, (url, response.text)
    refused = client.post(
        "/api/v1/tax/vat-check", json={"number": "DE136695976"}, headers=bearer(executive_key)
    )
    assert refused.status_code == 403


def test_other_tenant_gets_no_report(client: TestClient, served: ServedWorkspace) -> None:
    response = client.get("/api/v1/tax/report", headers=bearer(served.key(OTHER)))
    assert response.status_code == 404


def test_a_workspace_override_reaches_the_api_without_restart(
    client: TestClient, finance: dict[str, str], served: ServedWorkspace
) -> None:
    path = served.workspace.root / "config" / "tax_rates.csv"
    assert not path.exists()
    path.parent.mkdir(exist_ok=True)
    header = "jurisdiction,kind,rate,valid_from,valid_to,note\n"
    try:
        path.write_text(header + "GB,VAT,17.5,2025-01-01,2025-12-31,made up\n", encoding="utf-8")
        rates = client.get("/api/v1/tax/rates?jurisdiction=GB&date=2025-06-01", headers=finance)
        assert [r["rate"] for r in rates.json()["items"]] == ["17.5"]
        assert rates.json()["items"][0]["source"] == f"{path}, line 2"
        found = client.get("/api/v1/tax/discrepancies?limit=500", headers=finance).json()
        assert found["total"] > 0
        assert {i["jurisdiction"] for i in found["items"]} <= {"GB", "IE"}
        gb = [i for i in found["items"] if i["jurisdiction"] == "GB"]
        assert gb and all(i["invoice_date"].startswith("2025-") for i in gb)
        assert all(i["expected_rate"] == "17.5" and i["charged_rate"] == "20" for i in gb)
        path.write_text(header + "GB,VAT,-3,2025-01-01,,\n", encoding="utf-8")
        bad = client.get("/api/v1/tax/discrepancies", headers=finance)
        assert bad.status_code == 400
        assert f"{path}, line 2, column 'rate': '-3'" in bad.json()["detail"]
    finally:
        path.unlink(missing_ok=True)
    again = client.get("/api/v1/tax/discrepancies?limit=500", headers=finance).json()
    assert all(i["jurisdiction"] == "IE" for i in again["items"]), again["items"][:3]
