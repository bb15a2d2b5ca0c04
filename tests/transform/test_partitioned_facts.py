"""Partitioned facts rebuilt for the partitions whose inputs changed (issue 17, item 1;
macros/partitioned.sql): the planner's pieces. The identity test (test_incremental_build.py)
checks the rows against a full rebuild and which partitions a corrected export recomputes."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from revlake.transform.catalog import schema_tables
from revlake.transform.incremental import (
    PARTITIONED_FLOOR,
    PARTITIONS_SCHEMA,
    BuildState,
    copy_published,
    expected_seconds,
    manifest_partitioned,
)

PARTITIONED = (
    "fct_revenue_schedule",
    "fct_ar_balance_events",
    "fct_ar_invoices",
    "fct_tax_lines",
    "int_customer_months_aggregated",
    "fct_ar_payment_attempts",
    "fct_opportunity_stage_history",
    "int_leads",
    "fct_deferred_revenue_native",
    "fct_deferred_revenue_monthly",
    "fct_mrr",
    "fct_mrr_movements",
    "fct_opportunity_stages_reached",
    "fct_ar_open_invoices_native",
    "fct_ar_open_invoices_monthly",
    "kpi_revenue_monthly",
)
MODELS = Path(__file__).parents[2] / "src/revlake/transform/dbt_project/models"


def _manifest(tmp_path: Path) -> Path:
    hook = {"sql": "{{ revlake.delete_changed_partitions('invoice_id', x()) }}"}
    nodes = {
        "model.revlake.stg_a": {"name": "stg_a", "config": {"pre-hook": []}},
        "model.revlake.int_b": {"name": "int_b", "config": {}},
        "model.revlake.int_c": {"name": "int_c", "config": {}},
        "model.revlake.fct_d": {
            "name": "fct_d",
            "config": {"materialized": "incremental", "pre-hook": [hook]},
        },
        # the same model built on Spark: a table, rebuilt whole
        "model.revlake.fct_s": {
            "name": "fct_s",
            "config": {"materialized": "table", "pre-hook": [hook]},
        },
        "model.revlake.fct_e": {"name": "fct_e", "config": {"pre-hook": [{"sql": "select 1"}]}},
    }
    parents = {
        "model.revlake.int_b": ["model.revlake.stg_a"],
        "model.revlake.fct_d": ["model.revlake.int_b", "seed.revlake.s"],
        "model.revlake.fct_e": ["model.revlake.int_c"],
    }
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps({"nodes": nodes, "parent_map": parents}))
    return path


def test_partitioned_facts_and_what_they_are_built_from_come_from_the_manifest(
    tmp_path: Path,
) -> None:
    found = manifest_partitioned(_manifest(tmp_path))
    assert found == {"fct_d": frozenset({"fct_d", "int_b", "stg_a"})}
    assert manifest_partitioned(tmp_path / "missing.json") == {}


def test_a_partitioned_fact_is_expected_to_take_the_share_of_its_sources_rows() -> None:
    previous = BuildState(
        inputs_digest="d",
        bronze={"stripe_invoices": {"a": 900}, "fx_rates": {"f": 10}},
        reads={"stg_a": ("stripe_invoices",), "int_fx": ("fx_rates",), "fct_d": ()},
        seconds={"stg_a": 2.0, "int_fx": 4.0, "fct_d": 10.0},
    )
    upstream = {"fct_d": frozenset({"fct_d", "int_b", "stg_a"})}
    half = {"stripe_invoices": {"a": 900, "b": 900}, "fx_rates": {"f": 10}}
    expected = expected_seconds(previous, half, frozenset(), upstream)
    # half of the rows its sources read are new: half its time; the rest untouched
    assert expected["fct_d"] == pytest.approx(5.0)
    assert expected["stg_a"] == 2.0 and expected["int_fx"] == 4.0
    few = {"stripe_invoices": {"a": 900, "b": 9}, "fx_rates": {"f": 10}}
    # re-hashing every input costs at least the floor
    assert expected_seconds(previous, few, frozenset(), upstream)["fct_d"] == pytest.approx(
        10.0 * PARTITIONED_FLOOR
    )
    # without the manifest's word it is a whole model
    assert expected_seconds(previous, few, frozenset())["fct_d"] == 10.0


def test_the_partitioned_facts_are_incremental_on_duckdb_only_and_unit_tested_whole() -> None:
    sql = {p.stem: p.read_text(encoding="utf-8") for p in MODELS.rglob("*.sql")}
    for name in PARTITIONED:
        assert "materialized=revlake.keyed_materialization()" in sql[name], name
        assert "revlake.delete_changed_partitions(" in sql[name], name
        assert "revlake.keep_partition_hashes(" in sql[name], name
        assert "revlake.in_changed_partitions(" in sql[name], name
    unit_tests = "\n".join(p.read_text(encoding="utf-8") for p in MODELS.rglob("*unit_tests.yml"))
    for name in PARTITIONED:
        if f"model: {name}\n" in unit_tests:
            block = unit_tests.split(f"model: {name}\n", 1)[1].split("given:", 1)[0]
            assert "is_incremental: false" in block, name


def test_a_copy_keeps_the_hashes_but_not_what_the_published_build_recomputed(
    tmp_path: Path,
) -> None:
    published, build = tmp_path / "published.duckdb", tmp_path / "build.duckdb"
    with duckdb.connect(str(published)) as con:
        con.execute(f"create schema {PARTITIONS_SCHEMA}")
        for table in ("fct_d", "fct_d__changed", "fct_d__now"):
            con.execute(f'create table {PARTITIONS_SCHEMA}."{table}" (partition_key ubigint)')
    previous = BuildState(inputs_digest="d", bronze={}, reads={}, relations=())
    for state in (None, previous):  # a --select build's copy, an incremental one's
        copy_published(published, build, state, ("silver", "gold"))
        with duckdb.connect(str(build), read_only=True) as con:
            assert schema_tables(con, PARTITIONS_SCHEMA) == ["fct_d"]
    with duckdb.connect(str(published), read_only=True) as con:
        assert len(schema_tables(con, PARTITIONS_SCHEMA)) == 3
