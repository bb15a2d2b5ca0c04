"""API load test: p50/p99 latency and throughput at 50 concurrent clients, and answers that
stay the same while a new snapshot is published mid-load.

Run: python -m benchmarks.bench_api [--customers N] [--workspace PATH] [--seconds S]

The server is `revlake serve` in its own process; the load comes from this process over
loopback: 50 asyncio clients, each on its own keep-alive connection, each sending its next
request as soon as the previous answer arrived (closed loop). A minimal HTTP/1.1 client is
used (not httpx) so that the load generator spends as little of the shared 2 cores as
possible. Figures are medians of `--runs` runs per endpoint. Baseline measured in the same
run: GET /api/v1/health (no key, no snapshot: the cost of the server stack itself).

Mid-load publish: while the clients hammer /api/v1/kpis, a new snapshot (a copy of the
current build, i.e. a rebuild of the same data) is published with the same atomic pointer
swap `revlake build` uses; every answer must be 200 and carry the same KPI values, and both
snapshots must have answered.

Without --workspace a workspace is generated, ingested and built in a temporary folder
(nothing is written to the repo).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from revlake.api.server import demo_key
from revlake.demo import GenerateConfig, generate_company
from revlake.ingest import run_ingest
from revlake.transform import snapshots
from revlake.transform.build import build_tenant
from revlake.workspace import Workspace, init_workspace

TENANT = "demo"
CLIENTS = 50


@dataclass
class LoadResult:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    bodies: Counter[bytes] = field(default_factory=Counter)
    wall_s: float = 0.0

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.wall_s if self.wall_s else 0.0

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def _client(
    port: int,
    paths: list[str],
    key: str,
    stop_at: float,
    result: LoadResult,
    keep_bodies: bool,
    offset: int,
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    i = offset
    try:
        while time.perf_counter() < stop_at:
            path = paths[i % len(paths)]
            i += 1
            request = (
                f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\n\r\n"
            ).encode()
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            body = await reader.readexactly(length)
            result.latencies.append(time.perf_counter() - started)
            if status != 200:
                result.errors += 1
            if keep_bodies:
                result.bodies[body] += 1
    except (ConnectionError, asyncio.IncompleteReadError):
        result.errors += 1
    finally:
        writer.close()


async def _load(
    port: int, paths: list[str], key: str, seconds: float, keep_bodies: bool = False
) -> LoadResult:
    result = LoadResult()
    started = time.perf_counter()
    stop_at = started + seconds
    await asyncio.gather(
        *(_client(port, paths, key, stop_at, result, keep_bodies, n) for n in range(CLIENTS))
    )
    result.wall_s = time.perf_counter() - started
    return result


def load(port: int, paths: list[str], key: str, seconds: float, **kw: Any) -> LoadResult:
    return asyncio.run(_load(port, paths, key, seconds, **kw))


def prepare_workspace(folder: Path, customers: int) -> Workspace:
    generated = folder / "generated"
    generate_company(GenerateConfig(customers=customers, seed=7, out=generated))
    workspace = init_workspace(folder / "ws", tenants=(TENANT,))
    shutil.copytree(generated / "exports", workspace.landing_dir(TENANT), dirs_exist_ok=True)
    run_ingest(workspace, TENANT, strict=True)
    summary = build_tenant(workspace, TENANT)
    if not summary.published:
        raise SystemExit("the benchmark build failed its tests; nothing to serve")
    return workspace


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(workspace: Workspace, port: int) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "revlake", "serve", "--workspace", str(workspace.root),
        "--port", str(port), "--log-level", "warning",
    ]  # fmt: skip
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return server
        except OSError:
            if server.poll() is not None:
                raise SystemExit("revlake serve exited early") from None
            time.sleep(0.2)
    server.kill()
    raise SystemExit("revlake serve did not start within 60 s")


def measure(port: int, key: str, name: str, paths: list[str], seconds: float, runs: int) -> None:
    p50s, p99s, rates, errors = [], [], [], 0
    for _ in range(runs):
        result = load(port, paths, key, seconds)
        p50s.append(result.percentile(0.50))
        p99s.append(result.percentile(0.99))
        rates.append(result.throughput)
        errors += result.errors
    rows[name] = (statistics.median(p50s), statistics.median(p99s), statistics.median(rates))
    print(
        f"{name:<34} p50 {rows[name][0]:7.2f} ms  p99 {rows[name][1]:7.2f} ms  "
        f"{rows[name][2]:8.0f} req/s  errors {errors}",
        flush=True,
    )
    totals["errors"] += errors


rows: dict[str, tuple[float, float, float]] = {}
totals = {"errors": 0}


def publish_mid_load(workspace: Workspace, port: int, key: str, seconds: float) -> None:
    folder = workspace.snapshots_dir(TENANT)
    current = snapshots.current_snapshot(folder)
    assert current is not None

    async def run() -> LoadResult:
        task = asyncio.create_task(_load(port, ["/api/v1/kpis"], key, seconds, keep_bodies=True))
        await asyncio.sleep(seconds / 2)
        fresh = snapshots.new_snapshot_path(folder)
        await asyncio.to_thread(shutil.copyfile, current, fresh)
        snapshots.publish(fresh)
        return await task

    result = asyncio.run(run())
    answers = {json.loads(body)["snapshot"] for body in result.bodies}
    values = {json.dumps(json.loads(body)["kpis"], sort_keys=True) for body in result.bodies}
    print(
        f"publish mid-load: {len(result.latencies)} answers, errors {result.errors}, "
        f"snapshots answering {len(answers)}, distinct KPI answers {len(values)}"
    )
    if result.errors or len(values) != 1 or len(answers) != 2:
        print("FAILED: answers changed, errors happened, or the new snapshot never answered")
        totals["errors"] += max(1, result.errors)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=500)
    parser.add_argument("--workspace", type=Path, default=None)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="revlake-bench-api-") as tmp:
        if args.workspace is not None:
            workspace = Workspace.open(args.workspace)
        else:
            print(f"building a {args.customers}-customer workspace ...", flush=True)
            workspace = prepare_workspace(Path(tmp), args.customers)
        key = demo_key(workspace, TENANT, role="admin")
        port = free_port()
        server = start_server(workspace, port)
        try:
            load(port, ["/api/v1/kpis", "/api/v1/customers"], key, 2.0)  # warm up
            print(f"{CLIENTS} concurrent clients, {args.seconds:.0f} s per run, "
                  f"median of {args.runs} runs")  # fmt: skip
            measure(port, key, "baseline GET /api/v1/health", ["/api/v1/health"],
                    args.seconds, args.runs)  # fmt: skip
            measure(port, key, "GET /api/v1/kpis", ["/api/v1/kpis"], args.seconds, args.runs)
            pages = [f"/api/v1/customers?limit=50&offset={50 * i}" for i in range(5)]
            measure(port, key, "GET /api/v1/customers (5 pages)", pages, args.seconds,
                    args.runs)  # fmt: skip
            base = rows["baseline GET /api/v1/health"]
            for name in ("GET /api/v1/kpis", "GET /api/v1/customers (5 pages)"):
                p50, _, rate = rows[name]
                print(
                    f"{name}: p50 {p50 / base[0]:.2f}× baseline, "
                    f"throughput {rate / base[2]:.2f}× baseline"
                )
            publish_mid_load(workspace, port, key, args.seconds)
        finally:
            server.terminate()
            server.wait(timeout=30)
    kpis_p99 = rows["GET /api/v1/kpis"][1]
    print(f"/kpis p99 {kpis_p99:.2f} ms (target < 25 ms); total errors {totals['errors']}")
    if totals["errors"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
