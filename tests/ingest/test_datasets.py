"""The shared real datasets and the synthetic company's exports ingest completely."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from revlake.demo import GenerateConfig, generate_company
from revlake.ingest import FileStatus, IngestSummary
from revlake.workspace import Workspace

from .conftest import TENANT

# Data rows per file, from each dataset's SOURCE.md.
SHARED_ROWS = {
    "maven-crm-sales-opportunities/sales_pipeline.csv": ("maven_sales_pipeline", 8800),
    "maven-crm-sales-opportunities/accounts.csv": ("maven_accounts", 85),
    "maven-crm-sales-opportunities/sales_teams.csv": ("maven_sales_teams", 35),
    "maven-crm-sales-opportunities/products.csv": ("maven_products", 7),
    "maven-crm-sales-opportunities/data_dictionary.csv": ("maven_data_dictionary", 21),
    "sql-dwh-crm-erp/source_crm/cust_info.csv": ("dwh_crm_cust_info", 18494),
    "sql-dwh-crm-erp/source_crm/prd_info.csv": ("dwh_crm_prd_info", 397),
    "sql-dwh-crm-erp/source_crm/sales_details.csv": ("dwh_crm_sales_details", 60398),
    "sql-dwh-crm-erp/source_erp/CUST_AZ12.csv": ("dwh_erp_cust_az12", 18484),
    "sql-dwh-crm-erp/source_erp/LOC_A101.csv": ("dwh_erp_loc_a101", 18484),
    "sql-dwh-crm-erp/source_erp/PX_CAT_G1V2.csv": ("dwh_erp_px_cat_g1v2", 37),
}


def test_shared_datasets_ingest_completely_with_quirks_verbatim(
    shared_datasets: Path,
    workspace: Workspace,
    ingest: Callable[..., IngestSummary],
    query: Callable[..., list[tuple[Any, ...]]],
) -> None:
    landing = workspace.landing_dir(TENANT)
    for relative in SHARED_ROWS:
        target = landing / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shared_datasets / relative, target)
    summary = ingest(strict=True)
    got = {f.path: (f.layout, f.rows_loaded, f.rows_rejected) for f in summary.files}
    assert got == {path: (*expected, 0) for path, expected in SHARED_ROWS.items()}
    assert summary.exit_code == 0
    # Whitespace kept exactly, empty fields are null.
    assert query(
        "SELECT cst_firstname, cst_lastname FROM dwh_crm_cust_info WHERE _row_number = 1"
    ) == [(" Jon", "Yang ")]
    assert query(
        "SELECT gen, count(*) FROM dwh_erp_cust_az12 WHERE gen IN ('M ', 'F ', ' ', '  ') "
        "OR gen IS NULL GROUP BY gen ORDER BY gen"
    ) == [(" ", 3), ("  ", 1), ("F ", 1), ("M ", 1), (None, 1472)]
    assert query("SELECT DISTINCT prd_line FROM dwh_crm_prd_info ORDER BY 1") == [
        ("M ",),
        ("R ",),
        ("S ",),
        ("T ",),
        (None,),
    ]
    # `0` dates stay text; the last row of a file without a final newline is there.
    assert query("SELECT count(*) FROM dwh_crm_sales_details WHERE sls_order_dt = '0'") == [(17,)]
    assert query(
        "SELECT cst_key, _line_number FROM dwh_crm_cust_info ORDER BY _row_number DESC LIMIT 1"
    ) == [("A01Ass", 18495)]
    assert query("SELECT count(*) FROM dwh_crm_cust_info WHERE cst_id IS NULL") == [(4,)]
    assert query("SELECT count(*) FROM maven_sales_pipeline WHERE product = 'GTXPro'") == [(1480,)]
    assert query("SELECT count(*) FROM maven_accounts WHERE sector = 'technolgy'") == [(12,)]


def test_synthetic_company_exports_ingest_completely(
    tmp_path: Path,
    workspace: Workspace,
    ingest: Callable[..., IngestSummary],
    query: Callable[..., list[tuple[Any, ...]]],
) -> None:
    out = tmp_path / "company"
    generate_company(GenerateConfig(customers=40, seed=7, out=out))
    files = json.loads((out / "manifest.json").read_text())["files"]
    exports = {k.removeprefix("exports/"): v["rows"] for k, v in files.items()}
    exports = {k: v for k, v in exports.items() if not k.startswith("truth/")}
    landing = workspace.landing_dir(TENANT)
    for relative in exports:
        target = landing / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(out / "exports" / relative, target)
    summary = ingest(strict=True)
    assert summary.exit_code == 0
    assert {
        f.path: (f.status, f.rows_loaded, f.rows_rejected, f.new_columns) for f in summary.files
    } == {path: (FileStatus.LOADED, rows, 0, ()) for path, rows in exports.items()}
    layouts = {f.path: f.layout for f in summary.files}
    assert layouts["billing/invoices.csv"] == "stripe_invoices"
    assert layouts["crm/OpportunityHistory.csv"] == "salesforce_opportunity_history"
    assert layouts["marketing/meta_ads_campaign_report.csv"] == "meta_ads_campaign_report"
    assert layouts["fx/fx_rates.csv"] == "fx_rates"
    assert query(
        "SELECT count(*) FROM stripe_invoices WHERE amount_due IS NULL OR date_utc IS NULL"
    ) == [(0,)]
