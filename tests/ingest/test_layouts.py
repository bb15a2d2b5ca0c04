"""Layouts: the shipped set, matching with aliases, workspace layouts and their validation."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from revlake.contract import ENTITIES
from revlake.errors import InputError
from revlake.ingest import IngestSummary, load_layouts
from revlake.ingest.layouts import parse_layout
from revlake.ingest.matching import Match, NoMatch, match_layout
from revlake.workspace import Workspace

SHIPPED = [
    "salesforce_account",
    "salesforce_user",
    "salesforce_lead",
    "salesforce_opportunity",
    "salesforce_opportunity_history",
    "hubspot_deals",
    "hubspot_companies",
    "stripe_customers",
    "stripe_products",
    "stripe_prices",
    "stripe_coupons",
    "stripe_subscriptions",
    "stripe_invoices",
    "stripe_invoice_line_items",
    "stripe_charges",
    "stripe_refunds",
    "stripe_credit_notes",
    "google_ads_campaign_report",
    "meta_ads_campaign_report",
    "linkedin_ads_campaign_report",
    "microsoft_ads_campaign_report",
    "fx_rates",
    "maven_sales_pipeline",
    "maven_accounts",
    "maven_products",
    "maven_sales_teams",
    "maven_data_dictionary",
    "dwh_crm_cust_info",
    "dwh_crm_prd_info",
    "dwh_crm_sales_details",
    "dwh_erp_cust_az12",
    "dwh_erp_loc_a101",
    "dwh_erp_px_cat_g1v2",
    "stripe_payouts",
    "xero_bills",
    "xero_bill_payments",
    "bank_statement",
    "salesforce_contact",
    "chargebee_subscriptions",
    "chargebee_invoices",
    "chargebee_transactions",
    "chargebee_customers",
    "recurly_accounts",
    "recurly_subscriptions",
    "recurly_invoices",
    "recurly_transactions",
    "pipedrive_deals",
    "quickbooks_customers",
    "quickbooks_invoices",
    *(f"generic_{name}" for name in ENTITIES),
]


def test_every_required_layout_ships() -> None:
    assert sorted(layout.name for layout in load_layouts()) == sorted(SHIPPED)


def _match(headers: list[str], name: str = "export.csv") -> str:
    found = match_layout(headers, name, load_layouts())
    assert isinstance(found, Match), found
    return found.layout.name


def test_real_stripe_spellings_match_through_aliases() -> None:
    # Dashboard export spelling and API/Sigma spelling of the same refunds export.
    assert _match(["id", "Charge ID", "Amount", "Currency", "Created (UTC)"]) == "stripe_refunds"
    found = match_layout(
        ["id", "charge", "amount", "currency", "created", "reason"], "r.csv", load_layouts()
    )
    assert isinstance(found, Match)
    assert found.layout.name == "stripe_refunds"
    assert found.mapping.columns == (
        "id",
        "charge_id",
        "amount",
        "currency",
        "created_utc",
        "reason",
    )


def test_optional_columns_may_be_missing_and_extra_columns_are_kept() -> None:
    headers = ["id", "Customer", "Status", "Currency", "Amount Due", "Custom Field"]
    found = match_layout(headers, "invoices.csv", load_layouts())
    assert isinstance(found, Match)
    assert found.layout.name == "stripe_invoices"
    assert found.mapping.columns[-1] == "custom_field"


def test_product_usage_exports_match_with_their_own_spellings() -> None:
    assert _match(["customer_id", "month", "seats", "active_users", "sessions"]) == (
        "generic_product_usage"
    )
    assert _match(["Stripe Customer ID", "Month", "MAU"], "usage.csv") == "generic_product_usage"


def test_salesforce_report_labels_match() -> None:
    headers = ["Opportunity ID", "Account ID", "Stage", "Close Date", "Amount"]
    assert _match(headers) == "salesforce_opportunity"


def test_no_match_explains_the_closest_layouts() -> None:
    found = match_layout(["cid", "country"], "x.csv", load_layouts())
    assert isinstance(found, NoMatch)
    assert "dwh_erp_loc_a101: missing required columns cntry" in found.message


def test_workspace_layout_is_used_and_listed(
    workspace: Workspace,
    drop: Callable[[str, bytes], Path],
    ingest: Callable[..., IngestSummary],
    query: Callable[..., list[tuple[Any, ...]]],
) -> None:
    folder = workspace.root / "layouts"
    folder.mkdir()
    (folder / "erp_orders.toml").write_text(
        'name = "erp_orders"\nsource = "erp"\nrequired = ["Order No", "Customer"]\n'
        'optional = ["Total"]\n[aliases]\n"Order No" = ["order_number"]\n',
        encoding="utf-8",
    )
    names = {layout.name: layout for layout in load_layouts(workspace.root)}
    assert names["erp_orders"].origin.endswith("erp_orders.toml")
    drop("orders.csv", b"order_number;Customer;Total\nA-1;ACME;10\n")
    [result] = ingest().files
    assert result.layout == "erp_orders"
    assert query("SELECT order_no, customer, total FROM erp_orders") == [("A-1", "ACME", "10")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('name = "x"\nrequired = ["a"]\ncolumnz = 1\n', "key 'columnz': unknown key"),
        ('name = "Bad Name"\nrequired = ["a"]\n', "key 'name': must start with a lowercase"),
        ('name = "x"\nrequired = []\n', "key 'required'"),
        ('name = "x"\nrequired = ["a"]\n[aliases]\nb = ["c"]\n', "[aliases] key 'b'"),
        ('name = "x"\nrequired = ["A b", "a_b"]\n', "normalise to the same name: a_b"),
        ('name = "x"\nrequired = ["a"\n', "not valid TOML"),
    ],
)
def test_invalid_layout_files_name_file_and_key(text: str, expected: str) -> None:
    with pytest.raises(InputError) as info:
        parse_layout(text, "ws/layouts/x.toml")
    assert "ws/layouts/x.toml" in str(info.value)
    assert expected in str(info.value)


def test_invalid_workspace_layout_stops_ingest(
    workspace: Workspace, ingest: Callable[..., IngestSummary]
) -> None:
    (workspace.root / "layouts").mkdir()
    (workspace.root / "layouts" / "broken.toml").write_text('name = "x"\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"broken\.toml.*'required'"):
        ingest()
