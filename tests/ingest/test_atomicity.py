"""A run killed with SIGKILL leaves bronze as before; two runs at once never duplicate rows."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from revlake.ingest import IngestSummary
from revlake.ingest.run import PAUSE_ENV
from revlake.workspace import Workspace

from .conftest import TENANT

HEADER = "subscription_id,customer_id,start_date,monthly_amount\n"


def _start(workspace: Workspace, *args: str, pause: float = 0) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVLAKE_")}
    if pause:
        env[PAUSE_ENV] = str(pause)
    return subprocess.Popen(
        [sys.executable, "-m", "revlake", "ingest", "-w", str(workspace.root), "-t", TENANT, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _wait_for_pause(process: subprocess.Popen[str]) -> None:
    assert process.stderr is not None
    for line in process.stderr:
        if PAUSE_ENV in line:
            return
    raise AssertionError(f"the ingest ended without pausing (rc {process.wait()})")


def _drop_batch(drop: Callable[[str, bytes], Path], name: str, rows: int) -> None:
    body = "".join(f"{name}{i},c{i},2024-01-01,{i}\n" for i in range(rows))
    drop(f"{name}.csv", (HEADER + body).encode())


def test_kill_9_mid_run_leaves_the_previous_state_and_a_rerun_loads_once(
    workspace: Workspace,
    drop: Callable[[str, bytes], Path],
    ingest: Callable[..., IngestSummary],
    query: Callable[..., list[tuple[Any, ...]]],
) -> None:
    _drop_batch(drop, "a", 3)
    ingest()
    _drop_batch(drop, "b", 1000)
    _drop_batch(drop, "c", 5)
    drop("c_extra.csv", (HEADER.strip() + ",new_col\nx,y,z,1,2\n").encode())
    process = _start(workspace, pause=60)
    _wait_for_pause(process)  # b.csv is inserted inside the open transaction
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert query("SELECT count(*) FROM generic_subscriptions") == [(3,)]
    assert query("SELECT path FROM _manifest") == [("a.csv",)]
    assert query("SELECT count(*) FROM _loads") == [(1,)]
    columns = query(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = 'generic_subscriptions'"
    )
    assert ("new_col",) not in columns
    rerun = ingest()
    assert sorted(f.path for f in rerun.files) == ["b.csv", "c.csv", "c_extra.csv"]
    assert query(
        "SELECT _source_file, count(*), count(DISTINCT _row_number) FROM generic_subscriptions "
        "GROUP BY 1 ORDER BY 1"
    ) == [("a.csv", 3, 3), ("b.csv", 1000, 1000), ("c.csv", 5, 5), ("c_extra.csv", 1, 1)]
    assert ingest().files == []


def test_two_ingests_at_once_one_fails_clearly_one_waits_no_duplicates(
    workspace: Workspace,
    drop: Callable[[str, bytes], Path],
    query: Callable[..., list[tuple[Any, ...]]],
) -> None:
    _drop_batch(drop, "a", 100)
    first = _start(workspace, pause=120)
    _wait_for_pause(first)  # holds the workspace lock, mid-transaction
    second = _start(workspace)  # no --wait: fails at once, naming the holder
    _, second_err = second.communicate(timeout=60)
    assert second.returncode == 1
    assert "is locked by another revlake command" in second_err
    assert "revlake ingest --tenant acme" in second_err
    third = _start(workspace, "--wait", "60")  # waits for the lock
    first.send_signal(signal.SIGKILL)  # the holder dies: its lock and transaction go
    first.wait()
    third_out, third_err = third.communicate(timeout=120)
    assert third.returncode == 0, third_err
    assert "a.csv" in third_out
    assert query("SELECT count(*), count(DISTINCT subscription_id) FROM generic_subscriptions") == [
        (100, 100)
    ]
    assert query("SELECT path, version FROM _manifest") == [("a.csv", 1)]
