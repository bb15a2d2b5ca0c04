"""Files and secrets (issue 18): what revlake creates in a workspace is private, `revlake
config` hides the database password, an unreachable store is one clear line."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from revlake.cli.app import app
from revlake.store.workspace_store import open_store
from revlake.workspace import init_workspace


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_init_and_tenants_add_write_private_files(tmp_path: Path) -> None:
    workspace = init_workspace(tmp_path / "ws", tenants=["acme"])
    assert _mode(workspace.root) == 0o700
    assert _mode(workspace.root / "revlake.toml") == 0o600
    assert _mode(workspace.tenant_dir("acme")) == 0o700
    assert _mode(workspace.snapshots_dir("acme")) == 0o700
    assert _mode(workspace.landing_dir("acme")) == 0o700
    store = open_store(workspace)
    store.dispose()
    assert _mode(workspace.root / "revlake.db") == 0o600
    result = CliRunner().invoke(app, ["tenants", "add", "beta", "--workspace", str(workspace.root)])
    assert result.exit_code == 0, result.output
    assert _mode(workspace.root / "revlake.toml") == 0o600
    assert _mode(workspace.root / "tenants" / "beta") == 0o700


def test_existing_world_readable_files_are_tightened_by_the_next_writer(tmp_path: Path) -> None:
    workspace = init_workspace(tmp_path / "ws", tenants=["acme"])
    bronze = workspace.bronze_path("acme")
    bronze.write_bytes(b"")
    bronze.chmod(0o644)
    (workspace.root / "revlake.toml").chmod(0o644)
    with workspace.write_lock("test"):
        pass
    assert _mode(bronze) == 0o600
    assert _mode(workspace.root / "revlake.toml") == 0o600


def test_config_redacts_the_database_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace = init_workspace(tmp_path / "ws", tenants=["acme"])
    monkeypatch.setenv(
        "REVLAKE_DATABASE_URL", "postgresql://revlake:s3cret-pw@db.internal:5432/revlake"
    )
    result = CliRunner().invoke(app, ["config", "--workspace", str(workspace.root)])
    assert result.exit_code == 0, result.output
    assert "s3cret-pw" not in result.output
    assert "postgresql://revlake:***@db.internal:5432/revlake" in result.output


def test_unreachable_postgres_is_one_clear_line(tmp_path: Path) -> None:
    workspace = init_workspace(tmp_path / "ws", tenants=["acme"])
    env = {
        "REVLAKE_DATABASE_URL": "postgresql://revlake:s3cret-pw@127.0.0.1:1/revlake",
        "PATH": "/usr/bin:/bin",
        **{k: v for k, v in os.environ.items() if k == "PYTHONPATH"},
    }
    done = subprocess.run(
        [sys.executable, "-m", "revlake", "keys", "list", "--workspace", str(workspace.root)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: cannot reach the operational store at postgresql")
    assert "127.0.0.1:1" in lines[0] and "s3cret-pw" not in lines[0]
