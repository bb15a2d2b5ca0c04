"""Build the dbt project for the star/pipeline/growth tests on a small, real-looking tenant.

The tenant's bronze holds a small synthetic company (revlake's generator: CRM, billing,
ads, FX) and, when ../shared/datasets is present, the MavenTech CRM and the DWH CRM/ERP
extracts, so that one build exercises every source layout and the shared datasets' quirks.
The build runs dbt in-process through revlake.transform.runner with a DuckDB profile.
"""

from __future__ import annotations

import csv
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from revlake.demo.generate import GenerateConfig, generate_company
from revlake.ingest import run_ingest
from revlake.transform.entities import contract_vars
from revlake.transform.formats import VAR_NAME, format_vars
from revlake.transform.profile import duckdb_profile, write_profiles
from revlake.transform.project import PROJECT_DIR
from revlake.transform.runner import DbtInvocation, invoke_dbt
from revlake.workspace import init_workspace
from tests.conftest import IN_CI, SHARED_DATASETS

SYNTHETIC_CUSTOMERS = 40
SYNTHETIC_SEED = 11

SYNTHETIC_TABLES: Mapping[str, str] = {
    "salesforce_account": "crm/Account.csv",
    "salesforce_user": "crm/User.csv",
    "salesforce_lead": "crm/Lead.csv",
    "salesforce_opportunity": "crm/Opportunity.csv",
    "salesforce_opportunity_history": "crm/OpportunityHistory.csv",
    "stripe_customers": "billing/customers.csv",
    "stripe_products": "billing/products.csv",
    "stripe_prices": "billing/prices.csv",
    "stripe_coupons": "billing/coupons.csv",
    "stripe_subscriptions": "billing/subscriptions.csv",
    "stripe_invoices": "billing/invoices.csv",
    "stripe_invoice_line_items": "billing/invoice_line_items.csv",
    "stripe_charges": "billing/charges.csv",
    "stripe_refunds": "billing/refunds.csv",
    "stripe_credit_notes": "billing/credit_notes.csv",
    "google_ads_campaign_report": "marketing/google_ads_campaign_report.csv",
    "meta_ads_campaign_report": "marketing/meta_ads_campaign_report.csv",
    "linkedin_ads_campaign_report": "marketing/linkedin_ads_campaign_report.csv",
    "microsoft_ads_campaign_report": "marketing/microsoft_ads_campaign_report.csv",
    "fx_rates": "fx/fx_rates.csv",
    "stripe_payouts": "billing/payouts.csv",
    "xero_bills": "accounting/bills.csv",
    "xero_bill_payments": "accounting/bill_payments.csv",
    "bank_statement": "bank/bank_statement.csv",
}

MAVEN_TABLES: Mapping[str, str] = {
    "maven_sales_pipeline": "maven-crm-sales-opportunities/sales_pipeline.csv",
    "maven_accounts": "maven-crm-sales-opportunities/accounts.csv",
    "maven_products": "maven-crm-sales-opportunities/products.csv",
    "maven_sales_teams": "maven-crm-sales-opportunities/sales_teams.csv",
}

DWH_TABLES: Mapping[str, str] = {
    "dwh_crm_cust_info": "sql-dwh-crm-erp/source_crm/cust_info.csv",
    "dwh_crm_prd_info": "sql-dwh-crm-erp/source_crm/prd_info.csv",
    "dwh_crm_sales_details": "sql-dwh-crm-erp/source_crm/sales_details.csv",
    "dwh_erp_cust_az12": "sql-dwh-crm-erp/source_erp/CUST_AZ12.csv",
    "dwh_erp_loc_a101": "sql-dwh-crm-erp/source_erp/LOC_A101.csv",
    "dwh_erp_px_cat_g1v2": "sql-dwh-crm-erp/source_erp/PX_CAT_G1V2.csv",
}


# A tiny HubSpot export (native labels) with the quirks a real one has: a deal exported
# twice (the later row wins), padded text, stage labels and internal names, probabilities
# as fractions, several associated companies, country synonyms.
HUBSPOT_DEALS = (
    [
        "Record ID",
        "Deal Name",
        "Deal Stage",
        "Pipeline",
        "Amount",
        "Close Date",
        "Create Date",
        "Deal owner",
        "Deal Type",
        "Associated Company IDs",
        "Currency",
        "Deal probability",
    ],
    [
        [
            "9001",
            "Acme renewal",
            "closedwon",
            "default",
            "1200.50",
            "2024-03-15",
            "2024-01-10",
            "Ana Diaz",
            "existingbusiness",
            "501;502",
            "EUR",
            "1.0",
        ],
        [
            "9002",
            "Beta new",
            "Closed Lost",
            "default",
            "800",
            "2024-02-01",
            "2024-01-05",
            "Ana Diaz",
            "newbusiness",
            "502",
            "USD",
            "0",
        ],
        [
            "9003",
            " Gamma pilot ",
            "presentationscheduled",
            "default",
            "5000",
            "2024-06-30",
            "2024-02-20",
            "Bo Chen",
            "newbusiness",
            "",
            "USD",
            "0.6",
        ],
        [
            "9003",
            "Gamma pilot",
            "contractsent",
            "default",
            "5500",
            "2024-06-30",
            "2024-02-20",
            "Bo Chen",
            "newbusiness",
            "503",
            "USD",
            "0.9",
        ],
    ],
)
HUBSPOT_COMPANIES = (
    [
        "Record ID",
        "Company name",
        "Industry",
        "Country/Region",
        "Number of Employees",
        "Annual Revenue",
        "Create Date",
    ],
    [
        ["501", "Acme GmbH", "SOFTWARE", "Deutschland", "120", "5000000", "2023-05-01"],
        ["502", " Beta Ltd", "Retail", "UK", "40", "", "2023-06-01"],
        ["503", "Gamma Inc", "", "USA", "", "", "2023-07-01"],
    ],
)


@dataclass(frozen=True)
class GoldBuild:
    """A finished build: the DuckDB file with silver and gold, and what dbt reported."""

    database: Path
    bronze: Path
    invocation: DbtInvocation
    synthetic_dir: Path


def build_gold(base: Path, shared_datasets: Path | None) -> GoldBuild:
    """Generate, ingest and dbt-build the tenant under `base` (the transform conftest's
    session fixture `gold_build` calls it once; the Spark parity test builds its own slice).
    """
    work = base / ("gold-with-shared" if shared_datasets is not None else "gold-synthetic")
    work.mkdir(parents=True, exist_ok=True)
    exports = generate_synthetic(work / "synthetic")
    bronze = work / "bronze.duckdb"
    write_bronze(bronze, exports, shared_datasets)
    database, invocation = run_dbt_build(work, bronze)
    return GoldBuild(database, bronze, invocation, work / "synthetic")


def generate_synthetic(out: Path, customers: int = SYNTHETIC_CUSTOMERS) -> Path:
    """Generate the small synthetic company into `out`; return its exports folder."""
    generate_company(GenerateConfig(customers=customers, seed=SYNTHETIC_SEED, out=out))
    return out / "exports"


def write_bronze(bronze: Path, synthetic_exports: Path, shared_datasets: Path | None) -> None:
    """Ingest the synthetic exports, a tiny HubSpot export and (when given) the shared
    datasets with revlake.ingest (typed detection included) and copy the bronze to `bronze`.
    """
    files = {name: synthetic_exports / rel for name, rel in SYNTHETIC_TABLES.items()}
    if shared_datasets is not None:
        for mapping in (MAVEN_TABLES, DWH_TABLES):
            files.update({name: shared_datasets / rel for name, rel in mapping.items()})
    with tempfile.TemporaryDirectory(prefix="bronze-") as folder:
        workspace = init_workspace(Path(folder) / "ws", ["t"])
        landing = workspace.landing_dir("t")
        expected: dict[str, str] = {}
        for table, source in files.items():
            target = landing / table / source.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            expected[f"{table}/{source.name}"] = table
        for table, (headers, rows) in (
            ("hubspot_deals", HUBSPOT_DEALS),
            ("hubspot_companies", HUBSPOT_COMPANIES),
        ):
            target = landing / table / f"{table}.csv"
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(headers)
                writer.writerows([[v or "" for v in row] for row in rows])
            expected[f"{table}/{table}.csv"] = table
        summary = run_ingest(workspace, "t", settle_s=0)
        assert {f.path: f.layout for f in summary.files} == expected, summary.problems
        shutil.copyfile(workspace.bronze_path("t"), bronze)


def run_dbt_build(
    work: Path,
    bronze: Path,
    *,
    command: str = "build",
    dbt_vars: dict[str, Any] | None = None,
    select: str | None = None,
) -> tuple[Path, DbtInvocation]:
    """`dbt <command>` of the whole project into work/lake.duckdb with `bronze` attached."""
    database = work / "lake.duckdb"
    profiles = work / "profiles"
    write_profiles(profiles, duckdb_profile(database, bronze, threads=2))
    invocation = invoke_dbt(
        [command, *(["--select", select] if select else [])],
        project_dir=PROJECT_DIR,
        profiles_dir=profiles,
        target_path=work / "target",
        log_path=work / "logs",
        dbt_vars={
            "reporting_currency": "USD",
            VAR_NAME: format_vars(bronze),
            **contract_vars(None),
            **(dbt_vars or {}),
        },
    )
    return database, invocation


def shared_datasets_or_none() -> Path | None:
    """../shared/datasets when present; None outside CI; a failure in CI."""
    if SHARED_DATASETS.is_dir():
        return SHARED_DATASETS
    if IN_CI:
        pytest.fail(f"{SHARED_DATASETS} is missing: CI must run with ../shared beside the repo")
    return None


def query(database: Path, sql: str, params: list[object] | None = None) -> list[tuple[Any, ...]]:
    """Rows of a read-only query on a build's DuckDB file."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def scalar(database: Path, sql: str, params: list[object] | None = None) -> Any:
    """The single value of a read-only query."""
    rows = query(database, sql, params)
    assert len(rows) == 1 and len(rows[0]) == 1, rows
    return rows[0][0]
