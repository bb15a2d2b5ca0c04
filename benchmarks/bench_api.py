"""API load test: p50/p99 latency and throughput at 50 concurrent clients, and answers that
stay the same while a new snapshot is published mid-load.

Run: python -m benchmarks.bench_api [--customers N] [--workspace PATH] [--seconds S]
     [--endpoints core|extended]

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

`--endpoints extended` (about 4 more minutes) also loads the deal, customer-intelligence
and finance read endpoints (deals and POST /forecast with a sales key, the others with a
finance key; /revrec, /ap and /tax when the server has them). The generated workspace then
has its win model trained and scored, the forecast published and the churn model trained
and scored, as `revlake train/score/forecast --publish/churn` do. Every such endpoint is
memoised per snapshot, so three figures are printed for each: the first request on a
freshly published snapshot (cold: the queries run; median over `--runs` fresh
publishes of a copy of the build), one client sending requests one after another on the
warm cache (the cost of one request), and the closed-loop load of 50 clients. POST
/forecast is timed cold and warm the same way, a few requests, not load. The issue #6
target (one deal's explanation under 10 ms) is checked on the endpoint and on the library
call (`revlake.ml.explain.explain_rows` on the tenant's registered model and published
deal history: features as of today, TreeSHAP, sentences).
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from revlake.api.server import demo_key
from revlake.demo import GenerateConfig, generate_company
from revlake.ingest import run_ingest
from revlake.ml.churn_service import score_churn_tenant, train_churn_tenant
from revlake.ml.deals import open_deal_indices
from revlake.ml.explain import explain_rows
from revlake.ml.features import compute_features, prepare
from revlake.ml.forecast_service import forecast_tenant
from revlake.ml.registry import load_model
from revlake.ml.service import load_tenant_history, score_tenant, train_tenant
from revlake.ml.win import LightGbmWinModel
from revlake.transform import snapshots
from revlake.transform.build import build_tenant
from revlake.workspace import Workspace, init_workspace

TENANT = "demo"
CLIENTS = 50
API = "/api/v1"
SLOW_P50_MS = 50.0  # a steady-state p50 above this is reported as slow
EXPLAIN_TARGET_MS = 10.0  # issue #6: one deal's explanation
IDS = 20  # deals / customers cycled through by the per-id endpoints


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


Path_ = str | tuple[str, bytes]
"""A request of the load: GET path, or (path, JSON body) for a POST."""


def raw_request(item: Path_, key: str) -> bytes:
    """The HTTP/1.1 bytes of one load request (keep-alive)."""
    if isinstance(item, str):
        return (
            f"GET {item} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\n\r\n"
        ).encode()
    path, body = item
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _client(
    port: int,
    paths: Sequence[Path_],
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
            request = raw_request(paths[i % len(paths)], key)
            i += 1
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
    port: int, paths: Sequence[Path_], key: str, seconds: float, keep_bodies: bool = False
) -> LoadResult:
    result = LoadResult()
    started = time.perf_counter()
    stop_at = started + seconds
    await asyncio.gather(
        *(_client(port, paths, key, stop_at, result, keep_bodies, n) for n in range(CLIENTS))
    )
    result.wall_s = time.perf_counter() - started
    return result


def load(port: int, paths: Sequence[Path_], key: str, seconds: float, **kw: Any) -> LoadResult:
    return asyncio.run(_load(port, paths, key, seconds, **kw))


def prepare_workspace(folder: Path, customers: int, models: bool = False) -> Workspace:
    generated = folder / "generated"
    generate_company(GenerateConfig(customers=customers, seed=7, out=generated))
    workspace = init_workspace(folder / "ws", tenants=(TENANT,))
    shutil.copytree(generated / "exports", workspace.landing_dir(TENANT), dirs_exist_ok=True)
    run_ingest(workspace, TENANT, strict=True)
    summary = build_tenant(workspace, TENANT)
    if not summary.published:
        raise SystemExit("the benchmark build failed its tests; nothing to serve")
    if models:  # what `revlake train/score/forecast --publish/churn train/score` do
        train_tenant(workspace, TENANT)
        score_tenant(workspace, TENANT)
        forecast_tenant(workspace, TENANT, publish=True)
        train_churn_tenant(workspace, TENANT)
        score_churn_tenant(workspace, TENANT)
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


@dataclass(frozen=True)
class Target:
    """An endpoint of the extended set: the paths cycled through and the key role used."""

    name: str
    route: str  # the OpenAPI path template; the endpoint is measured only if it exists
    paths: list[str]
    role: str


def request(
    port: int, key: str, path: str, method: str = "GET", body: bytes | None = None
) -> tuple[int, bytes, float]:
    """(status, body, seconds) of one request on a new connection (blocking)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    try:
        headers = {"Authorization": f"Bearer {key}"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        conn.request(method, path, body=body, headers=headers)
        answer = conn.getresponse()
        data = answer.read()
        return answer.status, data, time.perf_counter() - started
    finally:
        conn.close()


def get_json(port: int, key: str, path: str) -> Any:
    """The JSON answer of a GET that must succeed (ids and the route list)."""
    status, body, _ = request(port, key, path)
    if status != 200:
        raise SystemExit(f"GET {path} answered {status}: {body[:300]!r}")
    return json.loads(body)


def sequential_ms(port: int, key: str, paths: list[str], count: int) -> tuple[float, int]:
    """Median ms of `count` requests sent one after another on one keep-alive connection,
    and the median answer size in bytes."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    times, sizes = [], []
    try:
        for i in range(count):
            started = time.perf_counter()
            conn.request("GET", paths[i % len(paths)], headers={"Authorization": f"Bearer {key}"})
            answer = conn.getresponse()
            sizes.append(len(answer.read()))
            times.append(time.perf_counter() - started)
            if answer.status != 200:
                totals["errors"] += 1
    finally:
        conn.close()
    return 1000 * statistics.median(times), int(statistics.median(sizes))


def extended_targets(port: int, keys: dict[str, str]) -> list[Target]:
    """The deal, customer-intelligence and finance endpoints this server has."""
    routes = set(get_json(port, keys["admin"], f"{API}/openapi.json")["paths"])
    deals = get_json(port, keys["sales"], f"{API}/deals?limit={IDS}&sort=-risk_score")["items"]
    at_risk = get_json(port, keys["finance"], f"{API}/customers/at-risk?limit={IDS}")["items"]
    deal_ids = [d["id"] for d in deals]
    customer_ids = [c["customer_id"] for c in at_risk]
    if not deal_ids or not customer_ids:
        raise SystemExit(f"no scored deals ({len(deal_ids)}) or customers ({len(customer_ids)})")
    wanted = [
        Target("GET /deals?limit=50 by -risk_score", "/deals",
               [f"{API}/deals?limit=50&sort=-risk_score"], "sales"),
        Target(f"GET /deals/{{id}}/explanation ({len(deal_ids)})", "/deals/{deal_id}/explanation",
               [f"{API}/deals/{i}/explanation" for i in deal_ids], "sales"),
        Target("GET /deals/summary", "/deals/summary", [f"{API}/deals/summary"], "sales"),
        Target("GET /customers/at-risk?limit=50", "/customers/at-risk",
               [f"{API}/customers/at-risk?limit=50"], "finance"),
        Target(f"GET /customers/{{id}}/churn ({len(customer_ids)})",
               "/customers/{customer_id}/churn",
               [f"{API}/customers/{i}/churn" for i in customer_ids], "finance"),
        Target("GET /retention/cohorts", "/retention/cohorts", [f"{API}/retention/cohorts"],
               "finance"),
        Target("GET /ar/aging", "/ar/aging", [f"{API}/ar/aging"], "finance"),
        Target("GET /ar/overdue", "/ar/overdue", [f"{API}/ar/overdue"], "finance"),
        Target("GET /revrec/deferred", "/revrec/deferred", [f"{API}/revrec/deferred"], "finance"),
        Target("GET /ap/aging", "/ap/aging", [f"{API}/ap/aging"], "finance"),
        Target("GET /tax/report", "/tax/report", [f"{API}/tax/report"], "finance"),
    ]  # fmt: skip
    present = [t for t in wanted if API + t.route in routes]
    for missing in (t for t in wanted if API + t.route not in routes):
        print(f"{missing.name}: not served by this build (no route {API}{missing.route})")
    return present


def fresh_snapshot(workspace: Workspace) -> None:
    """Publish a copy of the current build, so that every memoised answer is cold again."""
    folder = workspace.snapshots_dir(TENANT)
    current = snapshots.current_snapshot(folder)
    assert current is not None
    fresh = snapshots.new_snapshot_path(folder)
    shutil.copyfile(current, fresh)
    snapshots.publish(fresh)


def cold_latencies(
    workspace: Workspace, port: int, keys: dict[str, str], targets: list[Target], runs: int
) -> tuple[dict[str, float], list[float], list[float]]:
    """Median first-request ms per target over `runs` fresh snapshots, and POST /forecast
    cold and warm ms (one cold and three warm requests per snapshot)."""
    cold: dict[str, list[float]] = {t.name: [] for t in targets}
    forecast_cold: list[float] = []
    forecast_warm: list[float] = []
    for _ in range(runs):
        fresh_snapshot(workspace)
        status, body, _ = request(port, keys["admin"], f"{API}/kpis")  # opens the snapshot
        if status != 200:
            raise SystemExit(f"GET /kpis answered {status} on a fresh snapshot: {body[:300]!r}")
        for target in targets:
            status, body, seconds = request(port, keys[target.role], target.paths[0])
            if status != 200:
                print(f"{target.name}: cold request answered {status}: {body[:300]!r}")
                totals["errors"] += 1
            cold[target.name].append(1000 * seconds)
        for n in range(4):
            status, body, seconds = request(
                port, keys["sales"], f"{API}/forecast", "POST", b'{"horizon": 13}'
            )
            if status != 200:
                print(f"POST /forecast answered {status}: {body[:300]!r}")
                totals["errors"] += 1
            (forecast_warm if n else forecast_cold).append(1000 * seconds)
    return {name: statistics.median(ms) for name, ms in cold.items()}, forecast_cold, forecast_warm


def library_explain_ms(workspace: Workspace, repeats: int = 50) -> float | None:
    """Median ms of one open deal's explanation with the library (None: not LightGBM)."""
    registered = load_model(workspace, TENANT)
    model = registered.model
    if not isinstance(model, LightGbmWinModel):
        print(f"library explain: the registered model is {model.kind!r}, not LightGBM: skipped")
        return None
    history = load_tenant_history(workspace, TENANT)
    ctx = prepare(history, model.spec)
    deals = open_deal_indices(history)[:1]
    days = np.full(deals.size, history.as_of, dtype=np.int64)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        explain_rows(model, compute_features(ctx, deals, days), registered.reference, top=5)
        times.append(time.perf_counter() - started)
    return 1000 * statistics.median(times)


def measure_extended(
    workspace: Workspace, port: int, keys: dict[str, str], seconds: float, runs: int
) -> None:
    """Cold, one-client and 50-client figures of the extended endpoints, and issue #6."""
    targets = extended_targets(port, keys)
    cold, forecast_cold, forecast_warm = cold_latencies(workspace, port, keys, targets, runs)
    single, size = {}, {}
    for target in targets:  # warms every path, then times one client on the warm cache
        for path in target.paths:
            request(port, keys[target.role], path)
        single[target.name], size[target.name] = sequential_ms(
            port, keys[target.role], target.paths, 50
        )
    print(
        f"\nextended endpoints: cold = first request on a fresh snapshot (median of {runs}); "
        "1 client = median of 50 sequential requests on the warm cache"
    )
    for target in targets:
        measure(port, keys[target.role], target.name, target.paths, seconds, runs)
    base = rows["baseline GET /api/v1/health"]
    print(f"\n{'endpoint':<40} {'bytes':>8} {'cold ms':>9} {'1 client ms':>12} "
          f"{'p50 / base':>11} {'req/s / base':>13}")  # fmt: skip
    for target in targets:
        p50, _, rate = rows[target.name]
        flag = f"  SLOW: p50 > {SLOW_P50_MS:.0f} ms" if p50 > SLOW_P50_MS else ""
        print(
            f"{target.name:<40} {size[target.name]:8,} {cold[target.name]:9.1f} "
            f"{single[target.name]:12.2f} "
            f"{p50 / base[0]:10.2f}× {rate / base[2]:12.2f}×{flag}"
        )
    print(
        f"POST /forecast (horizon 13 weeks): cold {statistics.median(forecast_cold):.0f} ms "
        f"(median of {len(forecast_cold)}), warm {statistics.median(forecast_warm):.2f} ms "
        f"(median of {len(forecast_warm)})"
    )
    name = next((t.name for t in targets if t.route == "/deals/{deal_id}/explanation"), None)
    library = library_explain_ms(workspace)
    parts = []
    if name is not None:
        parts.append(f"endpoint 1-client {single[name]:.2f} ms, p50 at {CLIENTS} clients "
                     f"{rows[name][0]:.2f} ms, cold {cold[name]:.1f} ms")  # fmt: skip
    if library is not None:
        parts.append(f"library explain_rows {library:.2f} ms")
    met = (name is None or single[name] < EXPLAIN_TARGET_MS) and (
        library is None or library < EXPLAIN_TARGET_MS
    )
    verdict = "met" if met and parts else "NOT met"
    print(f"issue #6 single-deal explanation < {EXPLAIN_TARGET_MS:.0f} ms: "
          f"{'; '.join(parts) or 'nothing measured'} → {verdict}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=500)
    parser.add_argument("--workspace", type=Path, default=None)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--endpoints",
        choices=("core", "extended"),
        default="core",
        help="extended: also deals, forecast, customer intelligence and finance endpoints",
    )
    args = parser.parse_args()
    extended = args.endpoints == "extended"
    with tempfile.TemporaryDirectory(prefix="revlake-bench-api-") as tmp:
        if args.workspace is not None:
            workspace = Workspace.open(args.workspace)
        else:
            print(f"building a {args.customers}-customer workspace ...", flush=True)
            workspace = prepare_workspace(Path(tmp), args.customers, models=extended)
        key = demo_key(workspace, TENANT, role="admin")
        keys = {"admin": key}
        if extended:
            keys |= {role: demo_key(workspace, TENANT, role=role) for role in ("sales", "finance")}
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
            if extended:
                measure_extended(workspace, port, keys, args.seconds, args.runs)
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
