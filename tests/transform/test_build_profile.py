"""The dbt-duckdb profile of a build carries the workspace's `build_memory_limit`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from revlake.transform.build import build_profile
from revlake.transform.profile import write_profiles
from revlake.workspace import Workspace, init_workspace


def _output(workspace: Workspace, folder: Path) -> dict[str, object]:
    """The `build` output of the profiles.yml a build of `workspace` writes (read back)."""
    profile = build_profile(workspace, folder / "building.duckdb", folder / "b.duckdb", threads=2)
    written = json.loads(write_profiles(folder / "profiles", profile).read_text())
    output: dict[str, object] = written["revlake"]["outputs"]["build"]
    return output


def test_the_limit_in_revlake_toml_reaches_duckdb_settings(tmp_path: Path) -> None:
    workspace = init_workspace(tmp_path / "ws", tenants=["acme"])
    assert "settings" not in _output(workspace, tmp_path)  # unset: DuckDB's own default
    config = workspace.root / "revlake.toml"
    config.write_text(
        config.read_text().replace("[workspace]", '[workspace]\nbuild_memory_limit = "10gb"')
    )
    output = _output(Workspace.open(workspace.root), tmp_path)
    assert output["settings"] == {"memory_limit": "10GB"}
    assert output["threads"] == 2


def test_the_environment_overrides_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    init_workspace(tmp_path / "ws", tenants=["acme"])
    monkeypatch.setenv("REVLAKE_BUILD_MEMORY_LIMIT", "6GiB")
    output = _output(Workspace.open(tmp_path / "ws"), tmp_path)
    assert output["settings"] == {"memory_limit": "6GiB"}
