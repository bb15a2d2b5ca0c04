"""The dbt profile of one build: a new DuckDB file with the tenant's bronze attached.

dbt reads profiles from a folder; each build writes its own `profiles.yml` there so that
nothing depends on the user's ~/.dbt.
"""

from __future__ import annotations

import json
from pathlib import Path

PROFILE_NAME = "revlake"
TARGET_NAME = "build"


def duckdb_profile(
    snapshot_path: Path,
    bronze_path: Path,
    threads: int = 2,
    *,
    read_only: bool = False,
    memory_limit: str | None = None,
) -> dict[str, object]:
    """The profile mapping: dbt-duckdb on `snapshot_path`, bronze attached read-only.

    `read_only` opens the snapshot itself read-only too (for `revlake docs`, which must
    never change a published build). `memory_limit` (the workspace's `build_memory_limit`,
    e.g. "10GB") becomes DuckDB's `memory_limit` on every connection dbt opens; without it
    DuckDB takes 80% of the machine's RAM.
    """
    output: dict[str, object] = {
        "type": "duckdb",
        "path": str(snapshot_path),
        "schema": "main",
        "threads": threads,
        "attach": [{"path": str(bronze_path), "alias": "bronze", "read_only": True}],
    }
    if read_only:
        output["config_options"] = {"access_mode": "READ_ONLY"}
    if memory_limit is not None:
        output["settings"] = {"memory_limit": memory_limit}
    return {
        PROFILE_NAME: {
            "target": TARGET_NAME,
            "outputs": {TARGET_NAME: output},
        }
    }


def write_profiles(profiles_dir: Path, profile: dict[str, object]) -> Path:
    """Write `profiles.yml` (JSON is valid YAML) into `profiles_dir` and return its path."""
    profiles_dir.mkdir(parents=True, exist_ok=True)
    path = profiles_dir / "profiles.yml"
    path.write_text(json.dumps(profile, indent=2), encoding="utf-8")
    return path
