"""`python -m revlake generate`: success and the exit-2 errors for bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVLAKE_")}
    return subprocess.run(
        [sys.executable, "-m", "revlake", "generate", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_generate_writes_company(tmp_path: Path) -> None:
    out = tmp_path / "co"
    done = _run("--customers", "50", "--seed", "5", "--out", str(out))
    assert done.returncode == 0, done.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["arguments"]["customers"] == 50
    again = _run("--customers", "50", "--seed", "5", "--out", str(out))
    assert again.returncode == 2 and "not empty" in again.stderr and "--force" in again.stderr
    forced = _run("--customers", "50", "--seed", "5", "--out", str(out), "--force")
    assert forced.returncode == 0, forced.stderr
    assert json.loads((out / "manifest.json").read_text()) == manifest


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--customers", "-5"], "--customers must be between 1"),
        (["--customers", "0"], "--customers must be between 1"),
        (["--customers", "12.5"], "--customers must be a whole number"),
        (["--customers", "10", "--start", "2024-01-01", "--end", "2023-01-01"], "--end"),
        (["--customers", "10", "--start", "2024-13-01"], "--start must be a date"),
    ],
)
def test_bad_arguments_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    done = _run(*args, "--out", str(tmp_path / "x"))
    assert done.returncode == 2
    assert message in done.stderr
    assert not (tmp_path / "x").exists()


def test_unwritable_out_exits_2(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    done = _run("--customers", "10", "--out", str(blocker / "sub"))
    assert done.returncode == 2
    assert "cannot write there" in done.stderr and str(blocker / "sub") in done.stderr
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    if os.geteuid() != 0:  # root ignores permissions; the file case above still ran
        done = _run("--customers", "10", "--out", str(locked / "sub"))
        assert done.returncode == 2 and "cannot write there" in done.stderr
