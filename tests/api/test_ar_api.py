"""Receivables endpoints: aging, open/overdue invoices, DSO, collection notes (audited).

Against the shared served workspace (150 customers, seed 5). Numbers are checked against
the library reading the same published snapshot, and against their own definitions.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from revlake.finance import receivables as ar
from revlake.reader import Build, open_build
from revlake.store.collections import list_notes
from revlake.store.keys import create_key
from revlake.store.workspace_store import open_store
from revlake.transform import snapshots
from tests.api.conftest import bearer
from tests.serving_support import OTHER, TENANT, ServedWorkspace

AR_GETS = ("/api/v1/ar/aging", "/api/v1/ar/invoices", "/api/v1/ar/overdue", "/api/v1/ar/dso")


@pytest.fixture(scope="module")
def finance(served: ServedWorkspace) -> dict[str, str]:
    return bearer(served.key(TENANT, "finance"))


@pytest.fixture(scope="module")
def executive(served: ServedWorkspace) -> dict[str, str]:
    store = open_store(served.workspace)
    try:
        with store.write() as session:
            created = create_key(session, tenant_id=TENANT, role="executive", actor="tests")
    finally:
        store.dispose()
    return bearer(created.key)


@pytest.fixture(scope="module")
def snapshot(served: ServedWorkspace) -> Build:
    path = snapshots.current_snapshot(served.workspace.snapshots_dir(TENANT))
    assert path is not None
    return open_build(path)


def _an_open_invoice(client: TestClient, finance: dict[str, str]) -> dict[str, object]:
    items = client.get("/api/v1/ar/invoices?limit=1", headers=finance).json()["items"]
    assert items
    item = items[0]
    assert isinstance(item, dict)
    return item


def test_aging_adds_up_and_equals_the_library(
    client: TestClient, finance: dict[str, str], snapshot: Build
) -> None:
    response = client.get("/api/v1/ar/aging?as_of=2024-06-30&by_customer=true", headers=finance)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["as_of"] == "2024-06-30" and body["reporting_currency"] == "USD"
    report = ar.aging(snapshot, dt.date(2024, 6, 30), by_customer=True)
    assert Decimal(body["total"]["total"]) == report.total_rc.total
    for row in [body["total"], *body["by_currency"], *body["by_customer"]]:
        buckets = {k: Decimal(v) for k, v in row["buckets"].items()}
        assert sum(buckets.values()) == Decimal(row["total"])
        assert Decimal(row["total"]) - buckets["current"] == Decimal(row["overdue"])
    by_currency = {r["currency"]: Decimal(r["total"]) for r in body["by_currency"]}
    assert by_currency == {r.currency: r.total for r in report.by_currency}
    per_customer = sum(Decimal(str(r["total"])) for r in body["by_customer"])
    assert per_customer == sum((r.total for r in report.by_currency), Decimal(0))


def test_aging_defaults_to_the_last_event_day(
    client: TestClient, finance: dict[str, str], snapshot: Build
) -> None:
    body = client.get("/api/v1/ar/aging", headers=finance).json()
    assert body["as_of"] == str(ar.latest_event_date(snapshot))
    assert body["by_customer"] is None


def test_invoices_page_sort_and_filter(
    client: TestClient, finance: dict[str, str], snapshot: Build
) -> None:
    day = ar.latest_event_date(snapshot)
    everything = ar.open_invoices(snapshot, day)
    first = client.get("/api/v1/ar/invoices?limit=3&sort=-open_balance", headers=finance).json()
    assert first["total"] == len(everything) and len(first["items"]) == min(3, len(everything))
    balances = [Decimal(i["open_balance"]) for i in first["items"]]
    assert balances == sorted(balances, reverse=True)
    assert balances[0] == max(i.open_balance for i in everything)
    if first["total"] > 3:
        assert first["next_offset"] == 3
        second = client.get(
            "/api/v1/ar/invoices?limit=3&offset=3&sort=-open_balance", headers=finance
        ).json()
        assert Decimal(second["items"][0]["open_balance"]) <= balances[-1]
    overdue = client.get("/api/v1/ar/invoices?status=overdue&limit=500", headers=finance).json()
    assert all(i["days_past_due"] > 0 for i in overdue["items"])
    customer = everything[0].customer_id
    mine = client.get(f"/api/v1/ar/invoices?customer={customer}", headers=finance).json()
    assert mine["total"] >= 1 and {i["customer_id"] for i in mine["items"]} == {customer}


def test_bad_queries_are_clear_problems(client: TestClient, finance: dict[str, str]) -> None:
    bad_sort = client.get("/api/v1/ar/invoices?sort=amount_secret", headers=finance)
    assert bad_sort.status_code == 400
    assert "cannot sort by 'amount_secret'" in bad_sort.json()["detail"]
    assert client.get("/api/v1/ar/invoices?status=paid", headers=finance).status_code == 422
    assert client.get("/api/v1/ar/aging?as_of=2024-13-01", headers=finance).status_code == 422
    reversed_range = client.get("/api/v1/ar/dso?from=2025-06-01&to=2025-01-01", headers=finance)
    assert reversed_range.status_code == 400
    assert "after" in reversed_range.json()["detail"]


def test_overdue_list_has_days_late_and_contact(
    client: TestClient, finance: dict[str, str], snapshot: Build
) -> None:
    body = client.get("/api/v1/ar/overdue?as_of=2025-06-30&limit=500", headers=finance).json()
    expected = ar.overdue(snapshot, dt.date(2025, 6, 30))
    assert body["total"] == len(expected) > 0
    days = [i["days_past_due"] for i in body["items"]]
    assert days == sorted(days, reverse=True) and min(days) > 0
    assert all(i["customer_email"] and "@" in i["customer_email"] for i in body["items"])


def test_dso_is_receivables_over_billed_times_days(
    client: TestClient, finance: dict[str, str]
) -> None:
    body = client.get("/api/v1/ar/dso?from=2025-01-01&to=2025-06-30", headers=finance).json()
    months = [i["month_end"] for i in body["items"]]
    assert months == [
        "2025-01-31",
        "2025-02-28",
        "2025-03-31",
        "2025-04-30",
        "2025-05-31",
        "2025-06-30",
    ]
    for item in body["items"]:
        if Decimal(item["billed"]) > 0:
            expected = float(item["receivables"]) / float(item["billed"]) * item["days_in_period"]
            assert item["dso_days"] == pytest.approx(expected, abs=0.006)


def _audit_count(client: TestClient, headers: dict[str, str]) -> int:
    return len(client.get("/api/v1/audit?limit=500", headers=headers).json()["items"])


def test_collection_note_is_stored_listed_and_audited(
    client: TestClient, finance: dict[str, str], served: ServedWorkspace
) -> None:
    invoice = _an_open_invoice(client, finance)
    invoice_id = invoice["invoice_id"]
    response = client.post(
        f"/api/v1/ar/invoices/{invoice_id}/notes",
        json={"status": "promised", "text": "Will pay Friday", "promised_date": "2026-01-09"},
        headers=finance,
    )
    assert response.status_code == 201, response.text
    note = response.json()
    assert note["invoice_id"] == invoice_id and note["customer_id"] == invoice["customer_id"]
    assert note["author"].startswith("api-key:") and note["status"] == "promised"
    listed = client.get(f"/api/v1/ar/invoices/{invoice_id}/notes", headers=finance).json()
    assert [n["id"] for n in listed["items"]][-1] == note["id"]
    entries = client.get("/api/v1/audit?limit=20", headers=finance).json()["items"]
    created = [e for e in entries if e["action"] == "ar_note.created"]
    assert created and created[0]["entity_id"] == invoice_id
    assert created[0]["changes"]["text"] == {"before": None, "after": "Will pay Friday"}
    assert created[0]["actor"] == note["author"]
    assert client.get("/api/v1/audit/verify", headers=finance).json()["ok"] is True


def test_bad_notes_write_nothing(
    client: TestClient, finance: dict[str, str], served: ServedWorkspace
) -> None:
    invoice_id = _an_open_invoice(client, finance)["invoice_id"]
    before = _audit_count(client, finance)
    cases = [
        ("in_does_not_exist", {"status": "contacted", "text": "x"}, 404),
        (invoice_id, {"status": "begging", "text": "x"}, 422),
        (invoice_id, {"status": "promised", "text": "soon"}, 400),  # no promised_date
        (invoice_id, {"status": "contacted", "text": ""}, 400),  # text required
        (invoice_id, {"status": "contacted", "text": "x", "promised_date": "2026-01-01"}, 400),
        (invoice_id, {"status": "contacted", "text": "x", "amount": 5}, 422),  # unknown field
        (invoice_id, {"status": "contacted", "text": "x" * 4001}, 422),
    ]
    for target, body, status in cases:
        response = client.post(f"/api/v1/ar/invoices/{target}/notes", json=body, headers=finance)
        assert response.status_code == status, (body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    assert _audit_count(client, finance) == before
    missing = client.get("/api/v1/ar/invoices/in_does_not_exist/notes", headers=finance)
    assert missing.status_code == 404


@pytest.mark.parametrize("role", ["sales", "marketing"])
def test_other_roles_are_refused(client: TestClient, served: ServedWorkspace, role: str) -> None:
    headers = bearer(served.key(TENANT, role))
    for path in AR_GETS:
        assert client.get(path, headers=headers).status_code == 403, path
    response = client.post(
        "/api/v1/ar/invoices/x/notes", json={"status": "contacted", "text": "x"}, headers=headers
    )
    assert response.status_code == 403


def test_executive_is_refused(client: TestClient, executive: dict[str, str]) -> None:
    for path in AR_GETS:
        response = client.get(path, headers=executive)
        assert response.status_code == 403, path
        assert "may not read 'ar'" in response.json()["detail"]


def test_admin_may_read(client: TestClient, served: ServedWorkspace) -> None:
    headers = bearer(served.key(TENANT, "admin"))
    for path in AR_GETS:
        assert client.get(path, headers=headers).status_code == 200, path


def test_tenancy_other_tenant_sees_nothing_and_writes_nothing(
    client: TestClient, finance: dict[str, str], served: ServedWorkspace
) -> None:
    invoice_id = _an_open_invoice(client, finance)["invoice_id"]
    other = bearer(served.key(OTHER, "admin"))
    assert client.get("/api/v1/ar/aging", headers=other).status_code == 404  # no snapshot
    response = client.post(
        f"/api/v1/ar/invoices/{invoice_id}/notes",
        json={"status": "contacted", "text": "from the other tenant"},
        headers=other,
    )
    assert response.status_code == 404
    store = open_store(served.workspace)
    try:
        with store.read() as session:
            assert list_notes(session, tenant_id=OTHER) == []
            texts = [n.text for n in list_notes(session, tenant_id=TENANT)]
    finally:
        store.dispose()
    assert "from the other tenant" not in texts
