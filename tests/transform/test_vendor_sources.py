"""Built-in vendor layouts end to end: export file → gold metric → API answer.

One tenant lands a Chargebee, a Recurly, a Pipedrive and a QuickBooks export
(tests/transform/vendor_exports.py: headers from the vendors' column lists, their date
formats, money and status words). It is ingested and built once by the real pipeline; every
figure below is worked out by hand from those rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from fastapi.testclient import TestClient

from revlake.api import create_app
from revlake.ingest import FileStatus, run_ingest
from revlake.store.keys import create_key
from revlake.store.tenants import sync_tenants
from revlake.store.workspace_store import open_store
from revlake.transform.build import build_tenant
from revlake.workspace import Workspace, init_workspace
from tests.money_json import with_amounts
from tests.transform.vendor_exports import VENDOR_FILES

TENANT = "vendors"
d = dt.date


@dataclass(frozen=True)
class Built:
    workspace: Workspace
    snapshot: Path
    key: str


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    workspace = init_workspace(tmp_path_factory.mktemp("vendors") / "ws", [TENANT])
    landing = workspace.landing_dir(TENANT)
    landing.mkdir(parents=True, exist_ok=True)
    for name, (text, _) in VENDOR_FILES.items():
        (landing / name).write_text(text, encoding="utf-8")
    summary = run_ingest(workspace, TENANT, strict=True)
    assert all(f.status is FileStatus.LOADED for f in summary.files), summary.files
    build = build_tenant(workspace, TENANT)
    assert build.published, [f"{n.name}: {n.message}" for n in build.failures]
    assert build.snapshot is not None
    store = open_store(workspace)
    try:
        with store.write() as session:
            sync_tenants(session, workspace.settings.tenants, actor="tests")
            key = create_key(session, tenant_id=TENANT, role="admin", actor="tests").key
    finally:
        store.dispose()
    return Built(workspace, build.snapshot, key)


@pytest.fixture(scope="module")
def client(built: Built) -> Iterator[TestClient]:
    with TestClient(create_app(built.workspace), raise_server_exceptions=False) as test_client:
        yield test_client


def _rows(built: Built, sql: str) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(built.snapshot), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _api(client: TestClient, built: Built, url: str) -> Any:
    response = client.get(url, headers={"Authorization": f"Bearer {built.key}"})
    assert response.status_code == 200, response.text
    return with_amounts(response.json())


def test_each_export_loads_as_its_vendor_layout(built: Built) -> None:
    con = duckdb.connect(str(built.workspace.bronze_path(TENANT)), read_only=True)
    try:
        layouts = dict(con.execute("select path, layout from _manifest").fetchall())
    finally:
        con.close()
    assert layouts == {name: layout for name, (_, layout) in VENDOR_FILES.items()}


def test_chargebee_and_recurly_subscriptions_give_the_movements_by_hand(built: Built) -> None:
    movements = _rows(
        built,
        "select month_start_date, customer_key, movement_type, amount "
        "from gold.fct_mrr_movements order by 1, 2",
    )
    assert movements == [
        # activated 15 Jan (Jan 31 counts); 3 seats × 25.00
        (d(2024, 1, 1), "chargebee:cb_c1", "new", Decimal("100.00")),
        (d(2024, 1, 1), "recurly:r_acct1", "new", Decimal("75.00")),
        # 2 seats × 1,200.00 a year ÷ 12; 600.00 per 12 months
        (d(2024, 2, 1), "chargebee:cb_c2", "new", Decimal("200.00")),
        (d(2024, 2, 1), "recurly:r_acct2", "new", Decimal("50.00")),
        (d(2024, 3, 1), "chargebee:cb_c4", "new", Decimal("50.00")),
        (d(2024, 3, 1), "recurly:r_acct3", "new", Decimal("40.00")),
        # cancelled 1 May (exclusive): April is its last month
        (d(2024, 5, 1), "chargebee:cb_c2", "churn", Decimal("-200.00")),
        # expired 20 Jun: May is its last month; back from 1 Sep on 2 × 25.00
        (d(2024, 6, 1), "recurly:r_acct2", "churn", Decimal("-50.00")),
        (d(2024, 9, 1), "recurly:r_acct2", "reactivation", Decimal("50.00")),
        # non_renewing until 10 Mar 2025: February 2025 is its last month
        (d(2025, 3, 1), "chargebee:cb_c4", "churn", Decimal("-50.00")),
    ]
    # r_acct3 was canceled in March 2024 but runs until it expires in 2030; the trial
    # (cb_c3, no activation date) is flagged and never valued
    assert _rows(
        built,
        "select customer_key, sum(mrr) from gold.fct_mrr "
        "where month_start_date = date '2024-04-01' group by 1 order by 1",
    ) == [
        ("chargebee:cb_c1", Decimal("100.00")),
        ("chargebee:cb_c2", Decimal("200.00")),
        ("chargebee:cb_c4", Decimal("50.00")),
        ("recurly:r_acct1", Decimal("75.00")),
        ("recurly:r_acct2", Decimal("50.00")),
        ("recurly:r_acct3", Decimal("40.00")),
    ]
    [(message,)] = _rows(
        built, "select message from gold.rpt_coverage where kind = 'metric' and subject = 'fct_mrr'"
    )
    assert "from chargebee (3), recurly (4)" in message
    assert "1 subscription period(s) could not be valued" in message


def test_kpis_and_movements_api_answer_from_the_vendor_files(
    client: TestClient, built: Built
) -> None:
    kpis = {k["key"]: k for k in _api(client, built, "/api/v1/kpis")["kpis"]}
    # open today: cb_c1 100 + r_acct1 75 + r_acct2 50 + r_acct3 40
    assert Decimal(str(kpis["mrr"]["value"])) == Decimal("265")
    assert Decimal(str(kpis["arr"]["value"])) == Decimal("3180")
    assert kpis["customers"]["value"] == 4
    body = _api(client, built, "/api/v1/mrr/movements?from=2024-01&to=2024-09")
    by_month = {item["month"]: item for item in body["items"]}
    assert by_month["2024-03-01"]["mrr"] == 515.0  # 100 + 200 + 50 + 75 + 50 + 40
    assert by_month["2024-05-01"]["churn"] == -200.0
    assert by_month["2024-06-01"]["mrr"] == 265.0
    assert by_month["2024-09-01"]["reactivation"] == 50.0


def test_customer_exports_name_the_billing_customers(client: TestClient, built: Built) -> None:
    rows = _rows(
        built,
        "select customer_key, customer_name, email, location_key, is_inferred "
        "from gold.dim_customer where customer_key similar to '(chargebee|recurly):.*' "
        "order by 1",
    )
    assert rows == [
        ("chargebee:cb_c1", "Acme Inc", "ap@acme.example", "US", False),
        ("chargebee:cb_c2", "Beta LLC", "billing@beta.example", "US", False),
        ("chargebee:cb_c3", "Gamma SA", "it@gamma.example", "ES", False),
        ("chargebee:cb_c4", "Delta Ltd", "fin@delta.example", "GB", False),
        ("recurly:r_acct1", "North Co", "ops@north.example", "CA", False),
        ("recurly:r_acct2", "South Ltd", "cfo@south.example", "GB", False),
        ("recurly:r_acct3", "East GmbH", "me@east.example", "DE", False),
    ]
    # the open invoices name their customer from the customer exports
    body = _api(client, built, "/api/v1/ar/invoices?as_of=2024-03-31&limit=50")
    named = {
        i["invoice_id"]: (i["customer_name"], i["customer_email"])
        for i in body["items"]
        if i["invoice_id"] in ("CB-1002", "1002")
    }
    assert named == {
        "CB-1002": ("Beta LLC", "billing@beta.example"),
        "1002": ("South Ltd", "cfo@south.example"),
    }


def test_invoices_and_transactions_give_the_receivables_by_hand(
    client: TestClient, built: Built
) -> None:
    rows = _rows(
        built,
        "select invoice_id, status, total, open_balance, due_date from gold.fct_ar_invoices "
        "where customer_key like 'chargebee:%' or customer_key like 'recurly:%' order by 1",
    )
    assert rows == [
        ("1001", "paid", Decimal("75.00"), Decimal("0.00"), d(2024, 1, 5)),
        ("1002", "open", Decimal("600.00"), Decimal("600.00"), d(2024, 3, 21)),
        ("CB-1001", "paid", Decimal("100.00"), Decimal("0.00"), d(2024, 1, 15)),
        # 2,400.00 less the 1,000.00 bank transfer
        ("CB-1002", "open", Decimal("2400.00"), Decimal("1400.00"), d(2024, 3, 2)),
        ("CB-1003", "uncollectible", Decimal("600.00"), Decimal("600.00"), d(2024, 3, 10)),
        ("CB-1004", "void", Decimal("100.00"), Decimal("0.00"), d(2024, 2, 15)),
    ]
    body = _api(client, built, "/api/v1/ar/invoices?as_of=2024-03-31&limit=50")
    vendor = {
        i["invoice_id"]: (i["open_balance"], i["days_past_due"], i["is_uncollectible"])
        for i in body["items"]
        if not i["invoice_id"].startswith("5")
    }
    assert vendor == {
        "CB-1002": (1400.0, 29, False),  # due 2 Mar
        "CB-1003": (600.0, 21, True),  # not_paid: collection gave up, still owed
        "1002": (600.0, 10, False),  # due 21 Mar
    }
    attempts = {
        i["invoice_id"]: i["last_attempt_status"]
        for i in body["items"]
        if i["invoice_id"] in ("CB-1003", "1002")
    }
    assert attempts == {"CB-1003": "failed", "1002": "failed"}  # failure / declined


def test_pipedrive_deals_give_pipeline_and_win_rate_by_hand(
    client: TestClient, built: Built
) -> None:
    rows = _rows(
        built,
        "select opportunity_id, stage_category, is_won, is_closed, amount, created_date, "
        "close_date, rep_key from gold.fct_pipeline order by 1",
    )
    assert rows == [
        ("1", "won", True, True, Decimal("12000.00"), d(2024, 1, 10), d(2024, 2, 20),
         "pipedrive:Dana Scully"),
        ("2", "lost", False, True, Decimal("5000.00"), d(2024, 1, 15), d(2024, 3, 1),
         "pipedrive:Fox Mulder"),
        ("3", "won", True, True, Decimal("8000.00"), d(2024, 2, 1), d(2024, 3, 15),
         "pipedrive:Dana Scully"),
        ("4", "open", False, False, Decimal("20000.00"), d(2024, 3, 5), None,
         "pipedrive:Fox Mulder"),
    ]  # fmt: skip
    body = _api(client, built, "/api/v1/pipeline/summary?source_system=pipedrive")
    [source] = body["sources"]
    trend = {m["month"]: m for m in source["trend"]}
    # January: deals 1 and 2 open (12,000 + 5,000), nothing closed
    assert trend["2024-01-01"]["open_pipeline"] == 17000.0
    assert trend["2024-01-01"]["win_rate"] is None
    # February: deal 1 won after 41 days (10 Jan → 20 Feb); 2 and 3 still open
    assert (trend["2024-02-01"]["win_rate"], trend["2024-02-01"]["won_amount"]) == (1.0, 12000.0)
    assert trend["2024-02-01"]["avg_cycle_days_won"] == 41.0
    assert trend["2024-02-01"]["open_pipeline"] == 13000.0
    # March: 3 won, 2 lost → 1 of 2; 4 open, 20,000 at 40 % → 8,000 weighted
    march = source["latest"]
    assert march["month"] == "2024-03-01"
    assert (march["opportunities_won"], march["opportunities_lost"]) == (1, 1)
    assert march["win_rate"] == 0.5
    assert (march["open_pipeline"], march["weighted_pipeline"]) == (20000.0, 8000.0)


def test_quickbooks_customers_and_invoices(client: TestClient, built: Built) -> None:
    customers = _rows(
        built,
        "select customer_key, customer_name, email, location_key, segment, is_inferred "
        "from gold.dim_customer where customer_key like 'quickbooks:%' order by 1",
    )
    assert customers == [
        ("quickbooks:Amy's Bird Sanctuary", "Amy's Bird Sanctuary", "Birds@Intuit.com", "US",
         "Retail", False),
        ("quickbooks:Bill's Windsurf Shop", "Bill's Windsurf Shop", "Surf@Intuit.com", "US",
         "Retail", False),
        ("quickbooks:Cool Cars", "Cool Cars", "Cool_Cars@intuit.com", "US", "Commercial", False),
    ]  # fmt: skip
    invoices = _rows(
        built,
        "select invoice_id, customer_name, invoice_date, due_date, total, amount_remaining, "
        "status from gold.fct_ar_invoices where customer_key like 'quickbooks:%' order by 1",
    )
    # US dates, `$1,085.00`; the export's Open Balance is what is still open
    assert invoices == [
        ("5001", "Amy's Bird Sanctuary", d(2024, 1, 5), d(2024, 2, 4), Decimal("239.00"),
         Decimal("239.00"), "open"),
        ("5002", "Bill's Windsurf Shop", d(2024, 1, 12), d(2024, 2, 11), Decimal("1085.00"),
         Decimal("85.00"), "open"),
        ("5003", "Cool Cars", d(2024, 2, 1), d(2024, 3, 2), Decimal("2369.52"),
         Decimal("0.00"), "paid"),
    ]  # fmt: skip
    body = _api(client, built, "/api/v1/ar/invoices?as_of=2024-03-31&limit=50")
    amy = next(i for i in body["items"] if i["invoice_id"] == "5001")
    assert (amy["customer_name"], amy["customer_email"]) == (
        "Amy's Bird Sanctuary",
        "Birds@Intuit.com",
    )
    assert (amy["amount_due"], amy["open_balance"], amy["days_past_due"]) == (239.0, 239.0, 56)
    # the list carries no payments: what its Open Balance says was paid is settled on the
    # export's as-of day (its latest invoice date, 1 Feb), so aging agrees with the file
    open_on_the_31st = {
        i["invoice_id"]: (i["open_balance"], i["days_past_due"])
        for i in body["items"]
        if i["invoice_id"].startswith("5")
    }
    assert open_on_the_31st == {"5001": (239.0, 56), "5002": (85.0, 49)}
    events = _rows(
        built,
        "select invoice_id, event_date, event_type, amount, open_balance_after "
        "from gold.fct_ar_balance_events where invoice_id in ('5002', '5003') "
        "order by invoice_id, event_sequence",
    )
    assert events == [
        ("5002", d(2024, 1, 12), "finalized", Decimal("1085.00"), Decimal("1085.00")),
        ("5002", d(2024, 2, 1), "settled_per_source", Decimal("-1000.00"), Decimal("85.00")),
        ("5003", d(2024, 2, 1), "finalized", Decimal("2369.52"), Decimal("2369.52")),
        ("5003", d(2024, 2, 1), "settled_per_source", Decimal("-2369.52"), Decimal("0.00")),
    ]
    january = _api(client, built, "/api/v1/ar/invoices?as_of=2024-01-31&limit=50")
    # on 31 Jan revlake cannot know yet that 5002 was paid: open in full
    assert {i["invoice_id"]: i["open_balance"] for i in january["items"]}.get("5002") == 1085.0
