"""Bring your own data: files in the contract's own columns (or a mapping) reach gold and API.

Tenant `own` lands one small file per data-contract entity, written with the generic
layouts' field names and common synonyms (`account_id`, `mrr_amount`, `won` …). Tenant
`mapped` lands a subscription export with its own headers, words and European dates,
mapped once by a workspace layout. Both are built with the real pipeline and every
figure checked below is computed by hand from the files.
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
from revlake.contract import ENTITIES
from revlake.ingest import FileStatus, run_ingest
from revlake.store.keys import create_key
from revlake.store.tenants import sync_tenants
from revlake.store.workspace_store import open_store
from revlake.transform.build import build_tenant
from revlake.workspace import Workspace, init_workspace
from tests.money_json import with_amounts

OWN, MAPPED = "own", "mapped"


# The worked examples of docs/BRING-YOUR-OWN-DATA.md: the guide shows these very files.
EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples" / "bring-your-own-data"

# One file per entity, in the contract's columns or their synonyms.
OWN_FILES = {
    path.name: path.read_text(encoding="utf-8") for path in sorted((EXAMPLES / "own").glob("*.csv"))
}

# A subscription export in its own words, European dates and decimal commas, and the
# workspace layout that maps it once.
MAPPED_LAYOUT = (EXAMPLES / "mapped" / "layouts" / "acme_subscriptions.toml").read_text(
    encoding="utf-8"
)
MAPPED_FILES = {
    path.name: path.read_text(encoding="utf-8")
    for path in sorted((EXAMPLES / "mapped").glob("*.csv"))
}

# The contact list exported again a month later: p1's title changed, p2 is new and was
# exported twice in the same file (the later line wins).
REEXPORT_NAME = "contacts_2024-02.csv"
REEXPORT = (
    "contact_id,customer_id,first_name,last_name,email,title\n"
    "p1,c1,Ann,Lee,ann@acme.example,Chief Financial Officer\n"
    "p2,c2,Bo,Chen,bo@beta.example,Buyer\n"
    "p2,c2,Bo,Chen,bo@beta.example,Head of Purchasing\n"
)


@dataclass(frozen=True)
class Built:
    workspace: Workspace
    snapshots: dict[str, Path]
    keys: dict[str, str]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    workspace = init_workspace(tmp_path_factory.mktemp("byod") / "ws", [OWN, MAPPED])
    (workspace.root / "layouts").mkdir()
    (workspace.root / "layouts" / "acme_subscriptions.toml").write_text(
        MAPPED_LAYOUT, encoding="utf-8"
    )
    workspace = Workspace.open(workspace.root)
    own = workspace.landing_dir(OWN)
    own.mkdir(parents=True, exist_ok=True)
    for name, text in OWN_FILES.items():
        (own / name).write_text(text, encoding="utf-8")
    mapped = workspace.landing_dir(MAPPED)
    mapped.mkdir(parents=True, exist_ok=True)
    for name, text in MAPPED_FILES.items():  # kurse.csv: EUR needs a rate into USD
        (mapped / name).write_text(text, encoding="utf-8")
    snapshots = {}
    for tenant in (OWN, MAPPED):
        summary = run_ingest(workspace, tenant, strict=True)
        assert all(f.status is FileStatus.LOADED for f in summary.files), summary.files
        if tenant == OWN:  # a later re-export updates a record instead of duplicating it
            (own / REEXPORT_NAME).write_text(REEXPORT, encoding="utf-8")
            again = run_ingest(workspace, tenant, strict=True)
            assert [f.status for f in again.files] == [FileStatus.LOADED], again.files
        build = build_tenant(workspace, tenant)
        assert build.published, [f"{n.name}: {n.message}" for n in build.failures]
        assert build.snapshot is not None
        snapshots[tenant] = build.snapshot
    store = open_store(workspace)
    keys = {}
    try:
        with store.write() as session:
            sync_tenants(session, workspace.settings.tenants, actor="tests")
            for tenant in (OWN, MAPPED):
                keys[tenant] = create_key(
                    session, tenant_id=tenant, role="admin", actor="tests"
                ).key
    finally:
        store.dispose()
    return Built(workspace, snapshots, keys)


@pytest.fixture(scope="module")
def client(built: Built) -> Iterator[TestClient]:
    with TestClient(create_app(built.workspace), raise_server_exceptions=False) as test_client:
        yield test_client


def _rows(built: Built, tenant: str, sql: str) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(built.snapshots[tenant]), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _api(client: TestClient, built: Built, tenant: str, url: str) -> Any:
    response = client.get(url, headers={"Authorization": f"Bearer {built.keys[tenant]}"})
    assert response.status_code == 200, response.text
    return with_amounts(response.json())


def test_every_entity_has_a_worked_example() -> None:
    assert {name.removesuffix(".csv") for name in OWN_FILES} == set(ENTITIES)
    guide = (EXAMPLES.parents[1] / "BRING-YOUR-OWN-DATA.md").read_text(encoding="utf-8")
    for name, text in OWN_FILES.items():
        assert f"own/{name}" in guide and f"```csv\n{text}```" in guide, (
            f"the guide does not show {name} as it is"
        )
    for name, text in MAPPED_FILES.items():
        assert f"```csv\n{text}```" in guide or name == "kurse.csv", name
    assert MAPPED_LAYOUT.strip() in guide


def test_every_file_was_recognised_as_its_generic_layout(built: Built) -> None:
    con = duckdb.connect(str(built.workspace.bronze_path(OWN)), read_only=True)
    try:
        layouts = dict(con.execute("select path, layout from _manifest").fetchall())
    finally:
        con.close()
    assert layouts == {
        **{name: f"generic_{name.removesuffix('.csv')}" for name in OWN_FILES},
        REEXPORT_NAME: "generic_contacts",
    }


def test_subscription_periods_give_the_five_movements_by_hand(built: Built) -> None:
    movements = _rows(
        built,
        OWN,
        "select month_start_date, customer_id, movement_type, amount "
        "from gold.fct_mrr_movements order by 1, 2, 3",
    )
    d = dt.date
    # last-day rule, exclusive ends: c1 100 Jan-Mar then 150 from Apr (open); c2 covers
    # Feb 29 only; c3 Mar-Apr, then Jul-Aug
    assert movements == [
        (d(2024, 1, 1), "c1", "new", Decimal("100.00")),
        (d(2024, 2, 1), "c2", "new", Decimal("50.00")),
        (d(2024, 3, 1), "c2", "churn", Decimal("-50.00")),
        (d(2024, 3, 1), "c3", "new", Decimal("80.00")),
        (d(2024, 4, 1), "c1", "expansion", Decimal("50.00")),
        (d(2024, 5, 1), "c3", "churn", Decimal("-80.00")),
        (d(2024, 7, 1), "c3", "reactivation", Decimal("80.00")),
        (d(2024, 9, 1), "c3", "churn", Decimal("-80.00")),
    ]
    # c1's open period counts up to the month the file was loaded
    [(last_month, mrr)] = _rows(
        built,
        OWN,
        "select month_start_date, mrr_rc from gold.kpi_revenue_monthly "
        "order by month_start_date desc limit 1",
    )
    assert last_month == dt.date.today().replace(day=1)
    assert mrr == Decimal("150.00")


def test_kpis_api_answers_from_the_subscription_file(client: TestClient, built: Built) -> None:
    body = _api(client, built, OWN, "/api/v1/kpis")
    kpis = {k["key"]: k for k in body["kpis"]}
    assert Decimal(str(kpis["mrr"]["value"])) == Decimal("150")
    assert Decimal(str(kpis["arr"]["value"])) == Decimal("1800")
    assert kpis["customers"]["value"] == 1


def test_customers_with_churn_labels_and_channels(built: Built) -> None:
    rows = _rows(
        built,
        OWN,
        "select customer_id, customer_name, location_key, segment, is_churned, is_inferred "
        "from gold.dim_customer order by 1",
    )
    assert rows == [
        ("c1", "Acme GmbH", "DE", "enterprise", False, False),
        ("c2", "Beta Ltd", "GB", "smb", True, False),
        ("c3", "Gamma Inc", "US", "smb", True, False),
        ("c4", "Delta SA", "FR", "mid-market", False, False),
    ]
    channels = _rows(
        built,
        OWN,
        "select channel_key, new_customers, new_mrr_rc from gold.fct_channel_performance "
        "where new_customers > 0 order by 1, month_start_date",
    )
    assert channels == [
        ("paid_search", 1, Decimal("50.00")),
        ("webinar", 1, Decimal("100.00")),
        ("webinar", 1, Decimal("80.00")),
    ]


def test_receivables_from_invoices_payments_and_credit_notes(
    client: TestClient, built: Built
) -> None:
    rows = _rows(built, OWN, "select invoice_id, open_balance from gold.fct_ar_invoices order by 1")
    # i1 paid in full; i2 50 less a 5 credit note
    assert rows == [("i1", Decimal("0.00")), ("i2", Decimal("45.00"))]
    body = _api(client, built, OWN, "/api/v1/ar/invoices?as_of=2024-03-31")
    assert [i["invoice_id"] for i in body["items"]] == ["i2"]


def test_invoice_lines_feed_the_revenue_schedule(built: Built) -> None:
    [(recognised,)] = _rows(
        built,
        OWN,
        "select sum(recognised_amount) from gold.fct_revenue_schedule where invoice_id = 'i1'",
    )
    assert recognised == Decimal("100.00")


def test_opportunities_without_dates_keep_their_outcome(client: TestClient, built: Built) -> None:
    rows = _rows(
        built,
        OWN,
        "select opportunity_id, is_won, is_closed, amount, rep_key, product_key "
        "from gold.fct_pipeline order by 1",
    )
    assert rows == [
        ("o1", True, True, Decimal("1000.00"), "generic:Kim", "generic:bike"),
        ("o2", False, True, Decimal("400.00"), "generic:Kim", "generic:helmet"),
        ("o3", True, True, Decimal("600.00"), "generic:Raj", "generic:bike"),
        ("o4", False, True, Decimal("900.00"), "generic:Raj", "generic:bike"),
    ]
    history = _rows(
        built,
        OWN,
        "select stage_name from gold.fct_opportunity_stage_history "
        "where opportunity_id = 'o1' order by entered_date",
    )
    assert [h[0] for h in history][-1] == "Closed Won"


def test_leads_funnel_and_the_lead_without_a_date_said_plainly(built: Built) -> None:
    [(leads,)] = _rows(
        built,
        OWN,
        "select sum(leads) from gold.fct_funnel where month_start_date = '2024-01-01'",
    )
    assert leads == 2
    coverage = dict(
        _rows(built, OWN, "select subject, message from gold.rpt_coverage where kind = 'metric'")
    )
    assert "1 lead(s) have no created date" in coverage["fct_funnel"]
    assert "1 converted lead(s) have no conversion date" in coverage["fct_funnel"]
    assert "4 opportunity(ies) have no created date" in coverage["fct_pipeline"]


def test_spend_orders_bills_bank_usage_churn_tickets_and_contacts(built: Built) -> None:
    [(spend,)] = _rows(built, OWN, "select sum(spend_rc) from gold.fct_channel_performance")
    assert spend == Decimal("800.00")
    assert _rows(built, OWN, "select count(*), sum(sales_amount) from gold.fct_sales") == [
        (3, Decimal("3650.00"))
    ]
    assert (
        _rows(
            built, OWN, "select count(*) from gold.fct_ap_balance_events where bill_number = 'b1'"
        )[0][0]
        >= 2
    )
    assert _rows(built, OWN, "select count(*) from gold.fct_bank_transactions") == [(4,)]
    # `month` is a month key: the 2024-02-15 row replaces the 2024-02-01 one (later line)
    assert _rows(
        built,
        OWN,
        "select month_start_date, active_users from silver.int_product_usage where is_valid"
        " order by 1",
    ) == [(dt.date(2024, 1, 1), 8), (dt.date(2024, 2, 1), 11)]
    assert _rows(built, OWN, "select customer_id, reason, mrr_lost from gold.fct_churn_events") == [
        ("c2", "too expensive", Decimal("50.00"))
    ]
    assert _rows(
        built,
        OWN,
        "select tickets_opened, tickets_open, high_priority_tickets from gold.fct_support_tickets",
    ) == [(2, 1, 1)]
    assert _rows(built, OWN, "select customer_key, title from gold.dim_contact order by 1") == [
        ("generic:c1", "Chief Financial Officer"),
        ("generic:c2", "Head of Purchasing"),
    ]
    assert _rows(
        built, OWN, "select count(*) from gold.fct_cash_payments where payment_kind = 'payout'"
    ) == [(1,)]


def test_a_mapped_file_with_its_own_words_and_dates(built: Built) -> None:
    rows = _rows(
        built,
        MAPPED,
        "select customer_key, month_start_date, mrr, currency from gold.fct_mrr "
        "where is_paying order by 1, 2",
    )
    d = dt.date
    k1 = [("acme:k1", d(2024, m, 1), Decimal("120.00"), "EUR") for m in (1, 2, 3)]
    # 1.200,00 a year = 100.00 a month, from 15 Jan 2024 (Jan 31 covered) to 15 Jan 2025
    k2 = [("acme:k2", d(2024, m, 1), Decimal("100.00"), "EUR") for m in range(1, 13)]
    assert rows == k1 + k2  # k3 is a trial: not MRR
    features = _rows(
        built, MAPPED, "select features from silver.stg_generic__subscriptions order by 1"
    )
    assert all('"region"' in str(f[0]) for f in features)


def test_a_re_exported_record_is_updated_and_the_build_says_so(built: Built) -> None:
    contacts, usage = _rows(
        built, OWN, "select message from gold.rpt_coverage where kind = 'superseded' order by 1"
    )
    # p1 in contacts.csv superseded by the re-export; p2's first line by its second
    assert contacts[0].startswith("contacts (generic): 2 row(s) superseded by a later row")
    assert "(2 record(s))" in contacts[0]
    # c1's 2024-02-01 usage row superseded by its 2024-02-15 row: the same month
    assert usage[0].startswith(
        "product_usage (generic): 1 row(s) superseded by a later row with the same "
        "customer_id, month (its month) (1 record(s))"
    )


def test_bank_lines_match_the_transfer_payout_refund_and_bill_payment(
    client: TestClient, built: Built
) -> None:
    body = _api(client, built, OWN, "/api/v1/ap/bank/reconciliation")
    # a payment file with a method says which payments reach the bank one by one (pay1:
    # "Bank transfer"); the payout, the refund of pay1 and the bill payment are matched
    # to the statement's other three lines by amount and date
    assert body["counts"] == {
        "matched": 4,
        "ambiguous": 0,
        "unmatched_bank_lines": 0,
        "unmatched_payments": 0,
        "dismissed": 0,
    }
    kinds = sorted(
        (m["payment"]["payment_kind"], m["payment"]["payment_id"]) for m in body["matched"]
    )
    assert kinds == [
        ("bill_payment", "bill_payments.csv:1"),
        ("charge", "pay1"),
        ("payout", "po1"),
        ("refund", "rf1"),
    ]


def test_every_entity_answers_through_the_api(client: TestClient, built: Built) -> None:
    """The API answers from each entity's file with the figures computed by hand above."""
    movements = {
        m["month"]: m for m in _api(client, built, OWN, "/api/v1/mrr/movements?to=2024-09")["items"]
    }
    # subscriptions: Mar 2024 = c2 churns 50, c3 new 80; MRR 100 (c1) + 80 (c3)
    march = movements["2024-03-01"]
    assert (march["new"], march["churn"], march["mrr"]) == (80.0, -50.0, 180.0)
    assert movements["2024-07-01"]["reactivation"] == 80.0
    # customers: every customer of the file, c1 paying 150 now, c2 and c3 churned
    customers = _api(client, built, OWN, "/api/v1/customers?sort=customer_id")["items"]
    assert [(c["customer_id"], c["mrr"], c["is_paying"]) for c in customers] == [
        ("c1", 150.0, True),
        ("c2", 0.0, False),
        ("c3", 0.0, False),
        ("c4", 0.0, False),
    ]
    churned = _api(client, built, OWN, "/api/v1/customers?status=churned")["items"]
    assert sorted(c["customer_id"] for c in churned) == ["c2", "c3"]
    detail = _api(client, built, OWN, "/api/v1/customers/c3")
    assert [(m["month"], m["movement_type"], m["amount"]) for m in detail["movements"]] == [
        ("2024-03-01", "new", 80.0),
        ("2024-05-01", "churn", -80.0),
        ("2024-07-01", "reactivation", 80.0),
        ("2024-09-01", "churn", -80.0),
    ]
    # leads: two dated leads in January; L1 is flagged converted without a conversion
    # date, so it counts in its creation month (L3 has no date: said in coverage)
    funnel = _api(client, built, OWN, "/api/v1/funnel?from=2024-01&to=2024-01")
    assert {(row["channel"], row["leads"], row["converted_leads"]) for row in funnel["items"]} == {
        ("web", 1, 1),
        ("partner", 1, 0),
    }
    # marketing spend: 500 + 300 on paid search; c2 (paid search) new in February at 50
    channels = _api(client, built, OWN, "/api/v1/channels")
    paid = {row["month"]: row for row in channels["items"] if row["channel"] == "paid_search"}
    assert (paid["2024-01-01"]["spend"], paid["2024-02-01"]["spend"]) == (500.0, 300.0)
    assert (paid["2024-02-01"]["new_customers"], paid["2024-02-01"]["cac"]) == (1, 300.0)
    # opportunities without dates cannot be placed in a month: the monthly pipeline
    # summary is empty and the build's coverage says why (see the funnel test above)
    assert _api(client, built, OWN, "/api/v1/pipeline/summary")["sources"] == []
    # invoice lines: l1 (100, January) recognised in January
    schedule = _api(client, built, OWN, "/api/v1/revrec/schedule?from=2024-01&to=2024-01")
    [january] = [row for row in schedule["months"] if row["currency"] == "USD"]
    assert Decimal(str(january["recognised"])) == Decimal("100.00")
    # vendor bills: b1 (300) paid on 30 Jan, so nothing is open on 31 Jan
    bills = _api(client, built, OWN, "/api/v1/ap/bills?status=all&as_of=2024-01-31")
    [bill] = bills["items"]
    assert (bill["bill_number"], Decimal(str(bill["open_balance"]))) == ("b1", Decimal("0.00"))
    open_on_the_10th = _api(client, built, OWN, "/api/v1/ap/aging?as_of=2024-01-10")
    assert Decimal(str(open_on_the_10th["total_open"])) == Decimal("300.00")
