"""`revlake build` on synthetic companies: wall time, peak memory, and dbt's overhead.

Run: python -m benchmarks.bench_build [--customers 10000,100000,1000000] [--repeats 3]

For each size the company is generated and ingested once (not timed), then `revlake build`
runs `--repeats` times, each in its own process (so its peak RSS is its own); the median
is printed. Baseline, measured in the same run: the very SQL dbt executed for the models
and data tests of the last build (`compiled_code` of target/run_results.json), replayed
in dependency order straight into DuckDB on an empty file. The share of the build's wall
time not explained by that replay is dbt's overhead (process start, parsing, Jinja,
introspection queries, unit tests, bookkeeping). Writes nothing outside a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from revlake.demo import GenerateConfig, generate_company
from revlake.ingest import run_ingest
from revlake.transform.build import dbt_work_dir
from revlake.workspace import Workspace, init_workspace

TENANT = "bench"


def prepare(root: Path, customers: int, seed: int) -> Workspace:
    """Generate the company and ingest it into a fresh workspace."""
    generated = root / "company"
    generate_company(
        GenerateConfig(customers=customers, seed=seed, out=generated), workers=os.cpu_count() or 1
    )
    workspace = init_workspace(root / "ws", tenants=[TENANT])
    shutil.copytree(generated / "exports", workspace.landing_dir(TENANT), dirs_exist_ok=True)
    summary = run_ingest(workspace, TENANT)
    if summary.exit_code or summary.problems:
        problems = "; ".join(f"{p.path}: {p.message}" for p in summary.problems)
        raise SystemExit(f"ingest of the {customers:,}-customer company failed: {problems}")
    return workspace


def timed_build(workspace: Workspace, threads: int) -> tuple[float, float, int]:
    """(wall seconds, peak RSS MiB, exit code) of `revlake build` in a child process."""
    command = [sys.executable, "-m", "revlake", "build", "--workspace", str(workspace.root)]
    command += ["--threads", str(threads)]
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss / 1024, child.returncode


def replay_engine_only(workspace: Workspace, scratch: Path) -> float:
    """Seconds DuckDB needs for the last build's model and test SQL without dbt."""
    results = json.loads(
        (dbt_work_dir(workspace, TENANT) / "target" / "run_results.json").read_text()
    )["results"]
    models = [r for r in results if r["unique_id"].startswith("model.")]
    tests = [r for r in results if r["unique_id"].startswith("test.")]
    catalog = models[0]["relation_name"].split(".")[0].strip('"')
    scratch.mkdir(parents=True, exist_ok=True)
    target = scratch / f"{catalog}.duckdb"  # same catalog name as the compiled SQL uses
    target.unlink(missing_ok=True)
    con = duckdb.connect(str(target))
    try:
        bronze = str(workspace.bronze_path(TENANT)).replace("'", "''")
        con.execute(f"attach '{bronze}' as bronze (read_only)")
        con.execute("create schema if not exists silver; create schema if not exists gold")
        started = time.perf_counter()
        for result in models:  # completion order respects dependencies
            con.execute(f"create table {result['relation_name']} as ({result['compiled_code']})")
        for result in tests:
            con.execute(f"select count(*) from ({result['compiled_code']}) as t").fetchone()
        return time.perf_counter() - started
    finally:
        con.close()
        target.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", default="10000,100000,1000000")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    sizes = [int(part) for part in args.customers.split(",") if part.strip()]
    print(
        f"{'customers':>10} {'build s':>9} {'peak MiB':>9} {'engine-only s':>14} "
        f"{'dbt overhead':>13} {'gold rows':>10}"
    )
    for customers in sizes:
        with tempfile.TemporaryDirectory(prefix="revlake-bench-build-") as tmp:
            root = Path(tmp)
            workspace = prepare(root, customers, args.seed)
            walls, peaks = [], []
            for _ in range(args.repeats):
                wall, peak, code = timed_build(workspace, args.threads)
                if code != 0:
                    print(f"revlake build failed (exit {code}) at {customers} customers")
                    return 1
                walls.append(wall)
                peaks.append(peak)
            engine = statistics.median(
                replay_engine_only(workspace, root / "replay") for _ in range(args.repeats)
            )
            wall = statistics.median(walls)
            current = (workspace.snapshots_dir(TENANT) / "CURRENT").read_text().strip()
            con = duckdb.connect(str(workspace.snapshots_dir(TENANT) / current), read_only=True)
            fct_mrr = con.execute("select count(*) from gold.fct_mrr").fetchone()
            con.close()
            print(
                f"{customers:>10,} {wall:>9.1f} {max(peaks):>9.0f} {engine:>14.1f} "
                f"{1 - engine / wall:>12.0%} {fct_mrr[0] if fct_mrr else 0:>10,}",
                flush=True,
            )
    print("(gold rows = rows of gold.fct_mrr; medians of the repeats; overhead = 1 − engine/build)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
