"""`revlake build` / `revlake docs` end to end on a tiny tenant: summary, exit codes, atomic
publication when a test fails, and the bronze_table macro's handling of missing sources."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from revlake.cli.app import app
from revlake.cli.build_cmd import parse_vars
from revlake.errors import InputError
from revlake.transform import snapshots
from revlake.transform.build import build_tenant
from revlake.workspace import Workspace, init_workspace
from tests.transform.bronze_fixture import write_row_tables

TENANT = "acme"
# Only what the tiny builds need: two silver models and the deliberately failing test.
SELECT = "stg_stripe__invoices stg_stripe__customers stg_fx__rates"

INVOICE_HEADERS = ["id", "Customer", "Status", "Currency", "Date (UTC)", "Total"]  # no Subtotal …
INVOICES = [
    [" in_1 ", "cus_1", "paid", "eur", "2026-01-05 10:00:00", "100.00"],
    ["in_2", "cus_1", "void", "EUR", "2026-02-05 10:00:00", "100.00"],
    ["in_2", "cus_1", "paid", "EUR", "2026-02-05 10:00:00", "120.00"],  # later record wins
    ["in_3", "cus_2", "open", "USD", "not a date", "5.00"],
]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """A workspace whose bronze has invoices only (no customers table, no FX file)."""
    workspace = init_workspace(tmp_path_factory.mktemp("tiny") / "ws", tenants=[TENANT])
    write_row_tables(
        workspace.bronze_path(TENANT), {"stripe_invoices": (INVOICE_HEADERS, INVOICES)}
    )
    return workspace


@pytest.fixture(scope="module")
def first_build(tiny: Workspace) -> tuple[int, str]:
    result = CliRunner().invoke(
        app, ["build", "--workspace", str(tiny.root), "--select", SELECT], catch_exceptions=False
    )
    return result.exit_code, result.output


def test_build_prints_a_summary_and_publishes(
    tiny: Workspace, first_build: tuple[int, str]
) -> None:
    code, output = first_build
    assert code == 0, output
    assert "models: 3/3 built" in output
    assert " 0 failed" in output
    assert "published" in output
    current = snapshots.current_snapshot(tiny.snapshots_dir(TENANT))
    assert current is not None and current.name in output.replace("\n", "")


def test_bronze_table_fills_missing_columns_and_tables(
    tiny: Workspace, first_build: tuple[int, str]
) -> None:
    current = snapshots.current_snapshot(tiny.snapshots_dir(TENANT))
    assert current is not None
    con = duckdb.connect(str(current), read_only=True)
    try:
        invoices = con.execute(
            "select invoice_id, currency, status, total, subtotal, invoice_date, is_valid_invoice,"
            " invalid_reason from silver.stg_stripe__invoices order by invoice_id"
        ).fetchall()
        customers = con.execute("select count(*) from silver.stg_stripe__customers").fetchone()
        fx_columns = [r[0] for r in con.execute("describe silver.stg_fx__rates").fetchall()]
    finally:
        con.close()
    # trimmed id, upper-cased currency, the latest record of in_2 wins, a bad date is flagged
    assert [(r[0], r[1], r[2], str(r[3])) for r in invoices] == [
        ("in_1", "EUR", "paid", "100.00"),
        ("in_2", "EUR", "paid", "120.00"),
        ("in_3", "USD", "open", "5.00"),
    ]
    assert all(r[4] is None for r in invoices)  # column absent from the export → null
    assert invoices[2][5] is None and invoices[2][6] is False
    assert invoices[2][7] == "invalid invoice date"
    assert customers == (0,)  # table absent from bronze → empty model
    assert fx_columns == ["rate_date", "currency", "rate_to_usd"]


def test_a_failing_test_publishes_nothing(tiny: Workspace, first_build: tuple[int, str]) -> None:
    before = snapshots.current_snapshot(tiny.snapshots_dir(TENANT))
    files_before = snapshots.list_snapshots(tiny.snapshots_dir(TENANT))
    result = CliRunner().invoke(
        app,
        [
            "build",
            "--workspace",
            str(tiny.root),
            "--select",
            "stg_stripe__invoices assert_fail_on_purpose",
            "--var",
            "revlake_fail_on_purpose=true",
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 1, result.output
    assert "1 failed" in result.output
    assert "assert_fail_on_purpose" in result.output
    assert "not published" in result.output
    assert snapshots.current_snapshot(tiny.snapshots_dir(TENANT)) == before
    assert snapshots.list_snapshots(tiny.snapshots_dir(TENANT)) == files_before


def test_bronze_that_violates_a_rule_publishes_nothing(
    tiny: Workspace, first_build: tuple[int, str]
) -> None:
    """An invoice status outside Stripe's enum fails accepted_values: nothing is published."""
    before = snapshots.current_snapshot(tiny.snapshots_dir(TENANT))
    files_before = snapshots.list_snapshots(tiny.snapshots_dir(TENANT))
    bronze = tiny.bronze_path(TENANT)
    rows = [*INVOICES, ["in_9", "cus_9", "bogus", "USD", "2026-03-01 00:00:00", "1.00"]]
    write_row_tables(bronze, {"stripe_invoices": (INVOICE_HEADERS, rows)})
    try:
        summary = build_tenant(tiny, TENANT, select="stg_stripe__invoices")
    finally:
        write_row_tables(bronze, {"stripe_invoices": (INVOICE_HEADERS, INVOICES)})
    assert not summary.published and summary.snapshot is None
    assert [n.name for n in summary.failures] == [
        "accepted_values_stg_stripe__invoices_status__draft__open__paid__uncollectible__void"
    ]
    assert summary.tests_failed == 1 and summary.tests_passed >= 2
    assert snapshots.current_snapshot(tiny.snapshots_dir(TENANT)) == before
    assert snapshots.list_snapshots(tiny.snapshots_dir(TENANT)) == files_before
    assert not (tiny.snapshots_dir(TENANT) / snapshots.BUILDING_NAME).exists()


def test_docs_writes_the_lineage_site(tiny: Workspace, first_build: tuple[int, str]) -> None:
    out = tiny.root / "site"
    result = CliRunner().invoke(
        app, ["docs", "--workspace", str(tiny.root), "--out", str(out)], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "fct_mrr_movements" in page and "stg_stripe__invoices" in page


def test_build_without_bronze_is_an_input_error(tmp_path: Path) -> None:
    workspace = init_workspace(tmp_path / "ws")
    with pytest.raises(InputError, match="revlake ingest"):
        build_tenant(workspace, "demo")


def test_parse_vars() -> None:
    assert parse_vars(["include_trials=true", "reporting_currency=EUR", "n=3"]) == {
        "include_trials": True,
        "reporting_currency": "EUR",
        "n": 3,
    }
    with pytest.raises(InputError, match="KEY=VALUE"):
        parse_vars(["novalue"])


def test_a_selected_build_keeps_the_other_tables(
    tiny: Workspace, first_build: tuple[int, str]
) -> None:
    summary = build_tenant(tiny, TENANT, select="stg_fx__rates")
    assert summary.published and summary.models_total == 1 and summary.snapshot is not None
    con = duckdb.connect(str(summary.snapshot), read_only=True)
    try:
        invoices = con.execute("select count(*) from silver.stg_stripe__invoices").fetchone()
    finally:
        con.close()
    assert invoices == (3,)  # from the build it was based on


def test_a_selection_that_matches_no_model_is_an_input_error(
    tiny: Workspace, first_build: tuple[int, str]
) -> None:
    before = snapshots.current_snapshot(tiny.snapshots_dir(TENANT))
    with pytest.raises(InputError, match="selects no model"):
        build_tenant(tiny, TENANT, select="+int_no_such_model")
    assert snapshots.current_snapshot(tiny.snapshots_dir(TENANT)) == before
    assert not snapshots.building_path(tiny.snapshots_dir(TENANT)).exists()


def test_an_unknown_engine_is_a_usage_error(tmp_path: Path) -> None:
    workspace = init_workspace(tmp_path / "ws", tenants=[TENANT])
    result = CliRunner().invoke(app, ["build", "-w", str(workspace.root), "--engine", "oracle"])
    assert result.exit_code == 2
    assert "--engine" in result.output and "'oracle' is not one of" in result.output
    assert "duckdb" in result.output and "spark" in result.output


def test_select_with_the_spark_engine_is_a_usage_error(tmp_path: Path) -> None:
    workspace = init_workspace(tmp_path / "ws", tenants=[TENANT])
    result = CliRunner().invoke(
        app, ["build", "-w", str(workspace.root), "--engine", "spark", "--select", "fct_mrr"]
    )
    assert result.exit_code == 2
    assert "--select" in result.output and "--engine duckdb only" in result.output
    assert snapshots.current_snapshot(workspace.snapshots_dir(TENANT)) is None


def test_a_spark_build_without_bronze_is_an_input_error(tmp_path: Path) -> None:
    from revlake.transform.spark_build import build_tenant_on_spark

    workspace = init_workspace(tmp_path / "ws")
    with pytest.raises(InputError, match="revlake ingest"):
        build_tenant_on_spark(workspace, "demo")  # before any Spark session starts


def test_a_spark_build_without_pyspark_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    from revlake.transform.spark_build import build_tenant_on_spark

    workspace = init_workspace(tmp_path / "ws", tenants=[TENANT])
    write_row_tables(
        workspace.bronze_path(TENANT), {"stripe_invoices": (INVOICE_HEADERS, INVOICES)}
    )
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "pyspark" else real(name, *a),
    )
    with pytest.raises(InputError, match=r"needs pyspark: pip install .*pyspark>=4"):
        build_tenant_on_spark(workspace, TENANT)
    assert snapshots.current_snapshot(workspace.snapshots_dir(TENANT)) is None
    assert not (workspace.tenant_dir(TENANT) / "spark" / "parquet").exists()
