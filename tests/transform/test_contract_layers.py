"""The dbt project keeps its layers: marts read only the data contract's entities.

A gold model that read a source's staging model would work for that source only; reading
only intermediate entities (which every source feeds) is what makes a new source a layout
plus a staging model, and a user's file a layout. Checked on dbt's own manifest.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from revlake.contract import ENTITIES
from revlake.transform.entities import contract_vars
from revlake.transform.formats import VAR_NAME
from revlake.transform.profile import duckdb_profile, write_profiles
from revlake.transform.project import PROJECT_DIR
from revlake.transform.runner import invoke_dbt
from revlake.transform.sources import SOURCES_FILE, sources_yaml

PREFIXES = {
    "staging": ("stg_",),
    "intermediate": ("int_",),
    "marts": ("dim_", "fct_", "kpi_", "rpt_"),
}


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("manifest")
    write_profiles(work / "profiles", duckdb_profile(work / "lake.duckdb", work / "bronze.duckdb"))
    invocation = invoke_dbt(
        ["parse"],
        project_dir=PROJECT_DIR,
        profiles_dir=work / "profiles",
        target_path=work / "target",
        log_path=work / "logs",
        dbt_vars={"reporting_currency": "USD", VAR_NAME: {}, **contract_vars(None)},
    )
    assert invocation.success, invocation.error
    data: dict[str, Any] = json.loads((work / "target" / "manifest.json").read_text())
    return data


def _models(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        uid: node for uid, node in manifest["nodes"].items() if node["resource_type"] == "model"
    }


def _layer(node: dict[str, Any]) -> str:
    return Path(node["original_file_path"]).parts[1]  # models/<layer>/...


def test_every_model_lives_in_a_layer_with_its_prefix(manifest: dict[str, Any]) -> None:
    wrong = [
        f"{node['original_file_path']}: expected a {'/'.join(PREFIXES[_layer(node)])} name"
        for node in _models(manifest).values()
        if not node["name"].startswith(PREFIXES[_layer(node)])
    ]
    assert wrong == []


def test_marts_read_only_intermediate_entities_and_other_marts(
    manifest: dict[str, Any],
) -> None:
    models = _models(manifest)
    wrong = []
    for node in models.values():
        if _layer(node) != "marts":
            continue
        for dependency in node["depends_on"]["nodes"]:
            parent = models.get(dependency)
            if parent is not None and _layer(parent) not in ("intermediate", "marts"):
                wrong.append(f"{node['name']} reads {parent['name']}")
    assert wrong == []


def test_staging_reads_bronze_its_own_source_and_reference_data_only(
    manifest: dict[str, Any],
) -> None:
    models = _models(manifest)
    wrong = []
    for node in models.values():
        if _layer(node) != "staging":
            continue
        source = Path(node["original_file_path"]).parts[2]
        for dependency in node["depends_on"]["nodes"]:
            parent = models.get(dependency)
            if parent is None:
                continue
            parent_path = Path(parent["original_file_path"]).parts
            if parent_path[1] != "staging" or parent_path[2] not in (source, "reference"):
                wrong.append(f"{node['name']} reads {parent['name']}")
    assert wrong == []


def test_every_contract_entity_has_a_generic_staging_model(manifest: dict[str, Any]) -> None:
    names = {node["name"] for node in _models(manifest).values()}
    assert {f"stg_generic__{name}" for name in ENTITIES} <= names


def test_bronze_sources_are_declared_for_every_builtin_layout() -> None:
    assert SOURCES_FILE.read_text(encoding="utf-8") == sources_yaml(), (
        "run `python -m revlake.transform.sources --write`"
    )


def test_lineage_starts_at_bronze(manifest: dict[str, Any]) -> None:
    sources = {
        node["name"] for node in manifest["sources"].values() if node["source_name"] == "bronze"
    }
    assert "stripe_invoices" in sources and "generic_subscriptions" in sources
    invoices = next(
        node for node in manifest["nodes"].values() if node["name"] == "stg_stripe__invoices"
    )
    assert "source.revlake.bronze.stripe_invoices" in invoices["depends_on"]["nodes"]


def test_every_model_yaml_entry_names_a_model(manifest: dict[str, Any]) -> None:
    """A YAML entry for a model that was renamed or removed leaves its tests unrun, and dbt
    only warns: each entry must name a model of the project."""
    names = {node["name"] for node in _models(manifest).values()}
    orphans = []
    for path in sorted((PROJECT_DIR / "models").rglob("*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for entry in document.get("models", []) or []:
            if entry.get("name") not in names:
                orphans.append(f"{path.relative_to(PROJECT_DIR)}: {entry.get('name')}")
    assert orphans == []
