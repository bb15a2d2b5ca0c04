"""`revlake init` / `revlake config` through the real console entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from revlake.errors import WorkspaceLockedError
from revlake.workspace import Workspace, init_workspace


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("REVLAKE_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "revlake", *args],
        capture_output=True,
        text=True,
        env=full_env,
        check=False,
    )


def test_init_creates_config_and_tenant_folders(tmp_path: Path) -> None:
    result = run_cli("init", str(tmp_path / "ws"), "--tenant", "acme", "--tenant", "globex")
    assert result.returncode == 0, result.stderr
    workspace = Workspace.open(tmp_path / "ws")
    assert [t.id for t in workspace.settings.tenants] == ["acme", "globex"]
    assert workspace.landing_dir("acme").is_dir()
    assert workspace.snapshots_dir("globex").is_dir()


def test_init_refuses_existing_workspace(tmp_path: Path) -> None:
    init_workspace(tmp_path)
    result = run_cli("init", str(tmp_path))
    assert result.returncode == 2
    assert "already exists" in result.stderr


def test_init_into_unwritable_path_is_bad_input(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    result = run_cli("init", str(blocker / "ws"))
    assert result.returncode == 2
    assert "cannot create workspace" in result.stderr


def test_config_shows_env_override_and_rejects_unknown(tmp_path: Path) -> None:
    init_workspace(tmp_path)
    shown = run_cli("config", "-w", str(tmp_path), env={"REVLAKE_CHURN_TIMING": "cancellation"})
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["workspace"]["churn_timing"] == "cancellation"
    bad = run_cli("config", "-w", str(tmp_path), env={"REVLAKE_NOPE": "1"})
    assert bad.returncode == 2
    assert "REVLAKE_NOPE" in bad.stderr


def test_bad_usage_exits_2() -> None:
    assert run_cli("init").returncode == 2
    assert run_cli("no-such-command").returncode == 2


def test_every_command_has_help() -> None:
    """Every command's --help, in process (the console entry point itself is exercised by
    the tests above; a process per command took 40 s of the suite)."""
    from typer.main import get_command
    from typer.testing import CliRunner

    from revlake.cli.app import app

    group = get_command(app)
    assert hasattr(group, "commands")
    runner = CliRunner()
    for name in group.commands:
        result = runner.invoke(app, [name, "--help"])
        assert result.exit_code == 0, f"{name} --help failed: {result.output}"
        assert "Usage" in result.output
    assert run_cli("ingest", "--help").returncode == 0  # and one through the entry point


def test_second_writer_gets_a_clear_lock_error(tmp_path: Path) -> None:
    workspace = init_workspace(tmp_path)
    held = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with workspace.write_lock("revlake ingest"):
            held.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(5)
    try:
        other = Workspace.open(tmp_path)
        with pytest.raises(WorkspaceLockedError, match="revlake ingest"), other.write_lock("x"):
            pass
    finally:
        release.set()
        holder.join()
