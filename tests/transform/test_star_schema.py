"""Star schema (dims and ERP facts) on the shared DWH CRM/ERP extracts and the synthetic company.

Every count below is from ../shared/datasets/sql-dwh-crm-erp/SOURCE.md or recomputed here
from the raw CSVs with the csv module, independently of the SQL.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from tests.transform.bronze_fixture import write_row_tables
from tests.transform.gold_build_support import (
    GoldBuild,
    query,
    run_dbt_build,
    scalar,
)


@pytest.fixture(scope="module")
def gold(gold_build: GoldBuild) -> GoldBuild:
    return gold_build


@pytest.fixture(scope="module")
def db(gold: GoldBuild) -> Path:
    failed = [f"{n.name}: {n.status} {n.message[:200]}" for n in gold.invocation.nodes if n.failed]
    assert not failed, failed
    return gold.database


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_every_model_and_test_of_the_build_passed(gold: GoldBuild) -> None:
    assert gold.invocation.error is None
    assert [n.name for n in gold.invocation.nodes if n.failed] == []
    names = {n.name for n in gold.invocation.nodes}
    for model in (
        "dim_customer",
        "dim_product",
        "dim_rep",
        "dim_channel",
        "dim_location",
        "dim_date",
        "fct_orders",
        "fct_sales",
    ):
        assert model in names


def test_crm_customers_are_deduplicated_latest_record_wins(db: Path, shared_datasets: Path) -> None:
    assert scalar(db, "select count(*) from silver.stg_dwh__crm_customer_records") == 18_494
    invalid = query(
        db,
        "select customer_id from silver.stg_dwh__crm_customer_records "
        "where not is_valid_customer_id order by 1",
    )
    assert [r[0] for r in invalid] == sorted(["SF566", "PO25", "13451235", "A01Ass"])
    assert scalar(db, "select count(*) from gold.dim_customer where source_system = 'dwh'") == (
        18_484
    )
    # id 29466 appears three times: the latest record (created 2026-01-27, married) wins
    row = query(
        db,
        "select first_name, last_name, marital_status, gender, cast(created_date as varchar) "
        "from silver.stg_dwh__crm_customers where crm_customer_id = 29466",
    )
    assert row == [("Lance", "Jimenez", "Married", "Male", "2026-01-27")]
    # names are trimmed (" Jon", "Yang ")
    assert query(
        db,
        "select first_name, last_name from gold.dim_customer where customer_key = 'dwh:AW00011000'",
    ) == [("Jon", "Yang")]
    assert (
        scalar(
            db,
            "select count(*) from gold.dim_customer where first_name <> trim(first_name)"
            " or last_name <> trim(last_name)",
        )
        == 0
    )


def test_erp_ids_are_unified_with_crm_keys(db: Path, shared_datasets: Path) -> None:
    assert scalar(
        db, "select count(*) from silver.stg_dwh__erp_customers where had_nas_prefix"
    ) == (11_042)
    # every ERP customer and location id finds its CRM customer after normalisation
    assert (
        scalar(
            db,
            "select count(*) from gold.dim_customer where source_system = 'dwh' "
            "and not has_erp_record",
        )
        == 0
    )
    orphans = scalar(
        db,
        "select count(*) from silver.stg_dwh__erp_locations l "
        "left join silver.stg_dwh__crm_customers c on c.customer_id = l.customer_id "
        "where c.customer_id is null",
    )
    assert orphans == 0
    # the four junk-key CRM rows are the CRM customers without an ERP record
    junk_with_erp = scalar(
        db,
        "select count(*) from silver.stg_dwh__crm_customer_records r "
        "join silver.stg_dwh__erp_customers e on e.customer_id = r.customer_id "
        "where not r.is_valid_customer_id",
    )
    assert junk_with_erp == 0


def test_gender_and_marital_codes_are_normalised(db: Path, shared_datasets: Path) -> None:
    base = shared_datasets / "sql-dwh-crm-erp"
    crm_gender = {"M": "Male", "F": "Female"}
    erp_gender = {"MALE": "Male", "M": "Male", "FEMALE": "Female", "F": "Female"}
    latest: dict[str, dict[str, str]] = {}
    for row in _rows(base / "source_crm" / "cust_info.csv"):
        if row["cst_id"].strip():
            latest[row["cst_id"].strip()] = row  # later rows replace earlier ones
    erp = {
        r["CID"].strip().upper().removeprefix("NAS"): erp_gender.get(r["GEN"].strip().upper())
        for r in _rows(base / "source_erp" / "CUST_AZ12.csv")
    }
    expected = Counter(
        crm_gender.get(r["cst_gndr"].strip().upper()) or erp.get(r["cst_key"].strip())
        for r in latest.values()
    )
    actual = Counter(
        dict(
            query(
                db,
                "select gender, count(*) from gold.dim_customer "
                "where source_system = 'dwh' group by gender",
            )
        )
    )
    assert actual == expected
    marital = dict(
        query(
            db,
            "select marital_status, count(*) from silver.stg_dwh__crm_customers "
            "group by marital_status",
        )
    )
    assert set(marital) <= {"Married", "Single", None}


def test_country_synonyms_are_one_location(db: Path, shared_datasets: Path) -> None:
    counts = dict(
        query(
            db,
            "select location_key, count(*) from gold.dim_customer "
            "where source_system = 'dwh' group by location_key",
        )
    )
    assert counts["US"] == 3_391 + 2_591 + 1_500  # United States / USA / US
    assert counts["DE"] == 1_214 + 566  # Germany / DE
    assert counts["unknown"] == 337  # 332 empty + 5 whitespace-only
    assert "USA" not in counts and "United States" not in counts
    names = dict(query(db, "select location_key, country_name from gold.dim_location"))
    assert names["US"] == "United States" and names["PH"] == "Philippines"


def test_impossible_birth_dates_are_flagged_not_dropped(db: Path, shared_datasets: Path) -> None:
    reasons = dict(
        query(
            db,
            "select birth_date_invalid_reason, count(*) "
            "from silver.stg_dwh__erp_customers group by 1",
        )
    )
    assert reasons["birth date in the future"] == 16
    assert reasons["birth date before 1925"] == 17
    row = query(
        db,
        "select cast(birth_date as varchar), is_valid_birth_date from gold.dim_customer"
        " where customer_key = 'dwh:AW00011257'",
    )
    assert row == [("2050-07-06", False)]


def test_sales_lines_keep_bad_dates_and_amounts_flagged(db: Path, shared_datasets: Path) -> None:
    assert scalar(db, "select count(*) from gold.fct_sales") == 60_398
    assert scalar(db, "select count(*) from gold.fct_orders") == 27_659
    assert scalar(db, "select count(*) from gold.fct_sales where not is_valid_order_date") == 19
    assert (
        scalar(db, "select count(*) from silver.stg_dwh__crm_sales where order_date_raw = '0'")
        == 17
    )
    reasons = dict(
        query(
            db,
            "select amount_invalid_reason, count(*) from gold.fct_sales "
            "where not is_valid_amounts group by 1",
        )
    )
    assert sum(reasons.values()) == 35
    assert reasons["negative price"] == 5
    assert reasons["missing price"] == 7
    assert reasons["missing sales"] == 8
    # SO57804: price -769 → repaired to 769, raw kept
    assert query(
        db,
        "select sales_amount_raw, unit_price_raw, sales_amount, unit_price "
        "from gold.fct_sales where order_number = 'SO57804' "
        "and unit_price_raw < 0",
    ) == [(769, -769, 769, 769)]
    # after repair every line has sales = quantity × price
    assert (
        scalar(
            db, "select count(*) from gold.fct_sales where sales_amount <> quantity * unit_price"
        )
        == 0
    )
    assert (
        scalar(
            db,
            "select count(*) from gold.fct_sales where customer_key is null or product_key is null",
        )
        == 0
    )


def test_product_versions_and_category_mismatch(db: Path, shared_datasets: Path) -> None:
    assert (
        scalar(db, "select count(*) from silver.stg_dwh__crm_products where not is_valid_dates")
        == 200
    )
    chain = query(
        db,
        "select cast(valid_from as varchar), cast(valid_to as varchar) from gold.dim_product "
        "where source_system = 'dwh' and product_number = 'HL-U509-R' order by valid_from",
    )
    assert chain == [
        ("2011-07-01", "2012-06-30"),
        ("2012-07-01", "2013-06-30"),
        ("2013-07-01", None),
    ]
    # CO_PE (pedals) is absent from the ERP categories; it is reported, not remapped to CO_PD
    missing = dict(
        query(
            db,
            "select category_id, count(*) from gold.dim_product "
            "where source_system = 'dwh' and not has_category group by 1",
        )
    )
    assert set(missing) == {"CO_PE"}
    assert scalar(db, "select count(*) from gold.dim_product where category_id = 'CO_PD'") == 0


def test_dim_date_is_a_gapless_calendar(db: Path) -> None:
    first, last, days = query(
        db, "select min(date_day), max(date_day), count(*) from gold.dim_date"
    )[0]
    assert (last - first).days + 1 == days
    # 2024-01-01 was a Monday; fiscal year = calendar year by default
    assert query(
        db,
        "select iso_day_of_week, fiscal_year, fiscal_quarter, is_month_end "
        "from gold.dim_date where date_day = date '2024-01-01'",
    ) == [(1, 2024, 1, False)]


def test_reps_carry_team_manager_and_region(db: Path) -> None:
    rows = query(
        db,
        "select count(*), count(team), count(region) from gold.dim_rep "
        "where source_system = 'salesforce'",
    )
    total, teams, regions = rows[0]
    assert total > 0 and teams == total and regions == total
    managers = scalar(
        db,
        "select count(*) from gold.dim_rep r join gold.dim_rep m on m.rep_key = r.manager_rep_key",
    )
    assert managers == scalar(db, "select count(manager_rep_key) from gold.dim_rep")


def test_fiscal_calendar_follows_the_setting(tmp_path: Path) -> None:
    bronze = tmp_path / "bronze.duckdb"
    write_row_tables(bronze, {})
    database, invocation = run_dbt_build(
        tmp_path,
        bronze,
        command="run",
        select="dim_date",
        dbt_vars={
            "fiscal_year_start_month": 2,
            "date_spine_start": "2024-01-01",
            "date_spine_end": "2025-03-01",
        },
    )
    assert invocation.success, invocation.error
    rows = query(
        database,
        "select cast(date_day as varchar), fiscal_year, fiscal_quarter, fiscal_month "
        "from gold.dim_date where day_of_month = 1 order by date_day",
    )
    # a fiscal year starting in February is named after the calendar year it ends in
    assert rows[0] == ("2024-01-01", 2024, 4, 12)
    assert rows[1] == ("2024-02-01", 2025, 1, 1)
    assert rows[4] == ("2024-05-01", 2025, 2, 4)
    assert rows[13] == ("2025-02-01", 2026, 1, 1)
    assert scalar(database, "select count(*) from gold.dim_date") == 366 + 31 + 28
