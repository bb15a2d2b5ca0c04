"""Ingest speed: `run_ingest` on a big CSV beside DuckDB's bare `read_csv` into a table.

Run: python -m benchmarks.bench_ingest [--rows 10000000] [--repeats 3]. Generates a
generic_subscriptions CSV (7 text columns, LF, no quoting) in a temporary folder, then
times, each in a fresh process so peak memory (max RSS) is its own:
- baseline: `CREATE TABLE t AS SELECT * FROM read_csv(file)` into a new DuckDB file (and
  the same with all_varchar=true, since bronze keeps text);
- revlake: `run_ingest` into a new workspace (hashing, sniffing, layout matching, staging,
  rejects bookkeeping, bronze insert with metadata, manifest, one transaction).
Prints medians and the ratio of rows/s (target: revlake ≥ 0.7 × baseline, typed detection
included), plus peak RSS at the full size and at a fifth of it (memory must not grow with
file size beyond DuckDB's). Then the width check: peak RSS of ingesting a 5,000-column file
beside a 15-column file of the same size (target: within 2×). Writes nothing to the repo.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

HEADER = "subscription_id,customer_id,start_date,end_date,monthly_amount,currency,plan"


def make_csv(path: Path, rows: int) -> None:
    con = duckdb.connect()
    con.execute(
        f"""COPY (
          SELECT 'sub_' || i AS subscription_id, 'cus_' || (i % 250000) AS customer_id,
                 (DATE '2021-01-01' + (i % 1500)::INTEGER)::VARCHAR AS start_date,
                 CASE WHEN i % 3 = 0 THEN (DATE '2022-01-01' + (i % 900)::INTEGER)::VARCHAR END
                   AS end_date,
                 ((i * 37) % 100000 / 100.0)::DECIMAL(12,2)::VARCHAR AS monthly_amount,
                 ['USD','EUR','GBP','JPY'][1 + i % 4] AS currency,
                 ['starter','growth','scale'][1 + i % 3] AS plan
          FROM range({rows}) t(i)) TO '{path}' (HEADER, DELIMITER ',')"""
    )
    con.close()


def make_wide_csv(path: Path, columns: int, target_mib: float) -> int:
    """A numeric CSV with `columns` columns of about `target_mib` MiB; returns its rows."""
    row_bytes = columns * 6  # "12345," per cell
    rows = max(1, int(target_mib * 2**20 / row_bytes))
    header = ",".join(["id", *(f"metric_{i}" for i in range(columns - 1))])
    cells = ", ".join(f"((i * {k + 7}) % 99991)::VARCHAR" for k in range(columns - 1))
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT 'r' || i AS id, {cells} FROM range({rows}) t(i)) TO '{path}' "
        "(HEADER false, DELIMITER ',')"
    )
    con.close()
    body = path.read_bytes()
    path.write_bytes(header.encode() + b"\n" + body)
    return rows


def worker(kind: str, csv_path: Path, folder: Path) -> dict[str, float]:
    """One timed run in this process; returns seconds, rows and max RSS (MiB)."""
    start = time.perf_counter()
    if kind == "wide_ingest":
        from revlake.ingest import run_ingest
        from revlake.workspace import init_workspace

        workspace = init_workspace(folder / "ws", ["bench"])
        (workspace.root / "layouts").mkdir()
        (workspace.root / "layouts" / "metrics.toml").write_text(
            'name = "metrics"\nrequired = ["id"]\n', encoding="utf-8"
        )
        target = workspace.landing_dir("bench") / "metrics.csv"
        os.link(csv_path, target)
        start = time.perf_counter()
        summary = run_ingest(workspace, "bench", settle_s=0)
        rows = summary.rows_loaded
        if summary.rows_rejected or summary.problems:
            raise SystemExit(f"unexpected: {summary.problems or summary.rows_rejected}")
    elif kind == "ingest":
        from revlake.ingest import run_ingest
        from revlake.workspace import init_workspace

        workspace = init_workspace(folder / "ws", ["bench"])
        target = workspace.landing_dir("bench") / "subscriptions.csv"
        os.link(csv_path, target)  # a hard link: ingest refuses symbolic links
        start = time.perf_counter()
        summary = run_ingest(workspace, "bench", settle_s=0)
        rows = summary.rows_loaded
        if summary.rows_rejected:
            raise SystemExit(f"unexpected rejects: {summary.rows_rejected}")
    else:
        con = duckdb.connect(str(folder / "baseline.duckdb"))
        option = ", all_varchar=true" if kind == "baseline_varchar" else ""
        con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{csv_path}'{option})")
        result = con.execute("SELECT count(*) FROM t").fetchone()
        rows = int(result[0]) if result else 0
        con.close()
    seconds = time.perf_counter() - start
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "rows": rows, "rss_mib": rss_mib}


def run_worker(kind: str, csv_path: Path) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as folder:
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.bench_ingest",
                "--worker",
                kind,
                str(csv_path),
                folder,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    figures: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return figures


def measure(csv_path: Path, repeats: int) -> dict[str, dict[str, float]]:
    runs: dict[str, list[dict[str, float]]] = {"baseline": [], "baseline_varchar": [], "ingest": []}
    for _ in range(repeats):  # interleaved, so drift on a shared machine hits all alike
        for kind in runs:
            runs[kind].append(run_worker(kind, csv_path))
    return {
        kind: {
            "seconds": statistics.median(r["seconds"] for r in results),
            "rows": results[0]["rows"],
            "rss_mib": max(r["rss_mib"] for r in results),
        }
        for kind, results in runs.items()
    }


def report(rows: int, figures: dict[str, dict[str, float]]) -> None:
    base = figures["baseline"]["rows"] / figures["baseline"]["seconds"]
    base_text = figures["baseline_varchar"]["rows"] / figures["baseline_varchar"]["seconds"]
    ours = figures["ingest"]["rows"] / figures["ingest"]["seconds"]
    print(f"rows: {rows:,}")
    for kind, label in (
        ("baseline", "duckdb read_csv → table"),
        ("baseline_varchar", "duckdb read_csv(all_varchar) → table"),
        ("ingest", "revlake run_ingest"),
    ):
        f = figures[kind]
        print(
            f"  {label:<38} {f['seconds']:7.2f} s  {f['rows'] / f['seconds']:>12,.0f} rows/s  "
            f"peak RSS {f['rss_mib']:7.0f} MiB"
        )
    print(f"  ratio revlake / read_csv:              {ours / base:.2f}  (target ≥ 0.70)")
    print(f"  ratio revlake / read_csv(all_varchar): {ours / base_text:.2f}")


def width_check(folder: Path, target_mib: float, repeats: int) -> None:
    """Peak RSS of ingesting a 5,000-column file and a 15-column file of the same size."""
    figures: dict[int, dict[str, float]] = {}
    for columns in (15, 5_000):
        path = folder / f"wide_{columns}.csv"
        rows = make_wide_csv(path, columns, target_mib)
        runs = [run_worker("wide_ingest", path) for _ in range(repeats)]
        figures[columns] = {
            "seconds": statistics.median(r["seconds"] for r in runs),
            "rss_mib": max(r["rss_mib"] for r in runs),
            "rows": rows,
            "mib": path.stat().st_size / 2**20,
        }
        path.unlink()
    print(f"\nwidth check: {target_mib:g} MiB files, medians of {repeats} run(s)")
    for columns, f in figures.items():
        print(
            f"  {columns:>5,} columns × {int(f['rows']):>9,} rows ({f['mib']:.0f} MiB)  "
            f"{f['seconds']:7.2f} s  peak RSS {f['rss_mib']:7.0f} MiB"
        )
    ratio = figures[5_000]["rss_mib"] / figures[15]["rss_mib"]
    print(f"  peak RSS 5,000 / 15 columns:            {ratio:.2f}  (target ≤ 2.0)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--wide-mib", type=float, default=40.0, help="size of the width check")
    parser.add_argument("--worker", nargs=3, metavar=("KIND", "CSV", "FOLDER"), help="internal")
    args = parser.parse_args(argv)
    if args.worker:
        kind, csv_path, folder = args.worker
        print(json.dumps(worker(kind, Path(csv_path), Path(folder))))
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-ingest-data-") as folder:
        for rows, repeats in ((args.rows, args.repeats), (max(1, args.rows // 5), 1)):
            csv_path = Path(folder) / f"subscriptions_{rows}.csv"
            started = time.perf_counter()
            make_csv(csv_path, rows)
            size_mib = csv_path.stat().st_size / 2**20
            print(
                f"\ngenerated {csv_path.name}: {size_mib:,.0f} MiB in "
                f"{time.perf_counter() - started:.1f} s; medians of {repeats} run(s)"
            )
            report(rows, measure(csv_path, repeats))
            csv_path.unlink()
        width_check(Path(folder), args.wide_mib, args.repeats)
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
