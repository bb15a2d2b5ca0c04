"""`make bench`: run every benchmarks/bench_*.py module in turn and print its figures.

Each benchmark is its own process (so peak-memory figures are its own); pass
`--only NAME[,NAME]` to run a subset, e.g. `python -m benchmarks.run_all --only ingest`.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent


def discover() -> list[str]:
    """Names of the benchmark modules, e.g. ['generate', 'ingest'], in a stable order."""
    return sorted(path.stem.removeprefix("bench_") for path in BENCH_DIR.glob("bench_*.py"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", default="", help="comma-separated benchmark names")
    args = parser.parse_args(argv)
    names = discover()
    if args.only:
        wanted = {name.strip() for name in args.only.split(",") if name.strip()}
        unknown = wanted - set(names)
        if unknown:
            parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}; known: {names}")
        names = [name for name in names if name in wanted]
    failed = []
    for name in names:
        print(f"\n=== benchmark: {name} ===", flush=True)
        result = subprocess.run([sys.executable, "-m", f"benchmarks.bench_{name}"], check=False)
        if result.returncode != 0:
            failed.append(name)
    if failed:
        print(f"\nbenchmarks that failed to run: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
