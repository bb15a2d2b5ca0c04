"""Soak: legitimate API load while the server is abused, for a bounded time on loopback.

Run: python -m benchmarks.bench_soak [--customers N] [--quiet S] [--attack S]
     [--flooders 16] [--baseline-src PATH] [--json-out FILE]      (`make soak`)

One `revlake serve` process; from this process, over loopback:

- legitimate load: `--clients` (4) closed-loop keep-alive clients on GET /api/v1/kpis with a
  valid key, for `--quiet` seconds alone, then for `--attack` seconds during the abuse;
- wrong-secret flood: `--flooders` (16) closed-loop clients sending the known key id of a
  real key with a wrong secret (what the issue 18 campaign did: ~100 ms of scrypt each);
- unauthenticated POST bodies of `--body-mib` (105) MiB, one client in a loop (the issue
  18 campaign sent three of 105 MB: the server grew from 783 to 1,735 MB);
- publishes: every 4 s a copy of the published build is published again
  (`revlake.ml.service.publish_with_tables`, the path every scorer uses);
- runs killed with -9: every 6 s a `revlake run --force-build` is started and killed with
  SIGKILL 1 s after it took the workspace lock (mid-ingest or build); at the end
  `revlake runs` must show each as `abandoned`.

Three phases: quiet (legitimate load alone), flood (plus the wrong-secret flood only:
the issue's "16 clients flooding wrong secrets"), soak (flood plus the big bodies,
publishes and killed runs, for `--attack` seconds).
Printed: p50/p99 of the legitimate requests in each phase, their errors, the
answers the flood and the big bodies got, the server's resident memory before and after
the attack (and after a 3 s settle), runs abandoned, and whether `revlake audit verify`
passes. With `--baseline-src PATH` (a checkout's `src/`, e.g. `git archive main src`) the
same soak first runs against that code, in the same run, as the before figure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.bench_api import free_port, prepare_workspace
from revlake.workspace import Workspace

TENANT = "demo"
KPIS = "/api/v1/kpis"
PUBLISH_EVERY_S = 4.0
RUN_EVERY_S = 6.0
RUN_KILL_AFTER_S = 1.0  # after it took the workspace lock
PUBLISH_CODE = (
    "import sys; from revlake.workspace import Workspace; "
    "from revlake.ml.service import publish_with_tables; "
    "publish_with_tables(Workspace.open(sys.argv[1]), 'demo', 'soak publish', "
    "lambda con: con.execute('create or replace table gold.soak_marker as select 1 as x'), "
    "wait_s=60)"
)


@dataclass
class Phase:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0


async def _one_request(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes
) -> int:
    writer.write(raw)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    await reader.readexactly(length)
    return status


async def _loop(
    port: int, raw: bytes, stop: asyncio.Event, phase: Phase | None, codes: Counter[int]
) -> None:
    while not stop.is_set():
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            codes[-1] += 1
            await asyncio.sleep(0.05)
            continue
        try:
            while not stop.is_set():
                started = time.perf_counter()
                status = await _one_request(reader, writer, raw)
                codes[status] += 1
                if phase is not None:
                    phase.latencies.append(time.perf_counter() - started)
                    if status != 200:
                        phase.errors += 1
        except (ConnectionError, asyncio.IncompleteReadError):
            codes[-1] += 1
            if phase is not None:
                phase.errors += 1
        finally:
            writer.close()


async def _big_bodies(port: int, stop: asyncio.Event, codes: Counter[int], mib: int) -> None:
    """POST `mib` MiB without a key, streamed in 1 MiB chunks until the server answers."""
    chunk = b" " * (1024 * 1024)
    head = (
        "POST /api/v1/revrec/contracts HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {mib * len(chunk)}\r\nConnection: close\r\n\r\n"
    ).encode()
    while not stop.is_set():
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            codes[-1] += 1
            await asyncio.sleep(0.2)
            continue
        try:
            writer.write(head)
            for _ in range(mib):
                writer.write(chunk)
                await writer.drain()
        except ConnectionError:
            pass  # the server answered and closed without reading the rest
        try:
            line = await asyncio.wait_for(reader.readline(), timeout=10)
            codes[int(line.split(b" ", 2)[1]) if line else -1] += 1
        except (OSError, ValueError, IndexError, TimeoutError):
            codes[-1] += 1
        writer.close()
        await asyncio.sleep(0.2)


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _env(src: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    return env


def start_server(workspace: Workspace, port: int, src: Path | None) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "revlake", "serve", "--workspace", str(workspace.root),
        "--port", str(port), "--log-level", "warning",
    ]  # fmt: skip
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, env=_env(src))
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


def _wait_for_lock_holder(workspace: Workspace, pid: int, timeout_s: float) -> None:
    info = workspace.root / ".revlake.lock.json"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if json.loads(info.read_text(encoding="utf-8")).get("pid") == pid:
                return
        except (OSError, ValueError):
            pass
        time.sleep(0.05)


def _side_work(
    workspace: Workspace, src: Path | None, stop: threading.Event, counts: Counter[str]
) -> None:
    """Publishes every 4 s and a `revlake run` killed with -9 every 6 s, until `stop`."""
    next_publish = next_run = time.monotonic()
    env = _env(src)
    while not stop.is_set():
        now = time.monotonic()
        if now >= next_publish:
            done = subprocess.run(
                [sys.executable, "-c", PUBLISH_CODE, str(workspace.root)],
                env=env,
                capture_output=True,
                check=False,
            )
            counts["publishes" if done.returncode == 0 else "publish failures"] += 1
            next_publish = time.monotonic() + PUBLISH_EVERY_S
        if now >= next_run:
            run = subprocess.Popen(
                [sys.executable, "-m", "revlake", "run", "--workspace", str(workspace.root),
                 "--force-build", "--wait", "60"],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            # kill it once it is recorded and working: when it holds the workspace lock
            _wait_for_lock_holder(workspace, run.pid, timeout_s=60)
            time.sleep(RUN_KILL_AFTER_S)
            os.kill(run.pid, signal.SIGKILL)
            run.wait()
            counts["runs killed"] += 1
            next_run = time.monotonic() + RUN_EVERY_S
        stop.wait(0.2)


async def _phase(
    port: int,
    key: str,
    wrong: str,
    clients: int,
    seconds: float,
    flooders: int,
    codes: dict[str, Counter[int]],
    body_mib: int = 0,
) -> Phase:
    phase = Phase()
    stop = asyncio.Event()
    good = f"GET {KPIS} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\n\r\n".encode()
    bad = f"GET {KPIS} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {wrong}\r\n\r\n".encode()
    tasks = [
        asyncio.create_task(_loop(port, good, stop, phase, codes["legit"])) for _ in range(clients)
    ]
    if flooders:
        tasks += [
            asyncio.create_task(_loop(port, bad, stop, None, codes["flood"]))
            for _ in range(flooders)
        ]
    if body_mib:
        tasks.append(asyncio.create_task(_big_bodies(port, stop, codes["bodies"], body_mib)))
    await asyncio.sleep(seconds)
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    return phase


def new_key(workspace: Workspace, src: Path | None) -> str:
    """An admin key made by the code under test (its store migrations, not this process's)."""
    code = (
        "import sys; from revlake.api.server import demo_key; print(demo_key(sys.argv[1], 'demo'))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(workspace.root)],
        env=_env(src), capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout.strip().splitlines()[-1]


def soak(workspace: Workspace, args: argparse.Namespace, src: Path | None) -> dict[str, Any]:
    key = new_key(workspace, src)
    victim = new_key(workspace, src)  # a real key whose id the flood uses
    prefix, key_id, _ = victim.split("_", 2)
    wrong = f"{prefix}_{key_id}_{'x' * 43}"
    port = free_port()
    server = start_server(workspace, port, src)
    codes: dict[str, Counter[int]] = {k: Counter() for k in ("legit", "flood", "bodies")}
    side: Counter[str] = Counter()
    try:
        asyncio.run(_phase(port, key, wrong, args.clients, 2.0, 0, codes))  # warm up
        quiet = asyncio.run(_phase(port, key, wrong, args.clients, args.quiet, 0, codes))
        rss_before = rss_mib(server.pid)
        flood = asyncio.run(
            _phase(port, key, wrong, args.clients, args.flood, args.flooders, codes)
        )
        rss_flood = rss_mib(server.pid)
        stop = threading.Event()
        worker = threading.Thread(target=_side_work, args=(workspace, src, stop, side))
        worker.start()
        attack = asyncio.run(
            _phase(port, key, wrong, args.clients, args.attack, args.flooders, codes, args.body_mib)
        )
        stop.set()
        worker.join()
        rss_after = rss_mib(server.pid)
        time.sleep(3)
        rss_settled = rss_mib(server.pid)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    runs = subprocess.run(
        [sys.executable, "-m", "revlake", "runs", "--workspace", str(workspace.root),
         "--json", "--limit", "200"],
        env=_env(src), capture_output=True, text=True, check=False,
    )  # fmt: skip
    statuses: dict[str, int] | str = (
        dict(Counter(r["status"] for r in json.loads(runs.stdout)))
        if runs.returncode == 0
        else "revlake runs unavailable"
    )
    verify = subprocess.run(
        [sys.executable, "-m", "revlake", "audit", "verify", "--workspace", str(workspace.root)],
        env=_env(src), capture_output=True, text=True, check=False,
    )  # fmt: skip
    return {
        "quiet": {"p50_ms": quiet.pct(0.5), "p99_ms": quiet.pct(0.99), "n": len(quiet.latencies),
                  "errors": quiet.errors},
        "flood": {"p50_ms": flood.pct(0.5), "p99_ms": flood.pct(0.99),
                  "max_ms": flood.pct(1.0), "n": len(flood.latencies), "errors": flood.errors},
        "attack": {"p50_ms": attack.pct(0.5), "p99_ms": attack.pct(0.99),
                   "max_ms": attack.pct(1.0), "n": len(attack.latencies),
                   "errors": attack.errors},
        "flood_answers": dict(codes["flood"]),
        "body_answers": dict(codes["bodies"]),
        "rss_mib": {"before": rss_before, "after_flood": rss_flood, "after": rss_after,
                    "settled": rss_settled},
        "side_work": dict(side),
        "run_statuses": statuses,
        "audit_verify": verify.returncode == 0,
        "audit_verify_text": (verify.stdout or verify.stderr).strip()[:300],
    }  # fmt: skip


def show(name: str, result: dict[str, Any]) -> None:
    q, f, a, m = result["quiet"], result["flood"], result["attack"], result["rss_mib"]
    print(f"\n--- {name}")
    print(f"legit GET /kpis quiet   p50 {q['p50_ms']:7.1f} ms  p99 {q['p99_ms']:7.1f} ms  "
          f"n {q['n']}  errors {q['errors']}")  # fmt: skip
    print(f"legit GET /kpis flood   p50 {f['p50_ms']:7.1f} ms  p99 {f['p99_ms']:7.1f} ms  "
          f"max {f['max_ms']:7.1f} ms  n {f['n']}  errors {f['errors']}")  # fmt: skip
    print(f"legit GET /kpis soak    p50 {a['p50_ms']:7.1f} ms  p99 {a['p99_ms']:7.1f} ms  "
          f"max {a['max_ms']:7.1f} ms  n {a['n']}  errors {a['errors']}")  # fmt: skip
    print(f"flood answers {result['flood_answers']}  big bodies {result['body_answers']}")
    print(f"server RSS MiB before {m['before']:.0f}  after flood {m['after_flood']:.0f}  "
          f"after soak {m['after']:.0f}  "
          f"settled {m['settled']:.0f}")  # fmt: skip
    print(f"side work {result['side_work']}  runs {result['run_statuses']}")
    print(f"audit verify ok: {result['audit_verify']}  ({result['audit_verify_text'][:120]})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=150)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--flooders", type=int, default=16)
    parser.add_argument("--quiet", type=float, default=10.0)
    parser.add_argument("--body-mib", type=int, default=105, help="unauthenticated POST size")
    parser.add_argument("--flood", type=float, default=20.0, help="seconds of flood only")
    parser.add_argument("--attack", type=float, default=30.0, help="seconds of the full soak")
    parser.add_argument("--workspace", type=Path, default=None)
    parser.add_argument("--baseline-src", type=Path, default=None)
    parser.add_argument("--json-out", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="revlake-soak-") as tmp:
        if args.workspace is not None:
            workspace = Workspace.open(args.workspace)
        else:
            print(f"preparing a {args.customers}-customer workspace ...", flush=True)
            workspace = prepare_workspace(Path(tmp), args.customers)
        results: dict[str, Any] = {}
        if args.baseline_src is not None:
            results["baseline"] = soak(workspace, args, args.baseline_src.resolve())
            show(f"baseline ({args.baseline_src})", results["baseline"])
        results["this"] = soak(workspace, args, None)
        show("this checkout", results["this"])
    if args.json_out is not None:
        args.json_out.write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
