"""Benchmark `revlake generate`: wall time, rows/s and peak RSS per company size.

Each run is a child process (`python -m revlake generate`) reaped with `os.wait4`, so the
peak RSS is that run's own (the largest of the generator and its worker processes) and
the CPU seconds (user + system, workers included) do not depend on other load on the
machine, unlike the wall time.
Sizes up to 10,000 customers run `--repeat` times and report the median; larger sizes
run once. Ratios compare each size's rows/s with the smallest size's, measured in the
same invocation (1.00 = perfectly linear scaling). Output goes to a temporary folder
that is deleted after each run; nothing is written to the repository.

    python -m benchmarks.bench_generate                    # 10k, 100k and 1M
    python -m benchmarks.bench_generate --sizes 10000,100000 --workers 2
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPEAT_LIMIT = 10_000


def run_once(
    customers: int, seed: int, workers: int, scratch: Path
) -> tuple[float, int, int, int, float]:
    """(wall s, total rows, bytes written, peak RSS KiB, CPU s incl. workers) of one run."""
    out = scratch / f"company-{customers}"
    cmd = [
        sys.executable,
        "-m",
        "revlake",
        "generate",
        "--customers",
        str(customers),
        "--seed",
        str(seed),
        "--out",
        str(out),
        "--force",
        "--workers",
        str(workers),
    ]
    started = time.perf_counter()
    child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    stderr = child.stderr.read().decode() if child.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"generate failed for {customers}: {stderr}")
    manifest = json.loads((out / "manifest.json").read_text())
    rows = sum(entry["rows"] for entry in manifest["files"].values())
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    subprocess.run(["rm", "-rf", str(out)], check=True)
    return wall, rows, size, usage.ru_maxrss, usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="customer counts")
    parser.add_argument("--repeat", type=int, default=3, help="runs per size up to 10k")
    parser.add_argument("--workers", type=int, default=1, help="generator worker processes")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scratch", default=None, help="folder for the temporary output")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    print(f"revlake generate benchmark: sizes {sizes}, workers {args.workers}", flush=True)
    header = f"{'customers':>10} {'runs':>4} {'wall s':>8} {'rows':>12} {'rows/s':>10} "
    header += f"{'MB':>8} {'peak RSS MiB':>12} {'CPU s':>8} {'rows/s ratio':>12}"
    print(header, flush=True)
    baseline = 0.0
    with tempfile.TemporaryDirectory(dir=args.scratch, prefix="revlake-bench-") as tmp:
        for n in sizes:
            runs = args.repeat if n <= REPEAT_LIMIT else 1
            results = [run_once(n, args.seed, args.workers, Path(tmp)) for _ in range(runs)]
            wall = statistics.median(r[0] for r in results)
            rows, size = results[0][1], results[0][2]
            rss = max(r[3] for r in results) / 1024
            cpu = statistics.median(r[4] for r in results)
            rate = rows / wall
            baseline = baseline or rate
            print(
                f"{n:>10,} {runs:>4} {wall:>8.1f} {rows:>12,} {rate:>10,.0f} "
                f"{size / 1e6:>8,.0f} {rss:>12,.0f} {cpu:>8,.0f} {rate / baseline:>12.2f}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
