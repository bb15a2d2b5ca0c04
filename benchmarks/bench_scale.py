"""The whole product at one size, step by step: time and peak memory of each CLI command
(issue 17, item 3).

Run: python -m benchmarks.bench_scale [--customers N] [--workers W] [--memory-limit SIZE]
     [--threads T] [--keep DIR] [--from-step STEP]

Each step runs as its own `revlake` process under `/usr/bin/time -v`, as an operator
would run it, in this order:

- generate: `revlake generate --customers N --seed 7 --workers W` (the synthetic company);
- ingest: `revlake init` (one tenant), the generated exports hard-linked into its landing
  folder (no copy: same files), then `revlake ingest --strict`;
- build: `revlake build --full` (every dbt model, the finance models included: revrec,
  receivables, payables, bank, tax; every data and unit test; publish), with
  REVLAKE_BUILD_MEMORY_LIMIT set to `--memory-limit` when given (DuckDB's memory_limit;
  unset = DuckDB's default, 80% of RAM);
- train: `revlake train` (the win model);
- score: `revlake score`: the scored publish, as `revlake run` publishes it (score open
  deals, precompute the deal and forecast answers into the copy, publish);
- forecast: `revlake forecast --publish` (another publish with precomputed answers);
- churn-train / churn-score: `revlake churn train`, `revlake churn score` (a publish);
- serve: `revlake serve` started on a free port; timed: until it accepts connections,
  then the first request of a few endpoints on that server (GET /api/v1/kpis, GET
  /api/v1/deals/summary, the dashboard's overview `/` and CFO page after a login), then a
  second request of each (warm), with each answer's HTTP status (a build not scored yet
  answers the deal summary with an error, shown, not fatal); the server is stopped with
  SIGINT.

Per step: wall seconds (measured here, around the process), peak RSS (the `Maximum
resident set size` /usr/bin/time reports: the largest single process of the step, so for
`generate --workers 2` the largest of parent and workers, not their sum), CPU % and the
load average before and after. After the build, the row counts of the biggest gold tables
and how many models (of them under marts/finance) dbt built are printed.

Everything is written under `--keep DIR` (default a temporary folder, deleted at the
end): `generated/`, the workspace `ws/`, `logs/<step>.log` and `.time`, and
`results.json` (each finished step's figures). `--from-step STEP` resumes on a kept DIR:
the steps before STEP are not run again and their recorded figures are printed with the
new ones. `--skip STEP` leaves a step out (each publish precomputes every answer again,
so at 1M customers `--skip forecast` saves one such publish). A failed step stops the
run (its log says why). Nothing is written to the repo.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

TENANT = "demo"
STEPS = (
    "generate",
    "ingest",
    "build",
    "train",
    "score",
    "forecast",
    "churn-train",
    "churn-score",
    "serve",
)
TOP_TABLES = 8
REVLAKE = [sys.executable, "-m", "revlake"]
_RSS = re.compile(r"Maximum resident set size \(kbytes\): (\d+)")
_CPU = re.compile(r"Percent of CPU this job got: (\d+)%")
_PRECOMPUTED = re.compile(r"precomputed ([\d,]+) answers .*? in ([\d.]+) s", re.DOTALL)


class StepFailed(SystemExit):
    """A step's command exited non-zero: the run stops there."""


def load_text() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.2f}/{five:.2f}"


def timed(
    folder: Path, step: str, part: str, command: list[str], env: dict[str, str] | None = None
) -> dict[str, Any]:
    """Run `command` under /usr/bin/time -v; its figures (wall s, peak RSS MiB, CPU %)."""
    logs = folder / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    time_file = logs / f"{step}{part}.time"
    started = time.perf_counter()
    with (logs / f"{step}{part}.log").open("w") as log:
        done = subprocess.run(
            ["/usr/bin/time", "-v", "-o", str(time_file), *command],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            check=False,
        )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise StepFailed(f"{step}: {' '.join(command)} exited {done.returncode}; see {log.name}")
    return {"wall_s": wall, **usage(time_file)}


def usage(time_file: Path) -> dict[str, Any]:
    """Peak RSS (MiB) and CPU share from a /usr/bin/time -v report."""
    text = time_file.read_text()
    rss = _RSS.search(text)
    cpu = _CPU.search(text)
    return {
        "peak_rss_mib": int(rss.group(1)) / 1024 if rss else float("nan"),
        "cpu_pct": int(cpu.group(1)) if cpu else None,
    }


_WALL = re.compile(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([0-9:.]+)")


def recorded_step(folder: Path, step: str) -> dict[str, Any] | None:
    """Figures of a step run by hand (the same command under /usr/bin/time -v, its report
    in logs/<step>.time) that results.json does not hold."""
    time_file = folder / "logs" / f"{step}.time"
    if not time_file.is_file():
        return None
    text = time_file.read_text()
    wall = _WALL.search(text)
    # a process killed by a signal also reports "Exit status: 0"
    if not wall or "Exit status: 0" not in text or "terminated by signal" in text:
        return None
    seconds = sum(float(part) * 60**i for i, part in enumerate(reversed(wall.group(1).split(":"))))
    return {"wall_s": seconds, **usage(time_file), "by_hand": True}


def combine(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """A step of several processes: walls add up, the peak is the largest one's."""
    return {
        "wall_s": sum(p["wall_s"] for p in parts),
        "peak_rss_mib": max(p["peak_rss_mib"] for p in parts),
        "cpu_pct": None,
    }


def step_generate(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    out = folder / "generated"
    shutil.rmtree(out, ignore_errors=True)
    command = [*REVLAKE, "generate", "--customers", str(args.customers), "--seed", "7"]
    return timed(
        folder, "generate", "", [*command, "--workers", str(args.workers), "--out", str(out)]
    )


def step_ingest(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    ws = folder / "ws"
    shutil.rmtree(ws, ignore_errors=True)
    init = timed(folder, "ingest", "-init", [*REVLAKE, "init", str(ws), "--tenant", TENANT])
    exports = folder / "generated" / "exports"
    landing = ws / "landing" / TENANT
    for source in sorted(exports.rglob("*")):
        target = landing / source.relative_to(exports)
        if source.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(source, target)  # the generated files, not a copy of 14 GB at 1M
    # the files are complete: no need to wait for them to settle
    ingest = timed(
        folder,
        "ingest",
        "",
        [*REVLAKE, "ingest", "--workspace", str(ws), "--strict"],
        env={"REVLAKE_INGEST_SETTLE_SECONDS": "0"},
    )
    return combine([init, ingest])


def step_build(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    command = [*REVLAKE, "build", "--workspace", str(folder / "ws"), "--full"]
    env = {"REVLAKE_BUILD_MEMORY_LIMIT": args.memory_limit} if args.memory_limit else {}
    figures = timed(folder, "build", "", [*command, "--threads", str(args.threads)], env=env)
    figures["memory_limit"] = args.memory_limit
    figures |= build_facts(folder / "ws")
    return figures


def build_facts(ws: Path) -> dict[str, Any]:
    """Models built (and of them finance models) and the biggest gold tables' rows."""
    from revlake.transform import snapshots
    from revlake.transform.build import count_rows, dbt_work_dir
    from revlake.transform.project import GOLD_SCHEMA
    from revlake.workspace import Workspace

    workspace = Workspace.open(ws)
    target = dbt_work_dir(workspace, TENANT) / "target"
    manifest = json.loads((target / "manifest.json").read_text())["nodes"]
    results = json.loads((target / "run_results.json").read_text())["results"]
    built = [
        r["unique_id"]
        for r in results
        if r["unique_id"].startswith("model.") and r["status"] == "success"
    ]
    finance = [u for u in built if manifest[u]["path"].startswith("marts/finance/")]
    current = snapshots.current_snapshot(workspace.snapshots_dir(TENANT))
    if current is None:
        raise StepFailed("build: nothing was published")
    rows = count_rows(current, GOLD_SCHEMA)
    biggest = sorted(rows.items(), key=lambda item: -item[1])[:TOP_TABLES]
    return {
        "models_built": len(built),
        "finance_models_built": len(finance),
        "gold_rows": dict(biggest),
        "snapshot_gib": current.stat().st_size / 1024**3,
    }


def simple(step: str, *command: str) -> Callable[[argparse.Namespace, Path], dict[str, Any]]:
    """A step that is one revlake command on the kept workspace."""

    def run(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
        figures = timed(folder, step, "", [*REVLAKE, *command, "--workspace", str(folder / "ws")])
        # a publish prints "precomputed N answers (...) in S s": its share of the step
        found = _PRECOMPUTED.search((folder / "logs" / f"{step}.log").read_text())
        if found:
            figures["precompute"] = {"answers": found.group(1), "s": float(found.group(2))}
        return figures

    return run


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def create_key(folder: Path, role: str) -> str:
    """A new API key (`revlake keys create` prints it on stdout, last line)."""
    command = [*REVLAKE, "keys", "create", "--workspace", str(folder / "ws")]
    done = subprocess.run(
        [*command, "--tenant", TENANT, "--role", role, "--name", "bench_scale"],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1].strip()


def get(port: int, path: str, headers: dict[str, str]) -> tuple[int, float, int]:
    """Status, seconds and body bytes of one GET on a new connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        started = time.perf_counter()
        conn.request("GET", path, headers=headers)
        answer = conn.getresponse()
        body = answer.read()
        return answer.status, time.perf_counter() - started, len(body)
    finally:
        conn.close()


def dashboard_cookie(port: int, key: str) -> str:
    """Log in to the dashboard with `key`; the session cookie it sets."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        body = urllib.parse.urlencode({"api_key": key})
        conn.request("POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded"})
        answer = conn.getresponse()
        answer.read()
        cookie = answer.getheader("set-cookie")
        if answer.status != 303 or not cookie:
            raise StepFailed(f"serve: dashboard login answered {answer.status}")
        return cookie.split(";", 1)[0]
    finally:
        conn.close()


def step_serve(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    key = create_key(folder, "admin")
    port = free_port()
    logs = folder / "logs"
    time_file = logs / "serve.time"
    command = [*REVLAKE, "serve", "--workspace", str(folder / "ws"), "--port", str(port)]
    started = time.perf_counter()
    with (logs / "serve.log").open("w") as log:
        server = subprocess.Popen(
            ["/usr/bin/time", "-v", "-o", str(time_file), *command, "--log-level", "warning"],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: SIGINT reaches revlake
        )
        try:
            listening = wait_listening(server, port, started)
            bearer = {"Authorization": f"Bearer {key}"}
            requests: list[tuple[str, dict[str, str]]] = [
                ("/api/v1/kpis", bearer),
                ("/api/v1/deals/summary", bearer),
            ]
            cookie = {"Cookie": dashboard_cookie(port, key)}
            requests += [("/", cookie), ("/finance/cfo", cookie)]
            first = {path: get(port, path, headers) for path, headers in requests}
            warm = {path: get(port, path, headers) for path, headers in requests}
        finally:
            # time(1) ignores SIGINT; revlake serve stops on it and time(1) reports
            os.killpg(server.pid, signal.SIGINT)
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    return {
        "wall_s": listening,
        **usage(time_file),
        "first_ms": {path: 1000 * seconds for path, (_, seconds, _) in first.items()},
        "warm_ms": {path: 1000 * seconds for path, (_, seconds, _) in warm.items()},
        "bytes": {path: size for path, (_, _, size) in first.items()},
        # not 200 is shown, not fatal: a build not scored yet has no deal summary
        "status": {path: status for path, (status, _, _) in first.items()},
    }


def wait_listening(server: subprocess.Popen[bytes], port: int, started: float) -> float:
    """Seconds from the process start until the server accepts connections."""
    deadline = started + 600
    while time.perf_counter() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return time.perf_counter() - started
        except OSError:
            if server.poll() is not None:
                raise StepFailed("serve: revlake serve exited early; see serve.log") from None
            time.sleep(0.2)
    raise StepFailed("serve: not listening after 600 s")


RUNNERS: dict[str, Callable[[argparse.Namespace, Path], dict[str, Any]]] = {
    "generate": step_generate,
    "ingest": step_ingest,
    "build": step_build,
    "train": simple("train", "train"),
    "score": simple("score", "score"),
    "forecast": simple("forecast", "forecast", "--publish"),
    "churn-train": simple("churn-train", "churn", "train"),
    "churn-score": simple("churn-score", "churn", "score"),
    "serve": step_serve,
}


def print_step(step: str, figures: dict[str, Any]) -> None:
    cpu = f"{figures['cpu_pct']}%" if figures.get("cpu_pct") is not None else "-"
    print(
        f"{step:<12} {figures['wall_s']:9.1f} s  peak RSS {figures['peak_rss_mib']:9,.0f} MiB"
        f"  CPU {cpu:>5}  load {figures.get('load_before', '?')} → "
        f"{figures.get('load_after', '?')}",
        flush=True,
    )
    if "precompute" in figures:
        found = figures["precompute"]
        print(f"{'':<12} of which precompute {found['s']:.1f} s ({found['answers']} answers)")
    if "gold_rows" in figures:
        print(
            f"{'':<12} {figures['models_built']} models built "
            f"({figures['finance_models_built']} finance), memory_limit "
            f"{figures.get('memory_limit') or 'DuckDB default'}, snapshot "
            f"{figures['snapshot_gib']:.2f} GiB",
            flush=True,
        )
        for table, count in figures["gold_rows"].items():
            print(f"{'':<14} gold.{table:<40} {count:>14,} rows", flush=True)
    if "first_ms" in figures:
        print(f"{'':<12} (wall = start until listening)", flush=True)
        for path, first in figures["first_ms"].items():
            print(
                f"{'':<14} GET {path:<28} first {first:9.1f} ms  warm "
                f"{figures['warm_ms'][path]:8.1f} ms  {figures['bytes'][path]:>9,} B  "
                f"HTTP {figures.get('status', {}).get(path, '?')}",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2, help="dbt threads of the build")
    parser.add_argument("--memory-limit", default=None, help='DuckDB memory_limit, e.g. "10GB"')
    parser.add_argument("--keep", type=Path, default=None, help="work folder, kept")
    parser.add_argument("--from-step", choices=STEPS, default=STEPS[0])
    parser.add_argument(
        "--skip", choices=STEPS, action="append", default=[], help="a step not to run (repeat)"
    )
    args = parser.parse_args()
    if args.from_step != STEPS[0] and args.keep is None:
        parser.error("--from-step needs the --keep folder of an earlier run")
    folder = args.keep or Path(tempfile.mkdtemp(prefix="revlake-scale-"))
    folder.mkdir(parents=True, exist_ok=True)
    results_file = folder / "results.json"
    first = STEPS.index(args.from_step)
    recorded = json.loads(results_file.read_text()) if results_file.is_file() else {}
    results = {step: recorded[step] for step in STEPS[:first] if step in recorded}
    for step in STEPS[:first]:
        if step not in results and (by_hand := recorded_step(folder, step)):
            results[step] = by_hand
    print(f"{args.customers:,} customers in {folder}; {os.cpu_count()} CPUs", flush=True)
    for step, figures in results.items():
        print_step(step + "*", figures)
    try:
        for step in STEPS[first:]:
            if step in args.skip:
                continue
            before = load_text()
            figures = RUNNERS[step](args, folder)
            figures |= {"load_before": before, "load_after": load_text()}
            figures["customers"] = args.customers
            results[step] = figures
            results_file.write_text(json.dumps(results, indent=2))
            print_step(step, figures)
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    print("(* recorded by an earlier run in this folder)" if first else "", flush=True)


if __name__ == "__main__":
    main()
