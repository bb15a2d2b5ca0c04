"""Keyed staging models rebuilt from the new loads' keys (issue 17, item 1): the pieces
the incremental identity test (test_incremental_build.py) relies on."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from revlake.transform.incremental import (
    KEYED_FLOOR,
    STATE_SCHEMA,
    BuildState,
    expected_seconds,
    manifest_keyed,
    new_loads_since,
    write_new_loads,
)

KEYED = ("stg_stripe__invoices", "stg_stripe__invoice_lines", "stg_salesforce__leads")


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
