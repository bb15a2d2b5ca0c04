"""The server's own cost of one request, without sockets or a load generator.

Run: python -m benchmarks.bench_request_cost [--workspace PATH | --customers N]
     [--requests N] [--runs R]

The app of `revlake serve` is built in this process (its lifespan started: the warmer
has loaded the current build's stored answers) and called directly through ASGI, one
request after another, with a `sales` key of tenant `demo`: `GET /health` (no key, no
snapshot: FastAPI's routing and nothing else), `GET /deals/summary` and `POST /forecast`
13 weeks with a stored answer (both replayed by the response cache after their first
request). Prints µs per request, median of `--runs`. What it leaves out is uvicorn's
HTTP handling and the client, which the 50-client figures of
`benchmarks.bench_deal_endpoints` include: with 50 clients in a closed loop the latency
is about 50 ÷ throughput, and throughput is bounded by the sum of these costs.

Without --workspace a demo-size workspace is generated, built, trained, scored and
published with its answers in a temporary folder (as `benchmarks.bench_deal_endpoints`
does); with it, the workspace's current build must carry precomputed answers.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from starlette.types import Message

from benchmarks.bench_api import TENANT, prepare_workspace
from benchmarks.bench_deal_endpoints import publish_scored
from revlake.api import create_app
from revlake.api.server import demo_key
from revlake.workspace import Workspace

WARM_S = 2.0
FORECAST = b'{"horizon": 13, "period": "week"}'
CASES = (
    ("GET /health", "GET", "/api/v1/health", b""),
    ("GET /deals/summary", "GET", "/api/v1/deals/summary", b""),
    ("POST /forecast 13 weeks", "POST", "/api/v1/forecast", FORECAST),
)


def scope(method: str, path: str, key: str, body: bytes) -> dict[str, Any]:
    headers = [(b"host", b"127.0.0.1"), (b"authorization", f"Bearer {key}".encode())]
    if body:
        headers += [(b"content-type", b"application/json")]
        headers += [(b"content-length", str(len(body)).encode())]
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


async def call(app: FastAPI, method: str, path: str, key: str, body: bytes) -> int:
    status: list[int] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            status.append(int(message["status"]))

    await app(scope(method, path, key, body), receive, send)
    return status[0]


async def run(workspace: Workspace, requests: int, runs: int) -> None:
    key = demo_key(workspace, TENANT, role="sales")
    app = create_app(workspace)
    async with app.router.lifespan_context(app):
        await asyncio.sleep(WARM_S)  # the warmer loads the stored answers meanwhile
        for _, method, path, body in CASES:
            status = await call(app, method, path, key, body)
            if status != 200:
                raise SystemExit(f"{method} {path} answered {status}")
        for name, method, path, body in CASES:
            costs = []
            for _ in range(runs):
                started = time.perf_counter()
                for _ in range(requests):
                    await call(app, method, path, key, body)
                costs.append(1e6 * (time.perf_counter() - started) / requests)
            print(
                f"{name:<26} {statistics.median(costs):8.1f} µs per request "
                f"(runs {', '.join(f'{c:.1f}' for c in costs)})",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, default=None, help="scored, published")
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if args.workspace is not None:
        asyncio.run(run(Workspace.open(args.workspace), args.requests, args.runs))
        return
    with tempfile.TemporaryDirectory(prefix="revlake-bench-cost-") as tmp:
        print(f"building a {args.customers}-customer workspace ...", flush=True)
        workspace = prepare_workspace(Path(tmp), args.customers, models=True)
        publish_scored(workspace)
        asyncio.run(run(workspace, args.requests, args.runs))


if __name__ == "__main__":
    main()
