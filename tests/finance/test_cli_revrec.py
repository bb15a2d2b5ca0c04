"""`revlake revrec allocate` through the real console entry point."""

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


BUNDLE = (
    "--price",
    "100000",
    "--currency",
    "USD",
    "--obligation",
    "license=60000",
    "--obligation",
    "support=30000",
    "--obligation",
    "training=30000",
)


def row(out: str, name: str) -> list[str]:
    for line in out.splitlines():
        cells = [cell.strip() for cell in line.strip("│ ").split("│")]
        if cells and cells[0] == name:
            return cells
    raise AssertionError(f"no row {name!r} in:\n{out}")


def invoke(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_allocate_spreads_the_discount_over_all_obligations() -> None:
    out = invoke("revrec", "allocate", *BUNDLE)
    assert row(out, "license") == [
        "license",
        "60,000.00",
        "50.00%",
        "10,000.00",
        "50,000.00",
    ]
    assert row(out, "training")[-1] == "25,000.00"
    assert row(out, "total") == [
        "total",
        "120,000.00",
        "100.00%",
        "20,000.00",
        "100,000.00",
    ]


def test_allocate_discount_to_named_obligations() -> None:
    out = invoke("revrec", "allocate", *BUNDLE, "--discount-to", "license,support")
    assert row(out, "license")[-1] == "46,666.67"
    assert row(out, "support")[-1] == "23,333.33"
    assert row(out, "training")[-1] == "30,000.00"
    assert row(out, "total")[-1] == "100,000.00"
    assert "allocated to license, support (ASC 606-10-32-37)" in " ".join(out.split())


def test_allocate_bad_input_exits_2() -> None:
    result = run_cli("revrec", "allocate", *BUNDLE, "--discount-to", "license,consulting")
    assert result.returncode == 2
    assert "'consulting', which is not an obligation" in result.stderr


def test_allocate_non_positive_ssp_is_an_input_error() -> None:
    result = CliRunner().invoke(
        app, ["revrec", "allocate", "--price", "100", "--obligation", "a=0"]
    )
    assert isinstance(result.exception, InputError)
    assert "standalone selling price must be positive" in str(result.exception)
