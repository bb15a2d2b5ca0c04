"""`revlake ingest` / `revlake layouts` through the real entry point, and watch mode."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from revlake.ingest import IngestSummary, load_layouts, watch_ingest
from revlake.workspace import Workspace

from .conftest import TENANT

HEADER = b"subscription_id,customer_id,start_date,monthly_amount\n"


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVLAKE_")}
    env["COLUMNS"] = "200"
    return subprocess.run(
        [sys.executable, "-m", "revlake", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_ingest_prints_summary_and_strict_fails_on_rejects(
    workspace: Workspace, drop: Callable[[str, bytes], Path]
) -> None:
    drop("subs.csv", HEADER + b"s1,c1,2024-01-01,1\ns2,c2\n")
    drop("mystery.csv", b"foo,bar\n1,2\n")
    result = run_cli("ingest", "-w", str(workspace.root), "--strict")
    assert result.returncode == 1, result.stderr
    assert "generic_subscriptions" in result.stdout
    assert "subs.csv" in result.stdout
    assert "1 row(s) rejected" in result.stderr
    assert "unrecognised: mystery.csv: no layout matches" in result.stderr
    again = run_cli("ingest", "-w", str(workspace.root))
    assert again.returncode == 0, again.stderr
    assert "mystery.csv" in again.stdout  # still reported: it is retried every run


def test_ingest_without_strict_exits_zero_and_bad_tenant_is_input_error(
    workspace: Workspace, drop: Callable[[str, bytes], Path]
) -> None:
    drop("subs.csv", HEADER + b"s2,c2\n")
    assert run_cli("ingest", "-w", str(workspace.root)).returncode == 0
    wrong = run_cli("ingest", "-w", str(workspace.root), "-t", "nope")
    assert wrong.returncode == 2
    assert "unknown tenant 'nope'" in wrong.stderr


def test_layouts_lists_builtin_and_workspace_layouts(workspace: Workspace) -> None:
    (workspace.root / "layouts").mkdir()
    (workspace.root / "layouts" / "mine.toml").write_text(
        'name = "my_orders"\nrequired = ["order_id"]\n', encoding="utf-8"
    )
    result = run_cli("layouts", "-w", str(workspace.root), "--json")
    assert result.returncode == 0, result.stderr
    layouts = {item["name"]: item for item in json.loads(result.stdout)}
    assert len(layouts) == len(load_layouts()) + 1  # the built-in ones and mine
    assert layouts["my_orders"]["origin"].endswith("mine.toml")
    assert layouts["stripe_invoices"]["aliases"]["created"] == "date_utc"
    table = run_cli("layouts", "-w", str(workspace.root))
    assert "salesforce_opportunity" in table.stdout


def test_watch_polls_and_loads_files_dropped_between_polls(
    workspace: Workspace,
    drop: Callable[[str, bytes], Path],
    query: Callable[..., list[tuple[Any, ...]]],
) -> None:
    drop("one.csv", HEADER + b"s1,c1,2024-01-01,1\n")
    summaries: list[IngestSummary] = []
    dropped = iter(["two.csv", "three.csv"])

    def between_polls(_: float) -> None:
        name = next(dropped)
        drop(name, HEADER + f"{name},c,2024-01-01,1\n".encode())

    polls = watch_ingest(
        workspace,
        TENANT,
        interval_s=0,
        max_polls=3,
        on_summary=summaries.append,
        sleep=between_polls,
    )
    assert polls == 3
    assert [[f.path for f in s.files] for s in summaries] == [
        ["one.csv"],
        ["two.csv"],
        ["three.csv"],
    ]
    assert query("SELECT count(*) FROM generic_subscriptions") == [(3,)]
