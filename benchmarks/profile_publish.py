"""Where the scored publish (`revlake score`) spends its time and memory, phase by phase.

Run: python -m benchmarks.profile_publish WORKSPACE [--tenant demo] [--forecast]
     [--duckdb-memory-limit SIZE]

Runs what `revlake score` runs (`score_tenant` inside `publishing_answers`; with
`--forecast`, `forecast_tenant(publish=True)` instead, as `revlake forecast --publish`)
on WORKSPACE, which it changes (a new build is published there: run it on a copy). The
functions of each phase are wrapped: per call, wall seconds, the process's RSS when it
ends and its peak RSS while it ran (a thread samples /proc/self/statm every 10 ms), each
line indented by nesting. Nothing is printed by the product itself beyond its own output.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

PAGE = os.sysconf("SC_PAGE_SIZE")
PHASES: tuple[tuple[str, str], ...] = (
    ("revlake.ml.service", "load_tenant_history"),
    ("revlake.ml.service", "load_deal_history"),
    ("revlake.ml.service", "score_history"),
    ("revlake.ml.forecast_service", "load_tenant_history"),
    ("revlake.ml.forecast_service", "forecast_history"),
    ("revlake.ml.service", "_publish_copy"),
    ("revlake.queries.precompute", "precompute_answers"),
    ("revlake.queries.precompute", "_deal_answers"),
    ("revlake.queries.precompute", "_forecast_answers"),
    ("revlake.queries.precompute", "_tax_answers"),
    ("revlake.queries.precompute", "_bank_answers"),
    ("revlake.queries.precompute", "_retention_answers"),
    ("revlake.queries.precompute", "_ar_answers"),
    ("revlake.queries.insights", "insights"),
    ("revlake.queries.precompute", "write_answers"),
    ("revlake.queries.precompute", "write_answer_file"),
    ("revlake.queries.deals", "deal_summary"),
    ("revlake.queries.deals", "deal_filters"),
    ("revlake.queries.deals", "deal_explanations"),
    ("revlake.queries.deals", "deal_details"),
    ("revlake.queries.deals", "deal_history"),
    ("revlake.queries.deals", "forecast_basis_body"),
    ("revlake.queries.deals", "forecast"),
)


def rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


class Sampler:
    """Peak RSS of each running phase (sampled)."""

    def __init__(self) -> None:
        self.active: dict[int, list[int]] = {}
        self.lock = threading.Lock()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while True:
            now = rss()
            with self.lock:
                for cell in self.active.values():
                    cell[0] = max(cell[0], now)
            time.sleep(0.01)


SAMPLER = Sampler()
DEPTH = [0]
STARTED = time.perf_counter()


def duckdb_memory(args: tuple[Any, ...]) -> str:
    """What DuckDB holds (its buffer pool) when the phase read a build (first argument)."""
    from revlake.reader.build import Build

    if not args or not isinstance(args[0], Build):
        return ""
    found = args[0].rows("select sum(memory_usage_bytes) as b from duckdb_memory()")
    return f" (DuckDB {int(found[0]['b'] or 0) / 2**20:,.0f} MiB)"


def wrap(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(real)
    def timed(*args: Any, **kwargs: Any) -> Any:
        cell = [rss()]
        with SAMPLER.lock:
            SAMPLER.active[id(cell)] = cell
        DEPTH[0] += 1
        started = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            seconds = time.perf_counter() - started
            DEPTH[0] -= 1
            with SAMPLER.lock:
                del SAMPLER.active[id(cell)]
            print(
                f"{time.perf_counter() - STARTED:8.1f}s {'  ' * DEPTH[0]}{name}: {seconds:.2f} s, "
                f"peak {cell[0] / 2**20:,.0f} MiB, after {rss() / 2**20:,.0f} MiB"
                f"{duckdb_memory(args)}",
                flush=True,
            )

    return timed


def install() -> None:
    seen: dict[int, Callable[..., Any]] = {}
    for module_name, attr in PHASES:
        module = importlib.import_module(module_name)
        real = getattr(module, attr)
        wrapped = seen.setdefault(id(real), wrap(attr, real))
        setattr(module, attr, wrapped)
        # the same function imported by name into other revlake modules
        for other in ("revlake.queries.precompute", "revlake.ml.service"):
            mod = importlib.import_module(other)
            if getattr(mod, attr, None) is real:
                setattr(mod, attr, wrapped)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("workspace", type=Path)
    parser.add_argument("--tenant", default="demo")
    parser.add_argument("--forecast", action="store_true")
    parser.add_argument("--duckdb-memory-limit", help="instead of PUBLISH_MEMORY_LIMIT")
    args = parser.parse_args()
    install()
    if args.duckdb_memory_limit:
        from revlake.ml import service

        service.PUBLISH_MEMORY_LIMIT = args.duckdb_memory_limit
    from revlake.ml.forecast_service import forecast_tenant
    from revlake.ml.service import score_tenant
    from revlake.queries.precompute import publishing_answers
    from revlake.workspace import Workspace

    workspace = Workspace.open(args.workspace)
    with publishing_answers(workspace, args.tenant) as publish:
        if args.forecast:
            forecast_tenant(workspace, args.tenant, publish=True)
        else:
            score_tenant(workspace, args.tenant)
    found = publish.precomputed
    assert found is not None
    body = sum(len(v) for v in found.answers.values())
    print(
        f"answers {len(found.answers):,} ({body / 2**20:,.1f} MiB of bodies), "
        f"precompute {found.seconds:.1f} s, skipped {found.skipped}; "
        f"total {time.perf_counter() - STARTED:.1f} s; "
        f"max RSS {__import__('resource').getrusage(0).ru_maxrss / 1024:,.0f} MiB",
        flush=True,
    )
    kinds: dict[str, list[int]] = {}
    for key, value in found.answers.items():
        kind = key.split(",")[0].strip("(' ")
        kinds.setdefault(kind, []).append(len(value))
    for kind, sizes in sorted(kinds.items(), key=lambda kv: -sum(kv[1])):
        print(f"  {kind}: {len(sizes):,} answers, {sum(sizes) / 2**20:,.2f} MiB", flush=True)


if __name__ == "__main__":
    main()
