"""The parse cache's key: what a dbt parse reads is in it, where files lie is not."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from revlake.transform.parse_cache import (
    cached_manifest,
    forget_manifests,
    parse_key,
    remember_manifest,
)
from revlake.transform.profile import duckdb_profile, write_profiles
from revlake.transform.project import PROJECT_DIR

VARS = {"reporting_currency": "USD", "revlake_formats": {"columns": {}}}


def _profiles(folder: Path, database: str = "building.duckdb") -> Path:
    profiles = folder / "profiles"
    write_profiles(profiles, duckdb_profile(folder / database, folder / "bronze.duckdb"))
    return profiles


def test_two_workspaces_with_the_same_inputs_share_a_parse(tmp_path: Path) -> None:
    one = parse_key(PROJECT_DIR, _profiles(tmp_path / "a"), VARS)
    other = parse_key(PROJECT_DIR, _profiles(tmp_path / "elsewhere" / "b"), dict(VARS))
    assert one == other


def test_vars_the_database_name_and_the_profile_are_part_of_the_key(tmp_path: Path) -> None:
    base = parse_key(PROJECT_DIR, _profiles(tmp_path / "a"), VARS)
    assert (
        parse_key(PROJECT_DIR, _profiles(tmp_path / "a"), {**VARS, "include_trials": True}) != base
    )
    renamed = _profiles(tmp_path / "b", database="snapshot-1.duckdb")
    assert parse_key(PROJECT_DIR, renamed, VARS) != base  # the file's stem names the database
    threads = tmp_path / "c" / "profiles"
    write_profiles(
        threads, duckdb_profile(tmp_path / "c" / "building.duckdb", tmp_path / "x", threads=1)
    )
    assert parse_key(PROJECT_DIR, threads, VARS) != base


def test_a_changed_project_file_is_a_new_key(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(PROJECT_DIR, project)
    profiles = _profiles(tmp_path / "ws")
    before = parse_key(project, profiles, VARS)
    model = next(project.rglob("*.sql"))
    model.write_text(model.read_text(encoding="utf-8") + "\n-- changed\n", encoding="utf-8")
    assert parse_key(project, profiles, VARS) != before


def test_a_profile_that_is_not_json_is_keyed_whole(tmp_path: Path) -> None:
    one, other = tmp_path / "a", tmp_path / "b"
    for folder in (one, other):
        folder.mkdir()
        (folder / "profiles.yml").write_text(f"revlake:\n  path: {folder}/x.duckdb\n")
    assert parse_key(PROJECT_DIR, one, VARS) != parse_key(PROJECT_DIR, other, VARS)
    json.loads((_profiles(tmp_path / "c") / "profiles.yml").read_text())  # revlake writes JSON


def test_the_cache_keeps_the_latest_few() -> None:
    forget_manifests()
    try:
        for index in range(5):
            remember_manifest(f"k{index}", object())
        assert cached_manifest("k0") is None and cached_manifest("k1") is None
        assert all(cached_manifest(f"k{index}") is not None for index in (2, 3, 4))
    finally:
        forget_manifests()
