"""Keyed staging models rebuilt from the new loads' keys (issue 17, item 1): the pieces
the incremental identity test (test_incremental_build.py) relies on."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from revlake.demo.drops import write_csv
from revlake.transform.build import build_tenant
from revlake.transform.incremental import (
    KEYED_FLOOR,
    STATE_SCHEMA,
    BuildMode,
    BuildState,
    expected_seconds,
    manifest_keyed,
    new_loads_since,
    write_new_loads,
)
from revlake.transform.project import SILVER_SCHEMA
from revlake.transform.spark import compare_gold
from revlake.workspace import Workspace, init_workspace
from tests.transform.drops_support import land

KEYED = (
    "stg_stripe__invoices",
    "stg_stripe__invoice_lines",
    "stg_salesforce__leads",
    "stg_bank__transactions",
)


def test_new_loads_are_the_loads_a_table_gained_and_never_format_records() -> None:
    before = {"stripe_invoices": {"a": 10}, "fx_rates": {"f1": 3}}
    now = {
        "stripe_invoices": {"a": 10, "b": 2, "formats:b": 4},
        "fx_rates": {"f1": 3},
        "bank_statement": {"k": 1},
    }
    assert new_loads_since(before, now) == {"stripe_invoices": ["b"], "bank_statement": ["k"]}
    assert new_loads_since(now, now) == {}


def test_a_keyed_model_is_expected_to_take_its_share_of_the_rows() -> None:
    previous = BuildState(
        inputs_digest="d",
        bronze={"stripe_invoices": {"a": 900, "formats:a": 5}, "fx_rates": {"f": 10}},
        reads={"stg_stripe__invoices": ("stripe_invoices",), "int_fx": ("fx_rates",)},
        seconds={"stg_stripe__invoices": 20.0, "int_fx": 4.0},
    )
    bronze = {"stripe_invoices": {"a": 900, "b": 300, "formats:a": 5}, "fx_rates": {"f": 10}}
    expected = expected_seconds(previous, bronze, frozenset({"stg_stripe__invoices"}))
    # 300 of 1,200 rows are new: a quarter of its time
    assert expected == {"stg_stripe__invoices": pytest.approx(5.0), "int_fx": 4.0}
    # a few new rows: never below the floor
    few = {"stripe_invoices": {"a": 900, "b": 1}, "fx_rates": {"f": 10}}
    keyed = frozenset({"stg_stripe__invoices"})
    assert expected_seconds(previous, few, keyed)["stg_stripe__invoices"] == pytest.approx(
        20.0 * KEYED_FLOOR
    )
    # not keyed: its whole time
    assert expected_seconds(previous, bronze, frozenset())["stg_stripe__invoices"] == 20.0


def test_keyed_models_are_read_from_the_manifest(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.json"
    nodes = {
        f"model.revlake.{name}": {"name": name, "config": {"materialized": kind}}
        for name, kind in [("stg_a", "incremental"), ("fct_b", "table"), ("v", "view")]
    }
    nodes["test.revlake.t"] = {"name": "t", "config": {"materialized": "incremental"}}
    manifest.write_text(json.dumps({"nodes": nodes}))
    assert manifest_keyed(manifest) == {"stg_a"}
    assert manifest_keyed(tmp_path / "missing.json") == frozenset()


def test_the_new_loads_are_written_into_the_copy_and_replaced_each_time(tmp_path: Path) -> None:
    build = tmp_path / "b.duckdb"
    write_new_loads(build, {"stripe_invoices": ["l2", "l3"], "salesforce_lead": ["l9"]})
    write_new_loads(build, {"stripe_invoices": ["l4"]})
    with duckdb.connect(str(build), read_only=True) as con:
        rows = con.execute(f"select * from {STATE_SCHEMA}.new_loads").fetchall()
    assert rows == [("stripe_invoices", "l4")]


def test_the_keyed_staging_models_are_incremental_on_duckdb_only() -> None:
    models = Path(__file__).parents[2] / "src/revlake/transform/dbt_project/models/staging"
    for name in KEYED:
        (path,) = models.rglob(f"{name}.sql")
        text = path.read_text()
        assert "revlake.keyed_materialization()" in text, name
        assert "delete_changed_keys" in text and "changed_key=" in text, name


BANK_HEADER = ["Date", "Description", "Amount", "Currency"]


def _bank_file(folder: Path, amounts: list[str]) -> Path:
    """A bank statement with no ID column at all (bronze gets none): lines keyed by file
    and row."""
    rows = [[f"2025-03-0{i + 1}", f"Line {i}", amount, "EUR"] for i, amount in enumerate(amounts)]
    write_csv(folder / "bank_statement.csv", BANK_HEADER, rows)
    return folder


def test_a_bank_table_without_an_id_column_is_keyed_by_file_and_row(tmp_path: Path) -> None:
    """A tenant whose bank statement has no ID column: the keyed model reads bronze without
    the column, and the same file exported again (one amount corrected, one line added) is
    rebuilt incrementally from its file-and-row keys into what a full rebuild gives."""
    workspace = init_workspace(tmp_path / "ws", tenants=("t",))
    land(workspace, "t", _bank_file(tmp_path / "d1", ["10.00", "-5.50"]))
    assert build_tenant(workspace, "t").published
    land(workspace, "t", _bank_file(tmp_path / "d2", ["10.00", "-7.25", "3.00"]))
    incremental = build_tenant(workspace, "t", max_incremental_share=1.0)
    assert incremental.published and incremental.snapshot is not None
    assert incremental.plan is not None and incremental.plan.mode is BuildMode.INCREMENTAL
    (node,) = [
        n for n in incremental.invocation.of_type("model") if n.name == "stg_bank__transactions"
    ]
    assert node.compiled_code is not None and "__changed_keys" in node.compiled_code
    with duckdb.connect(str(incremental.snapshot), read_only=True) as con:
        lines = con.execute(
            f"select transaction_id, amount from {SILVER_SCHEMA}.stg_bank__transactions "
            "order by transaction_id"
        ).fetchall()
    assert [(key.rsplit(":", 1)[1], str(amount)) for key, amount in lines] == [
        ("1", "10.00"),
        ("2", "-7.25"),
        ("3", "3.00"),
    ]
    copy = tmp_path / "full"
    shutil.copytree(workspace.root, copy)
    full = build_tenant(Workspace.open(copy), "t", full=True)
    assert full.snapshot is not None
    for schema in (SILVER_SCHEMA, "gold"):
        comparisons = compare_gold(full.snapshot, incremental.snapshot, schema=schema)
        assert comparisons and all(c.equal for c in comparisons), schema
