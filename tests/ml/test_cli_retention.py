"""`revlake retention fit` through the real console entry point."""

from __future__ import annotations

import os
import subprocess
import sys

from typer.testing import CliRunner

from revlake.cli.app import app
from revlake.errors import InputError


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVLAKE_")}
    env.update({"COLUMNS": "160", "NO_COLOR": "1"})
    return subprocess.run(
        [sys.executable, "-m", "revlake", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_fit_prints_parameters_fit_figures_and_projection() -> None:
    result = CliRunner().invoke(
        app,
        [
            "retention",
            "fit",
            "--survivors",
            "1000,631,468,382,326,289,262,241,223,207",
            "--fit-periods",
            "8",
            "--periods-ahead",
            "4",
            "--discount-rate",
            "0.1",
        ],
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert "alpha = 0.7041 ± 0.0656" in out
    assert "beta  = 1.1820 ± 0.1525" in out
    assert "log-likelihood = -1680.2652" in out
    assert "chi-square = 1.454 on 5 df" in out
    assert "DEL at acquisition = 3.695" in out
    # periods 0..11: fitted rows, then held-back observed values beside the projection
    lines = [line for line in out.splitlines() if line.strip().startswith("│")]
    assert len(lines) == 12
    assert "│  9 │ proj │      207 │   204.4 │" in out
    assert "│ 11 │ proj │          │   179.9 │" in out


def test_bad_counts_exit_2_with_a_clear_message() -> None:
    result = run_cli("retention", "fit", "--survivors", "1000,631,700")
    assert result.returncode == 2
    assert "--survivors[2] = 700 is greater than --survivors[1] = 631" in result.stderr


def test_too_few_periods_is_an_input_error() -> None:
    result = CliRunner().invoke(app, ["retention", "fit", "--survivors", "1000,631"])
    assert isinstance(result.exception, InputError)
    assert "at least 3" in str(result.exception)
