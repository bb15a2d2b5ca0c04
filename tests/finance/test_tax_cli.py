"""`revlake tax rate`, `revlake tax check-vat`: in process (typer's runner) and, once,
through the real console entry point for the exit code."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from revlake.cli.app import app
from revlake.errors import InputError
from revlake.workspace import init_workspace

RUNNER = CliRunner()


def invoke(*args: str) -> tuple[int, str, BaseException | None]:
    result = RUNNER.invoke(app, list(args), env={"COLUMNS": "200", "NO_COLOR": "1"})
    return result.exit_code, result.output, result.exception


def test_rate_of_germany_in_august_2020(tmp_path: Path) -> None:
    code, out, error = invoke(
        "tax", "rate", "--jurisdiction", "DE", "--date", "2020-08-01", "-w", str(tmp_path)
    )
    assert (code, error) == (0, None)
    assert "│ DE " in out and "│ 16 " in out and "2020-12-31" in out


def test_rate_errors_are_input_errors(tmp_path: Path) -> None:
    for args, message in [
        (("-j", "XX", "-d", "2024-01-01"), "unknown tax jurisdiction 'XX'"),
        (("-j", "DE", "-d", "2010-01-01"), "starts 2015-01-01"),
        (("-j", "DE", "-d", "2024-02-30"), "--date: expected a date"),
    ]:
        _, _, error = invoke("tax", "rate", *args, "-w", str(tmp_path))
        assert isinstance(error, InputError) and message in str(error), (args, error)
        assert error.exit_code == 2


def test_rate_reads_the_workspace_override_and_names_a_bad_row(tmp_path: Path) -> None:
    workspace = init_workspace(tmp_path / "ws", tenants=("acme",))
    override = workspace.root / "config" / "tax_rates.csv"
    override.parent.mkdir()
    header = "jurisdiction,kind,rate,valid_from,valid_to,note\n"
    override.write_text(header + "SG,GST,9,2024-01-01,,OVR\n", encoding="utf-8")
    code, out, error = invoke(
        "tax", "rate", "-j", "SG", "-d", "2025-05-01", "-w", str(workspace.root)
    )
    assert (code, error) == (0, None)
    assert "│ 9 " in out
    override.write_text(header + "SG,GST,150,2024-01-01,,OVR\n", encoding="utf-8")
    _, _, error = invoke("tax", "rate", "-j", "SG", "-d", "2025-05-01", "-w", str(workspace.root))
    assert isinstance(error, InputError)
    assert f"{override}, line 2, column 'rate': '150'" in str(error)


def test_check_vat() -> None:
    code, out, error = invoke("tax", "check-vat", "DE136695976")
    assert (code, error) == (0, None) and "valid DE136695976" in out
    _, _, error = invoke("tax", "check-vat", "DE136695976", "--country", "FR")
    assert isinstance(error, InputError) and "does not match" in str(error)


def test_malformed_vat_number_exits_2_from_the_console() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVLAKE_")}
    done = subprocess.run(
        [sys.executable, "-m", "revlake", "tax", "check-vat", "DE136695977"],
        capture_output=True,
        text=True,
        env={**env, "NO_COLOR": "1"},
        check=False,
    )
    assert done.returncode == 2
    assert "malformed VAT number 'DE136695977': the check digit is wrong" in done.stderr
