"""The vendor layouts recognise their exports, and only theirs.

Chargebee, Recurly and a generic subscription file all describe subscriptions; Chargebee,
Recurly and QuickBooks all export invoices. Each export must load as its own vendor's
layout whatever the file is called, never as another vendor's or a generic one, and a file
in the contract's own columns must stay generic (the files are those of the end-to-end
test, tests/transform/vendor_exports.py).
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from revlake.ingest import load_layouts
from revlake.ingest.explain import explain_file
from revlake.ingest.matching import Match, match_layout
from tests.transform.vendor_exports import VENDOR_FILES

VENDOR_LAYOUTS = {layout for _, layout in VENDOR_FILES.values()}
OWN_EXAMPLES = Path(__file__).resolve().parents[2] / "docs/examples/bring-your-own-data/own"


def _headers(text: str) -> list[str]:
    return next(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize("file_name", sorted(VENDOR_FILES))
@pytest.mark.parametrize("landed_as", ["own name", "neutral name"])
def test_each_export_is_its_vendor_layout(file_name: str, landed_as: str) -> None:
    text, expected = VENDOR_FILES[file_name]
    name = file_name if landed_as == "own name" else "export.csv"
    found = match_layout(_headers(text), name, load_layouts())
    assert isinstance(found, Match), found
    assert found.layout.name == expected
    # no other vendor's layout (nor a generic one) comes close enough to be a near tie
    assert found.runner_up is None


def test_every_vendor_layout_feeds_its_entity() -> None:
    layouts = {layout.name: layout for layout in load_layouts()}
    entities = {name: layouts[name].entity for name in VENDOR_LAYOUTS}
    assert entities == {
        "chargebee_subscriptions": "subscriptions",
        "chargebee_invoices": "invoices",
        "chargebee_transactions": "payments",
        "chargebee_customers": "customers",
        "recurly_accounts": "customers",
        "recurly_subscriptions": "subscriptions",
        "recurly_invoices": "invoices",
        "recurly_transactions": "payments",
        "pipedrive_deals": "opportunities",
        "quickbooks_customers": "customers",
        "quickbooks_invoices": "invoices",
    }
    assert {layouts[name].source for name in VENDOR_LAYOUTS} == {
        "chargebee",
        "recurly",
        "pipedrive",
        "quickbooks",
    }


@pytest.mark.parametrize("path", sorted(OWN_EXAMPLES.glob("*.csv")), ids=lambda p: p.name)
def test_files_in_the_contracts_columns_stay_generic(path: Path) -> None:
    # a vendor layout that fits beats a generic one: none may fit a generic file
    found = match_layout(_headers(path.read_text(encoding="utf-8")), path.name, load_layouts())
    assert isinstance(found, Match), found
    assert found.layout.name == f"generic_{path.stem}"


def test_a_vendor_file_missing_its_key_column_is_not_taken_for_the_vendor() -> None:
    text, _ = VENDOR_FILES["chargebee_subscriptions.csv"]
    headers = [h for h in _headers(text) if h != "subscriptions.activated_at"]
    found = match_layout(headers, "chargebee_subscriptions.csv", load_layouts())
    assert not (isinstance(found, Match) and found.layout.name == "chargebee_subscriptions")


def test_explain_shows_vendor_formats_and_the_contract_preview(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(VENDOR_FILES["quickbooks_invoices.csv"][0], encoding="utf-8")
    explanation = explain_file(path, load_layouts())
    assert explanation.chosen == "quickbooks_invoices"
    assert explanation.entity == "invoices"
    assert "fct_ar_invoices" in explanation.feeds
    roles = {c.header: c for c in explanation.columns}
    date = roles["Date"].detected
    amount = roles["Amount"].detected
    assert date is not None and date.code == "%m/%d/%Y"
    assert amount is not None and amount.code == "num:.:,:$"
    assert roles["Transaction Type"].role == "required"
    second = explanation.preview[1]
    assert (str(second["total"]), str(second["amount_due"])) == ("1085.000000", "85.000000")


def test_layouts_explain_cli_names_the_vendor_layout(tmp_path: Path) -> None:
    path = tmp_path / "Subscriptions.csv"
    path.write_text(VENDOR_FILES["chargebee_subscriptions.csv"][0], encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "revlake", "layouts", "explain", str(path), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    payload = json.loads(result.stdout)
    assert payload["layout"] == "chargebee_subscriptions"
    ranked = {entry["layout"]: entry for entry in payload["ranked"]}
    assert payload["ranked"][0]["layout"] == "chargebee_subscriptions"
    # Recurly's subscription layout is shown, and why it does not fit
    assert ranked["recurly_subscriptions"]["fits"] is False
    assert "uuid" in ranked["recurly_subscriptions"]["missing_required"]
    assert payload["entity"] == "subscriptions"
    first = payload["preview"][0]
    # 01/15/2024 10:00 (a US site's date) parsed; the status word is not a trial
    assert (first["start_date"], first["is_trial"], first["mrr"]) == (
        "2024-01-15",
        False,
        "100.000000",
    )
