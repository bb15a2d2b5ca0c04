"""Carry the data contract and every layout's mapping onto it into dbt, as two vars.

- `revlake_contract`: per entity, its fields (name, type, required, part of the key), from
  `revlake.contract` — the one definition the generic staging models parse with;
- `revlake_entities`: per entity, every layout that feeds it (built-in generic layouts and
  the workspace's own), with the bronze column of each mapped field, value maps,
  constants and feature columns;
- `revlake_sources`: the bronze tables declared as dbt sources (lineage from bronze).

`stg_generic__<entity>` renders one SELECT per feeding layout (macro `mapped_entity`), so a
file mapped in `<workspace>/layouts/` reaches every metric its entity feeds with no dbt
edit.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from revlake.contract import ENTITIES
from revlake.ingest.layouts import Layout, load_layouts

CONTRACT_VAR = "revlake_contract"
ENTITIES_VAR = "revlake_entities"
SOURCES_VAR = "revlake_sources"


def contract_var() -> dict[str, list[dict[str, Any]]]:
    """Every entity's fields as dbt sees them."""
    return {
        name: [
            {
                "name": f.name,
                "type": f.type,
                "required": f.required,
                "key": f.name in entity.keys,
                "as_month": f.as_month,
            }
            for f in entity.fields
        ]
        for name, entity in ENTITIES.items()
    }


def entities_var(layouts: Iterable[Layout]) -> dict[str, list[dict[str, Any]]]:
    """Per entity, the layouts (bronze tables) that feed it and how their columns map."""
    found: dict[str, list[dict[str, Any]]] = {}
    for layout in sorted(layouts, key=lambda item: item.name):
        if not layout.entity:
            continue
        found.setdefault(layout.entity, []).append(
            {
                "table": layout.name,
                "source": layout.source or "generic",
                "columns": dict(layout.field_columns),
                "values": {
                    name: {str(k).strip().lower(): str(v) for k, v in mapping.items()}
                    for name, mapping in layout.value_maps.items()
                },
                "constants": dict(layout.constants),
                "features": list(layout.features),
            }
        )
    return found


def contract_vars(workspace_root: Path | None) -> dict[str, Any]:
    """Both vars for a build of a workspace (its own layouts included)."""
    from revlake.transform.sources import declared_tables

    return {
        CONTRACT_VAR: contract_var(),
        ENTITIES_VAR: entities_var(load_layouts(workspace_root)),
        SOURCES_VAR: declared_tables(),
    }
